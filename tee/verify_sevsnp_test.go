package tee_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/tee"
	"github.com/phalanetwork/phala/tee/teefake"
)

// sevEvidence returns the recorded report and VCEK as encoded evidence.
func sevEvidence(t testing.TB) []byte {
	t.Helper()
	e := &tee.SEVSNPEvidence{
		Version:         tee.SEVSNPEvidenceVersion,
		Report:          readTestdata(t, "sevsnp_report.bin"),
		EndorsementCert: readTestdata(t, "sevsnp_vcek.der"),
	}
	return e.Encode()
}

func sevVerify(ev []byte, now time.Time, allowDebug bool) (*tee.Verified, error) {
	return tee.Verify(tee.Attestation{Kind: tee.KindSEVSNP, Evidence: ev}, tee.VerifyOptions{Now: now, AllowDebug: allowDebug})
}

// TestVerifySEVSNPGenuine: the recorded report passes every check but
// revocation, which runs last (TestVerifySEVSNPGenuineUnrevoked checks
// what it proves); the chain holds no CRL of AMD's Milan ARK here (no
// AMD-signed CRL is recorded), so it is refused naming that, and a CRL
// the ARK did not sign is refused as such.
func TestVerifySEVSNPGenuine(t *testing.T) {
	// The recorded report comes from a guest launched with DEBUG set, so it
	// verifies only with AllowDebug.
	_, err := sevVerify(sevEvidence(t), sevTime(), true)
	wantErr(t, err, tee.ErrTCBCollateral)
	if !strings.Contains(err.Error(), `sev-snp: the chain holds no CRL of "ARK-Milan"`) {
		t.Fatalf("refused with %v", err)
	}
	fake, err := teefake.SEVSNPCollateral(teefake.CRLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tee.Verify(tee.Attestation{Kind: tee.KindSEVSNP, Evidence: sevEvidence(t)},
		tee.VerifyOptions{Now: sevTime(), AllowDebug: true, TDXCRL: func(string) *tee.TDXCRL { return &fake.CRLs[0] }})
	wantErr(t, err, tee.ErrTCBCollateral)
	if !strings.Contains(err.Error(), `sev-snp: crl not signed by "ARK-Milan"`) {
		t.Fatalf("refused with %v", err)
	}
}

func TestVerifySEVSNPRejectsDebug(t *testing.T) {
	_, err := sevVerify(sevEvidence(t), sevTime(), false)
	wantErr(t, err, tee.ErrDebugEnclave)
}

func TestVerifySEVSNPOutsideValidity(t *testing.T) {
	ev := sevEvidence(t)
	for _, now := range []time.Time{afterExpiry(), beforeIssue(), time.Date(2029, time.September, 24, 0, 55, 29, 0, time.UTC)} {
		_, err := sevVerify(ev, now, true)
		wantErr(t, err, tee.ErrCertValidity)
	}
}

func TestVerifySEVSNPTamper(t *testing.T) {
	report := readTestdata(t, "sevsnp_report.bin")
	vcek := readTestdata(t, "sevsnp_vcek.der")
	enc := func(r, c []byte) []byte {
		return (&tee.SEVSNPEvidence{Version: tee.SEVSNPEvidenceVersion, Report: r, EndorsementCert: c}).Encode()
	}
	for name, off := range map[string]int{
		"report data": 0x50,
		"measurement": 0x90 + 47,
		"host data":   0xC0,
		"signature r": 0x2A0,
	} {
		t.Run(name, func(t *testing.T) {
			bad := append([]byte(nil), report...)
			bad[off] ^= 1
			_, err := sevVerify(enc(bad, vcek), sevTime(), true)
			wantErr(t, err, tee.ErrBadSignature)
		})
	}
	t.Run("damaged certificate", func(t *testing.T) {
		badCert := append([]byte(nil), vcek...)
		badCert[len(badCert)-10] ^= 1 // inside the certificate's own signature
		_, err := sevVerify(enc(report, badCert), sevTime(), true)
		if !errors.Is(err, tee.ErrUntrustedChain) && !errors.Is(err, tee.ErrBadEvidence) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("framing", func(t *testing.T) {
		ev := sevEvidence(t)
		_, err := sevVerify(append(append([]byte(nil), ev...), 0), sevTime(), true)
		wantErr(t, err, tee.ErrBadEvidence)
		_, err = sevVerify(enc(report[:len(report)-1], vcek), sevTime(), true)
		wantErr(t, err, tee.ErrBadEvidence)
		_, err = sevVerify(enc(append(append([]byte(nil), report...), 0), vcek), sevTime(), true)
		wantErr(t, err, tee.ErrBadEvidence)
		_, err = sevVerify(enc(report, nil), sevTime(), true)
		wantErr(t, err, tee.ErrBadEvidence)
		_, err = sevVerify((&tee.SEVSNPEvidence{Version: 2, Report: report, EndorsementCert: vcek}).Encode(), sevTime(), true)
		wantErr(t, err, tee.ErrBadEvidence)
	})
}

// TestVerifySEVSNPEveryByte flips the low bit of each byte of the evidence
// (each 7th byte of the certificate, whose checks cost an RSA-4096 chain
// verification) in turn: none of the results may verify.
func TestVerifySEVSNPEveryByte(t *testing.T) {
	skipFlipsUnderRace(t)
	ev := sevEvidence(t)
	certStart := len(ev) - len(readTestdata(t, "sevsnp_vcek.der"))
	for i := 0; i < len(ev); i++ {
		if (i >= certStart || testing.Short()) && i%7 != 0 {
			continue
		}
		bad := append([]byte(nil), ev...)
		bad[i] ^= 0x01
		if _, err := sevVerify(bad, sevTime(), true); err == nil {
			t.Errorf("flipping bit 0 of byte %d verified", i)
		} else if !errors.Is(err, tee.ErrBadEvidence) && !errors.Is(err, tee.ErrBadSignature) &&
			!errors.Is(err, tee.ErrUntrustedChain) && !errors.Is(err, tee.ErrCertValidity) &&
			!errors.Is(err, tee.ErrPolicy) && !errors.Is(err, tee.ErrDebugEnclave) {
			t.Errorf("byte %d: unclassified error %v", i, err)
		}
	}
}

// TestVerifySEVSNPMinimumTCB: the genuine report is refused once the
// chain's minimum TCB is above the one it reports.
func TestVerifySEVSNPMinimumTCB(t *testing.T) {
	a := tee.Attestation{Kind: tee.KindSEVSNP, Evidence: sevEvidence(t)}
	_, err := tee.Verify(a, tee.VerifyOptions{Now: sevTime(), AllowDebug: true, SEVSNPMinTCB: tee.SEVSNPTCB{UcodeSpl: 255}})
	wantErr(t, err, tee.ErrTCBOutOfDate)
}
