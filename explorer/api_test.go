package explorer_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/chain/app"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/contracts"
)

func TestExplorerAPI(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	h := func(b [32]byte) string { return hex.EncodeToString(b[:]) }
	workers := e.d.Workers

	var st struct {
		ChainID                                           string `json:"chain_id"`
		Height                                            int64  `json:"height"`
		Workers, Gatekeepers, Clusters, Contracts, Agents int
		Generation                                        *uint64
		Supply                                            struct{ Total string }
		AvgBlockTimeMS                                    int64 `json:"avg_block_time_ms"`
		Validators                                        int
		Rotation                                          string
		CatchingUp                                        bool `json:"catching_up"`
	}
	e.get(t, "status", 200, &st)
	if st.ChainID != devnet.ChainID || st.Height < e.transfer.Height || st.Workers != 2 || st.Gatekeepers != 1 || st.Clusters != 1 ||
		st.Contracts != 1 || st.Agents != 1 || st.Generation == nil || st.Validators != 1 || st.AvgBlockTimeMS <= 0 || st.Supply.Total != "1000000000PHA" {
		t.Fatalf("status %+v", st)
	}

	var blocks struct {
		Latest int64
		Blocks []struct {
			Height int64
			NumTxs int `json:"num_txs"`
		}
	}
	e.get(t, "blocks?limit=5", 200, &blocks)
	if len(blocks.Blocks) != 5 || blocks.Blocks[0].Height > blocks.Latest || blocks.Blocks[0].Height != blocks.Blocks[4].Height+4 {
		t.Fatalf("blocks %+v", blocks)
	}
	e.get(t, fmt.Sprintf("blocks?before=%d&limit=3", e.transfer.Height), 200, &blocks)
	if len(blocks.Blocks) != int(min(3, e.transfer.Height)) || blocks.Blocks[0].Height != e.transfer.Height || blocks.Blocks[0].NumTxs < 1 {
		t.Fatalf("blocks before %d: %+v", e.transfer.Height, blocks)
	}

	var block struct {
		Height int64
		Txs    []txSum
	}
	e.get(t, fmt.Sprintf("block/%d", e.transfer.Height), 200, &block)
	if !hasTx(block.Txs, e.transfer.Hash) {
		t.Fatalf("block %d lacks the transfer: %+v", e.transfer.Height, block)
	}

	var tx struct {
		txSum
		Memo string
		Msgs []struct {
			Type   string
			Fields map[string]any
		}
		Events []struct{ Type string }
	}
	e.get(t, "tx/"+strings.ToLower(e.transfer.Hash), 200, &tx)
	if tx.Hash != e.transfer.Hash || !tx.OK || tx.Memo != "to bob" || len(tx.Msgs) != 1 || tx.Msgs[0].Type != balances.TypeTransfer ||
		tx.Msgs[0].Fields["to"] != e.bob.String() || tx.Msgs[0].Fields["amount"] != "2PHA" || len(tx.Events) < 3 {
		t.Fatalf("tx %+v", tx)
	}
	e.get(t, "tx/"+strings.Repeat("ab", 32), 404, nil)
	e.get(t, "tx/nothex", 400, nil)

	// CometBFT indexes a block's transactions just after it commits: the
	// last ones may take a moment to show in a search.
	var txs struct{ Txs []txSum }
	for deadline := time.Now().Add(10 * time.Second); ; {
		e.get(t, "txs?limit=100", 200, &txs)
		if hasTx(txs.Txs, e.secrets.Hash) && hasTx(txs.Txs, e.transfer.Hash) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("latest txs lack the transfer or the secrets: %+v", txs)
		}
		time.Sleep(100 * time.Millisecond)
	}

	var bob struct {
		Address, Balance string
		Txs              []txSum
		Received         int `json:"received_count"`
	}
	e.get(t, "account/"+e.bob.String(), 200, &bob)
	if bt := txWith(bob.Txs, e.transfer.Hash); bob.Address != e.bob.String() || bob.Received < 1 || bt == nil || bt.Direction != "in" {
		t.Fatalf("bob %+v", bob)
	}
	var alice struct {
		Txs                 []txSum
		Clusters, Contracts []string
		Agents              []string
	}
	e.get(t, "account/"+address.FromPubKey(e.alice.Public().(ed25519.PublicKey)).String(), 200, &alice)
	if !hasTx(alice.Txs, e.transfer.Hash) || alice.Txs[0].Direction != "out" || len(alice.Clusters) != 1 || len(alice.Contracts) != 1 || len(alice.Agents) != 1 {
		t.Fatalf("alice %+v", alice)
	}
	e.get(t, "account/pha1notanaddress", 400, nil)

	var ws struct {
		Workers []struct {
			ID, TEE, Measurement string
			Allowed              bool `json:"measurement_allowed"`
			Gatekeeper           bool
			Clusters             []string
			Online               *bool
		}
		Measurements []struct{ TEE string }
	}
	e.get(t, "workers", 200, &ws)
	if len(ws.Workers) != 2 || len(ws.Measurements) != 1 {
		t.Fatalf("workers %+v", ws)
	}
	for _, w := range ws.Workers {
		gk := w.ID == workers[0].ID().String()
		if w.TEE != "sim" || !w.Allowed || w.Gatekeeper != gk || (len(w.Clusters) == 1) == gk || w.Online == nil || !*w.Online {
			t.Fatalf("worker %+v", w)
		}
	}
	var w struct {
		ID          string
		Attestation struct {
			Verified bool
			Tx       string
		}
		Registrations  []txSum
		GatekeeperInfo *struct{ HoldsMasterKey bool } `json:"gatekeeper_info"`
	}
	e.get(t, "worker/"+workers[0].ID().String(), 200, &w)
	if !w.Attestation.Verified || len(w.Registrations) == 0 || w.Attestation.Tx != w.Registrations[0].Hash || w.Registrations[0].Types[0] != "registry/register_worker" ||
		w.GatekeeperInfo == nil {
		t.Fatalf("worker %+v", w)
	}
	e.get(t, "worker/"+strings.Repeat("00", 32), 404, nil)

	var ks struct {
		Current *struct {
			Generation uint64
			SignKey    string `json:"sign_pubkey"`
		}
		Gatekeepers []struct{ Worker string }
		Rotation    string
		Timeline    []struct{ Event string }
	}
	e.get(t, "keys", 200, &ks)
	if ks.Current == nil || len(ks.Current.SignKey) != 64 || len(ks.Gatekeepers) != 1 || ks.Rotation != "idle" || !hasEvent(ks.Timeline, "master_key_generation") || !hasEvent(ks.Timeline, "gatekeeper_added") {
		t.Fatalf("keys %+v", ks)
	}

	var cls struct {
		Clusters []struct {
			ID                string
			Contracts, Agents int
		}
	}
	e.get(t, "clusters", 200, &cls)
	if len(cls.Clusters) != 1 || cls.Clusters[0].ID != h(e.cluster) || cls.Clusters[0].Contracts != 1 || cls.Clusters[0].Agents != 1 {
		t.Fatalf("clusters %+v", cls)
	}
	var cl struct {
		Workers      []struct{ ID string }
		ContractList []struct{ ID string } `json:"contract_list"`
		AgentList    []struct{ ID string } `json:"agent_list"`
		Txs          []txSum
	}
	e.get(t, "cluster/"+h(e.cluster), 200, &cl)
	if len(cl.Workers) != 1 || len(cl.ContractList) != 1 || cl.ContractList[0].ID != h(e.contract) || len(cl.AgentList) != 1 || cl.AgentList[0].ID != h(e.agent) || len(cl.Txs) < 2 {
		t.Fatalf("cluster %+v", cl)
	}

	var cs struct{ Contracts []struct{ ID string } }
	e.get(t, "contracts", 200, &cs)
	if len(cs.Contracts) != 1 || cs.Contracts[0].ID != h(e.contract) {
		t.Fatalf("contracts %+v", cs)
	}
	var ct struct {
		Kind       string
		Inputs     uint64
		InputTxs   []txSum `json:"input_txs"`
		ResultList []struct {
			Input string
			OK    bool
		} `json:"result_list"`
		Code *struct{ Size int }
	}
	e.get(t, "contract/"+h(e.contract), 200, &ct)
	if ct.Kind != contracts.KindContract || ct.Inputs != 2 || !hasTx(ct.InputTxs, e.exec.Hash) || len(ct.ResultList) != 2 || !ct.ResultList[0].OK || ct.Code == nil || ct.Code.Size == 0 {
		t.Fatalf("contract %+v", ct)
	}

	var as struct {
		Agents []struct {
			ID         string
			SecretsSet bool `json:"secrets_set"`
		}
	}
	e.get(t, "agents", 200, &as)
	if len(as.Agents) != 1 || as.Agents[0].ID != h(e.agent) || !as.Agents[0].SecretsSet {
		t.Fatalf("agents %+v", as)
	}
	var ag struct {
		Owner, Price string
		Policy       struct{ Kind string }
		SecretsSet   bool `json:"secrets_set"`
		Txs          []txSum
	}
	e.get(t, "agent/"+h(e.agent), 200, &ag)
	if ag.Price != "0.25PHA" || ag.Policy.Kind != agents.PolicyPublic || !ag.SecretsSet || !hasTx(ag.Txs, e.secrets.Hash) {
		t.Fatalf("agent %+v", ag)
	}
	e.get(t, "contract/"+h(e.agent), 200, nil) // the page redirects agents to their own page

	var sup struct{ Total, Circulating, Staked string }
	e.get(t, "supply", 200, &sup)
	if sup.Total != "1000000000PHA" || sup.Staked != "0PHA" || sup.Circulating == "" {
		t.Fatalf("supply %+v", sup)
	}
	// This devnet has no shielded pool: the view says so (the e2e shielded
	// test covers a pool in use).
	var z struct {
		SetUp bool `json:"set_up"`
		Notes uint64
		Pool  string
	}
	e.get(t, "shielded", 200, &z)
	if z.SetUp || z.Notes != 0 || z.Pool != "0PHA" {
		t.Fatalf("shielded %+v", z)
	}

	for q, want := range map[string]string{
		fmt.Sprint(e.transfer.Height):        fmt.Sprintf("#/block/%d", e.transfer.Height),
		strings.ToLower(e.transfer.Hash):     "#/tx/" + e.transfer.Hash,
		e.bob.String():                       "#/account/" + e.bob.String(),
		workers[1].ID().String():             "#/worker/" + workers[1].ID().String(),
		h(e.cluster):                         "#/cluster/" + h(e.cluster),
		"0x" + h(e.contract):                 "#/contract/" + h(e.contract),
		strings.ToUpper(h(e.agent)):          "#/agent/" + h(e.agent),
		" " + e.bob.String() + " ":           "#/account/" + e.bob.String(),
		blockHash(t, e.c, e.transfer.Height): fmt.Sprintf("#/block/%d", e.transfer.Height),
	} {
		var r struct{ Route string }
		e.get(t, "search?q="+url.QueryEscape(q), 200, &r)
		if r.Route != want {
			t.Errorf("search %q: %q, want %q", q, r.Route, want)
		}
	}
	e.get(t, "search?q=hello", 404, nil)
	e.get(t, "search?q=999999999", 404, nil)
	e.get(t, "search?q=", 400, nil)
	e.get(t, "nothing/here", 404, nil)

	// No answer carries a sealed byte or the canary.
	e.checkNoSecrets(t, ctx)
}

