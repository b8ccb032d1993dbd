package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/phalanetwork/phala/modules/dao"
)

func TestParseDAOAction(t *testing.T) {
	dir := t.TempDir()
	collateral := filepath.Join(dir, "collateral.json")
	os.WriteFile(collateral, []byte(`{"tcb_info":"{}","tcb_info_issuer_chain":"","qe_identity":"{}","qe_identity_issuer_chain":""}`), 0o600)
	notJSON := filepath.Join(dir, "bad.json")
	os.WriteFile(notJSON, []byte(`tcb`), 0o600)
	for _, tc := range []struct {
		kind string
		args []string
		want string
		bad  bool
	}{
		{kind: "text", want: dao.KindText},
		{kind: "rotate-keys", want: dao.KindRotateKeys},
		{kind: "allow-measurement", args: []string{"sim", "0xabcd"}, want: dao.KindAllowMeasurement},
		{kind: "add-gatekeeper", args: []string{"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"}, want: dao.KindAddGatekeeper},
		{kind: "set-param", args: []string{"keys", "rotation_period", "100"}, want: dao.KindSetParam},
		{kind: "set-param", args: []string{"keys", "rotation_period", "x y"}, bad: true},
		{kind: "treasury-spend", args: []string{"nope", "1PHA"}, bad: true},
		{kind: "text", args: []string{"extra"}, bad: true},
		{kind: "launch-rockets", bad: true},
		{kind: "set-tdx-collateral", args: []string{collateral}, want: dao.KindSetTDXCollateral},
		{kind: "set-tdx-collateral", args: []string{notJSON}, bad: true},
		{kind: "set-tdx-collateral", args: []string{filepath.Join(dir, "missing.json")}, bad: true},
	} {
		a, err := parseAction(tc.kind, tc.args)
		if tc.bad {
			if err == nil {
				t.Errorf("%s %v: accepted", tc.kind, tc.args)
			}
			continue
		}
		if err != nil || a.Kind != tc.want {
			t.Errorf("%s %v: %+v %v", tc.kind, tc.args, a, err)
		}
	}
}
