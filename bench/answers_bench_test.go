package bench

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"net/http"
	"testing"
	"time"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/phalanetwork/phala/agentio"
)

// BenchmarkAnswerSigning measures what signing and checking one answer
// costs, per call, for a 1 KiB request and a 1 KiB response:
//
//   - sign: what the enclave adds to each call: the request hash, the
//     response hash, the ed25519 signature of the answer and the
//     RedPill signature text it keeps (agenthost signResponse);
//   - verify: what a client runs on each answer: decode the headers, check
//     the ed25519 signature and every binding (agentio.AnswerFrom + Check);
//   - text-ed25519 / text-ecdsa: signing a /v1/signature/{id} text with the
//     identity, or in EIP-191 form with the secp256k1 key;
//   - verify-ecdsa: a verifier's check of that (recover the address);
//   - anchor: a bare ed25519.Sign of 32 bytes, the least any signed
//     answer costs.
func BenchmarkAnswerSigning(b *testing.B) {
	identity := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))
	eth := secp256k1.PrivKeyFromBytes(bytes.Repeat([]byte{9}, 32))
	reqBody, respBody := bytes.Repeat([]byte("q"), 1024), bytes.Repeat([]byte("a"), 1024)
	reqHeader := http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer phk-x"}}
	respHeader := http.Header{"Content-Type": {"application/json"}}
	const uri = "/agents/2222222222222222222222222222222222222222222222222222222222222222/run?x=1"
	served := agentio.Answer{ChainID: "bench", Worker: [32]byte(identity.Public().(ed25519.PublicKey)), Epoch: 1,
		Agent: [32]byte{2}, Code: [32]byte{3}}
	sign := func() (agentio.Answer, []byte, string) {
		a := served
		a.Request = agentio.RequestHash("POST", uri, reqHeader, reqBody)
		a.Response = agentio.ResponseHash(200, respHeader, respBody)
		a.Time = time.Now().UnixMilli()
		return a, a.Sign(identity), agentio.SignatureText(reqBody, sha256.Sum256(respBody))
	}
	perSecond := func(b *testing.B) { b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s") }
	b.Run("sign", func(b *testing.B) {
		for b.Loop() {
			sign()
		}
		perSecond(b)
	})
	a, sig, text := sign()
	h := respHeader.Clone()
	agentio.SetAnswer(h, a, sig)
	exp := agentio.Expect{ChainID: "bench", Agent: served.Agent, Request: a.Request, Status: 200, Header: h, Body: respBody}
	b.Run("verify", func(b *testing.B) {
		for b.Loop() {
			got, _, err := agentio.AnswerFrom(h)
			if err == nil {
				err = got.Check(exp)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		perSecond(b)
	})
	b.Run("text-ed25519", func(b *testing.B) {
		for b.Loop() {
			ed25519.Sign(identity, []byte(text))
		}
		perSecond(b)
	})
	b.Run("text-ecdsa", func(b *testing.B) {
		for b.Loop() {
			agentio.SignPersonal(eth, []byte(text))
		}
		perSecond(b)
	})
	ethSig := agentio.SignPersonal(eth, []byte(text))
	addr := agentio.EthAddressHex(agentio.EthAddress(eth.PubKey()))
	b.Run("verify-ecdsa", func(b *testing.B) {
		for b.Loop() {
			if err := agentio.VerifyPersonal([]byte(text), ethSig, addr); err != nil {
				b.Fatal(err)
			}
		}
		perSecond(b)
	})
	b.Run("anchor", func(b *testing.B) {
		msg := make([]byte, 32)
		for b.Loop() {
			ed25519.Sign(identity, msg)
		}
		perSecond(b)
	})
}
