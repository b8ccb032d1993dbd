package registry

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/tee"
)

// OnRegistered adds a hook that runs, in the registering transaction, after
// a worker's record is written; an error from it fails the registration.
func (m *Module) OnRegistered(f func(ctx *module.Context, w Worker, isNew bool) error) {
	m.registered = append(m.registered, f)
}

// OnRetired adds a hook that runs, in the block that retires a worker,
// after its record is marked: the modules that hand out keys drop it
// (clusters, gatekeepers). An error from it fails the whole removal.
func (m *Module) OnRetired(f func(ctx *module.Context, w Worker) error) {
	m.retired = append(m.retired, f)
}

// RemoveMeasurement takes a measurement off the allow-list and retires,
// in the same block, every worker registered with it. Only the DAO calls
// it.
func (m *Module) RemoveMeasurement(ctx *module.Context, kind tee.Kind, value []byte) error {
	if err := m.Keeper.RemoveMeasurement(ctx.KV, kind, value); err != nil {
		return err
	}
	reason := fmt.Sprintf("measurement removed from the allow-list: %s %x", kind, value)
	return m.retireWhere(ctx, func(w Worker) string {
		if w.TEE == kind && bytes.Equal(w.Measurement, value) {
			return reason
		}
		return ""
	})
}

// SetTDXCollateral installs TEE collateral (Keeper.SetTDXCollateral) and
// retires, in the same block, every worker one of whose certificates a
// CRL it installs revokes (a platform Intel or AMD revoked after the
// worker registered). Genesis and the DAO call it.
func (m *Module) SetTDXCollateral(ctx *module.Context, c tee.TDXCollateral) error {
	issuers, err := m.Keeper.SetTDXCollateral(ctx, c)
	if err != nil {
		return err
	}
	if len(issuers) == 0 {
		return nil // TCB info alone revokes nothing
	}
	crls := make([]*x509.RevocationList, len(issuers))
	for i := range issuers {
		if crls[i], err = tee.ParseTDXCRL(c.CRLs[i].CRL); err != nil {
			return fmt.Errorf("%w: crls[%d]: %v", ErrBadCollateral, i, err)
		}
	}
	return m.retireWhere(ctx, func(w Worker) string {
		for i, issuer := range issuers {
			if err := tee.CheckCertRefs(crls[i], issuer, w.TEE, w.Certs); err != nil {
				return err.Error()
			}
		}
		return ""
	})
}

// retireWhere retires every active worker for which reason says why (an
// empty reason keeps it): its record is marked (event worker_retired with
// the reason), and the retirement hooks take it out of clusters and the
// gatekeeper set, so it receives no key from this block on.
func (m *Module) retireWhere(ctx *module.Context, reason func(Worker) string) error {
	var retiring []Worker
	m.Keeper.IterateWorkers(ctx.KV, func(w Worker) bool {
		if w.Active() {
			if why := reason(w); why != "" {
				w.Retired = &Retirement{Height: ctx.Height, Reason: why}
				retiring = append(retiring, w)
			}
		}
		return true
	})
	for _, w := range retiring {
		m.Keeper.SetWorker(ctx.KV, w)
		emitRetired(ctx, w)
		for _, f := range m.retired {
			if err := f(ctx, w); err != nil {
				return fmt.Errorf("retire worker %s: %w", w.ID, err)
			}
		}
	}
	return nil
}

// SetQueue lets the registry send messages to workers through the mq.
func (m *Module) SetQueue(q *mq.Module) { m.queue = q }

