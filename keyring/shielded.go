package keyring

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/crypto/hkdf"

	"github.com/phalanetwork/phala/shielded/note"
)

// shieldedInfo separates the shielded spending key's derivation from any
// other use of an account seed.
const shieldedInfo = "phala/shielded/spending-key/v1"

// viewingDir holds imported viewing keys, beside the account keys.
const viewingDir = "viewing-keys"

// SpendingKey is the shielded spending key of the account key named name.
// It is not stored: it is derived from the account's ed25519 seed with
// HKDF-SHA256, so whoever holds (or imports, or backs up) the account key
// holds its shielded notes too. The file backend asks for the passphrase.
func (k *Keyring) SpendingKey(name string) (note.SpendingKey, error) {
	priv, err := k.PrivKey(name)
	if err != nil {
		return note.SpendingKey{}, err
	}
	defer wipe(priv)
	seed := priv.Seed()
	defer wipe(seed)
	sk, err := note.NewSpendingKey(hkdf.New(sha256.New, seed, nil, []byte(shieldedInfo)))
	if err != nil {
		return note.SpendingKey{}, fmt.Errorf("key %q: shielded key: %w", name, err)
	}
	return sk, nil
}

// viewingFile is an imported viewing key: it opens the notes sent to one
// shielded address and cannot spend them. It is stored unencrypted (mode
// 0600): it reveals amounts and senders' notes, never funds.
type viewingFile struct {
	Name       string `json:"name"`
	Address    string `json:"address"`
	ViewingKey string `json:"viewing_key"`
}

func (k *Keyring) viewingPath(name string) string {
	return filepath.Join(k.dir, viewingDir, name+".json")
}

// ImportViewingKey stores an exported viewing key (hex) under name, for
// an auditor to scan one address's notes; it returns that address.
func (k *Keyring) ImportViewingKey(name, hexKey string) (note.Address, error) {
	if err := checkName(name); err != nil {
		return note.Address{}, err
	}
	raw, err := hex.DecodeString(hexKey)
	if err != nil {
		return note.Address{}, fmt.Errorf("import viewing key %q: %w: not hex: %v", name, note.ErrBadKey, err)
	}
	vk, err := note.ViewingKeyFromBytes(raw)
	if err != nil {
		return note.Address{}, fmt.Errorf("import viewing key %q: %w", name, err)
	}
	path := k.viewingPath(name)
	if _, err := os.Lstat(path); err == nil {
		return note.Address{}, fmt.Errorf("viewing key %q in %s: %w", name, filepath.Dir(path), ErrExists)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return note.Address{}, fmt.Errorf("import viewing key %q: %w", name, err)
	}
	addr := vk.Address()
	data, err := json.MarshalIndent(viewingFile{Name: name, Address: addr.String(), ViewingKey: hexKey}, "", "  ")
	if err != nil {
		return note.Address{}, fmt.Errorf("import viewing key %q: %w", name, err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return note.Address{}, fmt.Errorf("import viewing key %q: %w", name, err)
	}
	return addr, nil
}

// ViewingKey is the viewing key named name: an imported one, or else the
// one derived from the account key of that name.
func (k *Keyring) ViewingKey(name string) (note.ViewingKey, error) {
	if err := checkName(name); err != nil {
		return note.ViewingKey{}, err
	}
	data, err := os.ReadFile(k.viewingPath(name))
	if errors.Is(err, fs.ErrNotExist) {
		sk, err := k.SpendingKey(name)
		if err != nil {
			return note.ViewingKey{}, err
		}
		return sk.ViewingKey(), nil
	}
	if err != nil {
		return note.ViewingKey{}, fmt.Errorf("viewing key %q: %w", name, err)
	}
	var f viewingFile
	if err := json.Unmarshal(data, &f); err != nil {
		return note.ViewingKey{}, fmt.Errorf("viewing key %q: corrupt file: %w", name, err)
	}
	raw, err := hex.DecodeString(f.ViewingKey)
	if err != nil {
		return note.ViewingKey{}, fmt.Errorf("viewing key %q: corrupt file: %w", name, err)
	}
	return note.ViewingKeyFromBytes(raw)
}
