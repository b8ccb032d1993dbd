package contracts_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/chain/app"
	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/modules/contracts"
)

// uploadParams allow code larger than one transaction and a short window.
var uploadParams = contracts.Params{MaxCodeSize: 1 << 20, MaxInputSize: 16 << 10, CommandGas: 1_000_000, CommandFee: testParams.CommandFee, FeeTreasuryBps: 2000, FeeRefundBlocks: testParams.FeeRefundBlocks, UploadWindowBlocks: 20}

// uploadChain is a chain with the contracts module under uploadParams.
func uploadChain(t *testing.T) *apptest.Chain {
	return apptest.New(t, []apptest.Account{owner, alice, op}, map[string]any{contracts.Name: contracts.Genesis{Params: &uploadParams}})
}

// bigCode is n bytes of valid-looking code.
func bigCode(n int) []byte {
	code := []byte("export default () => 1;\n//")
	for len(code) < n {
		code = append(code, "0123456789abcdef"...)
	}
	return code[:n]
}

// chunks cuts code into MsgUploadChunks of size at most n.
func chunks(code []byte, n int) []*contracts.MsgUploadChunk {
	hash := sha256.Sum256(code)
	var out []*contracts.MsgUploadChunk
	for off := 0; off < len(code); off += n {
		end := min(off+n, len(code))
		out = append(out, &contracts.MsgUploadChunk{Hash: hash, Total: uint64(len(code)), Offset: uint64(off), Chunk: code[off:end]})
	}
	return out
}

// expectRefusal checks a refused transaction's code and that its log names the check.
func expectRefusal(t *testing.T, what string, res interface {
	GetCode() uint32
	GetLog() string
}, code uint32, check string) {
	t.Helper()
	if res.GetCode() != code || !strings.Contains(res.GetLog(), check) {
		t.Fatalf("%s: code %d %q, want code %d naming %q", what, res.GetCode(), res.GetLog(), code, check)
	}
}

// TestUploadChunks: code larger than a transaction is stored across
// several, and is usable (by hash) only once complete and hashing right.
func TestUploadChunks(t *testing.T) {
	c := uploadChain(t)
	code := bigCode(200 << 10)
	hash := sha256.Sum256(code)
	if len(code) <= app.DefaultParams().MaxTxBytes {
		t.Fatalf("a %d-byte code fits one transaction; the chunked path is untested", len(code))
	}
	parts := chunks(code, 48<<10)
	for i, m := range parts {
		if res := c.Deliver(owner, m); res.Code != 0 {
			t.Fatalf("chunk %d: %s", i, res.Log)
		}
		if i < len(parts)-1 {
			if res := c.Query(contracts.CodePath(hash), nil); res.Code == 0 {
				t.Fatalf("the code is usable after %d of %d chunks", i+1, len(parts))
			}
		}
	}
	var view contracts.CodeView
	if res := c.Query(contracts.CodeSourcePath(hash), &view); res.Code != 0 || view.Source != string(code) || view.Uploader != owner.Addr {
		t.Fatalf("stored code: %d bytes by %s (%s)", len(view.Source), view.Uploader, res.Log)
	}
	if res := c.Query(contracts.UploadPath(owner.Addr), nil); res.Code == 0 {
		t.Fatalf("the finished upload's record is still in state")
	}
	// Uploading stored code again is a no-op that says so.
	if res := c.Deliver(alice, parts[0]); res.Code != 0 {
		t.Fatal(res.Log)
	}
	if res := c.Query(contracts.UploadPath(alice.Addr), nil); res.Code == 0 {
		t.Fatalf("a chunk of stored code started an upload")
	}
}

