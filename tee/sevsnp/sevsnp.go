// Package sevsnp is the AMD SEV-SNP tee.Provider: reports come from the
// Linux configfs-tsm interface, the measurement from the report itself.
//
// configfs-tsm offers no sealing key; SealingKey comes from an injected
// tee.SealingKeySource, normally DerivedKeySource, which asks the AMD
// secure processor (/dev/sev-guest) for a key bound to the chip and the
// launch measurement. Without one it returns tee.ErrNoSealingKey.
package sevsnp

import (
	"bytes"
	"fmt"

	"github.com/google/go-configfs-tsm/configfs/configfsi"
	sevabi "github.com/google/go-sev-guest/abi"

	"github.com/phalanetwork/phala/tee"
	"github.com/phalanetwork/phala/tee/internal/tsm"
)

// Config configures a Provider.
type Config struct {
	// Client reads reports; from tsm.Open via Open, or a fake in tests.
	Client configfsi.Client
	// Sealing supplies the sealing key; nil means none.
	Sealing tee.SealingKeySource
	// EndorsementCert is the DER VCEK/VLEK to send when the host's
	// certificate table (configfs-tsm auxblob) lacks it, e.g. a VCEK the
	// operator fetched from AMD's KDS; nil means the auxblob must have it.
	EndorsementCert []byte
}

// Provider is the SEV-SNP tee.Provider.
type Provider struct {
	cfg Config
}

// New returns a Provider for cfg.
func New(cfg Config) (*Provider, error) {
	if cfg.Client == nil {
		return nil, fmt.Errorf("%w: sev-snp: no configfs-tsm client", tee.ErrUnavailable)
	}
	return &Provider{cfg: cfg}, nil
}

// Open returns a Provider on this machine's configfs-tsm interface, with
// DerivedKeySource for sealing.
func Open(endorsementCert []byte) (*Provider, error) {
	c, err := tsm.Open()
	if err != nil {
		return nil, fmt.Errorf("sev-snp: %w", err)
	}
	return New(Config{Client: c, Sealing: &DerivedKeySource{}, EndorsementCert: endorsementCert})
}

// Kind returns tee.KindSEVSNP.
func (p *Provider) Kind() tee.Kind { return tee.KindSEVSNP }

// Quote returns encoded tee.SEVSNPEvidence: the report binding reportData
// and the certificate of the key that signed it.
func (p *Provider) Quote(reportData [tee.ReportDataSize]byte) ([]byte, error) {
	report, aux, c, err := p.fetch(reportData, true, "sev-snp report", "sev-snp report from configfs-tsm")
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(c.ReportData[:], reportData[:]) {
		return nil, fmt.Errorf("%w: sev-snp report from configfs-tsm binds %x, asked for %x", tee.ErrReportDataMismatch, c.ReportData, reportData)
	}
	cert, err := p.endorsementCert(report, aux)
	if err != nil {
		return nil, err
	}
	ev := &tee.SEVSNPEvidence{Version: tee.SEVSNPEvidenceVersion, Report: report, EndorsementCert: cert}
	return ev.Encode(), nil
}

// fetch gets a report binding reportData from configfs-tsm (with the
// host's certificate table as aux when withCerts) and reads its claims;
// errors getting it are wrapped with getCtx, errors reading it with readCtx.
func (p *Provider) fetch(reportData [tee.ReportDataSize]byte, withCerts bool, getCtx, readCtx string) (report, aux []byte, c *tee.Claims, err error) {
	report, aux, err = tsm.Get(p.cfg.Client, tsm.ProviderSEVSNP, reportData, withCerts)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", getCtx, err)
	}
	c, err = tee.SEVSNPClaims(report)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", readCtx, err)
	}
	return report, aux, c, nil
}

// endorsementCert picks the VCEK or VLEK the report names from the host's
// certificate table, falling back to the configured certificate.
func (p *Provider) endorsementCert(report, aux []byte) ([]byte, error) {
	raw, err := sevabi.ReportSignerInfo(report)
	if err != nil {
		return nil, fmt.Errorf("%w: sev-snp signer info: %w", tee.ErrBadEvidence, err)
	}
	info, err := sevabi.ParseSignerInfo(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: sev-snp signer info: %w", tee.ErrBadEvidence, err)
	}
	guid := sevabi.VcekGUID
	if info.SigningKey == sevabi.VlekReportSigner {
		guid = sevabi.VlekGUID
	}
	if cert, err := certFromTable(aux, guid); err == nil && len(cert) > 0 {
		return cert, nil
	}
	if len(p.cfg.EndorsementCert) > 0 {
		return p.cfg.EndorsementCert, nil
	}
	return nil, fmt.Errorf("%w: sev-snp: no %v certificate in the host's certificate table and none configured", tee.ErrBadEvidence, info.SigningKey)
}

// certFromTable returns the entry for guid in a GHCB certificate table; a
// malformed table from the host is an error, never a panic.
func certFromTable(table []byte, guid string) (cert []byte, err error) {
	if len(table) == 0 {
		return nil, fmt.Errorf("empty certificate table")
	}
	defer func() {
		if r := recover(); r != nil {
			cert, err = nil, fmt.Errorf("malformed certificate table: %v", r)
		}
	}()
	var t sevabi.CertTable
	if err := t.Unmarshal(table); err != nil {
		return nil, fmt.Errorf("certificate table: %w", err)
	}
	return t.GetByGUIDString(guid)
}

// Measurement returns the 48-byte launch MEASUREMENT from a fresh report.
func (p *Provider) Measurement() ([]byte, error) {
	var zero [tee.ReportDataSize]byte
	_, _, c, err := p.fetch(zero, false, "sev-snp measurement", "sev-snp measurement")
	if err != nil {
		return nil, err
	}
	return c.Measurement, nil
}

// SealingKey returns the key from the configured source, or
// tee.ErrNoSealingKey if there is none.
func (p *Provider) SealingKey() ([]byte, error) {
	return tee.ReadSealingKey(p.cfg.Sealing, "sev-snp", "sev-snp: configure a tee.SealingKeySource such as DerivedKeySource")
}

// DeriveLabel returns label unchanged: SEV-SNP keys are production keys.
func (p *Provider) DeriveLabel(label string) string { return label }
