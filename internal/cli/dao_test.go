package cli

import (
	"testing"

	"github.com/phalanetwork/phala/modules/dao"
)

func TestParseDAOAction(t *testing.T) {
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
