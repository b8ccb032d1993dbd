package clusters

import (
	"fmt"
	"strconv"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/crypto/address"
)

// Event types and attribute keys of the clusters module.
const (
	EventCreated = "cluster_created"
	EventMember  = "cluster_member"
	EventKeys    = "cluster_keys"

	AttrCluster = "cluster"
	AttrOwner   = "owner"
	AttrWorker  = "worker"
	AttrAction  = "action"
	AttrEpoch   = "epoch"
)

// emitCreated records a new cluster.
func emitCreated(ctx *module.Context, id [32]byte, owner address.Address) {
	ctx.Emit(EventCreated, module.Indexed(AttrCluster, fmt.Sprintf("%x", id)), module.Indexed(AttrOwner, owner.String()))
}

// emitMember records a membership change ("add" or "remove"); a removal
// also names the new epoch.
func emitMember(ctx *module.Context, c Cluster, worker [32]byte, action string, extra ...abci.EventAttribute) {
	attrs := []abci.EventAttribute{module.Indexed(AttrCluster, fmt.Sprintf("%x", []byte(c.ID))), module.Indexed(AttrWorker, fmt.Sprintf("%x", worker)),
		module.Attr(AttrAction, action)}
	ctx.Emit(EventMember, append(attrs, extra...)...)
}

// emitKeys records that a cluster's epoch keys were published.
func emitKeys(ctx *module.Context, id [32]byte, epoch uint64) {
	ctx.Emit(EventKeys, module.Indexed(AttrCluster, fmt.Sprintf("%x", id)), module.Attr(AttrEpoch, strconv.FormatUint(epoch, 10)))
}
