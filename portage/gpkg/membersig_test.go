package gpkg

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// resignMember rebuilds a farm-signed package (folder hello-1.0-1) with the
// named .sig member replaced by sig, and a correct Manifest clear-signed by
// testKey: the Manifest check passes, only the member's .sig is wrong.
func resignMember(t *testing.T, signed []byte, member string, sig []byte) []byte {
	t.Helper()
	ms := members(t, signed)
	if _, ok := ms[member]; !ok {
		t.Fatalf("no member %s", member)
	}
	ms[member] = sig
	var parts []part
	for _, name := range []string{"gpkg-1", "metadata.tar.zst", "metadata.tar.zst.sig", "image.tar.zst", "image.tar.zst.sig"} {
		parts = append(parts, part{"hello-1.0-1/" + name, ms[name], 0})
	}
	m := manifestFor("hello-1.0-1", parts)
	clear, err := testKey.ClearSign(m.data, testTime)
	if err != nil {
		t.Fatal(err)
	}
	return container(t, append(parts, part{m.name, clear, 0}))
}

// TestVerifyMemberSignatures: a package whose Manifest is soundly signed
// but one of whose archives' .sig is not (another key, or a signature of
// other bytes) passes Read and fails the second pass, as portage would
// refuse it; an unsigned archive fails too.
func TestVerifyMemberSignatures(t *testing.T) {
	signed, _ := rewriteFile(t, "real/hello-1.0-1.gpkg.tar", 1)
	other, err := GenerateKey("Other", "other@example.invalid", testTime.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	ms := members(t, signed)
	sign := func(k *Key, data []byte) []byte {
		var b bytes.Buffer
		if err := k.DetachSign(&b, bytes.NewReader(data), testTime); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	unsigned, err := os.ReadFile("testdata/real/hello-1.0-1.gpkg.tar")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
		bad  string // the member the error names; "" for none
	}{
		{"farm-signed", signed, ""},
		{"rebuilt, same signatures", resignMember(t, signed, "image.tar.zst.sig", ms["image.tar.zst.sig"]), ""},
		{"image signed by another key", resignMember(t, signed, "image.tar.zst.sig", sign(other, ms["image.tar.zst"])), "image.tar.zst.sig"},
		{"metadata signed by another key", resignMember(t, signed, "metadata.tar.zst.sig", sign(other, ms["metadata.tar.zst"])), "metadata.tar.zst.sig"},
		{"image .sig of the metadata", resignMember(t, signed, "image.tar.zst.sig", ms["metadata.tar.zst.sig"]), "image.tar.zst.sig"},
		{"no .sig members", unsigned, "has no .sig"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name != "no .sig members" {
				if _, err := Read(bytes.NewReader(tc.data), &Options{Keyring: testKey.Keyring()}); err != nil {
					t.Fatalf("Read with the farm's key: %v (the Manifest must be sound)", err)
				}
			}
			err := VerifyMemberSignatures(bytes.NewReader(tc.data), testKey.Keyring())
			switch {
			case tc.bad == "" && err != nil:
				t.Errorf("VerifyMemberSignatures: %v, want nil", err)
			case tc.bad != "" && (!errors.Is(err, ErrBadSignature) || !strings.Contains(err.Error(), tc.bad)):
				t.Errorf("VerifyMemberSignatures: %v, want ErrBadSignature naming %s", err, tc.bad)
			}
		})
	}
}
