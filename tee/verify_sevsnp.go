package tee

import (
	"bytes"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	sevabi "github.com/google/go-sev-guest/abi"
	"github.com/google/go-sev-guest/kds"
	sevpb "github.com/google/go-sev-guest/proto/sevsnp"
	sevverify "github.com/google/go-sev-guest/verify"
)

// offlineSEVGetter refuses every fetch: the chain verifies offline.
type offlineSEVGetter struct{}

// Get implements the go-sev-guest HTTPS getter by refusing.
func (offlineSEVGetter) Get(url string) ([]byte, error) {
	return nil, fmt.Errorf("tee: network access refused during on-chain verification (%s)", url)
}

// parseSEVSNPReport parses a raw report, insisting on its canonical encoding.
func parseSEVSNPReport(raw []byte) (*sevpb.Report, error) {
	if len(raw) != SEVSNPReportSize {
		return nil, fmt.Errorf("%w: sev-snp report is %d bytes, want %d", ErrBadEvidence, len(raw), SEVSNPReportSize)
	}
	var rep *sevpb.Report
	err := guard("sev-snp report", func() error {
		r, err := sevabi.ReportToProto(raw)
		if err != nil {
			return fmt.Errorf("%w: sev-snp report: %w", ErrBadEvidence, err)
		}
		again, err := sevabi.ReportToAbiBytes(r)
		if err != nil || !bytes.Equal(again, raw) {
			return fmt.Errorf("%w: sev-snp report is not canonical (reserved or padding bytes set)", ErrBadEvidence)
		}
		rep = r
		return nil
	})
	return rep, err
}

// SEVSNPClaims parses a raw SEV-SNP report and returns what it claims,
// without verifying it; the sev-snp provider uses it to learn its own
// measurement.
func SEVSNPClaims(report []byte) (*Claims, error) {
	r, err := parseSEVSNPReport(report)
	if err != nil {
		return nil, err
	}
	c := &Claims{Measurement: append([]byte(nil), r.GetMeasurement()...)}
	copy(c.ReportData[:], r.GetReportData())
	copy(c.Config[:], r.GetHostData())
	return c, nil
}

// verifySEVSNP checks SEV-SNP evidence: canonical report, endorsement
// certificate valid at the block time and chaining to AMD's bundled ARK/ASK,
// report signed by it, report consistent with it (TCB, chip id), no debug,
// no migration agent, made at VMPL 0, committed firmware at or above the
// chain's minimum TCB, and its ASK not revoked by the chain's CRL of its
// ARK.
func verifySEVSNP(evidence []byte, o VerifyOptions) (*Verified, error) {
	v, link, err := verifySEVSNPUnrevoked(evidence, o)
	if err != nil {
		return nil, err
	}
	if v.Certs, err = checkRevoked("sev-snp", []revocationLink{link}, o); err != nil {
		return nil, err
	}
	return v, nil
}

