package registry

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"slices"
	"time"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/tee"
)

// Keeper reads and writes registry state. Records are stored as JSON of
// fixed structs, whose field order makes the bytes deterministic.
type Keeper struct{}

// Params returns the registry params.
func (Keeper) Params(kv state.KV) Params {
	return module.LoadJSON(kv, keyParams, Params{}, "registry params")
}

// SetParams stores the params.
func (Keeper) SetParams(kv state.KV, p Params) { kv.Set(keyParams, state.EncodeJSON(p)) }

// TestRoots returns the genesis tee_test_roots (none on a chain that
// carries value).
func (Keeper) TestRoots(kv state.KV) []TestRoot {
	return module.LoadJSON(kv, keyTestRoots, []TestRoot(nil), "registry test roots")
}

// KMSRequests returns the pending sealing-key requests.
func (Keeper) KMSRequests(kv state.KV) []KMSRequest {
	return module.LoadJSON(kv, keyKMSRequests, []KMSRequest(nil), "kms requests")
}

// setKMSRequest adds or replaces the pending request of r's worker.
func (k Keeper) setKMSRequest(kv state.KV, r KMSRequest) {
	rs := k.KMSRequests(kv)
	i := slices.IndexFunc(rs, func(x KMSRequest) bool { return x.Worker == r.Worker })
	if i >= 0 {
		rs[i] = r
	} else {
		rs = append(rs, r)
		slices.SortFunc(rs, func(a, b KMSRequest) int { return bytes.Compare(a.Worker[:], b.Worker[:]) })
	}
	kv.Set(keyKMSRequests, state.EncodeJSON(rs))
}

// AnswerKMS stores the reply to worker's pending request with ephemeral
// key eph and drops the request; ok is false when no such request is
// pending (answered already, or replaced by a newer one).
func (k Keeper) AnswerKMS(kv state.KV, height int64, worker WorkerID, eph, sealedKey []byte) bool {
	rs := k.KMSRequests(kv)
	i := slices.IndexFunc(rs, func(x KMSRequest) bool { return x.Worker == worker && bytes.Equal(x.Ephemeral, eph) })
	if i < 0 {
		return false
	}
	rs = slices.Delete(rs, i, i+1)
	kv.Set(keyKMSRequests, state.EncodeJSON(rs))
	kv.Set(KMSReplyKey(worker), state.EncodeJSON(KMSReply{Ephemeral: append(HexBytes(nil), eph...), Sealed: append(HexBytes(nil), sealedKey...), Height: height}))
	return true
}

// Worker returns the record of a worker.
func (Keeper) Worker(kv state.KV, id WorkerID) (Worker, bool) {
	return module.GetJSON[Worker](kv, WorkerKey(id), "worker %s", id)
}

// SetWorker stores a worker record.
func (Keeper) SetWorker(kv state.KV, w Worker) { kv.Set(WorkerKey(w.ID), state.EncodeJSON(w)) }

// IterateWorkers calls fn for each worker in id order.
func (Keeper) IterateWorkers(kv state.KV, fn func(Worker) bool) {
	module.EachJSON(kv, prefixWorker, "worker record", fn)
}

// UseAttestation records an attestation as used and reports whether it
// was new (see usedAttestationKey for what identifies one).
func (Keeper) UseAttestation(kv state.KV, kind tee.Kind, reportData [tee.ReportDataSize]byte) bool {
	k := usedAttestationKey(kind, reportData)
	if kv.Get(k) != nil {
		return false
	}
	kv.Set(k, []byte{1})
	return true
}

// AllowMeasurement adds m to the measurement allow-list. Only the DAO
// calls it, when a proposal to allow a measurement is enacted.
func (k Keeper) AllowMeasurement(kv state.KV, m Measurement) error {
	p := k.Params(kv)
	if p.allowed(m.TEE, m.Value) {
		return fmt.Errorf("%w: %s %x is already allowed", ErrMeasurementList, m.TEE, []byte(m.Value))
	}
	p.Measurements = append(p.Measurements, m)
	if err := p.Validate(); err != nil {
		return fmt.Errorf("%w: %v", ErrMeasurementList, err)
	}
	k.SetParams(kv, p)
	return nil
}

