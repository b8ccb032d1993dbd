// Package tsm fetches attestation reports through the Linux configfs-tsm
// interface (/sys/kernel/config/tsm/report) for the tdx and sevsnp providers.
package tsm

import (
	"fmt"
	"strings"

	"github.com/google/go-configfs-tsm/configfs/configfsi"
	"github.com/google/go-configfs-tsm/configfs/linuxtsm"
	"github.com/google/go-configfs-tsm/report"

	"github.com/phalanetwork/phala/tee"
)

// The provider names the kernel reports for each TEE.
const (
	// ProviderTDX is the configfs-tsm provider of Intel TDX guests.
	ProviderTDX = "tdx_guest"
	// ProviderSEVSNP is the configfs-tsm provider of AMD SEV-SNP guests.
	ProviderSEVSNP = "sev_guest"
)

// Open returns a client for the kernel's configfs-tsm interface, or an
// error wrapping tee.ErrUnavailable where there is none.
func Open() (configfsi.Client, error) {
	c, err := linuxtsm.MakeClient()
	if err != nil {
		return nil, fmt.Errorf("%w: configfs-tsm: %w", tee.ErrUnavailable, err)
	}
	return c, nil
}

// Get asks client for a report over reportData, checks that the kernel's
// provider is want, and returns the report (outblob) and, if aux, the
// auxiliary blob (the SEV-SNP certificate table).
func Get(client configfsi.Client, want string, reportData [tee.ReportDataSize]byte, aux bool) (outblob, auxblob []byte, err error) {
	if client == nil {
		return nil, nil, fmt.Errorf("%w: no configfs-tsm client", tee.ErrUnavailable)
	}
	resp, err := report.Get(client, &report.Request{InBlob: reportData[:], GetAuxBlob: aux})
	if err != nil {
		return nil, nil, fmt.Errorf("configfs-tsm report: %w", err)
	}
	if got := strings.TrimSpace(resp.Provider); got != want {
		return nil, nil, fmt.Errorf("%w: configfs-tsm provider is %q, want %q", tee.ErrUnavailable, got, want)
	}
	if len(resp.OutBlob) == 0 {
		return nil, nil, fmt.Errorf("configfs-tsm report: empty outblob")
	}
	return resp.OutBlob, resp.AuxBlob, nil
}
