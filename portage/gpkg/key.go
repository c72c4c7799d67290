package gpkg

import (
	"crypto"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// Key is the farm's OpenPGP signing key: a v4 Ed25519 key (gpg 2.2, which
// portage runs to verify, reads v4 keys; it does not read RFC 9580 v6 ones).
type Key struct {
	entity *openpgp.Entity
}

// keyConfig is the configuration every key operation uses: v4 EdDSA on
// Curve25519, SHA512 (what portage's gpkg-sign signs with), and the clock
// given.
func keyConfig(now time.Time) *packet.Config {
	return &packet.Config{
		Algorithm:   packet.PubKeyAlgoEdDSA,
		Curve:       packet.Curve25519,
		DefaultHash: crypto.SHA512,
		Time:        func() time.Time { return now },
	}
}

// GenerateKey makes a new farm key with one user id ("name <email>"),
// created at now, never expiring.
func GenerateKey(name, email string, now time.Time) (*Key, error) {
	e, err := openpgp.NewEntity(name, "", email, keyConfig(now))
	if err != nil {
		return nil, fmt.Errorf("gpkg: generate key: %w", err)
	}
	return &Key{e}, nil
}

// ReadKey reads an armored private key written by WritePrivate (or
// exported from gpg without a passphrase).
func ReadKey(r io.Reader) (*Key, error) {
	list, err := openpgp.ReadArmoredKeyRing(r)
	if err != nil {
		return nil, fmt.Errorf("gpkg: read key: %w", err)
	}
	if len(list) != 1 || list[0].PrivateKey == nil {
		return nil, fmt.Errorf("gpkg: read key: want one private key, got %d keys", len(list))
	}
	if list[0].PrivateKey.Encrypted {
		return nil, fmt.Errorf("gpkg: read key %s: protected by a passphrase", fingerprint(list[0]))
	}
	if list[0].PrimaryKey.Version != 4 {
		return nil, fmt.Errorf("gpkg: read key: v%d key; gpg 2.2 needs v4", list[0].PrimaryKey.Version)
	}
	return &Key{list[0]}, nil
}

// WritePrivate writes the key, private parts included, armored. The caller
// keeps it where only the orchestrator reads it (mode 0600).
func (k *Key) WritePrivate(w io.Writer) error {
	return writeArmored(w, openpgp.PrivateKeyType, k.entity.SerializePrivateWithoutSigning)
}

// WritePublic writes the public key armored, the KEY.asc clients import.
func (k *Key) WritePublic(w io.Writer) error {
	return writeArmored(w, openpgp.PublicKeyType, func(w io.Writer, _ *packet.Config) error {
		return k.entity.Serialize(w)
	})
}

func writeArmored(w io.Writer, blockType string, serialize func(io.Writer, *packet.Config) error) error {
	aw, err := armor.Encode(w, blockType, nil)
	if err != nil {
		return fmt.Errorf("gpkg: armor key: %w", err)
	}
	if err := serialize(aw, nil); err != nil {
		return fmt.Errorf("gpkg: write key: %w", err)
	}
	if err := aw.Close(); err != nil {
		return fmt.Errorf("gpkg: armor key: %w", err)
	}
	_, err = io.WriteString(w, "\n")
	return err
}

// Fingerprint is the primary key's fingerprint, 40 uppercase hex digits, as
// gpg prints it and `--import-ownertrust` wants it.
func (k *Key) Fingerprint() string { return fingerprint(k.entity) }

// Keyring is the key as a keyring, to verify what it signed.
func (k *Key) Keyring() openpgp.EntityList { return openpgp.EntityList{k.entity} }

func fingerprint(e *openpgp.Entity) string {
	return strings.ToUpper(hex.EncodeToString(e.PrimaryKey.Fingerprint))
}
