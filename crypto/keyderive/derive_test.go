package keyderive

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
)

// insecure mirrors tee/sim's Provider.DeriveLabel.
func insecure(label string) string { return label + "-insecure" }

// kat is one row of known answers. The values were generated once and
// cross-checked against an independent Python implementation (hmac-based
// HKDF, pyca/cryptography ed25519 and X25519).
type kat struct {
	name                       string
	l                          Labeler
	epoch                      uint64
	cluster, clusterSign       string
	clusterECDH, contract      string
	contractSign, contractECDH string
}

// Master key 32×0x01, cluster id "cluster-1", contract id "contract-a".
var kats = []kat{
	{
		name: "identity/epoch0", l: nil, epoch: 0,
		cluster:      "fe1350398e494e02b8d89eda7305f7b5687c1f5e8c2c274b1684f452cb639aee",
		clusterSign:  "f4cd87cd3220c0ad0614e9e32c8e53890c397fd7703f5ff943c1d6449edc6ee4",
		clusterECDH:  "bd22c7f995b7f5ff120f3cff0bb41ab35869af5ee9ac5caca6034f429681d213",
		contract:     "40ae9fdea9b5bfc9b29e4cb4483c651fd9b86f55420b1c52cb2aca90817b6190",
		contractSign: "5ee0087d19fbb0307d2008a9ac12f4fc0662fde6b6787a8ac735abfda97d06f1",
		contractECDH: "a50426040c88e3bd232de994ce942c9aff6b5fb62da795fcd5cc7e3ce3463e7c",
	},
	{
		name: "identity/epoch1", l: nil, epoch: 1,
		cluster:      "6d3cc95db96875e5603f90695cacc1b3ea33846709c3441855e6f5675e2047b4",
		clusterSign:  "0b5d20fbc9acfb2545e4c225c925672410e04e8b9401ebeac550d5f313927025",
		clusterECDH:  "0f5fb35464cc12e3d622ccd9f1431f2aec579826866c8f78d1b31f4a16b21943",
		contract:     "8d5488c14d58cd8a9c1bc01f57c4b86374bb1694dc0cea32edd1c52173fe2d9d",
		contractSign: "13c36aac8ed581736777cae798512ae83efcf8a88b439a03b493dc2c166d2154",
		contractECDH: "03d9990ec1ef72357125749e02801befc680b041e4d8e7af48d64f378d5c817f",
	},
	{
		name: "insecure/epoch0", l: insecure, epoch: 0,
		cluster:      "8795a46a12c11014b4e5a84c227f10ade8334fc581e6bd5a0c55b2f229d38174",
		clusterSign:  "e2705009368acb49a58c67d5c38514306311df1077a87e0edd6889c4ceddab63",
		clusterECDH:  "b7d4de987cfdd3d58b71562cb630810fb96591f89af81e6baa21e8cc300dd100",
		contract:     "50a4414b029ef6174dc1b8f93578a5f8359543ab709688441f36033a63f9fc3d",
		contractSign: "d4f194566e0d9e94d235289b5af5c8b260ab8c2d06baa4fb5a9e9bd85ea01b08",
		contractECDH: "e50543605a5bd385c4f1bdbdec00b9ea498a87f87773e80ba839e976b1f2344b",
	},
	{
		name: "insecure/epoch1", l: insecure, epoch: 1,
		cluster:      "a5ea5c1fb4bc8556d547e308f50bbe5be8e0a0a712a2f9ec4113d53b2297c150",
		clusterSign:  "780c4b67e1915bf3c6c680576396bbd7440df7b5dc251354db4c8113e0f9c9e6",
		clusterECDH:  "326945f01953441f8e1045ba30c9560f99e5e37321fb1b3699748b4eca8bfb63",
		contract:     "9a249055c29135b72fdb7ae5d0060caee40df9f08d64044f6216fd71a4205bdb",
		contractSign: "d0886ca68dbb21abb8861da9d561bb9facfbf809f7d2f69db721e186c1792a30",
		contractECDH: "23c7fab92d0ee3f8be8f846fc7176beb2deb379b84b3cc114bdc113b937db315",
	},
}