// RemoveMeasurement takes a measurement off the allow-list, so new
// registrations with it are refused; Module.RemoveMeasurement also
// retires the workers that run it, and is what the DAO calls.
func (k Keeper) RemoveMeasurement(kv state.KV, kind tee.Kind, value []byte) error {
	p := k.Params(kv)
	for i, m := range p.Measurements {
		if m.TEE == kind && bytes.Equal(m.Value, value) {
			p.Measurements = append(p.Measurements[:i:i], p.Measurements[i+1:]...)
			k.SetParams(kv, p)
			return nil
		}
	}
	return fmt.Errorf("%w: %s %x is not allowed", ErrMeasurementList, kind, value)
}

// TDXCollateral returns Intel's TCB collateral the chain holds for a
// platform (FMSPC, lower-case hex), or nil.
func (Keeper) TDXCollateral(kv state.KV, fmspc string) *tee.TDXCollateral {
	c, ok := module.GetJSON[tee.TDXCollateral](kv, TDXCollateralKey(fmspc), "tdx collateral %s", fmspc)
	if !ok {
		return nil
	}
	return &c
}

// TDXCRL returns the CRL the chain holds of the TDX CA or AMD ARK whose
// key is issuer (tee.TDXCRLIssuer), or nil.
func (Keeper) TDXCRL(kv state.KV, issuer string) *tee.TDXCRL {
	c, ok := module.GetJSON[tee.TDXCRL](kv, TDXCRLKey(issuer), "tdx crl %s", issuer)
	if !ok {
		return nil
	}
	return &c
}

// SetTDXCollateral checks that c's TCB info and QE identity are Intel's
// (or a genesis test root's) and no older than those the chain holds for
// the platform, that each CRL is signed by a CA chaining to Intel's root
// or by an AMD ARK (or a genesis test root) and no older than the one the
// chain holds of its CA, and that all are current at the block time; then it stores
// the TCB part under its platform and each CRL under its issuer,
// replacing what was there, or nothing if any check fails. It returns
// each CRL's issuer (tee.TDXCRLIssuer), in c.CRLs' order. Module's
// SetTDXCollateral, which genesis and the DAO call, retires the workers
// they revoke.
func (k Keeper) SetTDXCollateral(ctx *module.Context, c tee.TDXCollateral) ([]string, error) {
	if !c.HasTCB() && len(c.CRLs) == 0 {
		return nil, fmt.Errorf("%w: carries neither TCB info nor CRLs", ErrBadCollateral)
	}
	roots, err := ParseTestRoots(k.TestRoots(ctx.KV))
	if err != nil {
		return nil, err
	}
	var fmspc string
	var qe tee.TCBIssue
	if c.HasTCB() {
		ck, err := tee.CheckTDXCollateral(c, roots, ctx.Time)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadCollateral, err)
		}
		if err := k.checkTCBNotOlder(ctx.KV, ck); err != nil {
			return nil, err
		}
		fmspc, qe = ck.FMSPC, ck.QEIdentity
	}
	issuers, err := k.checkTDXCRLs(ctx, roots, c.CRLs)
	if err != nil {
		return nil, err
	}
	if fmspc != "" {
		ctx.KV.Set(TDXCollateralKey(fmspc), state.EncodeJSON(c.TCB()))
		ctx.KV.Set(keyTDXQEIdentity, state.EncodeJSON(qe))
	}
	for i, issuer := range issuers {
		ctx.KV.Set(TDXCRLKey(issuer), state.EncodeJSON(c.CRLs[i]))
	}
	return issuers, nil
}

