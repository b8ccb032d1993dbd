package openaiapi_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/phalanetwork/phala/llm"
	"github.com/phalanetwork/phala/llm/openaiapi"
)

// TEMPORARY: serves for a node compatibility check; removed afterwards.
func TestTmpServe(t *testing.T) {
	addr := os.Getenv("TMP_SERVE_ADDR")
	if addr == "" {
		t.Skip()
	}
	f := &fake{name: "fake", models: []string{"m"}, chat: words("Hello", ", ", "world")}
	half := &fake{name: "half", models: []string{"m"}, chat: func(_ context.Context, _ llm.ChatRequest, onDelta func(string) error) (llm.ChatResponse, error) {
		if onDelta != nil {
			onDelta("Hel")
		}
		return llm.ChatResponse{}, fmt.Errorf("%w: connection reset", llm.ErrProvider)
	}}
	down := &fake{name: "down", models: []string{"m"}, chat: failing(fmt.Errorf("%w: HTTP 503", llm.ErrProvider))}
	r := llm.NewRouter(f, half, down)
	h := openaiapi.New(r, func(r *http.Request) string { return r.Header.Get("Authorization") }, openaiapi.WithSign(sign))
	srv := &http.Server{Addr: addr, Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		fmt.Fprintln(os.Stderr, req.Method, req.URL.Path, string(b), req.Header)
		req.Body = io.NopCloser(bytes.NewReader(b))
		h.ServeHTTP(w, req)
	})}
	go srv.ListenAndServe()
	h2 := openaiapi.New(r, nil)
	go http.ListenAndServe("127.0.0.1:18090", h2)
	time.Sleep(100 * time.Second)
	t.Logf("metered: %+v", r.Metered())
	srv.Close()
}
