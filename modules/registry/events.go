package registry

import "github.com/phalanetwork/phala/chain/module"

// Event types and attribute keys of the registry module.
const (
	EventRegistered = "worker_registered"
	EventEndpoint   = "worker_endpoint"
	EventRetired    = "worker_retired"
	// EventKMSRequested: a TDX worker asked the gatekeepers for its sealing key.
	EventKMSRequested = "sealing_key_requested"

	AttrWorker   = "worker"
	AttrOperator = "operator"
	AttrTEE      = "tee"
	AttrNew      = "new"
	AttrEndpoint = "endpoint"
	AttrReason   = "reason"
)

func emitRegistered(ctx *module.Context, w Worker, isNew bool) {
	if !ctx.Recording() {
		return
	}
	n := "false"
	if isNew {
		n = "true"
	}
	ctx.Emit(EventRegistered, module.Indexed(AttrWorker, w.ID.String()), module.Indexed(AttrOperator, w.Operator.String()),
		module.Attr(AttrTEE, string(w.TEE)), module.Attr(AttrNew, n))
}

// emitEndpoint records a worker's new endpoint.
func emitEndpoint(ctx *module.Context, w Worker) {
	ctx.Emit(EventEndpoint, module.Indexed(AttrWorker, w.ID.String()), module.Attr(AttrEndpoint, w.Endpoint))
}

// emitRetired records that a worker was retired, and why.
func emitRetired(ctx *module.Context, w Worker) {
	ctx.Emit(EventRetired, module.Indexed(AttrWorker, w.ID.String()), module.Indexed(AttrOperator, w.Operator.String()),
		module.Attr(AttrReason, w.Retired.Reason))
}

// emitKMSRequested records a sealing-key request.
func emitKMSRequested(ctx *module.Context, id WorkerID) {
	ctx.Emit(EventKMSRequested, module.Indexed(AttrWorker, id.String()))
}
