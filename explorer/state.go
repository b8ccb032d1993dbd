package explorer

import (
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/registry"
)

// The app's JSON answers are decoded into the modules' own types; the
// explorer's answers are the view types below, filled field by field.
type (
	jsonWorker   = registry.Worker
	jsonCluster  = clusters.Cluster
	jsonContract = contracts.Contract
)

// jsonAgent is /agents/agent/<id> with the versions typed.
type jsonAgent struct {
	agents.Agent
	Cluster  keys.Hex            `json:"cluster"`
	Code     keys.Hex            `json:"code_hash"`
	Versions []contracts.Version `json:"versions"`
	KeyEpoch uint64              `json:"key_epoch"`
	SignKey  keys.Hex            `json:"sign_pubkey"`
	ECDHKey  keys.Hex            `json:"ecdh_pubkey"`
}

const kindAgent = contracts.KindAgent
