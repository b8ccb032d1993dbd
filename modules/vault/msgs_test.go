package vault_test

import (
	"reflect"
	"testing"

	"github.com/phalanetwork/phala/chain/app"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/modules/vault"
	"github.com/phalanetwork/phala/pha"
)

// TestMsgRoundTrip: every vault message decodes to what was encoded, and
// a truncated body is refused.
func TestMsgRoundTrip(t *testing.T) {
	reg := app.NewRegistry()
	for _, m := range []tx.Msg{
		&vault.MsgCreate{CommissionBps: 2500},
		&vault.MsgDeposit{Vault: 3, Amount: pha.Whole(12)},
		&vault.MsgWithdraw{Vault: 3, Shares: pha.Units(7)},
		&vault.MsgDelegate{Vault: 1, Pool: 300, Amount: pha.Whole(1000)},
		&vault.MsgUndelegate{Vault: 1, Pool: 2, Shares: pha.Units(1 << 40)},
	} {
		w := wire.NewWriter(64)
		m.Encode(w)
		got, err := reg.DecodeMsg(m.Type(), w.Bytes())
		if err != nil || !reflect.DeepEqual(got, m) {
			t.Fatalf("%s: got %+v (%v), want %+v", m.Type(), got, err, m)
		}
		if m.Type() != vault.TypeCreate {
			if _, err := reg.DecodeMsg(m.Type(), w.Bytes()[:len(w.Bytes())-1]); err == nil {
				t.Fatalf("%s: truncated body accepted", m.Type())
			}
		}
	}
}
