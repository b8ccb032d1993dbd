package tee

import (
	"bytes"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	tdxabi "github.com/google/go-tdx-guest/abi"
	"github.com/google/go-tdx-guest/pcs"
	tdxpb "github.com/google/go-tdx-guest/proto/tdx"
	tdxverify "github.com/google/go-tdx-guest/verify"
)

// tdxMeasuredRTMRs is how many RTMRs the TDX measurement covers: RTMR0-2
// hold the boot chain (firmware configuration, kernel, command line,
// initrd); RTMR3 is extended by the running guest and is left to Details.
const tdxMeasuredRTMRs = 3

// tdxDebugBit is TDATTRIBUTES.DEBUG (bit 0 of the little-endian field).
const tdxDebugBit = 0x01

// parseTDXQuote parses a TDX v4 quote, insisting on its canonical encoding.
func parseTDXQuote(evidence []byte) (*tdxpb.QuoteV4, error) {
	var q *tdxpb.QuoteV4
	err := guard("tdx quote", func() error {
		v4, err := quoteV4(evidence)
		if err != nil {
			return err
		}
		if err := tdxabi.CheckQuoteV4(v4); err != nil {
			return fmt.Errorf("%w: tdx quote: %w", ErrBadEvidence, err)
		}
		if n := len(v4.GetExtraBytes()); n > 0 {
			return fmt.Errorf("%w: tdx quote has %d unsigned trailing bytes (use TrimTDXQuote)", ErrBadEvidence, n)
		}
		again, err := tdxabi.QuoteToAbiBytes(v4)
		if err != nil || !bytes.Equal(again, evidence) {
			return fmt.Errorf("%w: tdx quote is not canonical (trailing or padding bytes)", ErrBadEvidence)
		}
		q = v4
		return nil
	})
	return q, err
}

// quoteV4 decodes a TDX quote, which must be of version 4.
func quoteV4(quote []byte) (*tdxpb.QuoteV4, error) {
	parsed, err := tdxabi.QuoteToProto(quote)
	if err != nil {
		return nil, fmt.Errorf("%w: tdx quote: %w", ErrBadEvidence, err)
	}
	v4, ok := parsed.(*tdxpb.QuoteV4)
	if !ok {
		return nil, fmt.Errorf("%w: tdx quote: unsupported format %T", ErrBadEvidence, parsed)
	}
	return v4, nil
}

// TrimTDXQuote returns quote without the unsigned bytes some quote
// generators append after the signed data; Verify rejects them, since
// anyone could change them without invalidating the quote.
func TrimTDXQuote(quote []byte) ([]byte, error) {
	var out []byte
	err := guard("tdx quote", func() error {
		v4, err := quoteV4(quote)
		if err != nil {
			return err
		}
		v4.ExtraBytes = nil
		out, err = tdxabi.QuoteToAbiBytes(v4)
		if err != nil {
			return fmt.Errorf("%w: tdx quote: %w", ErrBadEvidence, err)
		}
		return nil
	})
	return out, err
}

// tdxMeasurement returns the measurement of a TDX quote body:
// MRTD||RTMR0||RTMR1||RTMR2.
func tdxMeasurement(body *tdxpb.TDQuoteBody) ([]byte, error) {
	if body == nil || len(body.GetMrTd()) != tdxabi.MrTdSize || len(body.GetRtmrs()) < tdxMeasuredRTMRs {
		return nil, fmt.Errorf("%w: tdx quote body lacks MRTD or RTMRs", ErrBadEvidence)
	}
	m := append([]byte(nil), body.GetMrTd()...)
	for _, r := range body.GetRtmrs()[:tdxMeasuredRTMRs] {
		m = append(m, r...)
	}
	return m, nil
}

// TDXClaims parses a TDX quote and returns what it claims, without
// verifying it; the tdx provider uses it to learn its own measurement.
func TDXClaims(quote []byte) (*Claims, error) {
	q, err := parseTDXQuote(quote)
	if err != nil {
		return nil, err
	}
	m, err := tdxMeasurement(q.GetTdQuoteBody())
	if err != nil {
		return nil, err
	}
	c := &Claims{Measurement: m}
	copy(c.ReportData[:], q.GetTdQuoteBody().GetReportData())
	c.Config, err = tdxConfig(q.GetTdQuoteBody())
	return c, err
}

