package ceremony

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/phalanetwork/phala/modules/shielded"
)

// Audit is what re-verifying a ceremony's record found: each contribution
// checked against the state it extends, and each circuit's key derived
// from the accepted contributions and compared with the chain's.
type Audit struct {
	Contributions []AuditedContribution `json:"contributions"`
	Keys          []AuditedKey          `json:"keys"`
	// OK is set when every accepted contribution verifies, every refused
	// one fails, and every derived key is the chain's.
	OK bool `json:"ok"`
}

// AuditedContribution is one contribution's check.
type AuditedContribution struct {
	Phase   uint8  `json:"phase"`
	Circuit string `json:"circuit,omitempty"`
	Slot    uint32 `json:"slot"`
	Status  string `json:"status"`
	// Error is why the contribution does not verify ("" if it does).
	Error string `json:"error,omitempty"`
	// Agrees says whether this check agrees with the chain's status.
	Agrees bool `json:"agrees"`
}

// AuditedKey is one circuit's derived key against the chain's.
type AuditedKey struct {
	Circuit string `json:"circuit"`
	Matches bool   `json:"matches"`
	Error   string `json:"error,omitempty"`
}

// Recheck re-verifies the record without trusting any enclave: every
// accepted or refused contribution (a skipped slot has nothing to check)
// against the state it extends (states from blobs,
// checked by hash), then, for each circuit whose phase 2 is over, the
// keys derived from the accepted contributions, compared with the key
// chainKey reads from the chain (nil if it has none yet). It returns the
// derived keys too.
func Recheck(ctx context.Context, rec *shielded.Ceremony, blobs Blobs, chainKey func(circuit string) ([]byte, error)) (Audit, map[string]Keys, error) {
	t := NewTranscript(blobs)
	a := Audit{OK: true}
	for i := range rec.Contributions {
		x := &rec.Contributions[i]
		if x.Status != shielded.StatusAccepted && x.Status != shielded.StatusRefused {
			continue // pending, or skipped: not part of the transcript
		}
		err := t.Verify(ctx, rec, x)
		if err != nil && !errors.Is(err, ErrBadContribution) && x.Status == shielded.StatusAccepted {
			return a, nil, err // an accepted state could not be fetched: no verdict
		}
		c := AuditedContribution{Phase: x.Phase, Circuit: x.Circuit, Slot: x.Slot, Status: x.Status,
			Agrees: (err == nil) == (x.Status == shielded.StatusAccepted)}
		if err != nil {
			c.Error = err.Error()
		}
		a.OK = a.OK && c.Agrees
		a.Contributions = append(a.Contributions, c)
	}
	keys := map[string]Keys{}
	for i, name := range rec.Circuits {
		if rec.Stage <= i+1 {
			break
		}
		k := AuditedKey{Circuit: name}
		vk, ks, err := t.VerifyingKey(ctx, rec, name)
		var onChain []byte
		if err == nil {
			keys[name] = ks
			onChain, err = chainKey(name)
		}
		k.Matches = err == nil && bytes.Equal(vk, onChain)
		if err != nil {
			k.Error = err.Error()
		} else if !k.Matches {
			k.Error = fmt.Sprintf("the chain's %s key is not the one the record derives", name)
		}
		a.OK = a.OK && k.Matches
		a.Keys = append(a.Keys, k)
	}
	return a, keys, nil
}
