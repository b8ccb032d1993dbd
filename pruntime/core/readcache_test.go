package core

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestReadCacheSharesAFetch: readers of one key at one height that miss
// together make one fetch, and later readers hit the cache.
func TestReadCacheSharesAFetch(t *testing.T) {
	var c readCache
	var fetches atomic.Int32
	release := make(chan struct{})
	fetch := func() ([]byte, int64, error) {
		fetches.Add(1)
		<-release
		return []byte("v"), 7, nil
	}
	const readers = 16
	var wg sync.WaitGroup
	for range readers {
		wg.Go(func() {
			v, h, err := c.load(context.Background(), []byte("k"), 7, fetch)
			if err != nil || string(v) != "v" || h != 7 {
				t.Errorf("load: %q %d %v", v, h, err)
			}
		})
	}
	waitWaiters(t, &c, flightKey{7, "k"}, readers-1)
	close(release)
	wg.Wait()
	if n := fetches.Load(); n != 1 {
		t.Fatalf("%d fetches for one key at one height", n)
	}
	if _, _, err := c.load(context.Background(), []byte("k"), 7, func() ([]byte, int64, error) {
		t.Fatal("a cached value was fetched again")
		return nil, 0, nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestReadCacheFetcherGivesUp: when the reader that fetches gives up (its
// ctx ended), a waiting reader whose ctx is alive fetches itself instead
// of failing with the other's cancellation.
func TestReadCacheFetcherGivesUp(t *testing.T) {
	var c readCache
	inFetch := make(chan struct{})
	giveUp := make(chan struct{})
	first := make(chan error, 1)
	go func() {
		_, _, err := c.load(context.Background(), []byte("k"), 3, func() ([]byte, int64, error) {
			close(inFetch)
			<-giveUp
			return nil, 0, context.Canceled
		})
		first <- err
	}()
	<-inFetch
	second := make(chan error, 1)
	go func() {
		v, _, err := c.load(context.Background(), []byte("k"), 3, func() ([]byte, int64, error) {
			return []byte("fresh"), 3, nil
		})
		if err == nil && string(v) != "fresh" {
			err = context.DeadlineExceeded
		}
		second <- err
	}()
	waitWaiters(t, &c, flightKey{3, "k"}, 1)
	close(giveUp)
	if err := <-first; err != context.Canceled {
		t.Fatalf("the fetcher: %v", err)
	}
	if err := <-second; err != nil {
		t.Fatalf("the waiting reader failed with the fetcher's cancellation: %v", err)
	}
}

// waitWaiters waits until n readers wait on the flight of fk.
func waitWaiters(t *testing.T, c *readCache, fk flightKey, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c.mu.Lock()
		f := c.flights[fk]
		got := 0
		if f != nil {
			got = f.waiters
		}
		c.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d readers wait on the flight, want %d", got, n)
		}
		runtime.Gosched()
	}
}
