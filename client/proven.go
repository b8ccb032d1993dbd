package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/client/lightclient"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/tee"
)

// Proven reads: the records a caller acts on (the key it seals secrets or
// commands to, the workers and clusters it trusts answers from) are read
// with ICS23 proofs checked against headers the light client verified, so
// no RPC node can forge them, and so are the records the CLI displays
// (accounts, agents, workers, TDX collateral). The other typed queries of
// this package trust the node.

// UseLightClient makes c's proven reads verify from the trusted root that
// o describes (kept in o.File; see lightclient.Open).
func (c *Client) UseLightClient(ctx context.Context, o lightclient.Options) error {
	lc, err := lightclient.Open(ctx, chainsync.NewRPCSource(c.RPC), o)
	if err != nil {
		return err
	}
	c.light = lc
	return nil
}

// Light returns the light client behind c's proven reads, opened on first
// use from c.Trust with its root in c.LightDir. A Client with neither
// trusts the node's latest header on its first proven read, in memory
// only: the proofs still bind every value to that header, but nothing
// checks the header itself.
func (c *Client) Light(ctx context.Context) (*lightclient.Client, error) {
	c.lightMu.Lock()
	defer c.lightMu.Unlock()
	if c.light != nil {
		return c.light, nil
	}
	o := c.Trust
	if c.LightDir != "" && o.File == "" {
		id, err := c.ChainID(ctx)
		if err != nil {
			return nil, err
		}
		if id == "" || strings.ContainsAny(id, `/\`) || strings.HasPrefix(id, ".") {
			return nil, fmt.Errorf("lightclient: node reports an unusable chain id %q", id)
		}
		o.File = filepath.Join(c.LightDir, id+".json")
	}
	if c.LightDir == "" && o.Warn == nil {
		o.Warn = io.Discard
	}
	lc, err := lightclient.Open(ctx, chainsync.NewRPCSource(c.RPC), o)
	if err != nil {
		return nil, err
	}
	c.light = lc
	return lc, nil
}

// provenRecords reads the JSON records under keys at one verified height
// into outs; a missing record fails with tx.ErrNotFound naming what. A
// fresh read waits for the state the node has committed (FreshStates):
// the reads that pick a key to seal to use it, so a key the node already
// shows is used.
func (c *Client) provenRecords(ctx context.Context, fresh bool, what []string, keys [][]byte, outs ...any) (int64, error) {
	lc, err := c.Light(ctx)
	if err != nil {
		return 0, err
	}
	read := lc.States
	if fresh {
		read = lc.FreshStates
	}
	vals, h, err := read(ctx, keys...)
	if err != nil {
		return h, err
	}
	for i, v := range vals {
		if v == nil {
			return h, &MissingRecordError{What: what[i], Index: i, Height: h}
		}
		if err := json.Unmarshal(v, outs[i]); err != nil {
			return h, fmt.Errorf("%s: proven record: %w", what[i], err)
		}
	}
	return h, nil
}

// ProvenAgent reads an agent with its code and key record (the agents and
// contracts records, as the agent query joins them) with proofs, as of
// the state the node has committed, and the height read at.
func (c *Client) ProvenAgent(ctx context.Context, id [32]byte) (agents.AgentView, int64, error) {
	var a agents.Agent
	var k contracts.Contract
	h, err := c.provenRecords(ctx, true, []string{fmt.Sprintf("agent %x", id[:8]), fmt.Sprintf("agent %x key record", id[:8])},
		[][]byte{agents.AgentKey(id), contracts.ContractKey(id)}, &a, &k)
	if err != nil {
		return agents.AgentView{}, h, err
	}
	return agents.AgentView{Agent: a, Cluster: k.Cluster, Code: k.Code, Versions: k.Versions, KeyEpoch: k.KeyEpoch, SignKey: k.SignKey, ECDHKey: k.ECDHKey}, h, nil
}

// ProvenWorker reads a worker's registration with a proof.
func (c *Client) ProvenWorker(ctx context.Context, id registry.WorkerID) (registry.Worker, error) {
	var w registry.Worker
	_, err := c.provenRecords(ctx, false, []string{fmt.Sprintf("worker %x", id[:8])}, [][]byte{registry.WorkerKey(id)}, &w)
	return w, err
}

// ProvenCluster reads a cluster (members, epoch, keys) with a proof.
func (c *Client) ProvenCluster(ctx context.Context, id [32]byte) (clusters.Cluster, error) {
	var cl clusters.Cluster
	_, err := c.provenRecords(ctx, false, []string{fmt.Sprintf("cluster %x", id[:8])}, [][]byte{clusters.ClusterKey(id)}, &cl)
	return cl, err
}

// ProvenContract reads a contract's record (cluster, code, keys) with a
// proof, as of the state the node has committed.
func (c *Client) ProvenContract(ctx context.Context, id [32]byte) (contracts.Contract, error) {
	var k contracts.Contract
	_, err := c.provenRecords(ctx, true, []string{fmt.Sprintf("contract %x", id[:8])}, [][]byte{contracts.ContractKey(id)}, &k)
	return k, err
}

// MissingRecordError is a proven read of a record the chain does not hold
// (a valid non-membership proof).
type MissingRecordError struct {
	What   string
	Index  int // which of the keys read
	Height int64
}

func (e *MissingRecordError) Error() string {
	return fmt.Sprintf("%s: %v (proven absent at height %d)", e.What, tx.ErrNotFound, e.Height)
}

// Unwrap makes errors.Is(err, tx.ErrNotFound) hold.
func (e *MissingRecordError) Unwrap() error { return tx.ErrNotFound }

// ProvenTDXCollateral reads Intel's TCB collateral the chain holds for a
// TDX platform (FMSPC, lower-case hex) with a proof; a platform without
// any is a *MissingRecordError.
func (c *Client) ProvenTDXCollateral(ctx context.Context, fmspc string) (tee.TDXCollateral, error) {
	var tc tee.TDXCollateral
	_, err := c.provenRecords(ctx, false, []string{"TDX collateral " + fmspc}, [][]byte{registry.TDXCollateralKey(fmspc)}, &tc)
	return tc, err
}

// ProvenTDXCRL reads the CRL the chain holds of a TDX CA or an AMD ARK
// (tee.TDXCRLIssuer of its certificate) with a proof; a CA without one is
// a *MissingRecordError.
func (c *Client) ProvenTDXCRL(ctx context.Context, issuer string) (tee.TDXCRL, error) {
	var crl tee.TDXCRL
	_, err := c.provenRecords(ctx, false, []string{"CRL of CA " + issuer}, [][]byte{registry.TDXCRLKey(issuer)}, &crl)
	return crl, err
}

// ProvenRegistryParams reads the registry's parameters (the TEE policy:
// sim attestation keys, minimum TCB) with a proof, for checking fresh
// attestation evidence here.
func (c *Client) ProvenRegistryParams(ctx context.Context) (registry.Params, error) {
	var p registry.Params
	_, err := c.provenRecords(ctx, false, []string{"registry parameters"}, [][]byte{registry.ParamsKey()}, &p)
	return p, err
}