// verifySEVSNPUnrevoked is verifySEVSNP but for revocation, which it
// leaves to the caller: it returns the link to check, the ASK (ASVK for a
// VLEK) that certified the endorsement key and the ARK whose CRL may
// list it. An ARK's CRL cannot list the VCEK itself (the ASK issues it)
// and AMD does not revoke VCEKs: a new TCB supersedes them.
func verifySEVSNPUnrevoked(evidence []byte, o VerifyOptions) (*Verified, revocationLink, error) {
	e, err := DecodeSEVSNPEvidence(evidence)
	if err != nil {
		return nil, revocationLink{}, err
	}
	rep, err := parseSEVSNPReport(e.Report)
	if err != nil {
		return nil, revocationLink{}, err
	}
	info, err := sevabi.ParseSignerInfo(rep.GetSignerInfo())
	if err != nil {
		return nil, revocationLink{}, fmt.Errorf("%w: sev-snp signer info: %w", ErrBadEvidence, err)
	}
	chain := &sevpb.CertificateChain{Extras: map[string][]byte{}}
	switch info.SigningKey {
	case sevabi.VcekReportSigner:
		chain.VcekCert = e.EndorsementCert
	case sevabi.VlekReportSigner:
		chain.VlekCert = e.EndorsementCert
	default:
		return nil, revocationLink{}, fmt.Errorf("%w: sev-snp report signed by %v, want VCEK or VLEK", ErrBadEvidence, info.SigningKey)
	}
	cert, err := x509.ParseCertificate(e.EndorsementCert)
	if err != nil {
		return nil, revocationLink{}, fmt.Errorf("%w: sev-snp %v certificate: %w", ErrBadEvidence, info.SigningKey, err)
	}
	if err := checkValidity(o.Now, cert); err != nil {
		return nil, revocationLink{}, fmt.Errorf("sev-snp: %w", err)
	}
	policy, err := sevabi.ParseSnpPolicy(rep.GetPolicy())
	if err != nil {
		return nil, revocationLink{}, fmt.Errorf("%w: sev-snp policy: %w", ErrBadEvidence, err)
	}
	roots, err := o.TestRoots.sevRoots()
	if err != nil {
		return nil, revocationLink{}, err
	}
	att := &sevpb.Attestation{Report: rep, CertificateChain: chain}
	err = guard("sev-snp verify", func() error {
		return sevverify.SnpAttestation(att, &sevverify.Options{Now: o.Now, DisableCertFetching: true, Getter: offlineSEVGetter{}, TrustedRoots: roots})
	})
	if err != nil {
		if errors.Is(err, ErrBadEvidence) {
			return nil, revocationLink{}, err
		}
		if sigErr := guard("sev-snp signature", func() error { return sevverify.SnpReportSignature(e.Report, cert) }); sigErr != nil {
			return nil, revocationLink{}, fmt.Errorf("%w: sev-snp report signature by the %v: %v", ErrBadSignature, info.SigningKey, sigErr)
		}
		return nil, revocationLink{}, fmt.Errorf("%w: sev-snp: %v", ErrUntrustedChain, err)
	}
	if policy.Debug && !o.AllowDebug {
		return nil, revocationLink{}, fmt.Errorf("%w: sev-snp guest policy %#x has DEBUG set", ErrDebugEnclave, rep.GetPolicy())
	}
	if err := checkSEVSNPPolicy(att, o); err != nil {
		return nil, revocationLink{}, err
	}
	link, err := sevsnpLink(cert, info.SigningKey, o.TestRoots)
	if err != nil {
		return nil, revocationLink{}, err
	}
	v := &Verified{
		Kind:        KindSEVSNP,
		Measurement: append([]byte(nil), rep.GetMeasurement()...),
		Details:     sevsnpDetails(rep, cert, info.SigningKey),
	}
	copy(v.ReportData[:], rep.GetReportData())
	copy(v.Config[:], rep.GetHostData())
	return v, link, nil
}

// sevsnpLink returns the intermediate of a verified endorsement
// certificate, the first trusted ASK (ASVK for a VLEK) whose key signed
// it, with the ARK that issued that ASK.
func sevsnpLink(cert *x509.Certificate, key sevabi.ReportSigner, roots TestRoots) (revocationLink, error) {
	amd, err := roots.amdRoots()
	if err != nil {
		return revocationLink{}, err
	}
	for _, r := range amd {
		ica, what := r.ProductCerts.Ask, "ASK"
		if key == sevabi.VlekReportSigner {
			ica, what = r.ProductCerts.Asvk, "ASVK"
		}
		if ica != nil && cert.CheckSignatureFrom(ica) == nil && ica.CheckSignatureFrom(r.ProductCerts.Ark) == nil {
			return revocationLink{cert: ica, issuer: r.ProductCerts.Ark, what: what}, nil
		}
	}
	return revocationLink{}, fmt.Errorf("%w: sev-snp: no trusted AMD root certified the %v certificate", ErrUntrustedChain, key)
}

// sevsnpDetails collects the report fields worth displaying.
func sevsnpDetails(rep *sevpb.Report, cert *x509.Certificate, key sevabi.ReportSigner) map[string]string {
	d := map[string]string{
		"version":       strconv.FormatUint(uint64(rep.GetVersion()), 10),
		"policy":        strconv.FormatUint(rep.GetPolicy(), 16),
		"vmpl":          strconv.FormatUint(uint64(rep.GetVmpl()), 10),
		"guest_svn":     strconv.FormatUint(uint64(rep.GetGuestSvn()), 10),
		"current_tcb":   strconv.FormatUint(rep.GetCurrentTcb(), 16),
		"reported_tcb":  strconv.FormatUint(rep.GetReportedTcb(), 16),
		"committed_tcb": strconv.FormatUint(rep.GetCommittedTcb(), 16),
		"launch_tcb":    strconv.FormatUint(rep.GetLaunchTcb(), 16),
		"platform_info": strconv.FormatUint(rep.GetPlatformInfo(), 16),
		"host_data":     hex.EncodeToString(rep.GetHostData()),
		"family_id":     hex.EncodeToString(rep.GetFamilyId()),
		"image_id":      hex.EncodeToString(rep.GetImageId()),
		"id_key_digest": hex.EncodeToString(rep.GetIdKeyDigest()),
		"chip_id":       hex.EncodeToString(rep.GetChipId()),
		"signing_key":   key.String(),
	}
	if ext, err := kds.CertificateExtensions(cert, key); err == nil {
		d["product"] = ext.ProductName
	}
	return d
}
