// Package tsmtest fakes the Linux configfs-tsm report interface with
// go-configfs-tsm's faketsm, for the providers' tests and tee/teefake.
package tsmtest

import (
	"github.com/google/go-configfs-tsm/configfs/configfsi"
	"github.com/google/go-configfs-tsm/configfs/faketsm"
)

// Client returns a configfs-tsm client whose reports come from provider
// (e.g. "tdx_guest") and carry outblob and auxblob, whatever the inblob.
func Client(provider string, outblob, auxblob []byte) configfsi.Client {
	return Func(provider, func([]byte) ([]byte, []byte, error) {
		return append([]byte(nil), outblob...), append([]byte(nil), auxblob...), nil
	})
}

// Func returns a configfs-tsm client whose reports come from provider and
// whose outblob and auxblob make computes from the inblob written to the
// report entry.
func Func(provider string, make func(inblob []byte) (out, aux []byte, err error)) configfsi.Client {
	sub := faketsm.ReportV7(0)
	base := sub.ReadAttr
	sub.ReadAttr = func(e *faketsm.ReportEntry, attr string) ([]byte, error) {
		switch attr {
		case "provider":
			return []byte(provider + "\n"), nil
		case "outblob", "auxblob":
			out, aux, err := make(e.InAttrs["inblob"].Value)
			if err != nil {
				return nil, err
			}
			if attr == "auxblob" {
				return aux, nil
			}
			return out, nil
		}
		return base(e, attr)
	}
	return &faketsm.Client{Subsystems: map[string]configfsi.Client{"report": sub}}
}
