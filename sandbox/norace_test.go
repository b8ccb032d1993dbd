//go:build !race

package sandbox

import "time"

// raceSlowdown is 1 without the race detector; see race_test.go.
const raceSlowdown = 1

// zooSlack is how far past its limit a zoo script may end; see race_test.go.
const zooSlack = 100 * time.Millisecond
