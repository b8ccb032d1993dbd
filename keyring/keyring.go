// Package keyring stores the ed25519 account keys of the phala CLI.
//
// Each key lives in its own JSON file under <home>/keyring-<backend>/. Two
// backends exist:
//
//   - BackendFile ("file") encrypts each key's seed with a passphrase
//     (scrypt + XChaCha20-Poly1305). The name, address and public key stay in
//     clear next to the ciphertext, so listing and showing keys needs no
//     passphrase.
//   - BackendTest ("test") writes seeds unencrypted. It exists for devnets and
//     tests and must never hold real funds.
//
// Keys move between keyrings (and backends) with Export and Import, which use
// the encrypted format under a separate export passphrase.
package keyring

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/phalanetwork/phala/crypto/address"
)

// Backends.
const (
	// BackendFile keeps each key encrypted under a passphrase.
	BackendFile = "file"
	// BackendTest keeps keys unencrypted: for devnets and tests only.
	BackendTest = "test"
)

// Backends lists the valid backend names.
var Backends = []string{BackendFile, BackendTest}

// Errors. Match them with errors.Is; the returned errors wrap them with the
// key name and the keyring directory.
var (
	ErrNotFound        = errors.New("key not found: check the name (list the keys in this keyring) and the keyring backend, or add or import the key")
	ErrExists          = errors.New("key already exists: pick another name, or delete the existing key first")
	ErrWrongPassphrase = errors.New("wrong passphrase, or the key file was modified: try again with the passphrase the key was saved with")
)

// Info is the public part of a key: what can be shown without a passphrase.
type Info struct {
	Name    string            `json:"name"`
	Address address.Address   `json:"address"`
	PubKey  ed25519.PublicKey `json:"pubkey"`
}

// PassphraseFunc supplies a passphrase. prompt says what it is for; confirm
// is true when a new passphrase is being chosen and should be asked twice.
type PassphraseFunc func(prompt string, confirm bool) ([]byte, error)

// Keyring is a directory of key files for one backend.
type Keyring struct {
	dir     string
	backend string
	pass    PassphraseFunc
}

var nameRE = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// Open opens (creating if needed, mode 0700) the keyring directory
// <home>/keyring-<backend>. pass is asked for passphrases when the file
// backend encrypts or decrypts a key, and by Export and Import on any backend;
// it may be nil if none of those are used.
func Open(home, backend string, pass PassphraseFunc) (*Keyring, error) {
	switch backend {
	case BackendFile, BackendTest:
	default:
		return nil, fmt.Errorf("unknown keyring backend %q: valid backends are %s", backend, strings.Join(Backends, ", "))
	}
	if home == "" {
		return nil, errors.New("open keyring: home directory is empty")
	}
	dir := filepath.Join(home, "keyring-"+backend)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open keyring: %w", err)
	}
	// The directory may predate us with looser permissions; keys are private.
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open keyring: %w", err)
	}
	return &Keyring{dir: dir, backend: backend, pass: pass}, nil
}

// Dir returns the keyring's directory.
func (k *Keyring) Dir() string { return k.dir }

// Backend returns the keyring's backend name.
func (k *Keyring) Backend() string { return k.backend }

// ValidName reports whether name is allowed as a key name:
// 1 to 64 characters from [a-zA-Z0-9_-].
func ValidName(name string) bool { return nameRE.MatchString(name) }

func checkName(name string) error {
	if !ValidName(name) {
		return fmt.Errorf("invalid key name %q: use 1 to 64 letters, digits, '_' or '-'", name)
	}
	return nil
}

func (k *Keyring) path(name string) string { return filepath.Join(k.dir, name+".json") }

func (k *Keyring) notFound(name string) error {
	return fmt.Errorf("key %q in %s: %w", name, k.dir, ErrNotFound)
}

func (k *Keyring) exists(name string) error {
	return fmt.Errorf("key %q in %s: %w", name, k.dir, ErrExists)
}

// Add creates a new random ed25519 key named name.
func (k *Keyring) Add(name string) (Info, error) {
	return k.add(name)
}

// Ensure returns the key name, creating it first if the keyring lacks it.
func (k *Keyring) Ensure(name string) (Info, error) {
	if info, err := k.Get(name); err == nil {
		return info, nil
	}
	return k.add(name)
}

