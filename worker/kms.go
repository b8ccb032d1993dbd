package worker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/pruntime"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/tee"
)

// KMSKey is the sealing-key source of a TDX provider: empty until the
// worker got the key from the gatekeepers' KMS (Start does that first).
type KMSKey struct {
	mu  sync.Mutex
	key []byte
}

// SealingKey implements tee.SealingKeySource.
func (k *KMSKey) SealingKey() ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.key == nil {
		return nil, fmt.Errorf("%w: the gatekeepers' KMS has not answered yet", tee.ErrNoSealingKey)
	}
	return append([]byte(nil), k.key...), nil
}

func (k *KMSKey) set(key []byte) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.key = append([]byte(nil), key...)
}

// kmsWorkerFile holds, in plain text, the id of the worker whose identity
// is sealed under the KMS key: public, and a host that lies about it only
// fails to open the store (docs/keys.md, "KMS").
const kmsWorkerFile = "kms_worker_id"

// acquireKMSKey gets the sealing key from the gatekeepers' KMS before the
// enclave opens. On first start the enrollment's fresh identity registers,
// then asks for the key and seals itself under it; later starts ask for
// the key of the worker sealed before.
func acquireKMSKey(ctx context.Context, o Options, w *Worker) ([]byte, error) {
	enr, err := pruntime.OpenEnrollment(o.Provider, o.Genesis, time.Now)
	if err != nil {
		return nil, err
	}
	idFile := filepath.Join(o.Home, kmsWorkerFile)
	id, first, err := kmsWorkerID(idFile, enr.ID())
	if err != nil {
		return nil, err
	}
	if first {
		if err := w.enroll(ctx, enr); err != nil {
			return nil, err
		}
	}
	key, err := w.requestKMSKey(ctx, enr, id)
	if err != nil {
		return nil, err
	}
	if first {
		if err := enr.SealIdentity(filepath.Join(o.Home, "sealed"), key); err != nil {
			return nil, err
		}
		if err := os.WriteFile(idFile, []byte(id.String()+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("worker: keep the kms worker id: %w", err)
		}
	}
	return key, nil
}

// kmsWorkerID reads the id of the sealed worker, or returns fresh (the
// enrollment's) with first set when there is none.
func kmsWorkerID(path string, fresh registry.WorkerID) (registry.WorkerID, bool, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return fresh, true, nil
	}
	if err != nil {
		return registry.WorkerID{}, false, err
	}
	id, err := registry.ParseWorkerID(strings.TrimSpace(string(raw)))
	if err != nil {
		return registry.WorkerID{}, false, fmt.Errorf("worker: %s: %w", path, err)
	}
	return id, false, nil
}

// enroll registers the enrollment's fresh identity and waits until the
// chain has its record.
func (w *Worker) enroll(ctx context.Context, enr *pruntime.Enrollment) error {
	return w.poll(ctx, "registration", func() (bool, error) {
		if _, err := enr.Sync(ctx, w.src, nil); err != nil {
			return false, err
		}
		_, ok, _, err := enr.RegisteredWorker(ctx, w.src)
		if ok || errors.Is(err, chainsync.ErrBehind) || err != nil {
			return ok, ignoreBehind(err)
		}
		if w.settled > 0 {
			return false, nil // sent; wait for the state to show it
		}
		msg, err := enr.Registration(w.operator, w.o.BenchmarkTime)
		if err != nil {
			return false, err
		}
		_, err = w.sendSettled(ctx, "register", msg)
		return false, err
	})
}

// requestKMSKey sends an attested sealing-key request for worker and
// waits for the gatekeepers' answer, asking again now and then.
func (w *Worker) requestKMSKey(ctx context.Context, enr *pruntime.Enrollment, id registry.WorkerID) ([]byte, error) {
	var key []byte
	var sent time.Time
	err := w.poll(ctx, "the sealing key from the gatekeepers' KMS", func() (bool, error) {
		if _, err := enr.Sync(ctx, w.src, nil); err != nil {
			return false, err
		}
		if sent.IsZero() || time.Since(sent) > kmsRetry {
			msg, err := enr.KMSRequest(id)
			if err != nil {
				return false, err
			}
			if _, err := w.client.Send(ctx, w.o.Operator, pha.Amount{}, "", msg); err != nil {
				return false, fmt.Errorf("sealing key request: %w", err)
			}
			sent = time.Now()
			return false, nil
		}
		k, err := enr.KMSKey(ctx, w.src, id)
		if errors.Is(err, pruntime.ErrNoKMSAnswer) || errors.Is(err, chainsync.ErrBehind) {
			return false, nil
		}
		key = k
		return err == nil, err
	})
	return key, err
}

// kmsRetry is how long a worker waits for the KMS before asking again.
const kmsRetry = time.Minute

// poll runs step every Poll until it reports done or fails.
func (w *Worker) poll(ctx context.Context, what string, step func() (bool, error)) error {
	t := time.NewTicker(w.o.Poll)
	defer t.Stop()
	for {
		done, err := step()
		if err != nil {
			return fmt.Errorf("worker: %s: %w", what, err)
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("worker: waiting for %s: %w", what, ctx.Err())
		case <-t.C:
		}
	}
}

func ignoreBehind(err error) error {
	if errors.Is(err, chainsync.ErrBehind) {
		return nil
	}
	return err
}
