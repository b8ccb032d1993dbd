package contracts

// Event types and attribute keys of the contracts module.
const (
	EventCodeStored = "contract_code"
	EventCreated    = "contract_created"
	EventInput      = "contract_input"
	EventKeys       = "contract_keys"
	EventResult     = "contract_result"
	EventDivergence = "contract_divergence"

	AttrContract = "contract"
	AttrCode     = "code_hash"
	AttrCluster  = "cluster"
	AttrOwner    = "owner"
	AttrSender   = "sender"
	AttrInput    = "input"
	AttrKind     = "kind"
	AttrEpoch    = "epoch"
	AttrOK       = "ok"
	AttrWorker   = "worker"
)
