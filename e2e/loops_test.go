package e2e

import "sync"

// loops runs load: functions called over and over, each in its own
// goroutine, until stop.
type loops struct {
	halt chan struct{}
	wg   sync.WaitGroup
}

func newLoops() *loops { return &loops{halt: make(chan struct{})} }

// run calls once(0), once(1), ... in a goroutine until stop.
func (l *loops) run(once func(n int)) {
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		for n := 0; ; n++ {
			select {
			case <-l.halt:
				return
			default:
			}
			once(n)
		}
	}()
}

// stop ends every loop after its current call and waits for them.
func (l *loops) stop() {
	close(l.halt)
	l.wg.Wait()
}
