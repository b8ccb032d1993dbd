package bench

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/phalanetwork/phala/pruntime/sealed"
)

// BenchmarkSealedStore measures sealed-store writes and reads per second
// (XChaCha20-Poly1305 plus an fsynced atomic file write per Put; a file
// read plus authentication per Get) for a 256-byte value, and prints each
// against its anchor measured in the same run: a plain os.WriteFile with
// fsync, and a plain os.ReadFile, of the same size.
func BenchmarkSealedStore(b *testing.B) {
	value := bytes.Repeat([]byte{0x5a}, 256)
	key := bytes.Repeat([]byte{1}, 32)
	b.Run("put", func(b *testing.B) {
		s, err := sealed.Open(b.TempDir(), key, "bench")
		if err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			if err := s.Put(fmt.Sprint("k", i%64), value); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "puts/s")
	})
	b.Run("get", func(b *testing.B) {
		s, _ := sealed.Open(b.TempDir(), key, "bench")
		for i := 0; i < 64; i++ {
			s.Put(fmt.Sprint("k", i), value)
		}
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			if _, err := s.Get(fmt.Sprint("k", i%64)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "gets/s")
	})
	b.Run("anchor-plain-write-fsync", func(b *testing.B) {
		dir := b.TempDir()
		for i := 0; b.Loop(); i++ {
			f, err := os.Create(filepath.Join(dir, fmt.Sprint("k", i%64)))
			if err != nil {
				b.Fatal(err)
			}
			f.Write(value)
			f.Sync()
			f.Close()
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
	})
	b.Run("anchor-plain-read", func(b *testing.B) {
		dir := b.TempDir()
		for i := 0; i < 64; i++ {
			os.WriteFile(filepath.Join(dir, fmt.Sprint("k", i)), value, 0o600)
		}
		for i := 0; b.Loop(); i++ {
			if _, err := os.ReadFile(filepath.Join(dir, fmt.Sprint("k", i%64))); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reads/s")
	})
}
