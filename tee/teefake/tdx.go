package teefake

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"regexp"
	"time"

	"github.com/google/go-configfs-tsm/configfs/configfsi"
	tdxabi "github.com/google/go-tdx-guest/abi"
	tdxpb "github.com/google/go-tdx-guest/proto/tdx"
	tdxdata "github.com/google/go-tdx-guest/testing/testdata"
	"google.golang.org/protobuf/proto"

	"github.com/phalanetwork/phala/tee"
	"github.com/phalanetwork/phala/tee/internal/tsmtest"
)

// sgxExtensionOID is Intel's SGX extension of a PCK certificate (FMSPC,
// TCB, PCE id), which the TDX verifier reads.
var sgxExtensionOID = []int{1, 2, 840, 113741, 1, 13, 1}

// certEpoch bounds every fake certificate's validity.
var (
	certNotBefore = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	certNotAfter  = time.Date(2049, 12, 31, 0, 0, 0, 0, time.UTC)
)

// tdxChain is the fake Intel chain: root, platform CA and PCK, each with
// a key fixed by its name, so that every process builds certificates over
// the same keys and a genesis listing the root trusts them all.
type tdxChain struct {
	root, ca, pck, tcb             *x509.Certificate
	rootKey, caKey, pckKey, tcbKey *ecdsa.PrivateKey
	template                       *tdxpb.QuoteV4
}

// fixedKey returns the P-256 key derived from name: public test keys.
func fixedKey(name string) *ecdsa.PrivateKey {
	h := sha256.Sum256([]byte("phala/teefake/key/" + name))
	d := new(big.Int).SetBytes(h[:])
	n := elliptic.P256().Params().N
	d.Mod(d, new(big.Int).Sub(n, big.NewInt(1)))
	d.Add(d, big.NewInt(1))
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d.FillBytes(make([]byte, 32)))
	if err != nil {
		panic(fmt.Sprintf("teefake: fixed key %s: %v", name, err)) // cannot happen: 1 <= d < n
	}
	return k
}

func newTDXChain() (*tdxChain, error) {
	parsed, err := tdxabi.QuoteToProto(tdxdata.RawQuote)
	if err != nil {
		return nil, fmt.Errorf("teefake: template quote: %w", err)
	}
	tmpl, ok := parsed.(*tdxpb.QuoteV4)
	if !ok {
		return nil, fmt.Errorf("teefake: template quote is %T", parsed)
	}
	realPCK, err := pckOf(tmpl)
	if err != nil {
		return nil, err
	}
	c := &tdxChain{rootKey: fixedKey("intel-root"), caKey: fixedKey("intel-pck-ca"), pckKey: fixedKey("intel-pck"), tcbKey: fixedKey("intel-tcb-signing"), template: tmpl}
	name := func(cn string) pkix.Name {
		return pkix.Name{CommonName: cn, Organization: []string{"Intel Corporation"}, Locality: []string{"Santa Clara"}, Province: []string{"CA"}, Country: []string{"US"}}
	}
	if c.root, err = issue(1, name("Intel SGX Root CA"), c.rootKey, nil, nil, true, nil); err != nil {
		return nil, err
	}
	if c.ca, err = issue(2, name("Intel SGX PCK Platform CA"), c.caKey, c.root, c.rootKey, true, nil); err != nil {
		return nil, err
	}
	if c.tcb, err = issue(4, name("Intel SGX TCB Signing"), c.tcbKey, c.root, c.rootKey, false, nil); err != nil {
		return nil, err
	}
	var ext []pkix.Extension
	for _, e := range realPCK.Extensions {
		if e.Id.Equal(sgxExtensionOID) {
			ext = append(ext, e)
		}
	}
	if c.pck, err = issue(3, name("Intel SGX PCK Certificate"), c.pckKey, c.ca, c.caKey, false, ext); err != nil {
		return nil, err
	}
	return c, nil
}

// pckOf returns the PCK certificate of a quote.
func pckOf(q *tdxpb.QuoteV4) (*x509.Certificate, error) {
	chain := q.GetSignedData().GetCertificationData().GetQeReportCertificationData().GetPckCertificateChainData().GetPckCertChain()
	b, _ := pem.Decode(chain)
	if b == nil {
		return nil, fmt.Errorf("teefake: template quote has no PCK certificate")
	}
	return x509.ParseCertificate(b.Bytes)
}

// issue makes a certificate for key's public half, signed by parent (self
// signed when parent is nil).
func issue(serial int64, subject pkix.Name, key *ecdsa.PrivateKey, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, ca bool, ext []pkix.Extension) (*x509.Certificate, error) {
	t := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: subject, NotBefore: certNotBefore, NotAfter: certNotAfter,
		BasicConstraintsValid: true, IsCA: ca, ExtraExtensions: ext,
		// Intel's PCK certificates have exactly six extensions, which the
		// verifier checks: these two, the key ids, usage and constraints.
		SubjectKeyId:          ski(&key.PublicKey),
		CRLDistributionPoints: []string{"https://example.invalid/teefake.crl"},
		KeyUsage:              x509.KeyUsageDigitalSignature, SignatureAlgorithm: x509.ECDSAWithSHA256,
	}
	if ca {
		t.KeyUsage |= x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	}
	if parent == nil {
		parent, parentKey = t, key
	}
	der, err := x509.CreateCertificate(rand.Reader, t, parent, &key.PublicKey, parentKey)
	if err != nil {
		return nil, fmt.Errorf("teefake: certificate %s: %w", subject.CommonName, err)
	}
	return x509.ParseCertificate(der)
}

