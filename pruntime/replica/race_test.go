//go:build race

package replica

// raceScale divides the gas of TestHeavyBuiltinsAgreeOnUnequalReplicas
// under the race detector, which makes the engine many times slower: the
// slowed replica must still run out of gas long before the time limit.
const raceScale = 20
