package tee_test

import (
	"encoding/pem"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/phalanetwork/phala/tee"
	"github.com/phalanetwork/phala/tee/tdxtest"
	"github.com/phalanetwork/phala/tee/teefake"
)

// fuzzVerify fuzzes Verify for one kind from seeds: it must never panic,
// and whatever it accepts must carry a measurement.
func fuzzVerify(f *testing.F, kind tee.Kind, o tee.VerifyOptions, seeds ...[]byte) {
	for _, s := range seeds {
		f.Add(s)
		if len(s) > 1 {
			f.Add(s[:len(s)/2])
			f.Add(s[1:])
		}
	}
	f.Add([]byte{})
	f.Add([]byte{0x01})
	f.Add(make([]byte, 5000))
	f.Fuzz(func(t *testing.T, ev []byte) {
		v, err := tee.Verify(tee.Attestation{Kind: kind, Evidence: ev}, o)
		if err == nil && (v == nil || v.Kind != kind || len(v.Measurement) == 0) {
			t.Fatalf("accepted evidence with no measurement: %+v", v)
		}
	})
}

func FuzzVerifySim(f *testing.F) {
	p, o := simSetup(f)
	fuzzVerify(f, tee.KindSim, o, simQuote(f, p, [tee.ReportDataSize]byte{9}))
}

func FuzzVerifyTDX(f *testing.F) {
	fuzzVerify(f, tee.KindTDX, tee.VerifyOptions{Now: tdxTime(), AllowDebug: true}, tdxQuote(f), readTestdata(f, "tdx_quote_v4.dat"))
}

func FuzzVerifySEVSNP(f *testing.F) {
	report := readTestdata(f, "sevsnp_report.bin")
	fuzzVerify(f, tee.KindSEVSNP, tee.VerifyOptions{Now: sevTime(), AllowDebug: true},
		sevEvidence(f),
		(&tee.SEVSNPEvidence{Version: tee.SEVSNPEvidenceVersion, Report: report, EndorsementCert: []byte{0x30, 0x82, 0x01}}).Encode())
}

// FuzzVerifyAnyKind feeds one evidence to every kind, including kinds that
// do not exist, with every option set.
func FuzzVerifyAnyKind(f *testing.F) {
	_, o := simSetup(f)
	o.AllowDebug = true
	f.Add("sim", []byte{1})
	f.Add("tdx", tdxQuote(f))
	f.Add("sev-snp", sevEvidence(f))
	f.Add("sgx", []byte{})
	f.Fuzz(func(t *testing.T, kind string, ev []byte) {
		_, _ = tee.Verify(tee.Attestation{Kind: tee.Kind(kind), Evidence: ev}, o)
		_, _ = tee.TDXClaims(ev)
		_, _ = tee.SEVSNPClaims(ev)
		_, _ = tee.TrimTDXQuote(ev)
		_, _ = tee.DecodeSimEvidence(ev)
		_, _ = tee.DecodeSEVSNPEvidence(ev)
	})
}

// FuzzCheckTDXCRL fuzzes the CRL decoder and check from Intel's recorded
// CRLs, DER and PEM: it must never panic, and whatever it accepts must be
// a list Intel signed, so of one of the two recorded issuers.
func FuzzCheckTDXCRL(f *testing.F) {
	c := tdxtest.Collateral()
	var issuers []string
	for _, crl := range c.CRLs {
		ck, err := tee.CheckTDXCRL(crl, tee.TestRoots{}, tdxTime())
		if err != nil {
			f.Fatal(err)
		}
		issuers = append(issuers, ck.Issuer)
		f.Add(crl.CRL, crl.IssuerChain)
		f.Add(pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: crl.CRL}), crl.IssuerChain)
	}
	f.Add(c.CRLs[0].CRL, "")
	f.Add([]byte{0x30, 0x82, 0x01}, c.TCBInfoIssuerChain)
	f.Fuzz(func(t *testing.T, body []byte, chain string) {
		_, _ = tee.ParseTDXCRL(body)
		ck, err := tee.CheckTDXCRL(tee.TDXCRL{CRL: body, IssuerChain: chain}, tee.TestRoots{}, tdxTime())
		if err == nil && !slices.Contains(issuers, ck.Issuer) {
			t.Fatalf("accepted a CRL of issuer %s", ck.Issuer)
		}
	})
}

// FuzzCheckSEVSNPCRL fuzzes the CRL check from the fake ARK's CRL, DER
// and PEM, under the fake chains' test roots: it must never panic, and
// whatever it accepts must be a list the fake ARK signed (no fuzzed body
// forges an Intel or AMD signature).
func FuzzCheckSEVSNPCRL(f *testing.F) {
	roots, err := teefake.Roots()
	if err != nil {
		f.Fatal(err)
	}
	c, err := teefake.SEVSNPCollateral(teefake.CRLOptions{RevokeASK: true})
	if err != nil {
		f.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	ck, err := tee.CheckTDXCRL(c.CRLs[0], roots, now)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(c.CRLs[0].CRL)
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: c.CRLs[0].CRL}))
	f.Add([]byte{0x30, 0x82, 0x01})
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := tee.CheckTDXCRL(tee.TDXCRL{CRL: body}, roots, now)
		if err == nil && got.Issuer != ck.Issuer {
			t.Fatalf("accepted a CRL of issuer %s", got.Issuer)
		}
	})
}

// FuzzTDXCollateral: TCB collateral comes in transactions from whoever
// refreshes it, and every validator checks it; no bodies or issuer chains
// panic CheckTDXCollateral or ParseTDXCollateral, every refusal is
// ErrTCBCollateral, and what the check accepts parses to the same result.
func FuzzTDXCollateral(f *testing.F) {
	c := tdxtest.Collateral()
	f.Add(c.TCBInfo, c.TCBInfoIssuerChain, c.QEIdentity, c.QEIdentityIssuerChain)
	f.Add(c.TCBInfo[:len(c.TCBInfo)/2], c.TCBInfoIssuerChain, c.QEIdentity, c.QEIdentityIssuerChain)
	f.Add(c.TCBInfo, c.TCBInfoIssuerChain[:len(c.TCBInfoIssuerChain)/2], c.QEIdentity, c.QEIdentityIssuerChain)
	u := tdxtest.UnsignedUpToDate(c)
	f.Add(u.TCBInfo, u.TCBInfoIssuerChain, u.QEIdentity, u.QEIdentityIssuerChain)
	f.Add("", "", "", "")
	f.Fuzz(func(t *testing.T, info, infoChain, qe, qeChain string) {
		in := tee.TDXCollateral{TCBInfo: info, TCBInfoIssuerChain: infoChain, QEIdentity: qe, QEIdentityIssuerChain: qeChain}
		parsed, perr := tee.ParseTDXCollateral(in)
		if perr != nil && !errors.Is(perr, tee.ErrTCBCollateral) {
			t.Fatalf("parse refusal is not ErrTCBCollateral: %v", perr)
		}
		checked, err := tee.CheckTDXCollateral(in, tee.TestRoots{}, tdxtest.Current)
		if err != nil {
			if !errors.Is(err, tee.ErrTCBCollateral) {
				t.Fatalf("check refusal is not ErrTCBCollateral: %v", err)
			}
			return
		}
		if perr != nil || parsed != checked {
			t.Fatalf("checked %+v, parsed %+v (%v)", checked, parsed, perr)
		}
	})
}