// quote returns a signed TDX v4 quote binding reportData, with the
// measurement of o.Code and o.Config in MRCONFIGID.
func (c *tdxChain) quote(o Options, reportData []byte) ([]byte, error) {
	m, err := MeasurementOf(tee.KindTDX, o.Code)
	if err != nil {
		return nil, err
	}
	q := proto.Clone(c.template).(*tdxpb.QuoteV4)
	q.ExtraBytes = nil
	body := q.TdQuoteBody
	body.MrTd = m[:48]
	body.Rtmrs = [][]byte{m[48:96], m[96:144], m[144:192], make([]byte, 48)}
	body.MrConfigId = append(o.Config[:], make([]byte, 16)...)
	body.ReportData = append([]byte(nil), reportData...)
	body.TdAttributes = make([]byte, 8) // not a debug TD

	ak, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	akRaw := append(ak.X.FillBytes(make([]byte, 32)), ak.Y.FillBytes(make([]byte, 32))...)
	sd := q.SignedData
	sd.EcdsaAttestationKey = akRaw
	qe := sd.CertificationData.QeReportCertificationData
	chainPEM := append(pemCert(c.pck), append(pemCert(c.ca), pemCert(c.root)...)...)
	qe.PckCertificateChainData.PckCertChain = chainPEM
	qe.PckCertificateChainData.Size = uint32(len(chainPEM))
	// The QE report binds the attestation key: SHA-256(key || auth data).
	bind := sha256.Sum256(append(append([]byte(nil), akRaw...), qe.QeAuthData.Data...))
	qe.QeReport.ReportData = append(bind[:], make([]byte, 32)...)
	rawReport, err := tdxabi.EnclaveReportToAbiBytes(qe.QeReport)
	if err != nil {
		return nil, fmt.Errorf("teefake: QE report: %w", err)
	}
	if qe.QeReportSignature, err = signRaw(c.pckKey, rawReport); err != nil {
		return nil, err
	}
	const reportSigAuthChainHeader = 384 + 64 + 2 + 2 + 4
	sd.CertificationData.Size = uint32(reportSigAuthChainHeader + len(qe.QeAuthData.Data) + len(chainPEM))
	q.SignedDataSize = 64 + 64 + 2 + 4 + sd.CertificationData.Size
	header, err := tdxabi.HeaderToAbiBytes(q.Header)
	if err != nil {
		return nil, err
	}
	rawBody, err := tdxabi.TdQuoteBodyToAbiBytes(body)
	if err != nil {
		return nil, err
	}
	if sd.Signature, err = signRaw(ak, append(header, rawBody...)); err != nil {
		return nil, err
	}
	return tdxabi.QuoteToAbiBytes(q)
}

// ski is a certificate's subject key id: SHA-256 of the public key, cut.
func ski(k *ecdsa.PublicKey) []byte {
	h := sha256.Sum256(elliptic.MarshalCompressed(k.Curve, k.X, k.Y))
	return h[:20]
}

// rootCerts returns the fake Intel root.
func (c *tdxChain) rootCerts() []*x509.Certificate { return []*x509.Certificate{c.root} }

// signRaw signs SHA-256(msg) and returns r||s, 32 bytes each, as quotes
// carry signatures.
func signRaw(k *ecdsa.PrivateKey, msg []byte) ([]byte, error) {
	h := sha256.Sum256(msg)
	r, s, err := ecdsa.Sign(rand.Reader, k, h[:])
	if err != nil {
		return nil, fmt.Errorf("teefake: sign: %w", err)
	}
	return append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...), nil
}

