package agenthost

import (
	"encoding/json"
	"testing"

	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/contracts"
)

// TestRecordsDecodedOncePerHeight: the agent and contract records an
// agent call reads are decoded once per agent and height (a proven value
// of a height never changes), not once per call; a new height's records
// are decoded anew.
func TestRecordsDecodedOncePerHeight(t *testing.T) {
	var d records
	id := [32]byte{7}
	rawAgent := func(calls uint64) []byte {
		b, _ := json.Marshal(agents.Agent{ID: id[:], Calls: calls, SecretsEpoch: 3})
		return b
	}
	rawContract, _ := json.Marshal(contracts.Contract{ID: id[:], KeyEpoch: 2})
	reads := 0
	contract := func() ([]byte, error) { reads++; return rawContract, nil }

	for range 3 {
		a, c, err := d.get(id, 10, rawAgent(1), contract)
		if err != nil || a.Calls != 1 || a.SecretsEpoch != 3 || c.KeyEpoch != 2 {
			t.Fatalf("height 10: %+v %+v %v", a, c, err)
		}
	}
	if reads != 1 {
		t.Fatalf("the contract record was read %d times at one height", reads)
	}
	raw := rawAgent(1)
	if allocs := testing.AllocsPerRun(50, func() { d.get(id, 10, raw, contract) }); allocs > 0 {
		t.Fatalf("a call at a decoded height allocates %.0f times: it decodes again", allocs)
	}
	a, _, err := d.get(id, 11, rawAgent(2), contract)
	if err != nil || a.Calls != 2 || reads != 2 {
		t.Fatalf("height 11: calls %d (want 2), %d contract reads (want 2), %v", a.Calls, reads, err)
	}
	if _, _, err := d.get([32]byte{8}, 11, []byte("{"), contract); err == nil {
		t.Fatal("a malformed agent record decoded")
	}
}

// TestParamsDecodedOnce: the module's parameters, read by every call, are
// decoded again only when their record changes.
func TestParamsDecodedOnce(t *testing.T) {
	var d records
	raw, _ := json.Marshal(agents.Params{MaxSecrets: 5, HoldBlocks: 9})
	if p, err := d.agentParams(raw); err != nil || p.MaxSecrets != 5 || p.HoldBlocks != 9 {
		t.Fatalf("params: %+v %v", p, err)
	}
	if allocs := testing.AllocsPerRun(50, func() { d.agentParams(raw) }); allocs > 0 {
		t.Fatalf("reading unchanged params allocates %.0f times: it decodes again", allocs)
	}
	raw2, _ := json.Marshal(agents.Params{MaxSecrets: 6})
	if p, err := d.agentParams(raw2); err != nil || p.MaxSecrets != 6 || p.HoldBlocks != 0 {
		t.Fatalf("changed params: %+v %v", p, err)
	}
	if _, err := d.agentParams(nil); err == nil {
		t.Fatal("missing params decoded")
	}
}

// TestHoldDecodedOnce: a caller's hold, read by each of its calls, is
// decoded again only when its record changes, and each caller's apart.
func TestHoldDecodedOnce(t *testing.T) {
	var d records
	alice, bob := address.Address{1}, address.Address{2}
	raw := func(nonce uint64) []byte {
		b, _ := json.Marshal(agents.Hold{Start: 4, Nonce: nonce})
		return b
	}
	a1, b1 := raw(1), raw(2)
	if h, err := d.hold(alice, a1); err != nil || h.Nonce != 1 || h.Start != 4 {
		t.Fatalf("alice: %+v %v", h, err)
	}
	if h, err := d.hold(bob, b1); err != nil || h.Nonce != 2 {
		t.Fatalf("bob: %+v %v", h, err)
	}
	if allocs := testing.AllocsPerRun(50, func() { d.hold(alice, a1) }); allocs > 0 {
		t.Fatalf("reading an unchanged hold allocates %.0f times: it decodes again", allocs)
	}
	if h, err := d.hold(alice, raw(3)); err != nil || h.Nonce != 3 {
		t.Fatalf("alice's new hold: %+v %v", h, err)
	}
	if h, _ := d.hold(bob, b1); h.Nonce != 2 {
		t.Fatalf("bob's hold after alice's changed: %+v", h)
	}
	if _, err := d.hold(alice, []byte("{")); err == nil {
		t.Fatal("a malformed hold decoded")
	}
}
