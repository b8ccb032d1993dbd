package explorer

import (
	"encoding/hex"
	"fmt"
	"strings"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
)

// msgView is a message as the explorer shows it: its type, a one-line
// summary and the fields that are public. Sealed bytes (command
// envelopes, agent secrets, mq payloads, attestation evidence) appear only
// as their sizes; every field is chosen here, never copied wholesale.
type msgView struct {
	Type    string         `json:"type"`
	Summary string         `json:"summary"`
	Fields  map[string]any `json:"fields"`
	// Links name the entities the message touches, for the page to link:
	// kind ("account", "worker", "cluster", "contract", "agent") -> id.
	Links []link `json:"links,omitempty"`
}

type link struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
	Role string `json:"role"`
}

func hx(b []byte) string { return hex.EncodeToString(b) }

// id32 is a 32-byte id (of a contract, agent, cluster or code) as the
// chain's JSON carries it, for the modules' query path builders.
func id32(b []byte) (id [32]byte) {
	copy(id[:], b)
	return id
}

// hexID is id32 of a hex string already checked with isHex(s, 32).
func hexID(s string) [32]byte {
	b, _ := hex.DecodeString(s)
	return id32(b)
}

func short(s string) string {
	if len(s) > 16 {
		return s[:8] + "…" + s[len(s)-6:]
	}
	return s
}

func amt(a pha.Amount) string { return a.PHA() }

// amtS is an amount for a sentence: "1.5 PHA".
func amtS(a pha.Amount) string { return strings.TrimSuffix(a.PHA(), "PHA") + " PHA" }

// viewMsg describes m. Unknown message types show their type only.
func viewMsg(m tx.Msg) msgView {
	v := msgView{Type: m.Type(), Fields: map[string]any{}}
	if !viewAccountMsg(&v, m) && !viewContractMsg(&v, m) && !viewAgentMsg(&v, m) && !viewMQMsg(&v, m) {
		v.Summary = m.Type()
	}
	return v
}

// link names an entity the message touches.
func (v *msgView) link(kind, id, role string) {
	v.Links = append(v.Links, link{Kind: kind, ID: id, Role: role})
}

// viewAccountMsg fills v for the messages of balances, registry and keys
// (transfers, workers, gatekeepers); it reports whether it knew m's type.
func viewAccountMsg(v *msgView, m tx.Msg) bool {
	f := v.Fields
	switch m := m.(type) {
	case *balances.MsgTransfer:
		f["to"], f["amount"] = m.To.String(), amt(m.Amount)
		v.Summary = fmt.Sprintf("transfer %s to %s", amtS(m.Amount), short(m.To.String()))
		v.link("account", m.To.String(), "recipient")
	case *registry.MsgRegisterWorker:
		id := m.Info.ID().String()
		f["worker"], f["operator"], f["tee"] = id, m.Info.Operator.String(), string(m.Attestation.Kind)
		f["version"], f["benchmark_score"], f["features"] = m.Info.Version, m.Info.BenchmarkScore, m.Info.Features
		f["attested_height"], f["attested_block_hash"] = m.Info.AttestedHeight, hx(m.Info.AttestedBlockHash)
		f["ecdh_pubkey"], f["evidence_bytes"] = hx(m.Info.ECDHKey), len(m.Attestation.Evidence)
		v.Summary = fmt.Sprintf("register %s worker %s", m.Attestation.Kind, short(id))
		v.link("worker", id, "worker")
		v.link("account", m.Info.Operator.String(), "operator")
	case *registry.MsgUpdateEndpoint:
		f["worker"], f["endpoint"], f["height"] = m.Worker.String(), m.Endpoint, m.Height
		v.Summary = fmt.Sprintf("worker %s endpoint %s", short(m.Worker.String()), m.Endpoint)
		v.link("worker", m.Worker.String(), "worker")
	case *keys.MsgAddGatekeeper:
		f["worker"] = hx(m.Worker[:])
		v.Summary = "add gatekeeper " + short(hx(m.Worker[:]))
		v.link("worker", hx(m.Worker[:]), "gatekeeper")
	case *keys.MsgRotate:
		v.Summary = "request a master-key rotation"
	case *keys.MsgBond:
		v.bond("bond %s to gatekeeper %s", m.Gatekeeper, m.Amount)
	case *keys.MsgUnbond:
		v.bond("unbond %s from gatekeeper %s", m.Gatekeeper, m.Amount)
	default:
		return false
	}
	return true
}