func (k *Keyring) add(name string) (Info, error) {
	if err := checkName(name); err != nil {
		return Info{}, err
	}
	if k.has(name) {
		return Info{}, k.exists(name)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return Info{}, fmt.Errorf("generate key: %w", err)
	}
	defer wipe(priv)
	return k.store(name, priv)
}

// AddPrivKey stores an existing private key under name.
func (k *Keyring) AddPrivKey(name string, priv ed25519.PrivateKey) (Info, error) {
	if err := checkName(name); err != nil {
		return Info{}, err
	}
	if len(priv) != ed25519.PrivateKeySize {
		return Info{}, fmt.Errorf("add key %q: private key is %d bytes, want %d", name, len(priv), ed25519.PrivateKeySize)
	}
	norm := ed25519.NewKeyFromSeed(priv.Seed())
	defer wipe(norm)
	if !norm.Public().(ed25519.PublicKey).Equal(priv.Public()) {
		return Info{}, fmt.Errorf("add key %q: private key is inconsistent (its public half does not match its seed)", name)
	}
	if k.has(name) {
		return Info{}, k.exists(name)
	}
	return k.store(name, norm)
}

// store writes priv under name with the backend's protection.
func (k *Keyring) store(name string, priv ed25519.PrivateKey) (Info, error) {
	info := infoOf(name, priv)
	var (
		data []byte
		err  error
	)
	switch k.backend {
	case BackendTest:
		data, err = json.MarshalIndent(testKeyFile{
			Version: 1,
			Warning: testWarning,
			Name:    name,
			Address: info.Address,
			PubKey:  info.PubKey,
			Seed:    priv.Seed(),
		}, "", "  ")
	case BackendFile:
		var pw []byte
		pw, err = k.askNew(fmt.Sprintf("Passphrase to encrypt key %s: ", name))
		if err != nil {
			return Info{}, err
		}
		defer wipe(pw)
		var ek *encryptedKey
		ek, err = encrypt(name, priv, pw, "")
		if err == nil {
			data, err = json.MarshalIndent(ek, "", "  ")
		}
	}
	if err != nil {
		return Info{}, fmt.Errorf("store key %q: %w", name, err)
	}
	data = append(data, '\n')
	defer wipe(data)
	if err := writeFileExclusive(k.path(name), data); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return Info{}, k.exists(name)
		}
		return Info{}, fmt.Errorf("store key %q: %w", name, err)
	}
	return info, nil
}

// askNew asks for a new passphrase (confirmed) and rejects an empty one.
func (k *Keyring) askNew(prompt string) ([]byte, error) {
	pw, err := k.readPass(prompt, true)
	if err != nil {
		return nil, err
	}
	if len(pw) == 0 {
		return nil, errors.New("empty passphrase: choose a non-empty passphrase (use the test backend only for throwaway keys)")
	}
	return pw, nil
}

// ask asks for an existing passphrase.
func (k *Keyring) ask(prompt string) ([]byte, error) {
	return k.readPass(prompt, false)
}

// readPass reads a passphrase through the keyring's prompt, asking twice
// when confirm is set.
func (k *Keyring) readPass(prompt string, confirm bool) ([]byte, error) {
	if k.pass == nil {
		return nil, errors.New("a passphrase is needed but no way to ask for one was given")
	}
	pw, err := k.pass(prompt, confirm)
	if err != nil {
		return nil, fmt.Errorf("read passphrase: %w", err)
	}
	return pw, nil
}

func (k *Keyring) has(name string) bool {
	_, err := os.Lstat(k.path(name))
	return err == nil
}

// List returns every key in the keyring, sorted by name.
func (k *Keyring) List() ([]Info, error) {
	entries, err := os.ReadDir(k.dir)
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	infos := []Info{}
	for _, e := range entries {
		fn := e.Name()
		if e.IsDir() || !strings.HasSuffix(fn, ".json") || strings.HasPrefix(fn, ".") {
			continue
		}
		name := strings.TrimSuffix(fn, ".json")
		if !ValidName(name) {
			continue
		}
		info, err := k.Get(name)
		if err != nil {
			return nil, err
		}
		infos = append(infos, info)
	}
	sort.Slice(infos, func(i, j int) bool { return infos[i].Name < infos[j].Name })
	return infos, nil
}