// checkTCBNotOlder refuses TCB info or a QE identity older than what the
// chain holds for the platform (tee.CheckedTDXCollateral.Supersedes), and
// a QE identity older than the newest the chain took for any platform, as
// checkTDXCRLs refuses an older CRL.
func (k Keeper) checkTCBNotOlder(kv state.KV, ck tee.CheckedTDXCollateral) error {
	if old := k.TDXCollateral(kv, ck.FMSPC); old != nil {
		held, err := tee.ParseTDXCollateral(*old)
		if err != nil {
			return fmt.Errorf("%w: the TCB collateral the chain holds for FMSPC %s: %v", ErrBadCollateral, ck.FMSPC, err)
		}
		if err := ck.Supersedes(held); err != nil {
			return fmt.Errorf("%w: FMSPC %s: %v", ErrBadCollateral, ck.FMSPC, err)
		}
	}
	if qe, ok := module.GetJSON[tee.TCBIssue](kv, keyTDXQEIdentity, "tdx qe identity"); ok {
		if err := ck.QEIdentity.NotBefore(qe, "qe identity"); err != nil {
			return fmt.Errorf("%w: FMSPC %s: %v", ErrBadCollateral, ck.FMSPC, err)
		}
	}
	return nil
}

// checkTDXCRLs checks each CRL (tee.CheckTDXCRL) and returns its issuer.
// Two lists of one CA are refused, and so is a list issued before the one
// the chain holds (re-installing an old list would un-revoke what Intel
// or AMD revoked since) or an ARK's list that drops an ASK the held one
// revokes (tee.KeepsRevoked).
func (k Keeper) checkTDXCRLs(ctx *module.Context, roots tee.TestRoots, crls []tee.TDXCRL) ([]string, error) {
	issuers := make([]string, len(crls))
	for i, crl := range crls {
		ck, err := tee.CheckTDXCRL(crl, roots, ctx.Time)
		if err != nil {
			return nil, fmt.Errorf("%w: crls[%d]: %v", ErrBadCollateral, i, err)
		}
		if j := slices.Index(issuers[:i], ck.Issuer); j >= 0 {
			return nil, fmt.Errorf("%w: crls[%d] and crls[%d] are both of CA %s", ErrBadCollateral, j, i, ck.Issuer)
		}
		if old := k.TDXCRL(ctx.KV, ck.Issuer); old != nil {
			if prev, err := tee.ParseTDXCRL(old.CRL); err == nil && ck.ThisUpdate.Before(prev.ThisUpdate) {
				return nil, fmt.Errorf("%w: crls[%d] issued %s, before the CRL the chain holds of CA %s (issued %s)", ErrBadCollateral, i,
					ck.ThisUpdate.UTC().Format(time.RFC3339), ck.Issuer, prev.ThisUpdate.UTC().Format(time.RFC3339))
			}
			if err := tee.KeepsRevoked(crl, *old, ck.Issuer, roots); err != nil {
				return nil, fmt.Errorf("%w: crls[%d]: %v", ErrBadCollateral, i, err)
			}
		}
		issuers[i] = ck.Issuer
	}
	return issuers, nil
}

// verifyOptions are the chain's TEE policy for verifying an attestation
// in ctx's block.
func (k Keeper) verifyOptions(ctx *module.Context, p Params) (tee.VerifyOptions, error) {
	roots, err := ParseTestRoots(k.TestRoots(ctx.KV))
	if err != nil {
		return tee.VerifyOptions{}, err
	}
	return tee.VerifyOptions{Now: ctx.Time, AllowSim: p.AllowSimTEE, SimKeys: p.simKeys(), SEVSNPMinTCB: p.SEVSNPMinTCB, TestRoots: roots,
		TDXCollateral: func(fmspc string) *tee.TDXCollateral { return k.TDXCollateral(ctx.KV, fmspc) },
		TDXCRL:        func(issuer string) *tee.TDXCRL { return k.TDXCRL(ctx.KV, issuer) }}, nil
}

// identityKey is the key that signs a worker's mq messages: its identity
// key, which is its id. The worker must be registered and not retired
// (mq.ErrRetiredOrigin: its build is no longer trusted).
func (k Keeper) identityKey(kv state.KV, id [mq.OriginIDSize]byte) (ed25519.PublicKey, error) {
	w, ok := k.Worker(kv, WorkerID(id))
	if !ok {
		return nil, fmt.Errorf("%w: %x", ErrUnknownWorker, id)
	}
	if w.Retired != nil {
		return nil, fmt.Errorf("%w: worker %s retired at height %d (%s)", mq.ErrRetiredOrigin, w.ID, w.Retired.Height, w.Retired.Reason)
	}
	return ed25519.PublicKey(append([]byte(nil), id[:]...)), nil
}
