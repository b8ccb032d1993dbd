package worker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/phalanetwork/phala/crypto/keyderive"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/pruntime"
	"github.com/phalanetwork/phala/worker"
)

// TestGatekeepersShareTheMasterKey: on a devnet with three gatekeepers the
// first creates the master key in its enclave, the others receive it
// encrypted through the chain and prove they hold it; every enclave seals
// the same secret, whose public keys the chain publishes, and the secret
// appears nowhere outside the sealed stores.
func TestGatekeepersShareTheMasterKey(t *testing.T) {
	logs := &lockedBuffer{}
	d, c := startDevnet(t, devnet.Options{Workers: 3, Gatekeepers: 3}, logs)
	home := d.Home
	var st keys.State
	eventually(t, "three gatekeepers holding generation 0", func() (bool, error) {
		_, err := c.Query(context.Background(), "/keys/state", &st)
		if err != nil || st.Generation == nil || len(st.Gatekeepers) != 3 {
			return false, err
		}
		for _, g := range st.Gatekeepers {
			if !g.Holds {
				return false, nil
			}
		}
		return true, nil
	})
	d.Stop()

	simKey, err := worker.LoadOrCreateSimAttestationKey(filepath.Join(home, "config", "sim_attestation_key"))
	if err != nil {
		t.Fatal(err)
	}
	var secret []byte
	for i := range 3 {
		wh := filepath.Join(home, "workers", "worker"+string(rune('0'+i)))
		p, _ := worker.NewSimProvider(simKey, wh, devnetGenesis(t, home))
		raw := unsealEntry(t, simKey, devnetGenesis(t, home), wh, pruntime.EntryMasterKeys)
		var hist struct {
			Generations []struct {
				Number uint64 `json:"number"`
				Secret []byte `json:"secret"`
			} `json:"generations"`
		}
		if err := json.Unmarshal(raw, &hist); err != nil || len(hist.Generations) != 1 {
			t.Fatalf("worker%d master history: %v %+v", i, err, hist)
		}
		if secret == nil {
			secret = hist.Generations[0].Secret
		} else if !bytes.Equal(secret, hist.Generations[0].Secret) {
			t.Fatalf("worker%d holds a different master key", i)
		}
		s, _ := keyderive.NewSecret(secret)
		pairs, err := keyderive.Pairs(s, p.DeriveLabel)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(pairs.Public().Sign, st.Generation.SignKey) || !bytes.Equal(pairs.Public().ECDH, st.Generation.ECDHKey) {
			t.Fatal("the chain's master public keys are not those of the sealed secret")
		}
	}
	secrets := map[string][]byte{"master key": secret}
	assertNoSecretsUnder(t, home, secrets)
	assertNoSecrets(t, "logs", logs.Bytes(), secrets)
}
