//go:build race

package local

// raceDetector says the tests run under the race detector, which slows the
// model's single-goroutine decoding about thirtyfold: the longest sampled
// decodes skip under it and run in scripts/test.sh's plain llm/local step.
const raceDetector = true
