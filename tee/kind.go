package tee

// Kind names a TEE technology.
type Kind string

// The supported TEE kinds.
const (
	// KindSim is the simulated TEE for development: no confidentiality.
	KindSim Kind = "sim"
	// KindTDX is Intel Trust Domain Extensions.
	KindTDX Kind = "tdx"
	// KindSEVSNP is AMD Secure Encrypted Virtualization with Secure Nested Paging.
	KindSEVSNP Kind = "sev-snp"
)

// ReportDataSize is the size of the caller data a quote binds.
const ReportDataSize = 64

// Known reports whether k is one of the supported kinds.
func (k Kind) Known() bool {
	switch k {
	case KindSim, KindTDX, KindSEVSNP:
		return true
	}
	return false
}