// bond fills v for a bond to or an unbond from a gatekeeper; summary is the
// sentence, with the amount and then the gatekeeper to fill in.
func (v *msgView) bond(summary string, gatekeeper [32]byte, amount pha.Amount) {
	id := hx(gatekeeper[:])
	v.Fields["gatekeeper"], v.Fields["amount"] = id, amt(amount)
	v.Summary = fmt.Sprintf(summary, amtS(amount), short(id))
	v.link("worker", id, "gatekeeper")
}

// viewContractMsg fills v for the messages of clusters and contracts; it
// reports whether it knew m's type.
func viewContractMsg(v *msgView, m tx.Msg) bool {
	f := v.Fields
	switch m := m.(type) {
	case *clusters.MsgCreate:
		v.Summary = "create a cluster"
	case *clusters.MsgMember:
		f["cluster"], f["worker"], f["remove"] = hx(m.Cluster[:]), hx(m.Worker[:]), m.Remove
		verb := "add"
		if m.Remove {
			verb = "remove"
		}
		v.Summary = fmt.Sprintf("%s worker %s in cluster %s", verb, short(hx(m.Worker[:])), short(hx(m.Cluster[:])))
		v.link("cluster", hx(m.Cluster[:]), "cluster")
		v.link("worker", hx(m.Worker[:]), "worker")
	case *contracts.MsgUpload:
		f["size"] = len(m.Code)
		v.Summary = fmt.Sprintf("upload code (%d bytes)", len(m.Code))
	case *contracts.MsgInstantiate:
		f["code_hash"], f["cluster"], f["upgradable"], f["gas"], f["args_bytes"] = hx(m.Code[:]), hx(m.Cluster[:]), m.Upgradable, m.Gas, len(m.Args)
		v.Summary = "instantiate code " + short(hx(m.Code[:]))
		v.link("cluster", hx(m.Cluster[:]), "cluster")
	case *contracts.MsgExec:
		f["contract"], f["gas"], f["sealed_bytes"] = hx(m.Contract[:]), m.Gas, len(m.Envelope)
		v.Summary = fmt.Sprintf("sealed command to %s (%d bytes, not shown)", short(hx(m.Contract[:])), len(m.Envelope))
		v.link("contract", hx(m.Contract[:]), "contract")
	case *contracts.MsgUpgrade:
		f["contract"], f["code_hash"] = hx(m.Contract[:]), hx(m.Code[:])
		v.Summary = "upgrade contract " + short(hx(m.Contract[:]))
		v.link("contract", hx(m.Contract[:]), "contract")
	default:
		return false
	}
	return true
}