// verifyTDX checks a TDX v4 quote: canonical, certificates valid at the
// block time, PCK chain to Intel's root, QE report signed by the PCK key,
// quote signed by the attestation key the QE vouches for, TCB status
// UpToDate for both the platform (TCB info) and the QE (QE identity)
// against Intel's collateral from chain state, neither the PCK nor its CA
// revoked by the chain's CRLs, not a debug TD.
func verifyTDX(evidence []byte, o VerifyOptions) (*Verified, error) {
	q, err := parseTDXQuote(evidence)
	if err != nil {
		return nil, err
	}
	var chain *tdxverify.PCKCertificateChain
	err = guard("tdx PCK chain", func() error {
		c, err := tdxverify.ExtractChainFromQuote(q)
		if err != nil {
			return fmt.Errorf("%w: tdx PCK certificate chain: %w", ErrBadEvidence, err)
		}
		chain = c
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := checkValidity(o.Now, chain.PCKCertificate, chain.IntermediateCertificate, chain.RootCertificate); err != nil {
		return nil, fmt.Errorf("tdx: %w", err)
	}
	body := q.GetTdQuoteBody()
	// Fake hardware under a genesis test root has no Intel TCB collateral:
	// its TCB status means nothing (anyone holding the test key can forge
	// a quote), so only the signature chain is checked for it.
	fake := o.TestRoots.hasIntel(chain.RootCertificate)
	if !fake && !isIntelRoot(chain.RootCertificate) {
		// Said before the collateral lookup, so a foreign chain is named
		// as such rather than as a platform without collateral.
		return nil, fmt.Errorf("%w: tdx PCK chain ends in %q, not Intel's SGX root CA", ErrUntrustedChain, rootName(chain.RootCertificate))
	}
	// A quote under Intel's root trusts Intel's root alone: a genesis test
	// root may sign TCB info (CheckTDXCollateral), never for such a quote.
	roots, err := intelRootPool(nil)
	if fake {
		roots, err = intelRootPool(o.TestRoots.Intel)
	}
	if err != nil {
		return nil, err
	}
	opts := &tdxverify.Options{TrustedRoots: roots,
		Now: &tdxverify.TimeSet{PckCertChain: o.Now, TcbInfo: o.Now, QeIdentity: o.Now, PckCrl: o.Now, RootCaCrl: o.Now}}
	if !fake {
		getter, err := tdxCollateral(chain, o)
		if err != nil {
			return nil, err
		}
		opts.GetCollateral, opts.Getter = true, getter
	}
	err = guard("tdx verify", func() error { return tdxverify.TdxQuote(q, opts) })
	switch {
	case errors.Is(err, ErrBadEvidence):
		return nil, err
	case errors.Is(err, tdxverify.ErrHashVerificationFail):
		return nil, fmt.Errorf("%w: tdx quote signature by the attestation key: %v", ErrBadSignature, err)
	case err != nil:
		return nil, classifyTDXCollateralErr(err)
	}
	certs, err := checkTDXRevocation(chain, o)
	if err != nil {
		return nil, err
	}
	if tdxDebug(body.GetTdAttributes()) && !o.AllowDebug {
		return nil, fmt.Errorf("%w: tdx TDATTRIBUTES %x has DEBUG set", ErrDebugEnclave, body.GetTdAttributes())
	}
	m, err := tdxMeasurement(body)
	if err != nil {
		return nil, err
	}
	v := &Verified{Kind: KindTDX, Measurement: m, Details: tdxDetails(q, chain), Certs: certs}
	if fake {
		v.Details["tcb_status"] = "not checked: fake hardware under a genesis test root"
	}
	copy(v.ReportData[:], body.GetReportData())
	if v.Config, err = tdxConfig(body); err != nil {
		return nil, err
	}
	return v, nil
}

// tdxConfig is the configuration a TD attests: the first 32 bytes of
// MRCONFIGID; the other 16 must be zero, so one configuration has one
// encoding.
func tdxConfig(body *tdxpb.TDQuoteBody) ([ConfigSize]byte, error) {
	var c [ConfigSize]byte
	id := body.GetMrConfigId()
	if len(id) < ConfigSize {
		return c, fmt.Errorf("%w: tdx MRCONFIGID is %d bytes", ErrBadEvidence, len(id))
	}
	if slices.ContainsFunc(id[ConfigSize:], func(b byte) bool { return b != 0 }) {
		return c, fmt.Errorf("%w: tdx MRCONFIGID %x has non-zero bytes past the 32-byte genesis hash", ErrBadEvidence, id)
	}
	copy(c[:], id)
	return c, nil
}

// tdxCollateral returns a getter that serves the chain's collateral for the
// quote's platform (the PCK certificate's FMSPC); a platform the chain has
// no collateral for is refused, since its TCB status cannot be known.
func tdxCollateral(chain *tdxverify.PCKCertificateChain, o VerifyOptions) (collateralGetter, error) {
	ext, err := pcs.PckCertificateExtensions(chain.PCKCertificate)
	if err != nil {
		return collateralGetter{}, fmt.Errorf("%w: tdx PCK certificate extensions: %v", ErrBadEvidence, err)
	}
	fmspc := strings.ToLower(ext.FMSPC)
	var c *TDXCollateral
	if o.TDXCollateral != nil {
		c = o.TDXCollateral(fmspc)
	}
	if c == nil {
		return collateralGetter{}, fmt.Errorf("%w: tdx: the chain holds no TCB info for platform FMSPC %s", ErrTCBCollateral, fmspc)
	}
	// Checked when it entered state; checked again in case it entered
	// before that check existed, as go-tdx-guest reads the whole body.
	if err := onlyKeys(c.TCBInfo, "tcbInfo"); err != nil {
		return collateralGetter{}, fmt.Errorf("%w: tdx: tcb info of FMSPC %s: %v", ErrTCBCollateral, fmspc, err)
	}
	if err := onlyKeys(c.QEIdentity, "enclaveIdentity"); err != nil {
		return collateralGetter{}, fmt.Errorf("%w: tdx: qe identity of FMSPC %s: %v", ErrTCBCollateral, fmspc, err)
	}
	return collateralGetter{fmspc: ext.FMSPC, c: *c}, nil
}

// tdxDebug reports whether TDATTRIBUTES has DEBUG set; a missing field
// counts as debug.
func tdxDebug(attributes []byte) bool {
	return len(attributes) == 0 || attributes[0]&tdxDebugBit != 0
}

// tdxDetails collects the quote fields worth displaying.
func tdxDetails(q *tdxpb.QuoteV4, chain *tdxverify.PCKCertificateChain) map[string]string {
	body := q.GetTdQuoteBody()
	d := map[string]string{
		"mr_td":           hex.EncodeToString(body.GetMrTd()),
		"mr_seam":         hex.EncodeToString(body.GetMrSeam()),
		"mr_signer_seam":  hex.EncodeToString(body.GetMrSignerSeam()),
		"tee_tcb_svn":     hex.EncodeToString(body.GetTeeTcbSvn()),
		"td_attributes":   hex.EncodeToString(body.GetTdAttributes()),
		"xfam":            hex.EncodeToString(body.GetXfam()),
		"mr_config_id":    hex.EncodeToString(body.GetMrConfigId()),
		"mr_owner":        hex.EncodeToString(body.GetMrOwner()),
		"mr_owner_config": hex.EncodeToString(body.GetMrOwnerConfig()),
		"qe_svn":          hex.EncodeToString(q.GetHeader().GetQeSvn()),
		"pce_svn":         hex.EncodeToString(q.GetHeader().GetPceSvn()),
	}
	for i, r := range body.GetRtmrs() {
		d[fmt.Sprintf("rtmr%d", i)] = hex.EncodeToString(r)
	}
	if ext, err := pcs.PckCertificateExtensions(chain.PCKCertificate); err == nil {
		d["fmspc"] = ext.FMSPC
	}
	return d
}

// rootName is a certificate's subject for messages.
func rootName(c *x509.Certificate) string {
	if c == nil {
		return "no certificate"
	}
	return c.Subject.String()
}
