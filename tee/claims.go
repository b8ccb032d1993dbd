package tee

// Claims are what a piece of hardware evidence asserts about itself before
// any verification; only Verify makes them trustworthy.
type Claims struct {
	// Measurement is computed as in Verified.Measurement.
	Measurement []byte
	// ReportData is the caller data the evidence carries.
	ReportData [ReportDataSize]byte
}