// checkNoSecrets greps every answer the test read for the canary, the
// sealed secrets, the sealed command and the sealed output, and for JSON
// keys that would hold them.
func (e *env) checkNoSecrets(t *testing.T, ctx context.Context) {
	t.Helper()
	a, err := e.c.Agent(ctx, e.agent)
	if err != nil || len(a.Secrets) == 0 {
		t.Fatalf("agent secrets: %v", err)
	}
	sealed := map[string][]byte{"agent secrets": a.Secrets}
	reg := app.NewRegistry()
	for name, hash := range map[string]string{"set_secrets": e.secrets.Hash, "exec": e.exec.Hash} {
		raw, _ := hex.DecodeString(hash)
		res, err := e.c.RPC.Tx(ctx, raw, false)
		if err != nil {
			t.Fatal(err)
		}
		decoded, err := tx.Decode(reg, res.Tx)
		if err != nil {
			t.Fatal(err)
		}
		switch m := decoded.Msgs[0].(type) {
		case *agents.MsgSetSecrets:
			sealed[name+" envelope"] = m.Envelope
		case *contracts.MsgExec:
			sealed[name+" envelope"] = m.Envelope
		default:
			t.Fatalf("%s is a %s", name, m.Type())
		}
	}
	var r contracts.Result
	if _, err := e.c.Query(ctx, fmt.Sprintf("/contracts/result/%x/%d", e.contract[:], e.exec.Input), &r); err != nil || len(r.Output) == 0 {
		t.Fatalf("result: %+v %v", r, err)
	}
	sealed["command output"] = r.Output
	if len(e.answers) < 30 {
		t.Fatalf("only %d answers read", len(e.answers))
	}
	for path, body := range e.answers {
		low := strings.ToLower(body)
		if strings.Contains(body, canary) {
			t.Errorf("api/%s shows the canary secret", path)
		}
		for what, b := range sealed {
			for _, off := range []int{0, len(b) / 3, len(b) / 2, len(b) - 24} {
				if chunk := hex.EncodeToString(b[off : off+24]); strings.Contains(low, chunk) {
					t.Errorf("api/%s shows %s bytes (hex at %d)", path, what, off)
				}
			}
			if strings.Contains(body, base64.StdEncoding.EncodeToString(b[:30])) {
				t.Errorf("api/%s shows %s (base64)", path, what)
			}
		}
		var v any
		if json.Unmarshal([]byte(body), &v) == nil {
			walkKeys(v, func(k string) {
				switch k {
				case "secrets", "envelope", "payload", "output", "outputs", "evidence", "ciphertext", "args", "source", "log_sealed":
					t.Errorf("api/%s has a %q field", path, k)
				}
			})
		}
	}
}

func walkKeys(v any, f func(string)) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			f(k)
			walkKeys(x, f)
		}
	case []any:
		for _, x := range v {
			walkKeys(x, f)
		}
	}
}