// Get returns the public info of the key named name. It needs no passphrase.
func (k *Keyring) Get(name string) (Info, error) {
	if err := checkName(name); err != nil {
		return Info{}, err
	}
	h, data, err := k.read(name)
	if err != nil {
		return Info{}, err
	}
	wipe(data)
	return Info{Name: h.Name, Address: h.Address, PubKey: h.PubKey}, nil
}

// Find returns the key whose name, or failing that whose pha1 address, is
// nameOrAddress.
func (k *Keyring) Find(nameOrAddress string) (Info, error) {
	if ValidName(nameOrAddress) && k.has(nameOrAddress) {
		return k.Get(nameOrAddress)
	}
	addr, perr := address.Parse(nameOrAddress)
	if perr != nil {
		if ValidName(nameOrAddress) {
			return Info{}, k.notFound(nameOrAddress)
		}
		return Info{}, fmt.Errorf("%q is neither a key name nor a %s address: %w", nameOrAddress, address.Prefix, perr)
	}
	infos, err := k.List()
	if err != nil {
		return Info{}, err
	}
	for _, info := range infos {
		if info.Address == addr {
			return info, nil
		}
	}
	return Info{}, fmt.Errorf("no key with address %s in %s: %w", addr, k.dir, ErrNotFound)
}

// PrivKey returns the private key named name. The file backend asks for the
// key's passphrase.
func (k *Keyring) PrivKey(name string) (ed25519.PrivateKey, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	h, data, err := k.read(name)
	if err != nil {
		return nil, err
	}
	defer wipe(data)
	switch k.backend {
	case BackendTest:
		var f testKeyFile
		if err := json.Unmarshal(data, &f); err != nil {
			return nil, fmt.Errorf("key %q: corrupt key file %s: %w", name, k.path(name), err)
		}
		defer wipe(f.Seed)
		if len(f.Seed) != ed25519.SeedSize {
			return nil, fmt.Errorf("key %q: corrupt key file %s: seed is %d bytes, want %d", name, k.path(name), len(f.Seed), ed25519.SeedSize)
		}
		priv := ed25519.NewKeyFromSeed(f.Seed)
		if !priv.Public().(ed25519.PublicKey).Equal(h.PubKey) {
			wipe(priv)
			return nil, fmt.Errorf("key %q: corrupt key file %s: seed does not match the public key", name, k.path(name))
		}
		return priv, nil
	default:
		var ek encryptedKey
		if err := json.Unmarshal(data, &ek); err != nil {
			return nil, fmt.Errorf("key %q: corrupt key file %s: %w", name, k.path(name), err)
		}
		pw, err := k.ask(fmt.Sprintf("Passphrase for key %s: ", name))
		if err != nil {
			return nil, err
		}
		defer wipe(pw)
		priv, err := decrypt(&ek, pw, "")
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", name, err)
		}
		return priv, nil
	}
}

// Export returns the key named name encrypted under a new export passphrase
// (asked with confirm=true), as armored JSON. It works from either backend.
func (k *Keyring) Export(name string) ([]byte, error) {
	priv, err := k.PrivKey(name)
	if err != nil {
		return nil, err
	}
	defer wipe(priv)
	pw, err := k.askNew(fmt.Sprintf("Export passphrase for key %s: ", name))
	if err != nil {
		return nil, fmt.Errorf("export key %q: %w", name, err)
	}
	defer wipe(pw)
	ek, err := encrypt(name, priv, pw, exportType)
	if err != nil {
		return nil, fmt.Errorf("export key %q: %w", name, err)
	}
	out, err := json.MarshalIndent(ek, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("export key %q: %w", name, err)
	}
	return append(out, '\n'), nil
}

