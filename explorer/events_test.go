package explorer_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/explorer"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/pha"
)

// TestExplorerEvents: the live stream says hello with the height, then
// sends each new block with its transactions; Stop ends it.
func TestExplorerEvents(t *testing.T) {
	ctx := context.Background()
	d, err := devnet.Start(ctx, devnet.Options{Home: filepath.Join(t.TempDir(), "devnet"), BlockTime: 100 * time.Millisecond, Workers: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Stop()
	ex, err := explorer.New(d.RPCURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	ex.Mount(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/explorer/api/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	events := make(chan [2]string, 64)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var ev string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				ev = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				events <- [2]string{ev, strings.TrimPrefix(line, "data: ")}
			}
		}
	}()
	next := func() [2]string {
		t.Helper()
		select {
		case e, ok := <-events:
			if !ok {
				t.Fatal("the stream ended")
			}
			return e
		case <-time.After(20 * time.Second):
			t.Fatal("no event in 20s")
		}
		return [2]string{}
	}
	if e := next(); e[0] != "hello" || !strings.Contains(e[1], `"height":`) {
		t.Fatalf("first event %q", e)
	}
	c, _ := client.New(d.RPCURL)
	alice, _ := d.Keyring.PrivKey("alice")
	bob, _ := d.Keyring.Get("bob")
	res, err := c.Send(ctx, alice, pha.Amount{}, "", &balances.MsgTransfer{To: bob.Address, Amount: pha.Whole(1)})
	if err != nil {
		t.Fatal(err)
	}
	var last int64
	for {
		e := next()
		var b struct {
			Height int64
			Txs    []struct{ Hash, Kind string }
		}
		if e[0] != "block" || json.Unmarshal([]byte(e[1]), &b) != nil {
			t.Fatalf("event %q", e)
		}
		if last != 0 && b.Height != last+1 {
			t.Fatalf("block %d after %d", b.Height, last)
		}
		last = b.Height
		if b.Height == res.Height {
			if len(b.Txs) != 1 || b.Txs[0].Hash != res.Hash || b.Txs[0].Kind != balances.TypeTransfer {
				t.Fatalf("block %d: %+v", b.Height, b)
			}
			break
		}
		if b.Height > res.Height {
			t.Fatalf("missed block %d", res.Height)
		}
	}
	ex.Stop()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-events:
			if !ok {
				return // Stop ended the stream
			}
		case <-deadline:
			t.Fatal("the stream outlived Stop")
		}
	}
}
