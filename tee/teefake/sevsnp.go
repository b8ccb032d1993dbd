package teefake

import (
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/google/go-configfs-tsm/configfs/configfsi"
	sevabi "github.com/google/go-sev-guest/abi"
	labi "github.com/google/go-sev-guest/client/linuxabi"
	sevpb "github.com/google/go-sev-guest/proto/sevsnp"
	sevtest "github.com/google/go-sev-guest/testing"

	"github.com/phalanetwork/phala/tee"
	"github.com/phalanetwork/phala/tee/internal/tsmtest"
	"github.com/phalanetwork/phala/tee/sevsnp"
)

// sevProductName is the product the fake AMD chain certifies.
const sevProductName = "Milan-B0"

// sevProductLine is its product line, the key of its roots.
const sevProductLine = "Milan"

// amdCertTime is when the fake AMD certificates begin: fixed, so that
// every process certifies the same fixed go-sev-guest keys alike.
var amdCertTime = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// sevPolicy is the guest policy of the fake launch: SMT allowed, no
// debug, no migration agent.
var sevPolicy = sevabi.SnpPolicy{SMT: true}

func newAMDSigner() (*sevtest.AmdSigner, error) {
	s, err := sevtest.DefaultTestOnlyCertChain(sevProductName, amdCertTime)
	if err != nil {
		return nil, fmt.Errorf("teefake: AMD test chain: %w", err)
	}
	return s, nil
}

// sevReport returns a raw ATTESTATION_REPORT binding reportData, with the
// measurement of o.Code and o.Config in HOST_DATA, signed by s's VCEK.
func sevReport(s *sevtest.AmdSigner, o Options, reportData []byte) ([]byte, error) {
	m, err := MeasurementOf(tee.KindSEVSNP, o.Code)
	if err != nil {
		return nil, err
	}
	tcb := uint64(s.TCB)
	r := &sevpb.Report{
		Version: 2, Policy: sevabi.SnpPolicyToBytes(sevPolicy), SignatureAlgo: uint32(sevabi.SignEcdsaP384Sha384),
		CurrentTcb: tcb, ReportedTcb: tcb, CommittedTcb: tcb, LaunchTcb: tcb,
		SignerInfo: sevabi.ComposeSignerInfo(sevabi.SignerInfo{SigningKey: sevabi.VcekReportSigner}),
		ReportData: append([]byte(nil), reportData...), Measurement: m, HostData: append([]byte(nil), o.Config[:]...),
		FamilyId: make([]byte, 16), ImageId: make([]byte, 16), IdKeyDigest: make([]byte, 48), AuthorKeyDigest: make([]byte, 48),
		ReportId: make([]byte, 32), ReportIdMa: make([]byte, 32), ChipId: append([]byte(nil), s.HWID[:]...),
		Signature: make([]byte, sevabi.SignatureSize),
	}
	raw, err := sevabi.ReportToAbiBytes(r)
	if err != nil {
		return nil, fmt.Errorf("teefake: sev-snp report: %w", err)
	}
	R, S, err := s.Sign(sevabi.SignedComponent(raw))
	if err != nil {
		return nil, fmt.Errorf("teefake: sign sev-snp report: %w", err)
	}
	if err := sevabi.SetSignature(R, S, raw); err != nil {
		return nil, fmt.Errorf("teefake: sev-snp signature: %w", err)
	}
	return raw, nil
}

// SEVSNPCollateral returns the fake AMD chain's CRL in the chain's
// collateral form: the CRL of the fake ARK, as AMD's KDS serves one per
// product line (vcek/v1/Milan/crl), listing the fake ASK when o says so.
// Its currency defaults to the fake certificates' validity.
func SEVSNPCollateral(o CRLOptions) (tee.TDXCollateral, error) {
	s, err := newAMDSigner()
	if err != nil {
		return tee.TDXCollateral{}, err
	}
	o = o.within(s.Ark)
	var revoked []x509.RevocationListEntry
	if o.RevokeASK {
		revoked = append(revoked, x509.RevocationListEntry{SerialNumber: s.Ask.SerialNumber, RevocationTime: o.ThisUpdate})
	}
	crl, err := signCRL(s.Ark, s.Keys.Ark, o, revoked)
	if err != nil {
		return tee.TDXCollateral{}, err
	}
	return tee.TDXCollateral{CRLs: []tee.TDXCRL{{CRL: crl}}}, nil
}

// SEVSNPClient returns a go-configfs-tsm fake whose "sev_guest" provider
// answers report requests with a report over the inblob signed by the
// fake AMD chain, and the certificate table with its VCEK as auxblob.
func SEVSNPClient(o Options) (configfsi.Client, error) {
	s, err := newAMDSigner()
	if err != nil {
		return nil, err
	}
	table, err := s.CertTableBytes()
	if err != nil {
		return nil, fmt.Errorf("teefake: AMD certificate table: %w", err)
	}
	return tsmtest.Func("sev_guest", func(inblob []byte) ([]byte, []byte, error) {
		r, err := sevReport(s, o, inblob)
		return r, table, err
	}), nil
}

// SEVSNPDerivedKey returns a sealing-key source over go-sev-guest's fake
// /dev/sev-guest, which answers the request sevsnp.DerivedKeySource sends
// with a key derived from the fake chip and o's measurement, as the AMD
// secure processor would (but anyone can compute it).
func SEVSNPDerivedKey(o Options) (*sevsnp.DerivedKeySource, error) {
	m, err := MeasurementOf(tee.KindSEVSNP, o.Code)
	if err != nil {
		return nil, err
	}
	req := sevsnp.DerivedKeyRequest()
	abiReq := &labi.SnpDerivedKeyReqABI{GuestFieldSelect: req.GuestFieldSelect.ABI(), Vmpl: req.Vmpl, GuestSVN: req.GuestSVN, TCBVersion: req.TCBVersion}
	if !req.UseVCEK {
		abiReq.RootKeySelect = 1
	}
	key := sha256.Sum256(fmt.Appendf(nil, "phala/teefake/sev-snp-derived-key/%x/%x", m, sevabi.SnpPolicyToBytes(sevPolicy)))
	d := &sevtest.Device{Keys: map[string][]byte{sevtest.DerivedKeyRequestToString(abiReq): key[:]}}
	if err := d.Open(""); err != nil {
		return nil, fmt.Errorf("teefake: sev-guest device: %w", err)
	}
	return &sevsnp.DerivedKeySource{Device: d}, nil
}
