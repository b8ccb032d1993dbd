package tee_test

import (
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Pinned verification times. The TDX quote's PCK leaf is valid from
// 2022-09-20 to 2029-09-20; tdxTime is the time go-tdx-guest's own tests
// use. The SEV-SNP VCEK is valid from 2022-09-24 to 2029-09-24; sevTime is
// the date these tests were written.
func tdxTime() time.Time { return time.Date(2023, time.July, 1, 1, 0, 0, 0, time.UTC) }

func sevTime() time.Time { return time.Date(2026, time.November, 22, 0, 0, 0, 0, time.UTC) }

// afterExpiry is past both leaf certificates' NotAfter.
func afterExpiry() time.Time { return time.Date(2030, time.January, 1, 0, 0, 0, 0, time.UTC) }

// beforeIssue is before both leaf certificates' NotBefore.
func beforeIssue() time.Time { return time.Date(2021, time.January, 1, 0, 0, 0, 0, time.UTC) }

// Expected claims of the recorded evidence in testdata/.
const (
	tdxMRTD        = "6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc10d5e119d7215cbb"
	tdxRTMR0       = "2927da70461cd63266f43230cc1849c03ef25ebe490062a801d8fcc80af42976823adf08f833c1e50b51779c6593f32a"
	tdxRTMR1       = "2c700b8ba9b85783f8be9fb9443647bdc0bb3c50747f06297cc6538c25a5f589c4b56d035c59107c6bc5800db2cacb61"
	tdxRTMR2       = "8652f0caaba7e215ea442dc36a4499d8fec3362f3a0b2ca151cbe4b3e6466fe59c7368b3c2287fc7c3bf5c924eb4424e"
	tdxReportData  = "6c62dec1b8191749a31dab490be532a35944dea47caef1f980863993d9899545eb7406a38d1eed313b987a467dacead6f0c87a6d766c66f6f29f8acb281f1113"
	sevMeasurement = "b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01"
	sevReportData  = "0102030405000000000000000000000000000000000000000000000000000000" +
		"0000000000000000000000000000000000000000000000000000000000000000"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tdxTrailerSize is how many unsigned bytes ("\nextra bytes(only for
// testing purpose)\n") go-tdx-guest appended to its recorded quote.
const tdxTrailerSize = 39

// tdxQuote returns the recorded TDX quote without its unsigned trailer.
func tdxQuote(t testing.TB) []byte {
	t.Helper()
	q := readTestdata(t, "tdx_quote_v4.dat")
	return q[:len(q)-tdxTrailerSize]
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func wantErr(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("err = %v, want %v", err, target)
	}
}

// skipFlipsUnderRace skips a byte-flipping sweep under the race detector:
// it verifies thousands of altered quotes one after another in one
// goroutine, where the detector has nothing to check and costs 24
// CPU-seconds instead of 5, and scripts/test.sh runs the sweeps without it.
// The package's other tests, the genuine and tampered evidence included,
// run under the detector.
func skipFlipsUnderRace(t *testing.T) {
	t.Helper()
	if raceDetector {
		t.Skip("a single-goroutine sweep: runs without the race detector (scripts/test.sh)")
	}
}
