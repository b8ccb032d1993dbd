package explorer

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// PollInterval is how often the live stream asks the node for new blocks
// while a page listens.
var PollInterval = 400 * time.Millisecond

// hub polls the chain while at least one page listens and fans new blocks
// out to the listeners.
type hub struct {
	e       *Explorer
	mu      sync.Mutex
	subs    map[chan []byte]struct{}
	running bool
	// start is where a new poller begins: the height the first listener
	// was told.
	start int64
}

func newHub(e *Explorer) *hub { return &hub{e: e, subs: map[chan []byte]struct{}{}} }

// subscribe adds a listener that was told height from (0: unknown).
func (h *hub) subscribe(from int64) (<-chan []byte, func()) {
	ch := make(chan []byte, 32)
	h.mu.Lock()
	h.subs[ch] = struct{}{}
	if !h.running {
		h.running = true
		h.start = from
		go h.poll()
	}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs, ch)
		h.mu.Unlock()
	}
}

func (h *hub) broadcast(msg []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- msg:
		default: // a stalled page misses blocks; it reloads what it shows
		}
	}
}

// liveBlock is the "block" event: the block and its transactions.
type liveBlock struct {
	blockSummary
	Txs []txSummary `json:"txs"`
}

func (h *hub) poll() {
	ctx := h.e.ctx
	tick := time.NewTicker(PollInterval)
	defer tick.Stop()
	h.mu.Lock()
	last := h.start
	h.mu.Unlock()
	for {
		select {
		case <-ctx.Done():
			h.mu.Lock()
			h.running = false
			h.mu.Unlock()
			return
		case <-tick.C:
		}
		h.mu.Lock()
		if len(h.subs) == 0 {
			h.running = false
			h.mu.Unlock()
			return
		}
		h.mu.Unlock()
		last = h.step(ctx, last)
	}
}

// step sends the blocks after last (at most ten a tick) and returns the
// new last height.
func (h *hub) step(ctx context.Context, last int64) int64 {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	st, err := h.e.c.RPC.Status(ctx)
	if err != nil {
		return last
	}
	latest := st.SyncInfo.LatestBlockHeight
	if last == 0 || latest < last {
		return latest
	}
	for ht := last + 1; ht <= latest && ht <= last+10; ht++ {
		b, err := h.e.c.RPC.Block(ctx, &ht)
		if err != nil {
			return ht - 1
		}
		res, err := h.e.c.RPC.BlockResults(ctx, &ht)
		if err != nil {
			return ht - 1
		}
		d := h.e.blockDetail(b.Block, b.BlockID, res, latest)
		msg, err := json.Marshal(liveBlock{blockSummary: d.blockSummary, Txs: d.Txs})
		if err == nil {
			h.broadcast(msg)
		}
	}
	return min(latest, last+10)
}

// serveEvents streams server-sent events: "hello" with the latest height
// at once, then a "block" event for every new block with its
// transactions.
func (e *Explorer) serveEvents(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Accel-Buffering", "no")
	var height int64
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	if st, err := e.c.RPC.Status(ctx); err == nil {
		height = st.SyncInfo.LatestBlockHeight
	}
	cancel()
	ch, done := e.hub.subscribe(height)
	defer done()
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 2000\n\n")
	if height > 0 {
		fmt.Fprintf(w, "event: hello\ndata: {\"height\":%d}\n\n", height)
	}
	if rc.Flush() != nil {
		return
	}
	ping := time.NewTicker(15 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-e.ctx.Done():
			return
		case msg := <-ch:
			fmt.Fprintf(w, "event: block\ndata: %s\n\n", msg)
		case <-ping.C:
			fmt.Fprint(w, ": ping\n\n")
		}
		if rc.Flush() != nil {
			return
		}
	}
}