// handleRegisterWorker checks, in order, who sent it, which chain it is
// for, that it is fresh and unused, that the TEE vouches for it, and that
// the code is allow-listed; then it records the worker.
func (m *Module) handleRegisterWorker(ctx *module.Context, sender address.Address, msg *MsgRegisterWorker) error {
	info := &msg.Info
	id := info.ID()
	if sender != info.Operator {
		return fmt.Errorf("%w: worker %s names operator %s, tx is from %s", ErrNotOperator, id, info.Operator, sender)
	}
	if info.ChainID != ctx.ChainID {
		return fmt.Errorf("%w: chain id %q, this chain is %q", ErrWrongChain, info.ChainID, ctx.ChainID)
	}
	if !bytes.Equal(info.GenesisHash[:], module.StoredGenesisHash(ctx.KV)) {
		return fmt.Errorf("%w: genesis hash %x does not match this chain's", ErrWrongChain, info.GenesisHash)
	}
	p := m.Keeper.Params(ctx.KV)
	age := ctx.Height - info.AttestedHeight
	if age <= 0 || age > p.MaxAttestationAge {
		return fmt.Errorf("%w: attested at height %d, now %d, limit %d blocks", ErrStaleAttestation, info.AttestedHeight, ctx.Height, p.MaxAttestationAge)
	}
	if !bytes.Equal(module.BlockHash(ctx.KV, info.AttestedHeight), info.AttestedBlockHash) {
		return fmt.Errorf("%w: block hash for height %d does not match the chain's", ErrStaleAttestation, info.AttestedHeight)
	}
	v, err := m.verify(ctx, p, msg.Attestation)
	if errors.Is(err, tee.ErrSimNotAllowed) {
		return fmt.Errorf("%w: %v", ErrSimNotAllowed, err)
	}
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadAttestation, err)
	}
	if v.ReportData != info.ReportData() {
		return fmt.Errorf("%w: the quote binds %x", ErrReportDataMismatch, v.ReportData[:32])
	}
	// The TEE attests the genesis it was launched for apart from the
	// code: an enclave bound to another chain's genesis is refused even
	// if its worker info names this one.
	if genesis := module.StoredGenesisHash(ctx.KV); !bytes.Equal(v.Config[:], genesis) {
		return fmt.Errorf("%w: attested genesis %x is not this chain's %x", ErrWrongChain, v.Config, genesis)
	}
	if !m.Keeper.UseAttestation(ctx.KV, v.Kind, v.ReportData) {
		return fmt.Errorf("%w: this attestation registered a worker before", ErrReplayed)
	}
	if !p.allowed(v.Kind, v.Measurement) {
		return fmt.Errorf("%w: %s measurement %x", ErrMeasurementRejected, v.Kind, v.Measurement)
	}
	w, exists := m.Keeper.Worker(ctx.KV, id)
	if exists && w.Operator != sender {
		return fmt.Errorf("%w: worker %s belongs to %s", ErrNotOperator, id, w.Operator)
	}
	if exists && !w.Active() {
		// Its enclave ran a build the chain stopped trusting; whatever it
		// attests now, it may have leaked its identity key.
		return fmt.Errorf("%w: worker %s retired at height %d (%s)", ErrRetired, id, w.Retired.Height, w.Retired.Reason)
	}
	if !exists {
		w = Worker{ID: id, Operator: info.Operator, RegisteredHeight: ctx.Height}
	}
	w.ECDHKey = append(HexBytes(nil), info.ECDHKey...)
	w.TEE, w.Measurement = v.Kind, append(HexBytes(nil), v.Measurement...)
	w.Version, w.Features, w.BenchmarkScore = info.Version, info.Features, info.BenchmarkScore
	w.AttestedHeight, w.Certs = info.AttestedHeight, v.Certs
	if w.Features == nil {
		w.Features = []string{}
	}
	m.Keeper.SetWorker(ctx.KV, w)
	emitRegistered(ctx, w, !exists)
	if m.queue != nil {
		// Tell the worker, through state its light client can prove, at
		// which height the chain accepted this attestation.
		wr := wire.NewWriter(10)
		wr.Uvarint(uint64(ctx.Height))
		m.queue.Send(ctx, mq.Origin{Kind: mq.OriginWorker, ID: id}, TopicRegistered, wr.Bytes())
	}
	for _, f := range m.registered {
		if err := f(ctx, w, !exists); err != nil {
			return err
		}
	}
	return nil
}

// handleRequestKey checks a TDX worker's sealing-key request and records
// it for the gatekeepers: only the operator of a registered TDX worker may
// ask, with a fresh attestation by this chain's verifier, of the worker's
// own allow-listed measurement, binding this chain and the ephemeral key.
func (m *Module) handleRequestKey(ctx *module.Context, sender address.Address, msg *MsgRequestSealingKey) error {
	w, ok := m.Keeper.Worker(ctx.KV, msg.Worker)
	if !ok {
		return fmt.Errorf("%w: registered worker: %s is not registered", ErrKMSRefused, msg.Worker)
	}
	if w.Operator != sender {
		return fmt.Errorf("%w: operator: worker %s belongs to %s, not %s", ErrKMSRefused, msg.Worker, w.Operator, sender)
	}
	if !w.Active() {
		return fmt.Errorf("%w: retired: worker %s was retired at height %d (%s)", ErrKMSRefused, msg.Worker, w.Retired.Height, w.Retired.Reason)
	}
	if w.TEE != tee.KindTDX {
		return fmt.Errorf("%w: tee kind: worker %s is %s; only tdx workers get sealing keys from the KMS", ErrKMSRefused, msg.Worker, w.TEE)
	}
	p := m.Keeper.Params(ctx.KV)
	v, err := m.verify(ctx, p, msg.Attestation)
	if err != nil {
		return fmt.Errorf("%w: attestation: %v", ErrKMSRefused, err)
	}
	if v.Kind != tee.KindTDX || !bytes.Equal(v.Measurement, w.Measurement) {
		return fmt.Errorf("%w: measurement: attested %s %x, worker %s runs %x", ErrKMSRefused, v.Kind, v.Measurement, msg.Worker, []byte(w.Measurement))
	}
	if !p.allowed(v.Kind, v.Measurement) {
		return fmt.Errorf("%w: measurement %x is no longer allow-listed", ErrKMSRefused, v.Measurement)
	}
	gh := module.StoredGenesisHash(ctx.KV)
	if len(gh) != 32 || v.Config != [32]byte(gh) {
		return fmt.Errorf("%w: wrong chain: attested genesis %x is not this chain's %x", ErrKMSRefused, v.Config, gh)
	}
	if v.ReportData != KMSReportData([32]byte(gh), msg.Worker, msg.Ephemeral[:]) {
		return fmt.Errorf("%w: report data: the quote does not bind this chain, worker and ephemeral key", ErrKMSRefused)
	}
	m.Keeper.setKMSRequest(ctx.KV, KMSRequest{Worker: msg.Worker, Measurement: append(HexBytes(nil), v.Measurement...), Ephemeral: msg.Ephemeral[:], Height: ctx.Height})
	emitKMSRequested(ctx, msg.Worker)
	return nil
}

