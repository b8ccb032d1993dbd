package explorer

import (
	"context"
	"fmt"
	"net/http"

	"github.com/phalanetwork/phala/modules/contracts"
)

type versionView struct {
	CodeHash  string `json:"code_hash"`
	FromInput uint64 `json:"from_input"`
	Height    int64  `json:"height"`
}

func versionsOf(vs []contracts.Version) []versionView {
	out := []versionView{}
	for _, v := range vs {
		out = append(out, versionView{CodeHash: hx(v.Code), FromInput: v.FromInput, Height: v.Height})
	}
	return out
}

type contractView struct {
	ID           string        `json:"id"`
	Kind         string        `json:"kind"`
	Owner        string        `json:"owner"`
	Cluster      string        `json:"cluster"`
	CodeHash     string        `json:"code_hash"`
	Upgradable   bool          `json:"upgradable"`
	Versions     []versionView `json:"versions"`
	KeyEpoch     uint64        `json:"key_epoch"`
	SignKey      string        `json:"sign_pubkey"`
	ECDHKey      string        `json:"ecdh_pubkey"`
	Inputs       uint64        `json:"inputs"`
	Results      uint64        `json:"results"`
	CreatedEpoch uint64        `json:"created_epoch"`
	Created      int64         `json:"created_height"`
}

func contractOf(c jsonContract) contractView {
	return contractView{ID: hx(c.ID), Kind: c.Kind, Owner: c.Owner.String(), Cluster: hx(c.Cluster), CodeHash: hx(c.Code), Upgradable: c.Upgradable,
		Versions: versionsOf(c.Versions), KeyEpoch: c.KeyEpoch, SignKey: hx(c.SignKey), ECDHKey: hx(c.ECDHKey), Inputs: c.Inputs, Results: c.Results,
		CreatedEpoch: c.CreatedEpoch, Created: c.Created}
}

type contractsView struct {
	Contracts []contractView `json:"contracts"`
}

func (e *Explorer) apiContracts(r *http.Request) (any, error) {
	var cs []jsonContract
	if err := e.query(r.Context(), contracts.ListPath(), &cs); err != nil {
		return nil, err
	}
	out := contractsView{Contracts: []contractView{}}
	for _, c := range cs {
		if c.Kind != kindAgent {
			out.Contracts = append(out.Contracts, contractOf(c))
		}
	}
	return out, nil
}

type codeView struct {
	Hash     string `json:"hash"`
	Size     int    `json:"size"`
	Uploader string `json:"uploader"`
	Height   int64  `json:"height"`
}

type resultView struct {
	Input  string `json:"input"`
	OK     bool   `json:"ok"`
	Height int64  `json:"height"`
	Tx     string `json:"tx"`
}

type contractDetail struct {
	contractView
	Code        *codeView    `json:"code,omitempty"`
	InputTxs    []txSummary  `json:"input_txs"`
	ResultList  []resultView `json:"result_list"`
	CreationTxs []txSummary  `json:"creation_txs"`
}

func (e *Explorer) apiContract(r *http.Request) (any, error) {
	ctx := r.Context()
	id, c, err := byHexID[jsonContract](e, r, "a contract", contracts.ContractPath)
	if err != nil {
		return nil, err
	}
	d := contractDetail{contractView: contractOf(c), InputTxs: []txSummary{}, ResultList: []resultView{}}
	if code, err := e.code(ctx, c.Code); err == nil {
		d.Code = &code
	}
	if d.InputTxs, _, err = e.searchTxs(ctx, eventQuery(contracts.EventInput, contracts.AttrContract, id), 20); err != nil {
		return nil, err
	}
	if d.CreationTxs, _, err = e.searchTxs(ctx, eventQuery(contracts.EventCreated, contracts.AttrContract, id), 3); err != nil {
		return nil, err
	}
	res, err := e.searchTxResults(ctx, eventQuery(contracts.EventResult, contracts.AttrContract, id), 20)
	if err != nil {
		return nil, err
	}
	for _, t := range res {
		for _, ev := range t.TxResult.Events {
			if ev.Type != contracts.EventResult {
				continue
			}
			rv := resultView{Height: t.Height, Tx: fmt.Sprintf("%X", t.Tx.Hash())}
			mine := false
			for _, a := range ev.Attributes {
				switch a.Key {
				case contracts.AttrContract:
					mine = a.Value == id
				case contracts.AttrInput:
					rv.Input = a.Value
				case contracts.AttrOK:
					rv.OK = a.Value == "true"
				}
			}
			if mine {
				d.ResultList = append(d.ResultList, rv)
			}
		}
	}
	return d, nil
}

func (e *Explorer) code(ctx context.Context, hash []byte) (codeView, error) {
	if len(hash) != 32 {
		return codeView{}, fmt.Errorf("%w: code hash %x", errNotFound, hash)
	}
	var c contracts.CodeView
	if err := e.query(ctx, contracts.CodePath(id32(hash)), &c); err != nil {
		return codeView{}, err
	}
	return codeView{Hash: hx(c.Hash), Size: c.Size, Uploader: c.Uploader.String(), Height: c.Height}, nil
}
