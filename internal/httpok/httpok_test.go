package httpok

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestGet: a 200 answer's body comes back cut at the limit; any other
// status is an error naming it and the start of the refusal.
func TestGet(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			rw.Write([]byte("0123456789"))
		case "/refused":
			http.Error(rw, "  not yours "+strings.Repeat("x", 2*maxRefusal), http.StatusForbidden)
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	b, err := Get(ctx, srv.Client(), srv.URL+"/ok", 4)
	if err != nil || string(b) != "0123" {
		t.Fatalf("Get(/ok) = %q, %v; want the first 4 bytes", b, err)
	}
	_, err = Get(ctx, srv.Client(), srv.URL+"/refused", 1<<20)
	if err == nil || !strings.HasPrefix(err.Error(), "403 Forbidden: not yours x") || len(err.Error()) > maxRefusal+32 {
		t.Fatalf("Get(/refused) error %.100q (%d bytes); want the status and at most %d bytes of the body", err, len(err.Error()), maxRefusal)
	}
	if _, err := Get(ctx, srv.Client(), "http://\x00", 1); err == nil {
		t.Fatal("Get of a malformed URL succeeded")
	}
}