// Import decrypts an export made by Export (asking its export passphrase) and
// stores the key under name with the backend's own protection.
func (k *Keyring) Import(name string, armored []byte) (Info, error) {
	if err := checkName(name); err != nil {
		return Info{}, err
	}
	if k.has(name) {
		return Info{}, k.exists(name)
	}
	var ek encryptedKey
	if err := json.Unmarshal(armored, &ek); err != nil {
		return Info{}, fmt.Errorf("import key %q: not a phala key export: %w", name, err)
	}
	if ek.Type != exportType {
		return Info{}, fmt.Errorf("import key %q: not a phala key export (type %q, want %q): import files made by key export", name, ek.Type, exportType)
	}
	pw, err := k.ask(fmt.Sprintf("Export passphrase of the key being imported as %s: ", name))
	if err != nil {
		return Info{}, fmt.Errorf("import key %q: %w", name, err)
	}
	defer wipe(pw)
	priv, err := decrypt(&ek, pw, exportType)
	if err != nil {
		return Info{}, fmt.Errorf("import key %q: %w", name, err)
	}
	defer wipe(priv)
	return k.store(name, priv)
}

// Delete removes the key named name.
func (k *Keyring) Delete(name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	if err := os.Remove(k.path(name)); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return k.notFound(name)
		}
		return fmt.Errorf("delete key %q: %w", name, err)
	}
	syncDir(k.dir)
	return nil
}

// keyHeader is the clear part every key file (and export) has.
type keyHeader struct {
	Version int               `json:"version"`
	Name    string            `json:"name"`
	Address address.Address   `json:"address"`
	PubKey  ed25519.PublicKey `json:"pubkey"`
}

// read loads the file of key name and checks its clear header.
func (k *Keyring) read(name string) (keyHeader, []byte, error) {
	p := k.path(name)
	data, err := os.ReadFile(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return keyHeader{}, nil, k.notFound(name)
		}
		return keyHeader{}, nil, fmt.Errorf("read key %q: %w", name, err)
	}
	var h keyHeader
	if err := json.Unmarshal(data, &h); err != nil {
		wipe(data)
		return keyHeader{}, nil, fmt.Errorf("key %q: corrupt key file %s: %w", name, p, err)
	}
	if err := h.check(); err != nil {
		wipe(data)
		return keyHeader{}, nil, fmt.Errorf("key %q: corrupt key file %s: %w", name, p, err)
	}
	if h.Name != name {
		wipe(data)
		return keyHeader{}, nil, fmt.Errorf("key %q: key file %s holds key %q: was it renamed? rename it back to %s.json", name, p, h.Name, h.Name)
	}
	return h, data, nil
}

func (h *keyHeader) check() error {
	if h.Version != 1 {
		return fmt.Errorf("unsupported version %d (this build reads version 1)", h.Version)
	}
	if len(h.PubKey) != ed25519.PublicKeySize {
		return fmt.Errorf("public key is %d bytes, want %d", len(h.PubKey), ed25519.PublicKeySize)
	}
	if address.FromPubKey(h.PubKey) != h.Address {
		return fmt.Errorf("address %s does not match the public key", h.Address)
	}
	return nil
}

func infoOf(name string, priv ed25519.PrivateKey) Info {
	pub := append(ed25519.PublicKey(nil), priv.Public().(ed25519.PublicKey)...)
	return Info{Name: name, Address: address.FromPubKey(pub), PubKey: pub}
}

const testWarning = "unencrypted test keyring: never hold real funds"

// testKeyFile is the on-disk form of a test-backend key.
type testKeyFile struct {
	Version int               `json:"version"`
	Warning string            `json:"warning"`
	Name    string            `json:"name"`
	Address address.Address   `json:"address"`
	PubKey  ed25519.PublicKey `json:"pubkey"`
	Seed    []byte            `json:"seed"`
}

// writeFileExclusive writes data to path atomically (temp file, fsync, then
// link into place), mode 0600, failing with fs.ErrExist if path exists.
func writeFileExclusive(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName)
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	// A hard link never replaces an existing file, so two writers racing on
	// the same name cannot overwrite each other's key.
	if err := os.Link(tmpName, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fs.ErrExist
		}
		// Filesystems without hard links: fall back to rename after a check.
		if _, serr := os.Lstat(path); serr == nil {
			return fs.ErrExist
		}
		if rerr := os.Rename(tmpName, path); rerr != nil {
			return rerr
		}
	}
	syncDir(dir)
	return nil
}

// syncDir makes a directory entry change durable, best effort.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// wipe zeroes b, best effort: the key material should not linger in memory.
func wipe(b []byte) {
	for i := range b {
		b[i] = 0
	}
}
