package gpkg

import (
	"bytes"
	"encoding/hex"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
)

// Entry is one line of a gpkg Manifest: a member's base name, its size, and
// its hashes by portage's names (BLAKE2B, SHA512; others are kept but not
// checked), lowercase hex.
type Entry struct {
	Name   string
	Size   int64
	Hashes map[string]string
}

// Manifest is a parsed gpkg Manifest: its entries in file order, and whether
// it was clear-signed.
type Manifest struct {
	Entries []Entry
	Signed  bool
	// block is the clear-signed block, kept to verify its signature.
	block *clearsign.Block
}

const (
	signedHeader = "-----BEGIN PGP SIGNED MESSAGE-----"
	sigMarker    = "-----BEGIN PGP SIGNATURE-----"
)

// ParseManifest reads a Manifest member, clear-signed or plain. It checks
// the form portage's _load_manifest checks (DATA lines, an integer size, no
// name twice) and that hash values are hex; it does not verify a signature.
func ParseManifest(data []byte) (*Manifest, error) {
	m := &Manifest{}
	text := data
	if bytes.HasPrefix(data, []byte(signedHeader)) {
		block, rest := clearsign.Decode(data)
		if block == nil || len(bytes.TrimSpace(rest)) != 0 {
			return nil, fail(ErrManifest, "Manifest: clear-signed block does not decode")
		}
		m.Signed, m.block, text = true, block, block.Plaintext
	} else if bytes.Contains(data, []byte(sigMarker)) {
		return nil, fail(ErrManifest, "Manifest: signature without a signed message header")
	}
	seen := map[string]bool{}
	for n, line := range strings.Split(string(text), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		e, err := parseEntry(line)
		if err != nil {
			return nil, fail(ErrManifest, "Manifest line %d: %v", n+1, err)
		}
		if seen[e.Name] {
			return nil, fail(ErrManifest, "Manifest line %d: %s listed twice", n+1, e.Name)
		}
		seen[e.Name] = true
		m.Entries = append(m.Entries, e)
	}
	return m, nil
}

// parseEntry reads "DATA name size (HASH hex)*".
func parseEntry(line string) (Entry, error) {
	f := strings.Fields(line)
	if len(f) < 3 || f[0] != "DATA" || len(f)%2 == 0 {
		return Entry{}, errorf("want DATA NAME SIZE (HASH VALUE)...: %q", line)
	}
	size, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil || size < 0 || strings.HasPrefix(f[2], "+") {
		return Entry{}, errorf("bad size %q", f[2])
	}
	e := Entry{Name: f[1], Size: size, Hashes: map[string]string{}}
	for i := 3; i < len(f); i += 2 {
		if _, err := hex.DecodeString(f[i+1]); err != nil || f[i+1] == "" {
			return Entry{}, errorf("%s of %s is not hex", f[i], e.Name)
		}
		if _, dup := e.Hashes[f[i]]; dup {
			return Entry{}, errorf("%s of %s given twice", f[i], e.Name)
		}
		e.Hashes[f[i]] = strings.ToLower(f[i+1])
	}
	return e, nil
}

// Entry returns the entry for a member's base name.
func (m *Manifest) Entry(name string) (Entry, bool) {
	for _, e := range m.Entries {
		if e.Name == name {
			return e, true
		}
	}
	return Entry{}, false
}

// VerifySignature checks a clear-signed Manifest's signature against
// keyring and returns the signer's primary key fingerprint (hex).
func (m *Manifest) VerifySignature(keyring openpgp.KeyRing) (string, error) {
	if m.block == nil {
		return "", fail(ErrBadSignature, "Manifest is not signed")
	}
	signer, err := m.block.VerifySignature(keyring, nil)
	if err != nil {
		return "", fail(ErrBadSignature, "Manifest signature: %v", err)
	}
	return strings.ToUpper(hex.EncodeToString(signer.PrimaryKey.Fingerprint)), nil
}

// formatEntries writes the plain text of a Manifest the way portage's
// gpkg-sign does: one `DATA name size BLAKE2B … SHA512 …` line per entry,
// each ending in "\n" (other hashes an entry has follow, sorted by name).
func formatEntries(entries []Entry) []byte {
	var b bytes.Buffer
	for _, e := range entries {
		b.WriteString("DATA " + e.Name + " " + strconv.FormatInt(e.Size, 10))
		names := slices.Sorted(maps.Keys(e.Hashes))
		slices.SortStableFunc(names, func(x, y string) int { return hashRank(x) - hashRank(y) })
		for _, h := range names {
			b.WriteString(" " + h + " " + e.Hashes[h])
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// hashRank puts BLAKE2B, then SHA512, before any other hash.
func hashRank(name string) int {
	switch name {
	case "BLAKE2B":
		return 0
	case "SHA512":
		return 1
	}
	return 2
}