// verify checks an attestation with the chain's TEE settings: the sim
// flag and keys, and the genesis test roots.
func (m *Module) verify(ctx *module.Context, p Params, a tee.Attestation) (*tee.Verified, error) {
	o, err := m.Keeper.verifyOptions(ctx, p)
	if err != nil {
		return nil, err
	}
	return tee.Verify(a, o)
}

// handleUpdateEndpoint sets a worker's endpoint; the worker signed it, so
// anyone may relay it.
func (m *Module) handleUpdateEndpoint(ctx *module.Context, _ address.Address, msg *MsgUpdateEndpoint) error {
	w, ok := m.Keeper.Worker(ctx.KV, msg.Worker)
	if !ok {
		return fmt.Errorf("%w: %s", ErrUnknownWorker, msg.Worker)
	}
	if !ed25519.Verify(msg.Worker[:], msg.SignBytes(ctx.ChainID), msg.Signature) {
		return fmt.Errorf("%w: endpoint update for %s", ErrBadWorkerSignature, msg.Worker)
	}
	p := m.Keeper.Params(ctx.KV)
	if msg.Height <= w.EndpointHeight || msg.Height > ctx.Height || ctx.Height-msg.Height > p.MaxAttestationAge {
		return fmt.Errorf("%w: endpoint update signed at height %d (last %d, now %d)", ErrReplayed, msg.Height, w.EndpointHeight, ctx.Height)
	}
	if err := validEndpoint(msg.Endpoint); err != nil {
		return err
	}
	w.Endpoint, w.EndpointHeight = msg.Endpoint, msg.Height
	m.Keeper.SetWorker(ctx.KV, w)
	emitEndpoint(ctx, w)
	return nil
}

func validEndpoint(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: endpoint %q is not an http(s) URL", tx.ErrInvalidMsg, s)
	}
	return nil
}

// endBlock has nothing to do: the registry changes only in transactions.
func (*Module) endBlock(*module.Context) error { return nil }

// handleMQ consumes workers' messages on "registry/..." topics.
func (m *Module) handleMQ(ctx *module.Context, msg *mq.SignedMessage) error {
	if err := mq.CheckOrigin(msg, mq.OriginWorker); err != nil {
		return err
	}
	switch msg.Topic {
	case TopicBenchmark:
		return m.handleBenchmark(ctx, WorkerID(msg.Origin.ID), msg.Payload)
	}
	return fmt.Errorf("%w: %q", mq.ErrNoHandler, msg.Topic)
}

// handleBenchmark records a worker's latest benchmark score.
func (m *Module) handleBenchmark(ctx *module.Context, id WorkerID, payload []byte) error {
	r := wire.NewReader(payload)
	score := r.Uvarint()
	if err := r.Done(); err != nil || score == 0 {
		return fmt.Errorf("%w: benchmark payload must be a non-zero uvarint", mq.ErrInvalidMessage)
	}
	w, ok := m.Keeper.Worker(ctx.KV, id)
	if !ok {
		return fmt.Errorf("%w: %x", ErrUnknownWorker, id[:])
	}
	w.BenchmarkScore = score
	m.Keeper.SetWorker(ctx.KV, w)
	return nil
}

// HandleMQ is the mq handler of "registry/..." topics.
func (m *Module) HandleMQ(ctx *module.Context, msg *mq.SignedMessage) error {
	return m.handleMQ(ctx, msg)
}

// ResolveWorkerKey is the mq key resolver for worker origins: a worker's
// messages are signed by its identity key, which is its id. A retired
// worker has no key any more (mq.ErrRetiredOrigin, identityKey): nothing
// its enclave signs, whatever the topic, is taken.
func (m *Module) ResolveWorkerKey(kv state.KV, id [mq.OriginIDSize]byte) (ed25519.PublicKey, error) {
	return m.Keeper.identityKey(kv, id)
}
