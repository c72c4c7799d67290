package drone

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/klauspost/compress/zstd"

	"github.com/swarm-build/swarm/api"
)

// redactChunk is how much of a log the redactor looks at at once.
const redactChunk = 64 << 10

// copyRedacted copies src to dst with every form of every secret r knows
// replaced by Redacted (see redactor for the forms), streaming: it works
// line by line, and a line longer than redactChunk in chunks that overlap
// by the longest form less one byte, so a secret split across two reads is
// still found. Memory stays within a few chunks whatever the log's size.
func (r redactor) copyRedacted(dst io.Writer, src io.Reader) error {
	keep := 0
	if len(r.forms) > 0 {
		keep = len(r.forms[0]) - 1 // longest first
	}
	br := bufio.NewReaderSize(src, redactChunk)
	var carry []byte
	for {
		line, err := br.ReadSlice('\n')
		chunk := r.Bytes(append(carry, line...))
		carry = carry[:0]
		if errors.Is(err, bufio.ErrBufferFull) && len(chunk) > keep {
			// no end of line yet: hold back what may begin a secret
			carry = append(carry, chunk[len(chunk)-keep:]...)
			chunk = chunk[:len(chunk)-keep]
		}
		if _, werr := dst.Write(chunk); werr != nil {
			return werr
		}
		switch {
		case err == io.EOF:
			_, werr := dst.Write(carry)
			return werr
		case err != nil && !errors.Is(err, bufio.ErrBufferFull):
			return err
		}
	}
}

// compressLog writes the zstd form of the log at src, redacted, to dst.
func (a *Agent) compressLog(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer out.Close()
	enc, err := zstd.NewWriter(out, zstd.WithEncoderConcurrency(1))
	if err != nil {
		return err
	}
	if err := a.secrets.copyRedacted(enc, in); err != nil {
		enc.Close()
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	return out.Close()
}

// sendLog uploads b's whole build log, redacted of the drone's secrets and
// zstd-compressed (into a file beside it, streamed both ways), so that the
// operator reads it with `swarm logs` instead of logging into the drone.
// A log that cannot be sent is a loss for the operator, not for the farm:
// the build is still reported.
func (a *Agent) sendLog(b *build) {
	zpath := b.logPath + ".zst"
	defer os.Remove(zpath)
	if err := a.compressLog(zpath, b.logPath); err != nil {
		a.log.Warn("cannot compress the build log", "atom", b.claim.Atom, "err", err)
		return
	}
	fi, err := os.Stat(zpath)
	if err != nil {
		a.log.Warn("cannot read the compressed build log", "atom", b.claim.Atom, "err", err)
		return
	}
	err = a.send(b, "buildlog", func(ctx context.Context) error {
		return a.client.BuildLog(ctx, api.Upload{Atom: b.claim.Atom, Fence: b.claim.Fence, Size: fi.Size(),
			Open: func() (io.ReadCloser, error) { return os.Open(zpath) }})
	})
	if err != nil {
		a.log.Warn("the build log was not stored", "atom", b.claim.Atom, "err", fmt.Errorf("build log: %w", err))
	}
}
