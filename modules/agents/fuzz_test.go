package agents_test

import (
	"bytes"
	"testing"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/agents"
)

// FuzzDecodeReceipts: a worker's receipt batch decodes only when it
// re-encodes to the same bytes, and nothing panics.
func FuzzDecodeReceipts(f *testing.F) {
	f.Add(agents.EncodeReceipts([]agents.Receipt{{Agent: [32]byte{1}, Caller: address.Address{2}, Request: [32]byte{3}, Backing: agents.BackingAPIKey, APIKey: [32]byte{4}, Tokens: 1500, Requests: 2, Issued: 1_790_000_000_000}}))
	f.Add(agents.EncodeReceipts([]agents.Receipt{{Backing: agents.BackingSigned, Signed: agentio.SignedRequest{Caller: make([]byte, 32), Signature: make([]byte, 64), Timestamp: 5}, Hop: 3, Epoch: 2}, {Backing: agents.BackingAPIKey, Issued: 1}}))
	f.Add(agents.EncodeReceipts([]agents.Receipt{{}}))
	f.Add([]byte{})
	f.Add([]byte{0})
	f.Fuzz(func(t *testing.T, b []byte) {
		rs, err := agents.DecodeReceipts(b)
		if err != nil {
			return
		}
		if !bytes.Equal(agents.EncodeReceipts(rs), b) {
			t.Fatalf("re-encoding differs: %x", b)
		}
	})
}
