package gpkg

import (
	"bytes"
	"fmt"
	"io"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
)

// DetachSign writes an armored detached signature (binary, SHA512, made at
// now) of everything read from msg: a member's .sig.
func (k *Key) DetachSign(w io.Writer, msg io.Reader, now time.Time) error {
	if err := openpgp.ArmoredDetachSign(w, k.entity, msg, keyConfig(now)); err != nil {
		return fmt.Errorf("gpkg: sign: %w", err)
	}
	return nil
}

// ClearSign returns text clear-signed (text signature, SHA512, made at now)
// in the form gpg 2.2 reads: go-crypto's clearsign armor lacks the CRC24
// line, without which gpg misreads the END line as base64 and portage calls
// the package unsigned, so the signature block is armored again with
// armor.Encode, which writes it. text's final newline is not signed (gpg
// does not sign it either), which also keeps go-crypto from adding a blank
// line before the signature.
func (k *Key) ClearSign(text []byte, now time.Time) ([]byte, error) {
	var out bytes.Buffer
	w, err := clearsign.Encode(&out, k.entity.PrivateKey, keyConfig(now))
	if err != nil {
		return nil, fmt.Errorf("gpkg: clearsign: %w", err)
	}
	if _, err := w.Write(bytes.TrimSuffix(text, []byte("\n"))); err != nil {
		return nil, fmt.Errorf("gpkg: clearsign: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("gpkg: clearsign: %w", err)
	}
	return rearmor(out.Bytes())
}

// rearmor rewrites the signature block of a clear-signed message with a
// CRC24 line.
func rearmor(signed []byte) ([]byte, error) {
	at := bytes.Index(signed, []byte("\n"+sigMarker))
	if at < 0 {
		return nil, fmt.Errorf("gpkg: clearsign: no signature block")
	}
	block, err := armor.Decode(bytes.NewReader(signed[at+1:]))
	if err != nil {
		return nil, fmt.Errorf("gpkg: clearsign: decode signature: %w", err)
	}
	var out bytes.Buffer
	out.Write(signed[:at+1])
	aw, err := armor.Encode(&out, block.Type, nil)
	if err != nil {
		return nil, fmt.Errorf("gpkg: clearsign: %w", err)
	}
	if _, err := io.Copy(aw, block.Body); err != nil {
		return nil, fmt.Errorf("gpkg: clearsign: copy signature: %w", err)
	}
	if err := aw.Close(); err != nil {
		return nil, fmt.Errorf("gpkg: clearsign: %w", err)
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}
