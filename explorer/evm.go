package explorer

import (
	"context"
	"encoding/hex"
	"fmt"
	"math/big"
	"net/http"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/phalanetwork/phala/evm/bindings"
)

// Our chain records nothing of the EVM bridge: requests, answers and the
// anchors' keys live on the EVM chain, and the bridge's progress in the
// workers. So the EVM view reads the anchors' events from an EVM JSON-RPC
// endpoint the explorer is given (phala explorer --evm-rpc; the devnet's
// dev chain under phala devnet --evm), not proven by our chain: it is what
// that endpoint says (docs/evm.md, "The explorer").
const (
	// evmWindow is how many EVM blocks back the view reads events.
	evmWindow = 50_000
	// evmLastRequests is how many requests the view lists, newest first.
	evmLastRequests = 25
)

// SetEVM has the explorer show the PhalaAnchor contracts of the EVM chain
// at rpcURL: their agents and last requests.
func (e *Explorer) SetEVM(rpcURL string) error {
	ec, err := ethclient.Dial(rpcURL)
	if err != nil {
		return fmt.Errorf("explorer: evm rpc %s: %w", rpcURL, err)
	}
	e.evm = ec
	return nil
}

// evmView is the EVM bridge as the anchors' events on the EVM chain show
// it; Enabled is false when the explorer has no EVM endpoint.
type evmView struct {
	Enabled  bool             `json:"enabled"`
	ChainID  string           `json:"chain_id,omitempty"`
	Head     uint64           `json:"head"`
	From     uint64           `json:"from_block"`
	Agents   []evmAgentView   `json:"agents"`
	Anchors  []*evmAnchorView `json:"anchors"`
	Requests []evmRequestView `json:"requests"`
}

// evmAgentView is an agent an anchor asks: one of ours if OnChain.
type evmAgentView struct {
	Agent   string `json:"agent"`
	Anchor  string `json:"anchor"`
	ChainID string `json:"chain_id"`
	OnChain bool   `json:"on_chain"`
}

// evmAnchorView is one anchor: the master key it trusts and its counts.
type evmAnchorView struct {
	Address    string `json:"address"`
	ChainID    string `json:"chain_id"`
	Master     string `json:"master"`
	Generation uint64 `json:"generation"`
	Requests   int    `json:"requests"`
	Answered   int    `json:"answered"`
	Refunded   int    `json:"refunded"`
}

// evmRequestView is one request and, once answered, its answer.
type evmRequestView struct {
	Anchor    string `json:"anchor"`
	ID        string `json:"id"`
	Agent     string `json:"agent"`
	Requester string `json:"requester"`
	// Status is pending, answered, refunded or expired (pending past its
	// deadline).
	Status         string `json:"status"`
	Payment        string `json:"payment_wei"`
	Block          uint64 `json:"block"`
	Deadline       uint64 `json:"deadline"`
	Tx             string `json:"tx"`
	AnswerTx       string `json:"answer_tx,omitempty"`
	AnswerBlock    uint64 `json:"answer_block,omitempty"`
	BlocksToAnswer uint64 `json:"blocks_to_answer,omitempty"`
	Relayer        string `json:"relayer,omitempty"`
	Signer         string `json:"signer,omitempty"`
}

// evmTopics names the anchors' events the view reads, by topic.
func evmTopics() (map[common.Hash]string, error) {
	abi, err := bindings.PriceOracleMetaData.GetAbi()
	if err != nil {
		return nil, fmt.Errorf("explorer: anchor abi: %w", err)
	}
	out := map[common.Hash]string{}
	for _, name := range []string{"AgentRequest", "AgentAnswer", "AgentRefund", "MasterRotated"} {
		out[abi.Events[name].ID] = name
	}
	return out, nil
}

