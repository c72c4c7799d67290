package remotes

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"
)

// maxVersionBytes bounds what is read of a remote's VERSION: a release
// name is short, and anything longer is not one.
const maxVersionBytes = 256

// ReadVersion returns the release the remote's VERSION names, or why it
// names none ("missing", "empty", "unreadable: …"). Either way a host
// without a release in VERSION is stale.
func (c *Conn) ReadVersion(ctx context.Context) (version, why string) {
	var data []byte
	err := c.do(ctx, "reading VERSION", func(func()) error {
		f, err := c.sftp.Open(c.r.Path("VERSION"))
		if err != nil {
			return err
		}
		defer f.Close()
		data, err = io.ReadAll(io.LimitReader(f, maxVersionBytes+1))
		return err
	})
	v := strings.TrimSpace(string(data))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", "missing"
	case err != nil:
		return "", "unreadable: " + err.Error()
	case len(data) > maxVersionBytes || strings.ContainsAny(v, "\n\x00"):
		return "", "unreadable: not a release name"
	case v == "":
		return "", "empty"
	}
	return v, ""
}

// Put writes src (size bytes whose SHA-256 is sum) to name in the remote's
// folder the careful way: a new temporary file, written, fsynced and given
// mode, read back to check its SHA-256, then posix-renamed over name. On
// any error the temporary file is removed and name is untouched.
func (c *Conn) Put(ctx context.Context, name string, src io.Reader, mode os.FileMode, sum string) error {
	tmp, err := tempName(c.r.Path(name))
	if err != nil {
		return err
	}
	err = c.do(ctx, "uploading "+name, func(kick func()) error {
		return c.write(tmp, src, mode, kick)
	})
	if err == nil {
		err = c.checkSum(ctx, tmp, sum)
	}
	if err == nil {
		err = c.do(ctx, "renaming "+name, func(func()) error { return c.sftp.PosixRename(tmp, c.r.Path(name)) })
	}
	if err != nil {
		_ = c.do(context.WithoutCancel(ctx), "cleaning up", func(func()) error { return c.sftp.Remove(tmp) })
		return fmt.Errorf("remote %s: %w", c.r.Name, err)
	}
	return nil
}

// write creates tmp exclusively, sets its mode first (a binary is never
// left world-writable, even for a moment), copies src and fsyncs.
func (c *Conn) write(tmp string, src io.Reader, mode os.FileMode, kick func()) error {
	f, err := c.sftp.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Chmod(mode); err != nil {
		return err
	}
	if _, err := io.Copy(f, kicker{src, kick}); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("fsync: %w", err)
	}
	return f.Close()
}

// checkSum reads name back from the remote and compares its SHA-256 with
// sum: the proof that what landed is what was sent.
func (c *Conn) checkSum(ctx context.Context, name, sum string) error {
	h := sha256.New()
	err := c.do(ctx, "checking "+path.Base(name), func(kick func()) error {
		f, err := c.sftp.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(h, kicker{f, kick})
		return err
	})
	if err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sum {
		return fmt.Errorf("%w: %s has SHA-256 %s, sent %s", ErrChecksum, name, got, sum)
	}
	return nil
}

// KeepPrevious makes swarm.prev a hard link to the current swarm (if
// any), so the running release can be put back and swarm is never
// missing.
func (c *Conn) KeepPrevious(ctx context.Context) error {
	cur, prev := c.r.Path("swarm"), c.r.Path("swarm.prev")
	err := c.do(ctx, "keeping swarm.prev", func(func()) error {
		if _, err := c.sftp.Lstat(cur); errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err := c.sftp.Remove(prev); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return c.sftp.Link(cur, prev)
	})
	if err != nil {
		return fmt.Errorf("remote %s: %w", c.r.Name, err)
	}
	return nil
}

// HasPrevious says whether swarm.prev exists.
func (c *Conn) HasPrevious(ctx context.Context) bool {
	err := c.do(ctx, "looking for swarm.prev", func(func()) error {
		_, err := c.sftp.Lstat(c.r.Path("swarm.prev"))
		return err
	})
	return err == nil
}

// RestorePrevious posix-renames swarm.prev over swarm.
func (c *Conn) RestorePrevious(ctx context.Context) error {
	err := c.do(ctx, "restoring swarm.prev", func(func()) error {
		return c.sftp.PosixRename(c.r.Path("swarm.prev"), c.r.Path("swarm"))
	})
	if err != nil {
		return fmt.Errorf("remote %s: %w", c.r.Name, err)
	}
	return nil
}

// RemoveVersion removes VERSION, so the host is stale.
func (c *Conn) RemoveVersion(ctx context.Context) error {
	err := c.do(ctx, "removing VERSION", func(func()) error { return c.sftp.Remove(c.r.Path("VERSION")) })
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remote %s: %w", c.r.Name, err)
	}
	return nil
}

// RemoveLeftovers removes the temporary files of earlier deploys that were
// cut short (a connection lost mid-upload cannot clean up after itself),
// once they have been still for twice the operation timeout: a deploy
// under way writes to its own more often than that.
func (c *Conn) RemoveLeftovers(ctx context.Context) error {
	err := c.do(ctx, "removing leftovers", func(func()) error {
		entries, err := c.sftp.ReadDir(c.r.Dir)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if isTempName(e.Name()) && time.Since(e.ModTime()) > 2*c.opts.OpTimeout {
				if err := c.sftp.Remove(path.Join(c.r.Dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("remote %s: %w", c.r.Name, err)
	}
	return nil
}

// isTempName says whether name is one tempName makes.
func isTempName(name string) bool {
	base, suffix, ok := strings.Cut(name, ".new-")
	return ok && strings.HasPrefix(base, ".") && len(suffix) == 12 && strings.Trim(suffix, "0123456789abcdef") == ""
}

// tempName is a fresh name beside p, hidden and unguessable, so no two
// deploys write the same temporary file.
func tempName(p string) (string, error) {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return path.Join(path.Dir(p), "."+path.Base(p)+".new-"+hex.EncodeToString(b)), nil
}

// kicker passes each read on to the watchdog: a transfer may last as long
// as it needs while bytes keep moving.
type kicker struct {
	r    io.Reader
	kick func()
}

func (k kicker) Read(p []byte) (int, error) {
	n, err := k.r.Read(p)
	if n > 0 {
		k.kick()
	}
	return n, err
}
