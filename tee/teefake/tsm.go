package teefake

import (
	"github.com/google/go-configfs-tsm/configfs/configfsi"
	"github.com/google/go-configfs-tsm/configfs/faketsm"
)

// reportClient returns a go-configfs-tsm fake report subsystem of
// provider whose outblob and auxblob come from make over the inblob
// written to the entry.
func reportClient(provider string, make func(inblob []byte) (out, aux []byte, err error)) configfsi.Client {
	sub := faketsm.ReportV7(0)
	base := sub.ReadAttr
	sub.ReadAttr = func(e *faketsm.ReportEntry, attr string) ([]byte, error) {
		switch attr {
		case "provider":
			return []byte(provider + "\n"), nil
		case "outblob", "auxblob":
			in := e.InAttrs["inblob"].Value
			out, aux, err := make(in)
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
