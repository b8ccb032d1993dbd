package gateway_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/core"
	"github.com/phalanetwork/phala/tee"
)

// chatID reads the completion id of an answer (a JSON completion, or a
// stream's first chunk).
func chatID(t *testing.T, out []byte) string {
	t.Helper()
	s := strings.TrimPrefix(string(out), "data: ")
	var v struct{ ID string }
	if err := json.NewDecoder(strings.NewReader(s)).Decode(&v); err != nil || !strings.HasPrefix(v.ID, "chatcmpl-") {
		t.Fatalf("no completion id in %.200s: %v", out, err)
	}
	return v.ID
}

// getJSON GETs url and decodes a 200 answer into out.
func getJSON(t *testing.T, url string, out any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s: %s", url, resp.Status, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		t.Fatalf("GET %s: %v: %s", url, err, body)
	}
}

// TestRedPillSignatures: /v1/signature/{id} through the gateway signs
// sha256(request body) ":" sha256(every response byte, the whole stream
// included) with the worker's ed25519 identity and, in EIP-191 form, its
// secp256k1 key; /v1/attestation/report binds that key and a fresh nonce
// in TEE evidence with the measurement and key of the worker the chain
// registered, and carries a proof of that registration.
func TestRedPillSignatures(t *testing.T) {
	n := startAnswerNet(t, slowModel{words: 4, pause: time.Millisecond}, 0)
	w := n.d.Workers[0]
	for _, stream := range []bool{false, true} {
		_, body, _, out := n.chat(t, stream)
		id := chatID(t, out)
		reqHash, respHash := sha256.Sum256(body), sha256.Sum256(out)
		wantText := hex.EncodeToString(reqHash[:]) + ":" + hex.EncodeToString(respHash[:])
		for _, algo := range []string{"ecdsa", "ed25519"} {
			var s struct{ Text, Signature, Signing_Address, Signing_Algo string }
			getJSON(t, n.gw+"/v1/signature/"+id+"?signing_algo="+algo, &s)
			if s.Text != wantText || s.Signing_Algo != algo {
				t.Fatalf("stream %v %s: text %q, want %q", stream, algo, s.Text, wantText)
			}
			sig, _ := hex.DecodeString(strings.TrimPrefix(s.Signature, "0x"))
			switch algo {
			case "ecdsa":
				if err := agentio.VerifyPersonal([]byte(s.Text), sig, s.Signing_Address); err != nil {
					t.Fatal(err)
				}
				if s.Signing_Address != w.Status().EthAddress {
					t.Fatalf("signed by %s, the worker's address is %s", s.Signing_Address, w.Status().EthAddress)
				}
			case "ed25519":
				id := w.ID()
				if s.Signing_Address != hex.EncodeToString(id[:]) || !ed25519.Verify(id[:], []byte(s.Text), sig) {
					t.Fatalf("ed25519 signature by %s does not verify with the worker's key", s.Signing_Address)
				}
			}
		}
	}
	resp, err := http.Get(n.gw + "/v1/signature/chatcmpl-nosuchanswer?signing_algo=ecdsa")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("an unknown id: %s", resp.Status)
	}
	checkSigningReport(t, n, "ecdsa")
	checkSigningReport(t, n, "ed25519")
}

// checkSigningReport fetches a report over a fresh nonce and checks every
// binding a verifier relies on.
func checkSigningReport(t *testing.T, n *answerNet, algo string) {
	t.Helper()
	var nonce [32]byte
	rand.Read(nonce[:])
	var rep struct {
		core.SigningReport
		Registration struct {
			Height int64
			Key    string
			Value  json.RawMessage
			Proof  json.RawMessage
		}
	}
	getJSON(t, n.gw+"/v1/attestation/report?signing_algo="+algo+"&nonce="+hex.EncodeToString(nonce[:]), &rep)
	addr, _ := hex.DecodeString(strings.TrimPrefix(rep.SigningAddress, "0x"))
	want := core.SigningReportData(addr, nonce)
	if rep.ReportData != hex.EncodeToString(want[:]) || rep.RequestNonce != hex.EncodeToString(nonce[:]) {
		t.Fatalf("%s report data %s does not bind address %s and the nonce", algo, rep.ReportData, rep.SigningAddress)
	}
	params, err := n.c.RegistryParams(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var keys []ed25519.PublicKey
	for _, k := range params.SimAttestationKeys {
		keys = append(keys, ed25519.PublicKey(k))
	}
	ev, _ := hex.DecodeString(rep.IntelQuote)
	claims, err := tee.Verify(tee.Attestation{Kind: tee.Kind(rep.TEE), Evidence: ev}, tee.VerifyOptions{Now: time.Now(), AllowSim: true, SimKeys: keys})
	if err != nil || claims.ReportData != want {
		t.Fatalf("%s evidence: %v (report data %x)", algo, err, claims.ReportData)
	}
	// The chain's record, proven against the app hash of the header after
	// its height (read here from the devnet's node, which the test trusts).
	rpc, err := rpchttp.New(n.d.RPCURL, "/websocket")
	if err != nil {
		t.Fatal(err)
	}
	light, err := chainsync.NewRPCSource(rpc).LightBlock(t.Context(), rep.Registration.Height+1)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := hex.DecodeString(rep.Registration.Key)
	var ops cmtcrypto.ProofOps
	if err := json.Unmarshal(rep.Registration.Proof, &ops); err != nil {
		t.Fatal(err)
	}
	if _, err := chainsync.VerifyStoreProof(light.AppHash, key, rep.Registration.Value, &ops); err != nil {
		t.Fatalf("registration proof: %v", err)
	}
	var rec registry.Worker
	if err := json.Unmarshal(rep.Registration.Value, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.ID.String() != rep.Worker || string(rec.Measurement) != string(claims.Measurement) {
		t.Fatalf("registered %s measurement %x; report by %s measures %x", rec.ID, []byte(rec.Measurement), rep.Worker, claims.Measurement)
	}
	wid, _ := hex.DecodeString(rep.Worker)
	kb, _ := hex.DecodeString(rep.KeyBinding)
	eth := n.d.Workers[0].Status().EthAddress
	ea, _ := hex.DecodeString(strings.TrimPrefix(eth, "0x"))
	if !ed25519.Verify(wid, core.KeyBindingBytes("phala-devnet", [20]byte(ea)), kb) {
		t.Fatal("the worker identity does not vouch for its ECDSA address")
	}
}
