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
	raw, _, err := tsm.Get(p.client, tsm.ProviderTDX, reportData, false)
	if err != nil {
		return nil, fmt.Errorf("tdx quote: %w", err)
	}
	quote, err := tee.TrimTDXQuote(raw)
	if err != nil {
		return nil, fmt.Errorf("tdx quote from configfs-tsm: %w", err)
	}
	c, err := tee.TDXClaims(quote)
	if err != nil {
		return nil, fmt.Errorf("tdx quote from configfs-tsm: %w", err)
	}
	if !bytes.Equal(c.ReportData[:], reportData[:]) {
		return nil, fmt.Errorf("%w: tdx quote from configfs-tsm binds %x, asked for %x", tee.ErrReportDataMismatch, c.ReportData, reportData)
	}
	return quote, nil
}

// Measurement returns MRTD||RTMR0||RTMR1||RTMR2 from a fresh quote, as the
// chain computes it (see tee.Verified).
func (p *Provider) Measurement() ([]byte, error) {
	var zero [tee.ReportDataSize]byte
	raw, _, err := tsm.Get(p.client, tsm.ProviderTDX, zero, false)
	if err != nil {
		return nil, fmt.Errorf("tdx measurement: %w", err)
	}
	quote, err := tee.TrimTDXQuote(raw)
	if err != nil {
		return nil, fmt.Errorf("tdx measurement: %w", err)
	}
	c, err := tee.TDXClaims(quote)
	if err != nil {
		return nil, fmt.Errorf("tdx measurement: %w", err)
	}
	return c.Measurement, nil
}

// SealingKey returns the key from the injected source, or
// tee.ErrNoSealingKey if there is none.
func (p *Provider) SealingKey() ([]byte, error) {
	if p.sealing == nil {
		return nil, fmt.Errorf("%w: tdx has no derived sealing key; configure a tee.SealingKeySource", tee.ErrNoSealingKey)
	}
	k, err := p.sealing.SealingKey()
	if err != nil {
		return nil, fmt.Errorf("tdx sealing key: %w", err)
	}
	if len(k) != tee.SealingKeySize {
		return nil, fmt.Errorf("tdx sealing key: source returned %d bytes, want %d", len(k), tee.SealingKeySize)
	}
	return k, nil
}

// DeriveLabel returns label unchanged: TDX keys are production keys.
func (p *Provider) DeriveLabel(label string) string { return label }
