// Package tdx is the Intel TDX tee.Provider: quotes come from the Linux
// configfs-tsm interface, the measurement from the quote itself.
//
// configfs-tsm offers no sealing key and TDX has no architectural derived
// key for a TD, so SealingKey comes from an injected tee.SealingKeySource
// (for example a key-management service that releases a key to an attested
// TD); without one it returns tee.ErrNoSealingKey.
package tdx

import (
	"bytes"
	"fmt"

	"github.com/google/go-configfs-tsm/configfs/configfsi"

	"github.com/phalanetwork/phala/tee"
	"github.com/phalanetwork/phala/tee/internal/tsm"
)

// Provider is the TDX tee.Provider.
type Provider struct {
	client  configfsi.Client
	sealing tee.SealingKeySource
}

// New returns a Provider reading quotes through client (the kernel's, from
// Open, or a fake in tests); sealing may be nil.
func New(client configfsi.Client, sealing tee.SealingKeySource) (*Provider, error) {
	if client == nil {
		return nil, fmt.Errorf("%w: tdx: no configfs-tsm client", tee.ErrUnavailable)
	}
	return &Provider{client: client, sealing: sealing}, nil
}

// Open returns a Provider on this machine's configfs-tsm interface.
func Open(sealing tee.SealingKeySource) (*Provider, error) {
	c, err := tsm.Open()
	if err != nil {
		return nil, fmt.Errorf("tdx: %w", err)
	}
	return New(c, sealing)
}

// Kind returns tee.KindTDX.
func (p *Provider) Kind() tee.Kind { return tee.KindTDX }

// Quote returns a TDX v4 quote binding reportData.
func (p *Provider) Quote(reportData [tee.ReportDataSize]byte) ([]byte, error) {
	quote, c, err := p.fetch(reportData, "tdx quote", "tdx quote from configfs-tsm")
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(c.ReportData[:], reportData[:]) {
		return nil, fmt.Errorf("%w: tdx quote from configfs-tsm binds %x, asked for %x", tee.ErrReportDataMismatch, c.ReportData, reportData)
	}
	return quote, nil
}

// fetch gets a quote binding reportData from configfs-tsm, trims it and
// reads its claims; errors getting it are wrapped with getCtx, errors
// reading it with readCtx.
func (p *Provider) fetch(reportData [tee.ReportDataSize]byte, getCtx, readCtx string) ([]byte, *tee.Claims, error) {
	raw, _, err := tsm.Get(p.client, tsm.ProviderTDX, reportData, false)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", getCtx, err)
	}
	quote, err := tee.TrimTDXQuote(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", readCtx, err)
	}
	c, err := tee.TDXClaims(quote)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", readCtx, err)
	}
	return quote, c, nil
}

// Measurement returns MRTD||RTMR0||RTMR1||RTMR2 from a fresh quote, as the
// chain computes it (see tee.Verified).
func (p *Provider) Measurement() ([]byte, error) {
	var zero [tee.ReportDataSize]byte
	_, c, err := p.fetch(zero, "tdx measurement", "tdx measurement")
	if err != nil {
		return nil, err
	}
	return c.Measurement, nil
}

// SealingKey returns the key from the injected source, or
// tee.ErrNoSealingKey if there is none.
func (p *Provider) SealingKey() ([]byte, error) {
	return tee.ReadSealingKey(p.sealing, "tdx", "tdx has no derived sealing key; configure a tee.SealingKeySource")
}

// DeriveLabel returns label unchanged: TDX keys are production keys.
func (p *Provider) DeriveLabel(label string) string { return label }
