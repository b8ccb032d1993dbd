package cli

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/keyring"
	"github.com/phalanetwork/phala/modules/stakepool"
	"github.com/phalanetwork/phala/pha"
)

// parseID reads a positive decimal id; what names it in the error ("pool",
// "vault").
func parseID(s, what string) (uint64, error) {
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil || id == 0 {
		return 0, fmt.Errorf("%s id must be a positive number, got %q", what, s)
	}
	return id, nil
}

func parsePool(s string) (uint64, error) { return parseID(s, "pool") }

func parseVault(s string) (uint64, error) { return parseID(s, "vault") }

// parsePercent reads a percentage with up to two decimals as basis points.
func parsePercent(s string) (uint32, error) {
	whole, frac, _ := strings.Cut(strings.TrimSuffix(strings.TrimSpace(s), "%"), ".")
	if len(frac) > 2 {
		return 0, fmt.Errorf("%q has more than two decimals", s)
	}
	w, err := strconv.ParseUint(whole, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%q is not a percentage", s)
	}
	f := uint64(0)
	if frac != "" {
		if f, err = strconv.ParseUint(frac+strings.Repeat("0", 2-len(frac)), 10, 32); err != nil {
			return 0, fmt.Errorf("%q is not a percentage", s)
		}
	}
	bps := w*100 + f
	if bps > stakepool.MaxCommissionBps {
		return 0, fmt.Errorf("%s%% is above 100%%", s)
	}
	return uint32(bps), nil
}

// parseFee reads --fee: empty is the chain's minimum (zero here).
func parseFee(s string) (pha.Amount, error) {
	if s == "" {
		return pha.Amount{}, nil
	}
	fee, err := pha.Parse(s)
	if err != nil {
		return pha.Amount{}, fmt.Errorf("--fee: %w", err)
	}
	return fee, nil
}

// parseShares reads a number of shares with up to 12 decimals (a share is
// 10^12 share units, worth 1 PHA at price 1).
func parseShares(s string) (pha.Amount, error) {
	if strings.HasSuffix(strings.ToUpper(strings.TrimSpace(s)), pha.Denom) {
		return pha.Amount{}, fmt.Errorf("%q: give a number of shares, not PHA", s)
	}
	a, err := pha.Parse(strings.TrimSpace(s) + pha.Denom)
	if err != nil {
		return pha.Amount{}, fmt.Errorf("shares: %w", err)
	}
	return a, nil
}

// parseHex32 reads 64 hex characters (a contract, agent, cluster or code
// id); what names it in the error.
func parseHex32(s, what string) ([32]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		return [32]byte{}, fmt.Errorf("%s must be 64 hex characters, got %q", what, s)
	}
	return [32]byte(b), nil
}

// parseJSONArg reads a JSON argument; empty is JSON null.
func parseJSONArg(s, what string) (json.RawMessage, error) {
	if s == "" {
		return json.RawMessage("null"), nil
	}
	if !json.Valid([]byte(s)) {
		return nil, fmt.Errorf("%s must be JSON, got %q (quote strings: '\"text\"')", what, s)
	}
	return json.RawMessage(s), nil
}

// resolveAddress accepts a bech32 address or the name of a key in the
// keyring that open returns; the keyring is opened only for a name.
func resolveAddress(open func() (*keyring.Keyring, error), s string) (address.Address, error) {
	if strings.HasPrefix(s, address.Prefix+"1") {
		return address.Parse(s)
	}
	if kr, err := open(); err == nil {
		if info, err := kr.Find(s); err == nil {
			return info.Address, nil
		}
	}
	return address.Address{}, fmt.Errorf("%q is neither a pha1... address nor a key in the keyring", s)
}
