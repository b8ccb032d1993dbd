package keys

import (
	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
)

// QueryState is the one query path under /keys/: state -> State.
const QueryState = "state"

// StatePath is the query path of the key hierarchy's state; it answers
// State.
func StatePath() string { return "/" + Name + "/" + QueryState }

// State is what the state query (StatePath) answers.
type State struct {
	// Authority is the genesis (devnet) authority, zero if none.
	Authority address.Address `json:"authority"`
	// Governor is the DAO's module account, which is always the authority.
	Governor    address.Address `json:"governor"`
	Generation  *Generation     `json:"current,omitempty"`
	History     []Generation    `json:"history"`
	Gatekeepers []Gatekeeper    `json:"gatekeepers"`
	// Rotation is "idle" or the phase of the running rotation.
	Rotation string    `json:"rotation"`
	Running  *Rotation `json:"running,omitempty"`
	// ResumeHeight is when key traffic to workers resumes after the last
	// rotation (it is held while one runs).
	ResumeHeight int64  `json:"resume_height"`
	Params       Params `json:"params"`
	// CommittedAhead are the gatekeepers that committed to their
	// contribution for the next round already.
	CommittedAhead []Hex `json:"committed_ahead"`
	// Evidence is every misbehaviour of a rotation member the chain kept.
	Evidence []Evidence `json:"evidence"`
	// BondAccount holds every bonded and unbonding PHA.
	BondAccount address.Address `json:"bond_account"`
}

// query answers the paths under /keys/.
func (m *Module) query(kv state.KV, path string, _ []byte) ([]byte, error) {
	return module.Dispatch(kv, Name, path, []module.QueryRoute{
		{Name: QueryState, Parts: 1, Answer: func(kv state.KV, _ []string) (any, error) { return m.state(kv), nil }},
	})
}

// state gathers State: the gatekeepers in order with their bonds, the
// generations and the rotation.
func (m *Module) state(kv state.KV) State {
	s := State{Authority: m.Keeper.Authority(kv), Governor: m.governor, History: m.Keeper.History(kv), Gatekeepers: []Gatekeeper{}, Rotation: "idle",
		ResumeHeight: m.Keeper.ResumeHeight(kv), Params: m.Keeper.Params(kv), BondAccount: BondAccount, Evidence: m.Keeper.AllEvidence(kv)}
	if r, ok := m.Keeper.Rotation(kv); ok {
		s.Rotation, s.Running = r.Phase, &r
	}
	if g, ok := m.Keeper.Current(kv); ok {
		s.Generation = &g
	}
	next := m.Keeper.NextRound(kv)
	s.CommittedAhead = []Hex{}
	unbonding := m.Keeper.Unbondings(kv)
	for _, id := range m.Keeper.Order(kv) {
		g, _ := m.Keeper.Gatekeeper(kv, id)
		g.Bonded = m.Keeper.Bonded(kv, id)
		g.Unbonding = append([]Unbonding{}, unbonding[id]...)
		s.Gatekeepers = append(s.Gatekeepers, g)
		if _, ok := m.Keeper.CommittedAheadFor(kv, id, next); ok {
			s.CommittedAhead = append(s.CommittedAhead, append(Hex(nil), id[:]...))
		}
	}
	return s
}
