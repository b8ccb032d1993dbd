package core

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/agentio"
)

var printVectors = flag.Bool("vectors.print", false, "print the answer test vectors docs/answers.md should hold")

// answerVectors computes the test vectors of docs/answers.md, in order:
// fixed keys and inputs to every encoding, hash and signature.
func answerVectors(t *testing.T) [][2]string {
	t.Helper()
	var v [][2]string
	add := func(name string, val any) {
		switch x := val.(type) {
		case []byte:
			val = hex.EncodeToString(x)
		case [32]byte:
			val = hex.EncodeToString(x[:])
		}
		v = append(v, [2]string{name, fmt.Sprint(val)})
	}
	seed := make([]byte, 32)
	for i := range seed {
		seed[i] = byte(i)
	}
	identity := ed25519.NewKeyFromSeed(seed)
	ek, err := deriveECDSAKey(seed)
	if err != nil {
		t.Fatal(err)
	}
	add("identity_seed", seed)
	add("worker", []byte(identity.Public().(ed25519.PublicKey)))
	add("ecdsa_key", ek.Serialize())
	add("ecdsa_address", agentio.EthAddressHex(agentio.EthAddress(ek.PubKey())))

	reqHeader := http.Header{"Content-Type": {"application/json"}, "Accept": {"*/*"}, "User-Agent": {"not-signed/1.0"}, "Authorization": {"Bearer phk-not-signed"}}
	reqBody := []byte(`{"q":1}`)
	const uri = "/agents/2222222222222222222222222222222222222222222222222222222222222222/hello?x=1"
	add("request_method", "POST")
	add("request_uri", uri)
	add("request_body", string(reqBody))
	pre := agentio.RequestPreimage("POST", uri, reqHeader, reqBody)
	add("request_preimage", pre)
	add("request_hash", sha256.Sum256(pre))

	respHeader := http.Header{"Content-Type": {"text/plain; charset=utf-8"}, "Date": {"not signed"}}
	respBody := []byte("hi\n")
	add("response_status", 200)
	add("response_body", strings.TrimSpace(string(respBody))+`\n`)
	rpre := agentio.ResponsePreimage(200, respHeader, sha256.Sum256(respBody))
	add("response_preimage", rpre)
	add("response_hash", sha256.Sum256(rpre))

	a := agentio.Answer{ChainID: "phala-vectors", Worker: [32]byte(identity.Public().(ed25519.PublicKey)),
		Cluster: [32]byte(bytes.Repeat([]byte{0x11}, 32)), Epoch: 3,
		Agent: [32]byte(bytes.Repeat([]byte{0x22}, 32)), Code: [32]byte(bytes.Repeat([]byte{0x33}, 32)),
		Request: sha256.Sum256(pre), Response: sha256.Sum256(rpre), Time: 1_700_000_000_000}
	add("answer_encoding", a.Encode())
	sig := a.Sign(identity)
	add("answer_signature", sig)
	h := http.Header{}
	agentio.SetAnswer(h, a, sig)
	add("header_x_phala_answer", h.Get(agentio.HeaderAnswer))

	r := agentio.Answer{ChainID: "phala-vectors", Worker: a.Worker, Provider: "local", Model: "stories260K", Request: a.Request, Response: a.Response, Time: a.Time}
	add("router_answer_encoding", r.Encode())
	add("router_answer_signature", r.Sign(identity))

	text := agentio.SignatureText(reqBody, sha256.Sum256(respBody))
	add("signature_text", text)
	add("signature_ed25519", ed25519.Sign(identity, []byte(text)))
	add("eip191_hash", agentio.PersonalMessageHash([]byte(text)))
	add("signature_ecdsa", "0x"+hex.EncodeToString(agentio.SignPersonal(ek, []byte(text))))
	add("key_binding", ed25519.Sign(identity, KeyBindingBytes("phala-vectors", agentio.EthAddress(ek.PubKey()))))
	var nonce [32]byte
	for i := range nonce {
		nonce[i] = 0xee
	}
	addr := agentio.EthAddress(ek.PubKey())
	rd := SigningReportData(addr[:], nonce)
	add("report_data_ecdsa", rd[:])
	return v
}

// TestAnswerVectors: docs/answers.md's test vectors are what the code
// computes, so the document cannot drift from the format.
func TestAnswerVectors(t *testing.T) {
	want := answerVectors(t)
	if *printVectors {
		for _, kv := range want {
			fmt.Printf("%s = %s\n", kv[0], kv[1])
		}
	}
	doc, err := os.ReadFile("../../docs/answers.md")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	in := false
	sc := bufio.NewScanner(bytes.NewReader(doc))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "```vectors":
			in = true
		case in && line == "```":
			in = false
		case in:
			k, val, ok := strings.Cut(line, " = ")
			if !ok {
				t.Fatalf("docs/answers.md: vector line %q is not name = value", line)
			}
			got[k] = val
		}
	}
	if len(got) != len(want) {
		t.Errorf("docs/answers.md has %d vectors, the code computes %d (go test ./pruntime/core -run TestAnswerVectors -vectors.print)", len(got), len(want))
	}
	for _, kv := range want {
		if got[kv[0]] != kv[1] {
			t.Errorf("docs/answers.md: %s = %s, the code computes %s", kv[0], got[kv[0]], kv[1])
		}
	}
	// The ECDSA vector recovers to the address with the verifier's code.
	sig, _ := hex.DecodeString(strings.TrimPrefix(got["signature_ecdsa"], "0x"))
	if err := agentio.VerifyPersonal([]byte(got["signature_text"]), sig, got["ecdsa_address"]); err != nil {
		t.Error(err)
	}
}