// TestRedTeamUploadChunkRefusals: what an uploader (or someone racing them)
// may try with chunks is refused, each refusal naming its check, and none
// changes the upload in progress.
func TestRedTeamUploadChunkRefusals(t *testing.T) {
	c := uploadChain(t)
	code := bigCode(100 << 10)
	parts := chunks(code, 40<<10)
	if res := c.Deliver(owner, parts[0]); res.Code != 0 {
		t.Fatal(res.Log)
	}
	other := chunks(bigCode(100<<10+1), 40<<10)
	wrongLast := *parts[2]
	wrongLast.Chunk = append([]byte(nil), parts[2].Chunk...)
	wrongLast.Chunk[0] ^= 1
	cases := []struct {
		name  string
		from  apptest.Account
		msg   *contracts.MsgUploadChunk
		code  uint32
		check string
	}{
		{"chunk for another hash", owner, other[1], contracts.ErrUploadRefused.Code, "the upload in progress is"},
		{"chunk out of order", owner, parts[2], contracts.ErrUploadRefused.Code, "the upload expects offset 40960"},
		{"someone else's upload", alice, parts[1], contracts.ErrUploadRefused.Code, "no upload in progress for " + alice.Addr.String()},
		{"over the code size limit", owner, &contracts.MsgUploadChunk{Hash: [32]byte{1}, Total: uint64(uploadParams.MaxCodeSize) + 1, Chunk: []byte("x")}, contracts.ErrCodeTooLarge.Code, "limit 1048576"},
	}
	for _, tc := range cases {
		expectRefusal(t, tc.name, c.Deliver(tc.from, tc.msg), tc.code, tc.check)
	}
	// Refused before any state is read (a refused tx does not use a nonce).
	overrun := &contracts.MsgUploadChunk{Hash: [32]byte{1}, Total: 2, Offset: 1, Chunk: []byte("xy")}
	if err := overrun.ValidateBasic(); !errors.Is(err, tx.ErrMalformed) || !strings.Contains(err.Error(), "overruns the code's 2 bytes") {
		t.Fatalf("chunk overrunning the total: %v", err)
	}
	var up contracts.Upload
	if res := c.Query(contracts.UploadPath(owner.Addr), &up); res.Code != 0 || up.Received != 40<<10 || up.Chunks != 1 {
		t.Fatalf("upload after refusals: %+v %s", up, res.Log)
	}
	if res := c.Deliver(owner, parts[1]); res.Code != 0 {
		t.Fatal(res.Log)
	}
	// A last chunk that makes the code hash wrong is refused and leaves
	// the upload as it was, not stored and not half-finished.
	expectRefusal(t, "wrong hash at the end", c.Deliver(owner, &wrongLast), contracts.ErrUploadRefused.Code, "not the declared "+hex.EncodeToString(parts[0].Hash[:]))
	if res := c.Query(contracts.CodePath(parts[0].Hash), nil); res.Code == 0 {
		t.Fatalf("code with the wrong hash was stored")
	}
	if res := c.Query(contracts.UploadPath(owner.Addr), &up); res.Code != 0 || up.Received != 80<<10 {
		t.Fatalf("upload after the refused last chunk: %+v %s", up, res.Log)
	}
	if res := c.Deliver(owner, parts[2]); res.Code != 0 {
		t.Fatal(res.Log)
	}
}

// TestRedTeamUploadNeverCompletes: an upload that is never finished does
// not pin state: its record and chunks are deleted when its window ends,
// and a later chunk for it is refused.
func TestRedTeamUploadNeverCompletes(t *testing.T) {
	c := uploadChain(t)
	parts := chunks(bigCode(100<<10), 40<<10)
	if res := c.Deliver(owner, parts[0]); res.Code != 0 {
		t.Fatal(res.Log)
	}
	var up contracts.Upload
	c.Query(contracts.UploadPath(owner.Addr), &up)
	for c.Height < up.Expires {
		c.Block()
	}
	if res := c.Query(contracts.UploadPath(owner.Addr), nil); res.Code == 0 {
		t.Fatalf("the upload outlived its window (expires %d, height %d)", up.Expires, c.Height)
	}
	leftovers := 0
	c.App.Store().Iterate([]byte("contracts/upload"), func(k, _ []byte) bool { leftovers++; return true })
	if leftovers != 0 {
		t.Fatalf("%d upload keys left in state after expiry", leftovers)
	}
	expectRefusal(t, "chunk after expiry", c.Deliver(owner, parts[1]), contracts.ErrUploadRefused.Code, "no upload in progress")
}

// TestUploadRestart: a first chunk again restarts the sender's upload,
// dropping the old chunks, so a broken upload need not wait for expiry.
func TestUploadRestart(t *testing.T) {
	c := uploadChain(t)
	a, b := chunks(bigCode(90<<10), 40<<10), chunks(bigCode(90<<10+7), 40<<10)
	c.Deliver(owner, a[0])
	c.Deliver(owner, a[1])
	for _, m := range b {
		if res := c.Deliver(owner, m); res.Code != 0 {
			t.Fatal(res.Log)
		}
	}
	if res := c.Query(contracts.CodePath(b[0].Hash), nil); res.Code != 0 {
		t.Fatalf("restarted upload not stored: %s", res.Log)
	}
	leftovers := 0
	c.App.Store().Iterate([]byte("contracts/upload"), func(k, _ []byte) bool { leftovers++; return true })
	if leftovers != 0 {
		t.Fatalf("%d upload keys left after the restarted upload finished", leftovers)
	}
}

// TestUpload4MiB: a 4 MiB agent bundle, the size the runtime promises,
// goes up in 60 KiB chunks (what client.UploadCode sends) and hashes right.
func TestUpload4MiB(t *testing.T) {
	p := uploadParams
	p.MaxCodeSize, p.UploadWindowBlocks = contracts.DefaultParams().MaxCodeSize, 0
	c := apptest.New(t, []apptest.Account{owner}, map[string]any{contracts.Name: contracts.Genesis{Params: &p}})
	code := bigCode(4 << 20)
	start := time.Now()
	parts := chunks(code, 60<<10)
	for i, m := range parts {
		if res := c.Deliver(owner, m); res.Code != 0 {
			t.Fatalf("chunk %d: %s", i, res.Log)
		}
	}
	var view contracts.CodeView
	if res := c.Query(contracts.CodePath(sha256.Sum256(code)), &view); res.Code != 0 || view.Size != len(code) {
		t.Fatalf("4 MiB code not stored: %s", res.Log)
	}
	t.Logf("4 MiB in %d chunks, %v in-process", len(parts), time.Since(start).Round(time.Millisecond))
}