func (e *Explorer) apiEVM(r *http.Request) (any, error) {
	if e.evm == nil {
		return evmView{Agents: []evmAgentView{}, Anchors: []*evmAnchorView{}, Requests: []evmRequestView{}}, nil
	}
	ctx := r.Context()
	names, err := evmTopics()
	if err != nil {
		return nil, err
	}
	id, err := e.evm.ChainID(ctx)
	if err != nil {
		return nil, fmt.Errorf("the EVM endpoint: chain id: %w", err)
	}
	head, err := e.evm.BlockNumber(ctx)
	if err != nil {
		return nil, fmt.Errorf("the EVM endpoint: head: %w", err)
	}
	v := evmView{Enabled: true, ChainID: id.String(), Head: head, From: head - min(head, evmWindow)}
	var topics []common.Hash
	for t := range names {
		topics = append(topics, t)
	}
	logs, err := e.evm.FilterLogs(ctx, ethereum.FilterQuery{FromBlock: new(big.Int).SetUint64(v.From), ToBlock: new(big.Int).SetUint64(head), Topics: [][]common.Hash{topics}})
	if err != nil {
		return nil, fmt.Errorf("the EVM endpoint: anchor events: %w", err)
	}
	v.read(names, logs)
	v.finish(ctx, e)
	return v, nil
}

// read folds the anchors' events, oldest first, into v.
func (v *evmView) read(names map[common.Hash]string, logs []types.Log) {
	p, _ := bindings.NewPriceOracleFilterer(common.Address{}, nil)
	anchors := map[common.Address]*evmAnchorView{}
	reqs := map[string]int{} // anchor/id -> index in v.Requests
	anchorOf := func(a common.Address) *evmAnchorView {
		if x, ok := anchors[a]; ok {
			return x
		}
		x := &evmAnchorView{Address: a.Hex(), ChainID: v.ChainID}
		anchors[a] = x
		v.Anchors = append(v.Anchors, x)
		return x
	}
	for _, l := range logs {
		if len(l.Topics) == 0 || l.Removed {
			continue
		}
		a := anchorOf(l.Address)
		switch names[l.Topics[0]] {
		case "MasterRotated":
			if ev, err := p.ParseMasterRotated(l); err == nil {
				a.Master, a.Generation = ev.Signer.Hex(), ev.Generation
			}
		case "AgentRequest":
			if ev, err := p.ParseAgentRequest(l); err == nil {
				a.Requests++
				reqs[a.Address+"/"+ev.Id.String()] = len(v.Requests)
				v.Requests = append(v.Requests, evmRequestView{Anchor: a.Address, ID: ev.Id.String(), Agent: hex.EncodeToString(ev.Agent[:]),
					Requester: ev.Requester.Hex(), Status: "pending", Payment: ev.Payment.String(), Block: l.BlockNumber, Deadline: ev.Deadline, Tx: l.TxHash.Hex()})
			}
		case "AgentAnswer":
			if ev, err := p.ParseAgentAnswer(l); err == nil {
				if i, ok := reqs[a.Address+"/"+ev.Id.String()]; ok {
					q := &v.Requests[i]
					a.Answered++
					q.Status, q.AnswerTx, q.AnswerBlock, q.BlocksToAnswer = "answered", l.TxHash.Hex(), l.BlockNumber, l.BlockNumber-q.Block
					q.Relayer, q.Signer = ev.Relayer.Hex(), ev.Signer.Hex()
				}
			}
		case "AgentRefund":
			if ev, err := p.ParseAgentRefund(l); err == nil {
				if i, ok := reqs[a.Address+"/"+ev.Id.String()]; ok {
					a.Refunded++
					v.Requests[i].Status = "refunded"
				}
			}
		}
	}
}

// finish lists each anchor's agents (marking ours), marks expired
// requests and keeps the newest evmLastRequests, newest first.
func (v *evmView) finish(ctx context.Context, e *Explorer) {
	seen := map[string]bool{}
	v.Agents = []evmAgentView{}
	for _, q := range v.Requests {
		if k := q.Anchor + "/" + q.Agent; !seen[k] {
			seen[k] = true
			var id [32]byte
			hex.Decode(id[:], []byte(q.Agent))
			_, err := e.c.Agent(ctx, id)
			v.Agents = append(v.Agents, evmAgentView{Agent: q.Agent, Anchor: q.Anchor, ChainID: v.ChainID, OnChain: err == nil})
		}
	}
	last := make([]evmRequestView, 0, evmLastRequests)
	for i := len(v.Requests) - 1; i >= 0 && len(last) < evmLastRequests; i-- {
		q := v.Requests[i]
		if q.Status == "pending" && v.Head > q.Deadline {
			q.Status = "expired"
		}
		last = append(last, q)
	}
	v.Requests = last
	if v.Anchors == nil {
		v.Anchors = []*evmAnchorView{}
	}
}