func testMaster(t testing.TB) MasterKey {
	t.Helper()
	m, err := NewSecret(bytes.Repeat([]byte{0x01}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestKnownAnswers(t *testing.T) {
	m := testMaster(t)
	for _, k := range kats {
		t.Run(k.name, func(t *testing.T) {
			c := DeriveClusterKey(m, []byte("cluster-1"), k.epoch, k.l)
			ct := DeriveContractKey(c, []byte("contract-a"), k.l)
			cp, err := Pairs(c, k.l)
			if err != nil {
				t.Fatal(err)
			}
			kp, err := Pairs(ct, k.l)
			if err != nil {
				t.Fatal(err)
			}
			check := func(what, want string, got []byte) {
				t.Helper()
				if h := hex.EncodeToString(got); h != want {
					t.Errorf("%s = %s, want %s", what, h, want)
				}
			}
			check("cluster key", k.cluster, c.Bytes())
			check("cluster ed25519", k.clusterSign, cp.Public().Sign)
			check("cluster x25519", k.clusterECDH, cp.Public().ECDH)
			check("contract key", k.contract, ct.Bytes())
			check("contract ed25519", k.contractSign, kp.Public().Sign)
			check("contract x25519", k.contractECDH, kp.Public().ECDH)
		})
	}
}

// TestKnownAnswersDistinct asserts that every pinned value differs from
// every other: labelers, epochs, levels and key kinds never collide.
func TestKnownAnswersDistinct(t *testing.T) {
	seen := map[string]string{}
	for _, k := range kats {
		for what, v := range map[string]string{
			"cluster": k.cluster, "clusterSign": k.clusterSign, "clusterECDH": k.clusterECDH,
			"contract": k.contract, "contractSign": k.contractSign, "contractECDH": k.contractECDH,
		} {
			id := k.name + "/" + what
			if prev, ok := seen[v]; ok {
				t.Errorf("%s equals %s", id, prev)
			}
			seen[v] = id
		}
	}
}

func TestDerivationInputsSeparate(t *testing.T) {
	m := testMaster(t)
	base := DeriveClusterKey(m, []byte("cluster-1"), 0, nil)
	other := []Secret{
		DeriveClusterKey(m, []byte("cluster-2"), 0, nil),
		DeriveClusterKey(m, []byte("cluster-1"), 1<<40, nil),
		DeriveClusterKey(m, nil, 0, nil),
		DeriveContractKey(m, []byte("cluster-1"), nil), // same id, other level
	}
	for i, o := range other {
		if o.IsZero() || o.Equal(base) {
			t.Errorf("derivation %d collides with the base cluster key", i)
		}
	}
	if !DeriveClusterKey(m, []byte("cluster-1"), 0, nil).Equal(base) {
		t.Error("derivation is not deterministic")
	}
	// The length prefix keeps (id, epoch) boundaries unambiguous.
	a := DeriveContractKey(base, []byte("ab"), nil)
	b := DeriveContractKey(base, []byte("a"), nil)
	if a.Equal(b) {
		t.Error("contract ids that are prefixes of each other collide")
	}
}

func TestUnsetSecretPropagates(t *testing.T) {
	var zero Secret
	c := DeriveClusterKey(zero, []byte("cluster-1"), 0, nil)
	if !c.IsZero() {
		t.Fatal("cluster key derived from an unset master")
	}
	k := DeriveContractKey(c, []byte("contract-a"), nil)
	if !k.IsZero() {
		t.Fatal("contract key derived from an unset cluster key")
	}
	if _, err := Pairs(k, nil); !errors.Is(err, ErrZeroSecret) {
		t.Fatalf("Pairs(unset) error = %v, want ErrZeroSecret", err)
	}
	m := testMaster(t)
	w, _ := NewSecret(m.Bytes())
	w.Wipe()
	if _, err := Pairs(w, nil); !errors.Is(err, ErrZeroSecret) {
		t.Fatalf("Pairs(wiped) error = %v, want ErrZeroSecret", err)
	}
}

func TestCombineContributions(t *testing.T) {
	a, b := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	k := CombineContributions([][]byte{a, b}, 0, 1, nil)
	if k.IsZero() {
		t.Fatal("no key")
	}
	// Known answer: contributions 32×0x01 and 32×0x02, round 0, generation 1.
	if got := hex.EncodeToString(k.Bytes()); got != "e5fe9e4ddf9c41a3332a13e92dba0a5aaf48379fe32587acb6b80d819c4efdd2" {
		t.Fatalf("rotated master key %s", got)
	}
	if k.Equal(CombineContributions([][]byte{b, a}, 0, 1, nil)) {
		t.Fatal("order of contributions does not matter")
	}
	if k.Equal(CombineContributions([][]byte{a, b}, 1, 1, nil)) || k.Equal(CombineContributions([][]byte{a, b}, 0, 2, nil)) {
		t.Fatal("round or generation does not matter")
	}
	if k.Equal(CombineContributions([][]byte{a, b}, 0, 1, func(s string) string { return s + "-insecure" })) {
		t.Fatal("sim label does not matter")
	}
	flipped := append([]byte(nil), b...)
	flipped[31] ^= 1
	if k.Equal(CombineContributions([][]byte{a, flipped}, 0, 1, nil)) {
		t.Fatal("one contribution alone does not change the key")
	}
	if !CombineContributions(nil, 0, 1, nil).IsZero() {
		t.Fatal("no contributions gave a key")
	}
}
