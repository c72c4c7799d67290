package drone

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/swarm-build/swarm/api"
)

// TestCopyRedacted: the streaming redactor finds the token wherever the
// reads split it: in short lines, and in lines longer than its chunk.
func TestCopyRedacted(t *testing.T) {
	const token = "tok-0123456789abcdefghijklmnopqrstuvwxyzABCD"
	r := newRedactor(token)
	b64 := base64.StdEncoding.EncodeToString([]byte(token))
	for _, tc := range []struct{ name, in string }{
		{"short lines", "a\nTOKEN=" + token + "\nb " + b64 + "\n"},
		{"no final newline", "x " + token},
		{"split at every offset of a long line", strings.Repeat("y", redactChunk-20) + token + strings.Repeat(" "+token, 200) + "\n"},
		{"long line, base64", strings.Repeat("z", 3*redactChunk-7) + b64 + strings.Repeat("z", redactChunk) + "\nend\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := r.copyRedacted(&out, strings.NewReader(tc.in)); err != nil {
				t.Fatal(err)
			}
			if want := r.String(tc.in); out.String() != want {
				t.Errorf("streamed redaction differs from whole redaction (%d vs %d bytes)", out.Len(), len(want))
			}
			if strings.Contains(out.String(), token) || strings.Contains(out.String(), b64) {
				t.Errorf("token left in the output")
			}
		})
	}
}

// TestAgentSendsBuildLog: a failed build's whole log reaches the
// orchestrator compressed, without the drone's token, before the failure.
func TestAgentSendsBuildLog(t *testing.T) {
	f := newFake(t, "sh", "-c", `echo "token is $0"; echo " * ERROR: dev-libs/a-1::gentoo failed (compile phase):"; exit 1`, "secret-token")
	f.enqueue("dev-libs/a-1")
	startAgent(t, f, 1, nil)
	waitFor(t, "the failure", fails(f))
	var zlog []byte
	f.with(func(f *fakeOrchestrator) {
		zlog = f.logs["dev-libs/a-1"]
		if f.reportCalls[api.VerbBuildLog] != 1 {
			t.Errorf("buildlog calls = %d, want 1", f.reportCalls[api.VerbBuildLog])
		}
	})
	dec, err := zstd.NewReader(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	text, err := dec.DecodeAll(zlog, nil)
	if err != nil {
		t.Fatalf("the log sent is not zstd: %v", err)
	}
	if !strings.Contains(string(text), "token is "+Redacted) || !strings.Contains(string(text), "failed (compile phase)") || strings.Contains(string(text), "secret-token") {
		t.Errorf("log sent:\n%s\nwant it whole, with the token redacted", text)
	}
}
