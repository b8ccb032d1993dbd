package client_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/client/clienttest"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/registry"
)

// TestAskGatekeepers: the walk skips a gatekeeper with no worker record or
// no endpoint, stops at the first that answers, joins the errors of those
// that failed, and names the case where none could be asked.
func TestAskGatekeepers(t *testing.T) {
	gk := func(b byte) keys.Gatekeeper { return keys.Gatekeeper{Worker: keys.Hex{31: b}} }
	ks := keys.State{Gatekeepers: []keys.Gatekeeper{gk(1), gk(2), gk(3), gk(4)}}
	worker := func(b byte, ep string) registry.Worker {
		return registry.Worker{ID: registry.WorkerID{31: b}, Endpoint: ep}
	}
	answers := map[string]any{
		// gatekeeper 1 has no record; 2 has no endpoint.
		registry.WorkerPath(registry.WorkerID{31: 2}): worker(2, ""),
		registry.WorkerPath(registry.WorkerID{31: 3}): worker(3, "http://three"),
		registry.WorkerPath(registry.WorkerID{31: 4}): worker(4, "http://four"),
	}
	c, err := client.New(clienttest.Node(t, answers))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		ks      keys.State
		ok      map[string]bool // endpoints that answer
		want    string
		wantErr string
		asked   []string
	}{
		{"first answers", ks, map[string]bool{"http://three": true, "http://four": true}, "http://three", "", []string{"http://three"}},
		{"second answers", ks, map[string]bool{"http://four": true}, "http://four", "", []string{"http://three", "http://four"}},
		{"none answers", ks, nil, "", "http://three refused\nhttp://four refused", []string{"http://three", "http://four"}},
		{"none to ask", keys.State{Gatekeepers: ks.Gatekeepers[:2]}, nil, "", client.ErrNoGatekeeperEndpoint.Error(), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var asked []string
			got, err := client.AskGatekeepers(ctx, c, tc.ks, func(ep string) (string, error) {
				asked = append(asked, ep)
				if !tc.ok[ep] {
					return "", fmt.Errorf("%s refused", ep)
				}
				return ep, nil
			})
			if got != tc.want || fmt.Sprint(asked) != fmt.Sprint(tc.asked) {
				t.Fatalf("got %q after asking %v; want %q after %v", got, asked, tc.want, tc.asked)
			}
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || err.Error() != tc.wantErr) {
				t.Fatalf("error %v, want %q", err, tc.wantErr)
			}
			if tc.name == "none to ask" && !errors.Is(err, client.ErrNoGatekeeperEndpoint) {
				t.Fatalf("error %v is not ErrNoGatekeeperEndpoint", err)
			}
		})
	}
}
