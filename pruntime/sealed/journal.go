package sealed

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"

	"golang.org/x/crypto/chacha20poly1305"
)

// Journal is an append-only sealed log: many small records under one
// hidden name, each appended without rewriting the others. An appended
// record is in the file when Append returns, so it survives a crash of the
// process; Sync makes the file survive a crash of the host too. Each record
// is sealed with its position, so the host can cut records off the end but
// cannot reorder, repeat or alter them unnoticed.
//
// Appends commit in groups: the records of callers that append while
// another caller's write is under way are sealed and written together in
// one write, and each of those callers returns once the write holding its
// record is done, so concurrent callers (agent calls) share one system
// call instead of queueing for one each.
type Journal struct {
	s    *Store
	name string
	path string

	// mu is held by the caller writing the queued records, and by Reset,
	// Sync and Records.
	mu   sync.Mutex
	next uint64   // position of the next record
	size int64    // bytes of whole records
	f    *os.File // kept open between appends; nil after a failure

	// qmu guards queue: the records waiting for the next write.
	qmu   sync.Mutex
	queue []*appendReq
	// writes counts the writes of queued records, for tests.
	writes int
}

// appendReq is one caller's record waiting in the queue; done gets the
// outcome of the write that held it.
type appendReq struct {
	rec  []byte
	done chan error
}

// maxJournalRecord bounds one record, so a damaged length cannot make
// Records allocate without limit.
const maxJournalRecord = 1 << 20

// Journal opens (creating) the journal name and returns the records it
// holds. A record cut short at the end of the file, by a crash in the
// middle of Append, is dropped; a whole record that fails authentication
// is ErrCorrupt.
func (s *Store) Journal(name string) (*Journal, [][]byte, error) {
	j := &Journal{s: s, name: name, path: s.path("journal\x00" + name)}
	recs, size, err := j.read()
	if err != nil {
		return nil, nil, err
	}
	if err := os.Truncate(j.path, size); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("journal %s: drop a cut-off record: %w", name, err)
	}
	j.next, j.size = uint64(len(recs)), size
	return j, recs, nil
}

func (j *Journal) ad(pos uint64) []byte {
	var p [8]byte
	binary.BigEndian.PutUint64(p[:], pos)
	return append([]byte("phala/sealed-journal/v1\x00"+j.name+"\x00"), p[:]...)
}

// Append seals rec as the journal's next record. It returns once rec is
// in the file (written together with the records other callers appended
// meanwhile); an error means rec is not in the journal.
func (j *Journal) Append(rec []byte) error {
	if len(rec) > maxJournalRecord {
		return fmt.Errorf("journal %s: record of %d bytes, limit %d", j.name, len(rec), maxJournalRecord)
	}
	req := &appendReq{rec: rec, done: make(chan error, 1)}
	j.qmu.Lock()
	j.queue = append(j.queue, req)
	j.qmu.Unlock()
	j.mu.Lock()
	defer j.mu.Unlock()
	select {
	case err := <-req.done: // an earlier holder of mu wrote it
		return err
	default:
	}
	j.qmu.Lock()
	batch := j.queue
	j.queue = nil
	j.qmu.Unlock()
	err := j.writeLocked(batch)
	for _, r := range batch {
		r.done <- err
	}
	return <-req.done
}

// writeLocked seals the batch's records at the next positions and writes
// them at the end of the whole records in one write. A failed write
// leaves the positions unchanged, so the next write overwrites whatever it
// left. Callers hold j.mu.
func (j *Journal) writeLocked(batch []*appendReq) error {
	aead, err := chacha20poly1305.NewX(j.s.sealKey)
	if err != nil {
		return err
	}
	n := 0
	for _, r := range batch {
		n += 4 + aead.NonceSize() + len(r.rec) + aead.Overhead()
	}
	buf := make([]byte, 0, n)
	for i, r := range batch {
		start := len(buf)
		buf = append(buf, make([]byte, 4+aead.NonceSize())...)
		nonce := buf[start+4:]
		if _, err := rand.Read(nonce); err != nil {
			return fmt.Errorf("journal %s: %w", j.name, err)
		}
		buf = aead.Seal(buf, nonce, r.rec, j.ad(j.next+uint64(i)))
		binary.BigEndian.PutUint32(buf[start:], uint32(len(buf)-start-4))
	}
	if j.f == nil {
		f, err := os.OpenFile(j.path, os.O_WRONLY|os.O_CREATE, 0o600)
		if err != nil {
			return fmt.Errorf("journal %s: %w", j.name, err)
		}
		j.f = f
	}
	j.writes++
	// Writing at the known end, not O_APPEND, overwrites a record an
	// earlier failed write may have left half written.
	if _, err := j.f.WriteAt(buf, j.size); err != nil {
		j.f.Close()
		j.f = nil
		return fmt.Errorf("journal %s: %w", j.name, err)
	}
	j.next += uint64(len(batch))
	j.size += int64(len(buf))
	return nil
}

// Records unseals every record in order.
func (j *Journal) Records() ([][]byte, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	recs, _, err := j.read()
	return recs, err
}

// Reset empties the journal.
func (j *Journal) Reset() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := os.Truncate(j.path, 0); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("journal %s: reset: %w", j.name, err)
	}
	j.next, j.size = 0, 0
	return nil
}

// Sync flushes the journal to stable storage.
func (j *Journal) Sync() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	f := j.f
	if f == nil {
		var err error
		if f, err = os.OpenFile(j.path, os.O_WRONLY|os.O_CREATE, 0o600); err != nil {
			return fmt.Errorf("journal %s: %w", j.name, err)
		}
		defer f.Close()
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("journal %s: sync: %w", j.name, err)
	}
	return nil
}

// read unseals the whole records of the file and returns them with the
// bytes they take up.
func (j *Journal) read() ([][]byte, int64, error) {
	blob, err := os.ReadFile(j.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("journal %s: %w", j.name, err)
	}
	aead, err := chacha20poly1305.NewX(j.s.sealKey)
	if err != nil {
		return nil, 0, err
	}
	var recs [][]byte
	off := 0
	for len(blob)-off >= 4 {
		n := int(binary.BigEndian.Uint32(blob[off:]))
		if n < aead.NonceSize()+aead.Overhead() || n > maxJournalRecord+aead.NonceSize()+aead.Overhead() {
			return nil, 0, fmt.Errorf("journal %s: record %d: %w", j.name, len(recs), ErrCorrupt)
		}
		if len(blob)-off-4 < n {
			break // cut off by a crash in the middle of Append
		}
		frame := blob[off+4 : off+4+n]
		rec, err := aead.Open(nil, frame[:aead.NonceSize()], frame[aead.NonceSize():], j.ad(uint64(len(recs))))
		if err != nil {
			return nil, 0, fmt.Errorf("journal %s: record %d: %w", j.name, len(recs), ErrCorrupt)
		}
		recs = append(recs, rec)
		off += 4 + n
	}
	return recs, int64(off), nil
}
