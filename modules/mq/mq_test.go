package mq_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"strconv"
	"testing"

	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
)

var op = apptest.NewAccount(1)

func benchmarkMsg(id ed25519.PrivateKey, seq, score uint64) mq.SignedMessage {
	w := wire.NewWriter(8)
	w.Uvarint(score)
	m := mq.SignedMessage{Origin: mq.Origin{Kind: mq.OriginWorker}, Topic: registry.TopicBenchmark, Payload: w.Bytes(), Sequence: seq}
	copy(m.Origin.ID[:], id.Public().(ed25519.PublicKey))
	m.Sign(apptest.ChainID, id)
	return m
}

func next(t *testing.T, c *apptest.Chain, o mq.Origin) uint64 {
	var r mq.SequenceResponse
	if res := c.Query("/mq/sequence/worker/"+o.String()[len("worker/"):], &r); res.Code != 0 {
		t.Fatal(res.Log)
	}
	return r.Next
}

func TestSequenceRules(t *testing.T) {
	c := apptest.New(t, []apptest.Account{op}, map[string]any{registry.Name: apptest.SimRegistry()})
	id := c.RegisterSimWorker(t, op)
	m0 := benchmarkMsg(id, 0, 4242)
	origin := m0.Origin
	if res := c.Deliver(op, &mq.MsgPush{Message: m0}); res.Code != 0 {
		t.Fatal(res.Log)
	}
	var w registry.Worker
	c.Query("/registry/worker/"+registry.WorkerID(origin.ID).String(), &w)
	if w.BenchmarkScore != 4242 || next(t, c, origin) != 1 {
		t.Fatalf("score %d next %d", w.BenchmarkScore, next(t, c, origin))
	}

	// Two replicas race for slot 1 in one block: the first wins.
	a, b := benchmarkMsg(id, 1, 1), benchmarkMsg(id, 1, 2)
	res := c.Block(c.Tx(op, &mq.MsgPush{Message: a}), c.Tx(op, &mq.MsgPush{Message: b}))
	if res[0].Code != 0 {
		t.Fatal(res[0].Log)
	}
	apptest.ExpectCode(t, res[1], mq.Codespace, mq.ErrStaleSequence.Code)

	forged := benchmarkMsg(id, 2, 9)
	forged.Payload = []byte{7}
	tests := []struct {
		name string
		msg  mq.SignedMessage
		code uint32
	}{
		{"stale", benchmarkMsg(id, 0, 5), mq.ErrStaleSequence.Code},
		{"gapped", benchmarkMsg(id, 5, 5), mq.ErrGappedSequence.Code},
		{"forged signature", forged, mq.ErrBadSignature.Code},
		{"unregistered worker", func() mq.SignedMessage {
			_, k, _ := ed25519.GenerateKey(rand.Reader)
			return benchmarkMsg(k, 0, 1)
		}(), mq.ErrUnknownOrigin.Code},
		{"origin kind without keys", func() mq.SignedMessage {
			m := benchmarkMsg(id, 2, 1)
			m.Origin.Kind = mq.OriginCluster
			return m
		}(), mq.ErrUnsupportedOrigin.Code},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			apptest.ExpectCode(t, c.Deliver(op, &mq.MsgPush{Message: tt.msg}), mq.Codespace, tt.code)
			if n := next(t, c, origin); n != 2 {
				t.Fatalf("a rejected message moved the sequence to %d", n)
			}
		})
	}
}

// TestRefusedMessageUsesItsSlot: a worker's correctly signed message with
// the next sequence uses its slot even when its topic's module refuses it;
// the refusal is an event, the module's writes are dropped, and the slot
// cannot be filled again with another message (so the enclave never has a
// reason to sign two messages under one sequence).
func TestRefusedMessageUsesItsSlot(t *testing.T) {
	c := apptest.New(t, []apptest.Account{op}, map[string]any{registry.Name: apptest.SimRegistry()})
	id := c.RegisterSimWorker(t, op)
	score := func() uint64 {
		var w registry.Worker
		c.Query("/registry/worker/"+registry.WorkerID(id.Public().(ed25519.PublicKey)).String(), &w)
		return w.BenchmarkScore
	}
	before := score()
	tests := []struct {
		name      string
		msg       func(seq uint64) mq.SignedMessage
		codespace string
		code      uint32
	}{
		{"topic nobody owns", func(seq uint64) mq.SignedMessage {
			m := benchmarkMsg(id, seq, 1)
			m.Topic = "nobody/home"
			m.Sign(apptest.ChainID, id)
			return m
		}, mq.Codespace, mq.ErrNoHandler.Code},
		{"bad payload", func(seq uint64) mq.SignedMessage {
			m := benchmarkMsg(id, seq, 1)
			m.Payload = nil
			m.Sign(apptest.ChainID, id)
			return m
		}, mq.Codespace, mq.ErrInvalidMessage.Code},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seq := uint64(i)
			res := c.Deliver(op, &mq.MsgPush{Message: tt.msg(seq)})
			if res.Code != 0 {
				t.Fatalf("refused message failed its transaction: %s", res.Log)
			}
			var refused bool
			for _, e := range res.Events {
				if e.Type != mq.EventRefused {
					continue
				}
				refused = true
				attrs := map[string]string{}
				for _, a := range e.Attributes {
					attrs[a.Key] = a.Value
				}
				if attrs[mq.AttrCodespace] != tt.codespace || attrs[mq.AttrCode] != strconv.FormatUint(uint64(tt.code), 10) || attrs[mq.AttrError] == "" {
					t.Fatalf("refusal event %v, want %s/%d", attrs, tt.codespace, tt.code)
				}
			}
			if !refused {
				t.Fatal("no mq_refused event")
			}
			if n := next(t, c, benchmarkMsg(id, 0, 1).Origin); n != seq+1 {
				t.Fatalf("next sequence %d, want %d", n, seq+1)
			}
			// The slot is used: a different, valid message under it is stale.
			apptest.ExpectCode(t, c.Deliver(op, &mq.MsgPush{Message: benchmarkMsg(id, seq, 99)}), mq.Codespace, mq.ErrStaleSequence.Code)
			if s := score(); s != before {
				t.Fatalf("score changed to %d", s)
			}
		})
	}
}

func FuzzDecodeMessage(f *testing.F) {
	_, k, _ := ed25519.GenerateKey(rand.Reader)
	m := benchmarkMsg(k, 3, 7)
	w := wire.NewWriter(0)
	m.Encode(w)
	f.Add(w.Bytes())
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, in []byte) {
		r := wire.NewReader(in)
		got := mq.DecodeMessage(r)
		if r.Done() != nil {
			return
		}
		out := wire.NewWriter(0)
		got.Encode(out)
		if string(out.Bytes()) != string(in) {
			t.Fatalf("non-canonical accept %x -> %x", in, out.Bytes())
		}
	})
}
