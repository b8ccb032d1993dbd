package agents

import (
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/modules/mq"
)

// TopicSecrets (worker origin): an agent id, the cluster epoch, and the
// agent's secrets sealed again to its key of that epoch. When the agent's
// key moves to a new epoch (a member removed, a master-key rotation), a
// member that holds both keys re-seals the owner's secrets, so the secrets
// follow the key and a removed worker's old key opens nothing new.
const TopicSecrets = "agents/secrets"

// EncodeReseal writes a TopicSecrets payload.
func EncodeReseal(agent [32]byte, epoch uint64, env []byte) []byte {
	w := wire.NewWriter(48 + len(env))
	w.Raw(agent[:])
	w.Uvarint(epoch)
	w.VarBytes(env)
	return w.Bytes()
}

func (m *Module) handleReseal(ctx *module.Context, msg *mq.SignedMessage) error {
	if msg.Origin.Kind != mq.OriginWorker {
		return fmt.Errorf("%w: %s cannot re-seal secrets", ErrNotWorker, msg.Origin.Kind)
	}
	r := wire.NewReader(msg.Payload)
	var id [32]byte
	copy(id[:], r.Raw(32))
	epoch := r.Uvarint()
	env := append([]byte(nil), r.VarBytes(m.Params(ctx.KV).MaxSecrets)...)
	if err := r.Done(); err != nil {
		return fmt.Errorf("%w: %v", mq.ErrInvalidMessage, err)
	}
	a, ok := m.Agent(ctx.KV, id)
	if !ok {
		return fmt.Errorf("%w: %x", ErrUnknownAgent, id)
	}
	c, _ := m.contracts.Contract(ctx.KV, id)
	cl, ok := m.clusters.Cluster(ctx.KV, [32]byte(c.Cluster))
	if !ok || !cl.IsMember(msg.Origin.ID) {
		return fmt.Errorf("%w: worker %x is not in the agent's cluster", ErrBadSecrets, msg.Origin.ID)
	}
	if epoch != c.KeyEpoch || a.SecretsEpoch >= epoch || len(a.Secrets) == 0 {
		return fmt.Errorf("%w: re-seal for epoch %d, agent key epoch %d, secrets at %d", ErrBadSecrets, epoch, c.KeyEpoch, a.SecretsEpoch)
	}
	if err := m.checkSecrets(ctx, id, env); err != nil {
		return err
	}
	a.Secrets, a.SecretsEpoch = env, epoch
	m.setAgent(ctx.KV, a)
	ctx.Emit(EventUpdated, module.Indexed(AttrAgent, hex.EncodeToString(id[:])), module.Attr(AttrAction, "reseal"),
		module.Attr("epoch", strconv.FormatUint(epoch, 10)))
	return nil
}
