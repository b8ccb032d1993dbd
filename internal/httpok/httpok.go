// Package httpok sends an HTTP request to a peer and takes its answer only
// when the peer says 200: the body, read up to a bound, or an error naming
// the status and the start of what the peer said instead.
package httpok

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
)

// maxRefusal bounds how much of a refusal's body goes into the error: it
// is for a person to read, and the peer may not be honest.
const maxRefusal = 4 << 10

// Do sends req with c and returns the body of a 200 answer, at most limit
// bytes; any other status is an error with the status and the body's
// first maxRefusal bytes.
func Do(c *http.Client, req *http.Request, limit int64) ([]byte, error) {
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxRefusal))
		return nil, fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(b))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return nil, fmt.Errorf("read the answer: %w", err)
	}
	return body, nil
}

// Get is Do of a GET of url under ctx.
func Get(ctx context.Context, c *http.Client, url string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	return Do(c, req, limit)
}
