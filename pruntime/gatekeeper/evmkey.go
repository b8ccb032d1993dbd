package gatekeeper

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/big"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/phalanetwork/phala/crypto/keyderive"
	"github.com/phalanetwork/phala/evm/anchorsig"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/pruntime/chainsync"
)

// The master EVM key is a secp256k1 key every gatekeeper derives from a
// master-key generation under a fixed label (anchorsig.LabelMasterKey), so
// all derive the same one; it never leaves the enclave. PhalaAnchor stores
// its address at deployment; it signs which answer keys may answer for an
// agent, and hands the anchor's trust over at a rotation.

// masterSecret is the sealed master key of generation gen.
func (g *Gatekeeper) masterSecret(gen uint64) ([]byte, error) {
	hist, err := g.loadMasters()
	if err != nil {
		return nil, err
	}
	m := hist.find(gen)
	if m == nil {
		return nil, fmt.Errorf("enclave: evm master key: this gatekeeper holds no master key of generation %d", gen)
	}
	return m.Secret, nil
}

// masterEVMKey derives the master EVM key of generation gen.
func (g *Gatekeeper) masterEVMKey(gen uint64) (*secp256k1.PrivateKey, error) {
	secret, err := g.masterSecret(gen)
	if err != nil {
		return nil, err
	}
	return anchorsig.DeriveKey(secret, g.core.DeriveLabel(anchorsig.LabelMasterKey))
}

// EVMMasterAddress is the address of the master EVM key of generation
// gen, which an anchor deployed for that generation trusts.
func (g *Gatekeeper) EVMMasterAddress(gen uint64) ([20]byte, error) {
	k, err := g.masterEVMKey(gen)
	if err != nil {
		return [20]byte{}, err
	}
	return anchorsig.Address(k), nil
}

// EVMAuthorization is the master EVM key's consent that Key answers for
// Agent on one anchor.
type EVMAuthorization struct {
	Agent      [32]byte
	Key        [20]byte
	Generation uint64
	Sig        []byte
}

// AuthorizeEVMAnswerKey signs, with the master EVM key of the agent's
// cluster's generation, the authorization of the agent's answer key of
// the cluster's current epoch on anchor. It reads the agent's cluster from
// proven chain state, so a host cannot get a key of another cluster
// authorized for the agent.
func (g *Gatekeeper) AuthorizeEVMAnswerKey(ctx context.Context, src chainsync.Source, chainID *big.Int, anchor [20]byte, agent [32]byte) (EVMAuthorization, error) {
	c, err := g.agentCluster(ctx, src, agent)
	if err != nil {
		return EVMAuthorization{}, err
	}
	secret, err := g.masterSecret(c.Generation)
	if err != nil {
		return EVMAuthorization{}, err
	}
	master, err := anchorsig.DeriveKey(secret, g.core.DeriveLabel(anchorsig.LabelMasterKey))
	if err != nil {
		return EVMAuthorization{}, err
	}
	ms, err := keyderive.NewSecret(secret)
	if err != nil {
		return EVMAuthorization{}, fmt.Errorf("enclave: evm authorization: %w", err)
	}
	defer ms.Wipe()
	cs := keyderive.DeriveClusterKey(ms, c.ID, c.Epoch, g.core.DeriveLabel)
	defer cs.Wipe()
	key, err := AnswerKey(keyderive.DeriveContractKey(cs, agent[:], g.core.DeriveLabel), g.core.DeriveLabel)
	if err != nil {
		return EVMAuthorization{}, err
	}
	a := EVMAuthorization{Agent: agent, Key: anchorsig.Address(key), Generation: c.Generation}
	a.Sig = anchorsig.Sign(master, anchorsig.AuthorizeDigest(chainID, anchor, agent, a.Key, a.Generation))
	return a, nil
}

// AnswerKey derives an agent's EVM answer key from its contract key; the
// cluster's members (from the key the gatekeepers dispatched) and the
// gatekeepers (from the master key) derive the same one.
func AnswerKey(contractKey keyderive.Secret, label keyderive.Labeler) (*secp256k1.PrivateKey, error) {
	if contractKey.IsZero() {
		return nil, fmt.Errorf("enclave: evm answer key: no contract key")
	}
	l := anchorsig.LabelAnswerKey
	if label != nil {
		l = label(l)
	}
	return anchorsig.DeriveKey(contractKey.Bytes(), l)
}

// SignEVMRotation signs, with the master EVM key of generation nextGen-1,
// the hand-over of anchor to the key of generation nextGen.
func (g *Gatekeeper) SignEVMRotation(chainID *big.Int, anchor [20]byte, nextGen uint64) (next [20]byte, sig []byte, err error) {
	if nextGen == 0 {
		return next, nil, fmt.Errorf("enclave: evm rotation: generation 0 has no predecessor")
	}
	prev, err := g.masterEVMKey(nextGen - 1)
	if err != nil {
		return next, nil, err
	}
	if next, err = g.EVMMasterAddress(nextGen); err != nil {
		return next, nil, err
	}
	return next, anchorsig.Sign(prev, anchorsig.RotateDigest(chainID, anchor, next, nextGen)), nil
}

// agentCluster reads, from proven state, the cluster an agent runs in.
func (g *Gatekeeper) agentCluster(ctx context.Context, src chainsync.Source, agent [32]byte) (clusters.Cluster, error) {
	raw, _, err := g.core.State(ctx, src, contracts.ContractKey(agent))
	if err != nil {
		return clusters.Cluster{}, fmt.Errorf("enclave: evm authorization: read agent: %w", err)
	}
	if raw == nil {
		return clusters.Cluster{}, fmt.Errorf("enclave: evm authorization: agent %x is not on chain", agent)
	}
	var rec contracts.Contract
	if err := json.Unmarshal(raw, &rec); err != nil {
		return clusters.Cluster{}, fmt.Errorf("enclave: evm authorization: agent record: %w", err)
	}
	cs, err := g.core.Clusters(ctx, src)
	if err != nil {
		return clusters.Cluster{}, fmt.Errorf("enclave: evm authorization: read clusters: %w", err)
	}
	for _, c := range cs {
		if bytes.Equal(c.ID, rec.Cluster) {
			return c, nil
		}
	}
	return clusters.Cluster{}, fmt.Errorf("enclave: evm authorization: agent %x: cluster %x not on chain", agent, []byte(rec.Cluster))
}
