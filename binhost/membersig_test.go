package binhost_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/blake2b"

	"github.com/swarm-build/swarm/binhost"
	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/portage/gpkg"
)

// resignImage replaces the farm-signed package at path with one whose
// image.tar.zst.sig is made by key, and whose Manifest lists the members
// as they now are, clear-signed by the farm's key: only the image's
// detached signature is wrong.
func resignImage(t *testing.T, path string, key *gpkg.Key) {
	t.Helper()
	data, err := os.ReadFile(path)
	must(t, err)
	type member struct {
		h    *tar.Header
		data []byte
	}
	var ms []member
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		must(t, err)
		b, err := io.ReadAll(tr)
		must(t, err)
		ms = append(ms, member{h, b})
	}
	base := func(m member) string { return m.h.Name[strings.Index(m.h.Name, "/")+1:] }
	var image []byte
	for _, m := range ms {
		if base(m) == "image.tar.zst" {
			image = m.data
		}
	}
	var manifest strings.Builder
	for i, m := range ms {
		switch base(m) {
		case "image.tar.zst.sig":
			var sig bytes.Buffer
			must(t, key.DetachSign(&sig, bytes.NewReader(image), time.Now()))
			ms[i].data = sig.Bytes()
		case "Manifest":
			continue
		}
		b2 := blake2b.Sum512(ms[i].data)
		s5 := sha512.Sum512(ms[i].data)
		fmt.Fprintf(&manifest, "DATA %s %d BLAKE2B %s SHA512 %s\n", base(m), len(ms[i].data), hex.EncodeToString(b2[:]), hex.EncodeToString(s5[:]))
	}
	clear, err := farmKey().ClearSign([]byte(manifest.String()), time.Now())
	must(t, err)
	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	for _, m := range ms {
		if base(m) == "Manifest" {
			m.data = clear
		}
		m.h.Size = int64(len(m.data))
		must(t, tw.WriteHeader(m.h))
		_, err := tw.Write(m.data)
		must(t, err)
	}
	must(t, tw.Close())
	// The Manifest is sound: only the second pass can tell.
	if _, err := gpkg.Read(bytes.NewReader(out.Bytes()), &gpkg.Options{Keyring: farmKey().Keyring()}); err != nil {
		t.Fatalf("the re-signed package does not read: %v", err)
	}
	must(t, os.WriteFile(path, out.Bytes(), 0o644))
}

// TestAuditMemberSignature: a build promoted with a wrong image .sig (its
// Manifest sound, its size and hashes as promoted) is reported damaged by
// the second pass, naming the member, and repair queues it again.
func TestAuditMemberSignature(t *testing.T) {
	other, err := gpkg.GenerateKey("someone else", "x@y", time.Now())
	must(t, err)
	f := newFarm(t)
	hello := f.promoteDamaged(helloAtom, helloCPV, "hello-1.0-1.gpkg.tar", func(path string) { resignImage(t, path, other) })
	f.promote("app-misc/greeter-2.1", "app-misc/greeter-2.1", "greeter-2.1-1.gpkg.tar")
	f.writeIndex()
	rep := f.verify()
	if len(rep.Problems) != 1 {
		t.Fatalf("verify found %v, want one problem", rep.Problems)
	}
	p := rep.Problems[0]
	if p.Path != "packages/"+hello || p.Kind != binhost.ProblemSignature || !p.Damaged() || !strings.Contains(p.Detail, "image.tar.zst.sig") {
		t.Errorf("verify found %v, want a damaged signature of %s's image.tar.zst.sig", p, hello)
	}
	fixed, err := binhost.Repair(context.Background(), f.store, f.dir, commands.ActorOperator, rep)
	must(t, err)
	if len(fixed.Requeued) != 1 || fixed.Requeued[0] != helloAtom {
		t.Errorf("repair requeued %v, want %s", fixed.Requeued, helloAtom)
	}
}