// viewAgentMsg fills v for the messages of agents; it reports whether it
// knew m's type.
func viewAgentMsg(v *msgView, m tx.Msg) bool {
	f := v.Fields
	switch m := m.(type) {
	case *agents.MsgDeploy:
		f["code_hash"], f["cluster"], f["policy"], f["price"] = hx(m.Code[:]), hx(m.Cluster[:]), policyOf(m.Policy), amt(m.Price)
		v.Summary = fmt.Sprintf("deploy agent (%s, %s per call)", m.Policy.Kind, amtS(m.Price))
		v.link("cluster", hx(m.Cluster[:]), "cluster")
	case *agents.MsgUpgrade:
		f["agent"], f["code_hash"] = hx(m.Agent[:]), hx(m.Code[:])
		v.Summary = "upgrade agent " + short(hx(m.Agent[:]))
		v.link("agent", hx(m.Agent[:]), "agent")
	case *agents.MsgSetPaused:
		f["agent"], f["paused"] = hx(m.Agent[:]), m.Paused
		v.Summary = map[bool]string{true: "pause", false: "resume"}[m.Paused] + " agent " + short(hx(m.Agent[:]))
		v.link("agent", hx(m.Agent[:]), "agent")
	case *agents.MsgSetPolicy:
		f["agent"], f["policy"] = hx(m.Agent[:]), policyOf(m.Policy)
		v.Summary = fmt.Sprintf("agent %s policy %s", short(hx(m.Agent[:])), m.Policy.Kind)
		v.link("agent", hx(m.Agent[:]), "agent")
	case *agents.MsgSetPrice:
		f["agent"], f["price"] = hx(m.Agent[:]), amt(m.Price)
		v.Summary = fmt.Sprintf("agent %s price %s", short(hx(m.Agent[:])), amtS(m.Price))
		v.link("agent", hx(m.Agent[:]), "agent")
	case *agents.MsgTransfer:
		f["agent"], f["new_owner"] = hx(m.Agent[:]), m.NewOwner.String()
		v.Summary = fmt.Sprintf("agent %s to %s", short(hx(m.Agent[:])), short(m.NewOwner.String()))
		v.link("agent", hx(m.Agent[:]), "agent")
		v.link("account", m.NewOwner.String(), "new owner")
	case *agents.MsgSetSecrets:
		f["agent"], f["sealed_bytes"] = hx(m.Agent[:]), len(m.Envelope)
		if len(m.Base) != 0 {
			f["merged_from"] = hx(m.Base)
		}
		v.Summary = fmt.Sprintf("set sealed secrets of agent %s (%d bytes, not shown)", short(hx(m.Agent[:])), len(m.Envelope))
		v.link("agent", hx(m.Agent[:]), "agent")
	case *agents.MsgDeposit:
		f["amount"], f["withdraw"] = amt(m.Amount), m.Withdraw
		v.Summary = map[bool]string{true: "withdraw ", false: "deposit "}[m.Withdraw] + amtS(m.Amount) + " (agent escrow)"
	case *agents.MsgRegisterKey:
		f["key_hash"], f["expires_height"] = hx(m.Hash[:]), m.Expires
		if m.Agent != ([32]byte{}) {
			f["agent"] = hx(m.Agent[:])
			v.link("agent", hx(m.Agent[:]), "agent")
		}
		v.Summary = "register API key " + short(hx(m.Hash[:]))
	case *agents.MsgRevokeKey:
		f["key_hash"] = hx(m.Hash[:])
		v.Summary = "revoke API key " + short(hx(m.Hash[:]))
	default:
		return false
	}
	return true
}

// viewMQMsg fills v for a pushed mq message, whose payload shows as its
// size only; it reports whether m was one.
func viewMQMsg(v *msgView, m tx.Msg) bool {
	p, ok := m.(*mq.MsgPush)
	if !ok {
		return false
	}
	o, f := p.Message.Origin, v.Fields
	f["origin_kind"], f["origin"], f["topic"], f["sequence"], f["payload_bytes"] = o.Kind.String(), hx(o.ID[:]), p.Message.Topic, p.Message.Sequence, len(p.Message.Payload)
	v.Summary = fmt.Sprintf("%s message %q #%d from %s %s", o.Kind, p.Message.Topic, p.Message.Sequence, o.Kind, short(hx(o.ID[:])))
	if o.Kind == mq.OriginWorker || o.Kind == mq.OriginGatekeeper {
		v.link("worker", hx(o.ID[:]), "origin")
	}
	return true
}

type policyView struct {
	Kind     string   `json:"kind"`
	Allow    []string `json:"allow,omitempty"`
	Contract string   `json:"contract,omitempty"`
}

func policyOf(p agents.Policy) policyView {
	v := policyView{Kind: p.Kind, Contract: hx(p.Contract)}
	for _, a := range p.Allow {
		v.Allow = append(v.Allow, a.String())
	}
	return v
}

// eventView is an event of a transaction or a block. Event attributes are
// public by construction (the modules emit ids, addresses, amounts and
// phases), but values are capped so a long error reason stays readable.
type eventView struct {
	Type  string     `json:"type"`
	Attrs []attrView `json:"attrs"`
}

type attrView struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func viewEvents(evs []abci.Event) []eventView {
	out := []eventView{}
	for _, e := range evs {
		v := eventView{Type: e.Type, Attrs: []attrView{}}
		for _, a := range e.Attributes {
			val := a.Value
			if len(val) > 300 {
				val = val[:300] + "…"
			}
			v.Attrs = append(v.Attrs, attrView{Key: a.Key, Value: val})
		}
		out = append(out, v)
	}
	return out
}

// kindOfMsgs is the short label of a transaction: its first message's
// type, with a count when there are more.
func kindOfMsgs(types []string) string {
	switch len(types) {
	case 0:
		return "invalid"
	case 1:
		return types[0]
	}
	return fmt.Sprintf("%s +%d", types[0], len(types)-1)
}

// isHex reports whether s is n bytes of hex.
func isHex(s string, n int) bool {
	if len(s) != 2*n {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

func normHex(s string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "0x"), "0X"))
}
