package explorer

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/registry"
)

func (e *Explorer) keysState(ctx context.Context) (keys.State, error) {
	var s keys.State
	err := e.query(ctx, keys.StatePath(), &s)
	return s, err
}

type genView struct {
	Generation uint64   `json:"generation"`
	SignKey    string   `json:"sign_pubkey"`
	ECDHKey    string   `json:"ecdh_pubkey"`
	Height     int64    `json:"height"`
	CreatedBy  string   `json:"created_by"`
	Excluded   []string `json:"excluded"`
}

func genOf(g keys.Generation) genView {
	v := genView{Generation: g.Number, SignKey: hx(g.SignKey), ECDHKey: hx(g.ECDHKey), Height: g.Height, CreatedBy: hx(g.CreatedBy), Excluded: []string{}}
	for _, x := range g.Excluded {
		v.Excluded = append(v.Excluded, hx(x))
	}
	return v
}

type rotationView struct {
	Round      uint64   `json:"round"`
	Generation uint64   `json:"generation"`
	Phase      string   `json:"phase"`
	Members    []string `json:"members"`
	Started    int64    `json:"started_height"`
	Deadline   int64    `json:"deadline_height"`
	Committed  int      `json:"committed"`
	Revealed   int      `json:"revealed"`
	Confirmed  int      `json:"confirmed"`
}

type timelineEntry struct {
	Height int64             `json:"height"`
	Time   time.Time         `json:"time,omitzero"`
	Event  string            `json:"event"`
	Phase  string            `json:"phase,omitempty"`
	Attrs  map[string]string `json:"attrs"`
	Tx     string            `json:"tx,omitempty"`
	seq    int               // order of emission within a block
}

type keysView struct {
	Height         int64            `json:"height"`
	Authority      string           `json:"authority"`
	Current        *genView         `json:"current"`
	History        []genView        `json:"history"`
	Gatekeepers    []gatekeeperView `json:"gatekeepers"`
	Rotation       string           `json:"rotation"`
	Running        *rotationView    `json:"running"`
	ResumeHeight   int64            `json:"resume_height"`
	ResumeDelay    int64            `json:"resume_delay"`
	Paused         bool             `json:"key_traffic_paused"`
	PauseReason    string           `json:"pause_reason,omitempty"`
	Params         keys.Params      `json:"params"`
	CommittedAhead []string         `json:"committed_ahead"`
	BondAccount    string           `json:"bond_account"`
	Timeline       []timelineEntry  `json:"timeline"`
}

func (e *Explorer) apiKeys(r *http.Request) (any, error) {
	ctx := r.Context()
	st, err := e.c.RPC.Status(ctx)
	if err != nil {
		return nil, err
	}
	s, err := e.keysState(ctx)
	if err != nil {
		return nil, err
	}
	height := st.SyncInfo.LatestBlockHeight
	v := keysView{Height: height, Authority: s.Authority.String(), History: []genView{}, Gatekeepers: []gatekeeperView{}, Rotation: s.Rotation,
		ResumeHeight: s.ResumeHeight, ResumeDelay: keys.ResumeDelay, Params: s.Params, CommittedAhead: []string{}, BondAccount: s.BondAccount.String(),
		Timeline: []timelineEntry{}}
	if s.Generation != nil {
		g := genOf(*s.Generation)
		v.Current = &g
	}
	for _, g := range s.History {
		v.History = append(v.History, genOf(g))
	}
	var ws []jsonWorker
	_ = e.query(ctx, registry.WorkersPath(), &ws)
	for _, g := range s.Gatekeepers {
		gv := gatekeeperOf(g)
		for _, w := range ws {
			if string(w.ID[:]) == string(g.Worker) {
				gv.Operator = w.Operator.String()
			}
		}
		v.Gatekeepers = append(v.Gatekeepers, gv)
	}
	for _, id := range s.CommittedAhead {
		v.CommittedAhead = append(v.CommittedAhead, hx(id))
	}
	if r := s.Running; r != nil {
		rv := rotationView{Round: r.Round, Generation: r.Generation, Phase: r.Phase, Members: []string{}, Started: r.Started, Deadline: r.Deadline}
		for i, m := range r.Members {
			rv.Members = append(rv.Members, hx(m))
			if i < len(r.Commitments) && len(r.Commitments[i]) > 0 {
				rv.Committed++
			}
			if i < len(r.Revealed) && r.Revealed[i] {
				rv.Revealed++
			}
			if i < len(r.SignKeys) && len(r.SignKeys[i]) > 0 {
				rv.Confirmed++
			}
		}
		v.Running = &rv
		v.Paused, v.PauseReason = true, fmt.Sprintf("rotation round %d in its %s phase", r.Round, r.Phase)
	} else if height < s.ResumeHeight {
		v.Paused, v.PauseReason = true, fmt.Sprintf("key traffic resumes at height %d (%d blocks after the rotation ended)", s.ResumeHeight, keys.ResumeDelay)
	}
	v.Timeline = e.keyTimeline(ctx)
	return v, nil
}

// keyTimeline gathers the key events, newest first: rotations (from
// transactions and from end-block), generations and gatekeeper changes.
func (e *Explorer) keyTimeline(ctx context.Context) []timelineEntry {
	var out []timelineEntry
	for _, q := range []struct{ event, query string }{
		{keys.EventRotation, keys.EventRotation + ".phase EXISTS"},
		{keys.EventGeneration, keys.EventGeneration + "." + keys.AttrGeneration + " EXISTS"},
		{keys.EventGatekeeperAdded, keys.EventGatekeeperAdded + "." + keys.AttrWorker + " EXISTS"},
	} {
		res, err := e.searchTxResults(ctx, q.query, 25)
		if err != nil {
			continue
		}
		for _, r := range res {
			h := fmt.Sprintf("%X", r.Tx.Hash())
			for i, ev := range viewEvents(r.TxResult.Events) {
				if ev.Type == q.event {
					en := entryOf(r.Height, ev, h)
					en.seq = int(r.Index)<<16 | i
					out = append(out, en)
				}
			}
		}
	}
	page, per := 1, 15
	if bs, err := e.c.RPC.BlockSearch(ctx, keys.EventRotation+".phase EXISTS", &page, &per, "desc"); err == nil {
		for _, b := range bs.Blocks {
			h := b.Block.Height
			res, err := e.c.RPC.BlockResults(ctx, &h)
			if err != nil {
				continue
			}
			for i, ev := range viewEvents(res.FinalizeBlockEvents) {
				if ev.Type == keys.EventRotation {
					en := entryOf(h, ev, "")
					en.seq = 1<<30 | i // end-block events follow the block's transactions
					out = append(out, en)
				}
			}
		}
	}
	// Newest first, and within a block the later event first. The index
	// of an event among its transaction's (or block's) events orders it.
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Height != out[j].Height {
			return out[i].Height > out[j].Height
		}
		return out[i].seq > out[j].seq
	})
	if len(out) > 40 {
		out = out[:40]
	}
	for i := range out {
		out[i].Time = e.blockTime(ctx, out[i].Height)
	}
	if out == nil {
		out = []timelineEntry{}
	}
	return out
}

func entryOf(height int64, ev eventView, tx string) timelineEntry {
	t := timelineEntry{Height: height, Event: ev.Type, Attrs: map[string]string{}, Tx: tx}
	for _, a := range ev.Attrs {
		if a.Key == "phase" {
			t.Phase = a.Value
			continue
		}
		t.Attrs[a.Key] = a.Value
	}
	return t
}