func pemCert(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// TDXClient returns a go-configfs-tsm fake whose "tdx_guest" provider
// answers every report request with a quote over its inblob, signed by
// the fake Intel chain.
func TDXClient(o Options) (configfsi.Client, error) {
	c, err := newTDXChain()
	if err != nil {
		return nil, err
	}
	return tsmtest.Func("tdx_guest", func(inblob []byte) ([]byte, []byte, error) {
		q, err := c.quote(o, inblob)
		return q, nil, err
	}), nil
}

// CRLOptions pick the fake Intel chain's CRLs (TDXCollateral) and the
// fake AMD chain's (SEVSNPCollateral).
type CRLOptions struct {
	// RevokePCK lists the fake PCK certificate on its CA's CRL.
	RevokePCK bool
	// RevokeASK lists the fake ASK on the fake ARK's CRL.
	RevokeASK bool
	// ThisUpdate and NextUpdate bound the lists' currency; zero means the
	// fake certificates' own validity.
	ThisUpdate, NextUpdate time.Time
}

// within returns o with its unset bounds those of issuer's validity.
func (o CRLOptions) within(issuer *x509.Certificate) CRLOptions {
	if o.ThisUpdate.IsZero() {
		o.ThisUpdate = issuer.NotBefore
	}
	if o.NextUpdate.IsZero() {
		o.NextUpdate = issuer.NotAfter
	}
	return o
}

// TDXCollateral returns the fake Intel chain's CRLs in the chain's
// collateral form (no TCB info: fake hardware has none): the root CA CRL,
// signed by the fake root, and the PCK CA's, with its issuer chain.
func TDXCollateral(o CRLOptions) (tee.TDXCollateral, error) {
	c, err := newTDXChain()
	if err != nil {
		return tee.TDXCollateral{}, err
	}
	o = o.within(c.root)
	root, err := signCRL(c.root, c.rootKey, o, nil)
	if err != nil {
		return tee.TDXCollateral{}, err
	}
	var revoked []x509.RevocationListEntry
	if o.RevokePCK {
		revoked = append(revoked, x509.RevocationListEntry{SerialNumber: c.pck.SerialNumber, RevocationTime: o.ThisUpdate})
	}
	ca, err := signCRL(c.ca, c.caKey, o, revoked)
	if err != nil {
		return tee.TDXCollateral{}, err
	}
	return tee.TDXCollateral{CRLs: []tee.TDXCRL{
		{CRL: root},
		{CRL: ca, IssuerChain: string(append(pemCert(c.ca), pemCert(c.root)...))},
	}}, nil
}

// signCRL returns a DER CRL issued by issuer, as Intel's and AMD's are.
func signCRL(issuer *x509.Certificate, key crypto.Signer, o CRLOptions, revoked []x509.RevocationListEntry) ([]byte, error) {
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(1), ThisUpdate: o.ThisUpdate, NextUpdate: o.NextUpdate, RevokedCertificateEntries: revoked,
	}, issuer, key)
	if err != nil {
		return nil, fmt.Errorf("teefake: CRL of %s: %w", issuer.Subject.CommonName, err)
	}
	return der, nil
}

// TCBOptions pick the fake Intel chain's TCB info and QE identity.
type TCBOptions struct {
	// Evaluation is their tcbEvaluationDataNumber.
	Evaluation int
	// Issued is their issueDate; they are due again 30 days later.
	Issued time.Time
	// FMSPC is the platform the TCB info is for (lower-case hex); empty
	// means the recorded one, the fake PCK's.
	FMSPC string
}

// TDXTCBCollateral returns go-tdx-guest's recorded TCB info and QE
// identity (platform FMSPC 50806f000000, the fake PCK's) with o's
// evaluation, dates and platform, signed by a fake TCB signing certificate under the
// fake Intel root, in the chain's collateral form.
func TDXTCBCollateral(o TCBOptions) (tee.TDXCollateral, error) {
	c, err := newTDXChain()
	if err != nil {
		return tee.TDXCollateral{}, err
	}
	chain := string(append(pemCert(c.tcb), pemCert(c.root)...))
	info, err := c.signTCBBody(tdxdata.TcbInfoBody, "tcbInfo", o)
	if err != nil {
		return tee.TDXCollateral{}, err
	}
	qe, err := c.signTCBBody(tdxdata.QeIdentityBody, "enclaveIdentity", o)
	if err != nil {
		return tee.TDXCollateral{}, err
	}
	return tee.TDXCollateral{TCBInfo: info, TCBInfoIssuerChain: chain, QEIdentity: qe, QEIdentityIssuerChain: chain}, nil
}

// tcbFields are the fields of a TCB body TCBOptions set.
var tcbFields = regexp.MustCompile(`"(issueDate|nextUpdate|tcbEvaluationDataNumber|fmspc)":("[^"]*"|[0-9]+)`)

// signTCBBody rewrites the signed field name of a recorded PCS body with
// o's evaluation, dates and platform and signs it with the fake TCB signing key.
func (c *tdxChain) signTCBBody(recorded []byte, name string, o TCBOptions) (string, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(recorded, &raw); err != nil {
		return "", fmt.Errorf("teefake: recorded %s: %w", name, err)
	}
	signed := tcbFields.ReplaceAllFunc(raw[name], func(f []byte) []byte {
		switch m := tcbFields.FindSubmatch(f); string(m[1]) {
		case "issueDate":
			return fmt.Appendf(nil, `"issueDate":%q`, o.Issued.UTC().Format(time.RFC3339))
		case "nextUpdate":
			return fmt.Appendf(nil, `"nextUpdate":%q`, o.Issued.AddDate(0, 0, 30).UTC().Format(time.RFC3339))
		case "fmspc":
			if o.FMSPC == "" {
				return f
			}
			return fmt.Appendf(nil, `"fmspc":%q`, o.FMSPC)
		default:
			return fmt.Appendf(nil, `"tcbEvaluationDataNumber":%d`, o.Evaluation)
		}
	})
	sig, err := signRaw(c.tcbKey, signed)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf(`{"%s":%s,"signature":"%x"}`, name, signed, sig), nil
}
