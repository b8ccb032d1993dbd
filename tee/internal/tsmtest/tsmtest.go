// Package tsmtest fakes the Linux configfs-tsm report interface with
// recorded evidence, for the providers' tests.
package tsmtest

import (
	"github.com/google/go-configfs-tsm/configfs/configfsi"
	"github.com/google/go-configfs-tsm/configfs/faketsm"
)

// Client returns a configfs-tsm client whose reports come from provider
// (e.g. "tdx_guest") and carry outblob and auxblob, whatever the inblob.
func Client(provider string, outblob, auxblob []byte) configfsi.Client {
	sub := faketsm.ReportV7(0)
	base := sub.ReadAttr
	sub.ReadAttr = func(e *faketsm.ReportEntry, attr string) ([]byte, error) {
		switch attr {
		case "provider":
			return []byte(provider + "\n"), nil
		case "outblob":
			return append([]byte(nil), outblob...), nil
		case "auxblob":
			return append([]byte(nil), auxblob...), nil
		}
		return base(e, attr)
	}
	return &faketsm.Client{Subsystems: map[string]configfsi.Client{"report": sub}}
}
