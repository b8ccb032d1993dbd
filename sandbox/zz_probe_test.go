package sandbox

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

func TestProbe(t *testing.T) {
	for _, body := range strings.Split(os.Getenv("PROBE"), "|||") {
		p := compile(t, "export default function f() { "+body+" }", false)
		t0 := time.Now()
		_, err := p.Call(context.Background(), "default", nil, Env{}, Limits{Time: 10 * time.Second, Memory: 32 << 20})
		t.Logf("%v %v: %s", time.Since(t0), err, body)
	}
}
