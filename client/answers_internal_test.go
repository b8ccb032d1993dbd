package client

import (
	"bytes"
	"errors"
	"testing"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/registry"
)

// TestCheckAnswerChain: the chain half of answer verification refuses an
// answer from a worker that is not attested, retired, outside the
// cluster, at an epoch the cluster has not reached, from a cluster that is
// not the agent's, or from code not in the agent's history, each by the
// binding's error.
func TestCheckAnswerChain(t *testing.T) {
	worker, cluster, other, agent := [32]byte{1}, [32]byte{2}, [32]byte{3}, [32]byte{4}
	oldCode, newCode := [32]byte{5}, [32]byte{6}
	good := func() (*VerifiedAnswer, contracts.Contract) {
		v := &VerifiedAnswer{
			Answer:  agentio.Answer{Worker: worker, Cluster: cluster, Epoch: 2, Agent: agent, Code: oldCode},
			Worker:  registry.Worker{ID: registry.WorkerID(worker), RegisteredHeight: 3, AttestedHeight: 3},
			Cluster: clusters.Cluster{ID: cluster[:], Members: []keys.Hex{other[:], worker[:]}, Epoch: 3},
		}
		rec := contracts.Contract{ID: agent[:], Cluster: cluster[:], Code: newCode[:],
			Versions: []contracts.Version{{Code: oldCode[:]}, {Code: newCode[:], FromInput: 1}}}
		return v, rec
	}
	for _, tc := range []struct {
		name   string
		change func(v *VerifiedAnswer, rec *contracts.Contract)
		want   error
	}{
		{"an older version answered", func(*VerifiedAnswer, *contracts.Contract) {}, nil},
		{"never attested", func(v *VerifiedAnswer, _ *contracts.Contract) { v.Worker.AttestedHeight = 0 }, ErrAnswerWorker},
		{"retired", func(v *VerifiedAnswer, _ *contracts.Contract) {
			v.Worker.Retired = &registry.Retirement{Height: 9, Reason: "measurement retired"}
		}, ErrAnswerWorker},
		{"not a member", func(v *VerifiedAnswer, _ *contracts.Contract) { v.Cluster.Members = v.Cluster.Members[:1] }, ErrAnswerCluster},
		{"an epoch not reached", func(v *VerifiedAnswer, _ *contracts.Contract) { v.Answer.Epoch = 4 }, ErrAnswerEpoch},
		{"the agent runs in another cluster", func(_ *VerifiedAnswer, rec *contracts.Contract) { rec.Cluster = other[:] }, ErrAnswerCluster},
		{"code not in the history", func(v *VerifiedAnswer, _ *contracts.Contract) { v.Answer.Code = [32]byte{7} }, ErrAnswerCode},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, rec := good()
			tc.change(v, &rec)
			err := checkAnswerChain(v, rec, true, true)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if err == nil && (v.Current || string(v.Version.Code) != string(oldCode[:])) {
				t.Fatalf("version %+v current %v, want the old code, not current", v.Version, v.Current)
			}
		})
	}
}

// TestAnswerOfStream: a whole stream splits at its answer event into the
// signed bytes and the answer headers; a stream cut before the event has
// no answer.
func TestAnswerOfStream(t *testing.T) {
	signed := []byte("data: {\"choices\":[]}\n\ndata: [DONE]\n\n")
	event := []byte("event: phala.answer\ndata: {\"X-Phala-Answer\":\"AQ\",\"X-Phala-Answer-Signature\":\"ab\"}\n\n")
	got, h, ok := AnswerOfStream(append(bytes.Clone(signed), event...))
	if !ok || !bytes.Equal(got, signed) || h.Get(agentio.HeaderAnswer) != "AQ" || h.Get(agentio.HeaderAnswerSignature) != "ab" {
		t.Fatalf("split: %q %v %v", got, h, ok)
	}
	if _, _, ok := AnswerOfStream(signed); ok {
		t.Fatal("a stream without its event has an answer")
	}
	if _, _, ok := AnswerOfStream(append(bytes.Clone(signed), event[:30]...)); ok {
		t.Fatal("a stream cut inside its event has an answer")
	}
}
