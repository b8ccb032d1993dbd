package client

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestRPCDropsIdleConnections: the RPC client closes a connection it left
// idle before CometBFT's server would (its read timeout, 10 s by default).
// Before, it kept idle connections forever, so a request sent just as the
// server closed one failed with EOF (seen as "status: post failed: ...
// EOF" in worker's TestEVMBridgeRotation after ~10 s without a call).
func TestRPCDropsIdleConnections(t *testing.T) {
	closed := make(chan time.Time, 1)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{}`))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateClosed {
			select {
			case closed <- time.Now():
			default:
			}
		}
	}
	srv.Start()
	defer srv.Close()
	rpc, err := NewRPC(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	// The answer does not decode (no matching id); the connection is
	// used all the same, then left idle.
	rpc.ABCIInfo(context.Background())  //nolint:errcheck
	const serverIdle = 10 * time.Second // CometBFT's default read timeout
	select {
	case at := <-closed:
		if d := at.Sub(start); d >= serverIdle {
			t.Fatalf("the client closed its idle connection after %s, not before the server's %s", d, serverIdle)
		}
	case <-time.After(serverIdle):
		t.Fatalf("the client kept its idle connection for %s, when the server closes it", serverIdle)
	}
}
