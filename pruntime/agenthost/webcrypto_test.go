package agenthost

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"testing"
)

// TestSubtleDigestAndHMAC: known answers (FIPS 180 "abc", RFC 4231 case 2).
func TestSubtleDigestAndHMAC(t *testing.T) {
	cases := []struct{ name, expr, want string }{
		{"sha-256", `hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode("abc")))`, `"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"`},
		{"sha-384", `hex(await crypto.subtle.digest({ name: "sha-384" }, new TextEncoder().encode("abc"))).slice(0, 16)`, `"cb00753f45a35e8b"`},
		{"sha-512", `hex(await crypto.subtle.digest("SHA-512", new Uint8Array(0))).slice(0, 16)`, `"cf83e1357eefb8bd"`},
		{"hmac rfc4231 2", `await (async () => { const k = await crypto.subtle.importKey("raw", new TextEncoder().encode("Jefe"), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]); const d = new TextEncoder().encode("what do ya want for nothing?"); const s = await crypto.subtle.sign("HMAC", k, d); return [hex(s), await crypto.subtle.verify("HMAC", k, s, d), await crypto.subtle.verify("HMAC", k, new Uint8Array(32), d)]; })()`,
			`["5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",true,false]`},
		{"unsupported", `await crypto.subtle.digest("MD5", new Uint8Array(1)).then(() => "ok", (e) => e.name)`, `"NotSupportedError"`},
		{"usage checked", `await (async () => { const k = await crypto.subtle.importKey("raw", new Uint8Array(16), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]); return crypto.subtle.sign("HMAC", k, new Uint8Array(1)).then(() => "signed", (e) => e.name); })()`, `"InvalidAccessError"`},
	}
	for i := range cases {
		cases[i].expr = `(() => { const hex = (b) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, "0")).join(""); return (async () => ` + cases[i].expr + `)(); })()`
		cases[i].expr = "await " + cases[i].expr
	}
	runExprCases(t, cases)
}

// TestSubtleAgainstGo: signatures and ciphertexts made in the agent verify
// and open with Go's standard library, and the other way round.
func TestSubtleAgainstGo(t *testing.T) {
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i)
	}
	block, _ := aes.NewCipher(key)
	gcm, _ := cipher.NewGCM(block)
	iv := make([]byte, 12)
	goSealed := gcm.Seal(nil, iv, []byte("from go"), []byte("aad"))
	raw := mustWeb(t, `
const b = (h) => new Uint8Array(h.match(/../g).map((x) => parseInt(x, 16)));
const hex = (x) => [...new Uint8Array(x)].map((v) => v.toString(16).padStart(2, "0")).join("");
const msg = new TextEncoder().encode("message");
const ed = await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]);
const edSig = await crypto.subtle.sign("Ed25519", ed.privateKey, msg);
const ec = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
const ecSig = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, ec.privateKey, msg);
const aes = await crypto.subtle.importKey("raw", b(input.key), "AES-GCM", false, ["encrypt", "decrypt"]);
const opened = new TextDecoder().decode(await crypto.subtle.decrypt({ name: "AES-GCM", iv: new Uint8Array(12), additionalData: new TextEncoder().encode("aad") }, aes, b(input.sealed)));
const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv: new Uint8Array(12) }, aes, new TextEncoder().encode("from js"));
const tampered = new Uint8Array(sealed.slice(0)); tampered[0] ^= 1;
const refused = await crypto.subtle.decrypt({ name: "AES-GCM", iv: new Uint8Array(12) }, aes, tampered).then(() => "opened", (e) => e.name + ": " + e.message);
const edJwk = await crypto.subtle.exportKey("jwk", ed.privateKey);
const edBack = await crypto.subtle.importKey("jwk", edJwk, "Ed25519", false, ["sign"]);
const edSig2 = await crypto.subtle.sign("Ed25519", edBack, msg);
const spki = await crypto.subtle.exportKey("spki", ec.publicKey);
const ecPub2 = await crypto.subtle.importKey("spki", spki, { name: "ECDSA", namedCurve: "P-256" }, true, ["verify"]);
return {
  edPub: hex(await crypto.subtle.exportKey("raw", ed.publicKey)), edSig: hex(edSig), edSig2: hex(edSig2),
  ecPub: hex(await crypto.subtle.exportKey("raw", ec.publicKey)), ecSig: hex(ecSig),
  ecSelf: await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, ecPub2, ecSig, msg),
  ecWrong: await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, ec.publicKey, ecSig, new TextEncoder().encode("other")),
  opened, sealed: hex(sealed), refused,
};`, map[string]string{"key": hex.EncodeToString(key), "sealed": hex.EncodeToString(goSealed)})
	var out struct {
		EdPub, EdSig, EdSig2, EcPub, EcSig, Opened, Sealed, Refused string
		EcSelf, EcWrong                                             bool
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	msg := []byte("message")
	dec := func(s string) []byte { b, _ := hex.DecodeString(s); return b }
	if !ed25519.Verify(dec(out.EdPub), msg, dec(out.EdSig)) || out.EdSig2 != out.EdSig {
		t.Fatalf("Ed25519 signature from the agent does not verify in Go (or the JWK round trip changed the key)")
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), dec(out.EcPub))
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(msg)
	sig := dec(out.EcSig)
	if len(sig) != 64 || !ecdsa.Verify(pub, h[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) || !out.EcSelf || out.EcWrong {
		t.Fatalf("ECDSA P-256: Go verify of the agent's r|s signature failed, or the agent's verify is wrong (%v %v)", out.EcSelf, out.EcWrong)
	}
	if out.Opened != "from go" {
		t.Fatalf("AES-GCM: the agent opened %q", out.Opened)
	}
	plain, err := gcm.Open(nil, iv, dec(out.Sealed), nil)
	if err != nil || string(plain) != "from js" {
		t.Fatalf("AES-GCM: Go could not open the agent's ciphertext: %v", err)
	}
	if out.Refused != "OperationError: crypto.subtle.decrypt: AES-GCM: decryption failed (wrong key, iv, data or tag)" {
		t.Fatalf("tampered ciphertext: %q", out.Refused)
	}
}

// TestRedTeamNonExtractableKey: a key imported as non-extractable cannot
// be exported, and its material is on no property the agent can read (the
// agent may hand such a key to a library it does not trust).
func TestRedTeamNonExtractableKey(t *testing.T) {
	raw := mustWeb(t, `
const k = await crypto.subtle.importKey("raw", new Uint8Array(32).fill(7), "AES-GCM", false, ["encrypt"]);
const refused = await crypto.subtle.exportKey("raw", k).then(() => "exported", (e) => e.name);
const visible = JSON.stringify(Object.getOwnPropertyNames(k).map((n) => k[n])) + JSON.stringify(Reflect.ownKeys(Object.getPrototypeOf(k)).map(String));
let forged;
try { new CryptoKey(); forged = "constructed"; } catch (e) { forged = e.name; }
return [refused, visible.includes("BwcHBwc") || visible.includes("7,7,7"), forged];`, nil)
	if string(raw) != `["InvalidAccessError",false,"TypeError"]` {
		t.Fatalf("non-extractable key: %s", raw)
	}
}
