package e2e

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/devnet/devnettest"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/pruntime/chainsync"
)

// The host's ways to reach the enclave that this test tries. The attack
// ones (a score of the host's choosing, a rewound sequence) must not be
// part of pruntime.Enclave; the typed ones must be.
type (
	scoredRegistration interface {
		Registration(address.Address, uint64) (*registry.MsgRegisterWorker, error)
	}
	scoredBenchmark interface {
		PostBenchmark(context.Context, chainsync.Source, uint64) (mq.SignedMessage, error)
	}
	rewinder interface{ Abandon(uint64) error }

	measuredRegistration interface {
		Registration(address.Address, time.Duration) (*registry.MsgRegisterWorker, error)
	}
	measuredBenchmark interface {
		ReportBenchmark(context.Context, chainsync.Source, time.Duration) (mq.SignedMessage, error)
	}
)

// TestRedTeamHostChosenValues: a host with root drives the real enclave
// through everything pruntime.Enclave exports. It tries to have its own
// benchmark score P registered and posted, and to have two different
// messages signed under one sequence number (a message the chain refuses,
// then a rewind). The chain must record only scores the enclave measured,
// and no sequence may carry two signed messages.
func TestRedTeamHostChosenValues(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: runs a devnet")
	}
	ctx := context.Background()
	d, c := devnettest.Start(t, devnet.Options{Workers: -1, BlockTime: 100 * time.Millisecond})
	gen, simKey := homeGenesis(t, d.Home), homeSimKey(t, d.Home)
	opKey, err := d.Keyring.PrivKey("worker0")
	if err != nil {
		t.Fatal(err)
	}
	operator := address.FromPubKey(opKey.Public().(ed25519.PublicKey))
	eHome := filepath.Join(t.TempDir(), "enclave")
	enc := devnettest.OpenEnclave(t, simKey, gen, eHome)
	src := chainsync.NewRPCSource(c.RPC)
	sync := func() {
		if _, err := enc.Sync(ctx, src, nil); err != nil && !errors.Is(err, chainsync.ErrBehind) {
			t.Fatal(err)
		}
	}
	waitFor(t, 30*time.Second, "two verified headers", func() (bool, error) {
		sync()
		return enc.SyncedHeight() >= 2, nil
	})
	const chosen = 777_777

	// Every message the host ever gets signed, by sequence.
	signed := map[uint64]mq.SignedMessage{}
	keep := func(m mq.SignedMessage) {
		if prev, ok := signed[m.Sequence]; ok && !bytes.Equal(prev.Signature, m.Signature) {
			t.Errorf("two different messages signed under sequence %d: payloads %x and %x", m.Sequence, prev.Payload, m.Payload)
		}
		signed[m.Sequence] = m
	}
	push := func(m mq.SignedMessage) error {
		_, err := c.Send(ctx, opKey, pha.Amount{}, "", &mq.MsgPush{Message: m})
		return err
	}
	benchmark := func(score uint64) mq.SignedMessage {
		var m mq.SignedMessage
		var err error
		switch e := any(enc).(type) {
		case scoredBenchmark:
			t.Errorf("the host can post a benchmark score of its choosing (PostBenchmark)")
			m, err = e.PostBenchmark(ctx, src, score)
		case measuredBenchmark:
			m, err = e.ReportBenchmark(ctx, src, 50*time.Millisecond)
		default:
			t.Fatal("the enclave has no benchmark operation")
		}
		if err != nil {
			t.Fatal(err)
		}
		keep(m)
		return m
	}

	// A message the chain refuses (the worker is not registered yet), then
	// a rewind if the host has one, then another message.
	m0 := benchmark(chosen - 1)
	if err := push(m0); err == nil {
		t.Fatal("the chain took a message from an unregistered worker")
	}
	if r, ok := any(enc).(rewinder); ok {
		if err := r.Abandon(m0.Sequence); err != nil {
			t.Fatal(err)
		}
	}
	benchmark(chosen)

	// Registration with the host's score, if the enclave takes one.
	var reg *registry.MsgRegisterWorker
	switch e := any(enc).(type) {
	case scoredRegistration:
		t.Errorf("the host chooses the registered benchmark score (Registration takes a score)")
		reg, err = e.Registration(operator, chosen)
	case measuredRegistration:
		reg, err = e.Registration(operator, 50*time.Millisecond)
	default:
		t.Fatal("the enclave has no registration operation")
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(ctx, opKey, pha.Amount{}, "", reg); err != nil {
		t.Fatal(err)
	}
	record := func() registry.Worker {
		var rec registry.Worker
		c.Query(ctx, "/registry/worker/"+enc.ID().String(), &rec)
		return rec
	}
	if got := record().BenchmarkScore; got == chosen {
		t.Errorf("the chain registered the host's chosen P %d", got)
	}

	// The host sends what the enclave holds; every landed message must be
	// the one signed first under its sequence.
	waitFor(t, 30*time.Second, "the outbox to drain", func() (bool, error) {
		sync()
		pending, err := enc.Pending(ctx, src)
		if err != nil {
			return false, err
		}
		for _, m := range pending {
			keep(m)
			if err := push(m); err != nil && !errors.Is(err, mq.ErrStaleSequence) {
				return false, err
			}
		}
		return len(pending) == 0, nil
	})
	if got := record().BenchmarkScore; got == chosen || got == chosen-1 {
		t.Errorf("the chain recorded the host's chosen P %d", got)
	}
	if len(signed) < 2 {
		t.Errorf("%d sequences signed, want the 2 benchmarks", len(signed))
	}
}
