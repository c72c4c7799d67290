package remotes

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Release is what a deploy pushes: a swarm binary and the version its
// VERSION file names.
type Release struct {
	Version string
	Binary  string // local path of the binary
	SHA256  string // of the binary, hex
}

// NewRelease hashes the binary at path, released as version.
func NewRelease(version, binary string) (Release, error) {
	f, err := os.Open(binary)
	if err != nil {
		return Release{}, fmt.Errorf("the release binary: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return Release{}, fmt.Errorf("the release binary: %w", err)
	}
	return Release{Version: version, Binary: binary, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// versionFile is VERSION's content for version, and its SHA-256.
func versionFile(version string) (string, string) {
	body := version + "\n"
	sum := sha256.Sum256([]byte(body))
	return body, hex.EncodeToString(sum[:])
}

func fileMode(m uint32) os.FileMode { return os.FileMode(m) & os.ModePerm }

// putLocal deploys the local file path beside swarm, under its base name
// and with its mode.
func putLocal(ctx context.Context, c *Conn, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("a release file: %w", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("a release file: %w", err)
	}
	sum := sha256.Sum256(data)
	return c.Put(ctx, filepath.Base(path), bytes.NewReader(data), fi.Mode().Perm(), hex.EncodeToString(sum[:]))
}
