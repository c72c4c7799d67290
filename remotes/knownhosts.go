package remotes

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/swarm-build/swarm/internal/flock"
)

// userKnownHosts is file, else ~/.ssh/known_hosts.
func userKnownHosts(file string) (string, error) {
	if file != "" {
		return file, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding known_hosts: %w", err)
	}
	return filepath.Join(home, ".ssh", "known_hosts"), nil
}

// hostKeyCallback checks a host's key against the known_hosts file. A
// key the file does not know is refused unless acceptNew, then appended;
// a key that differs from the file's is refused always.
func hostKeyCallback(file string, acceptNew bool) ssh.HostKeyCallback {
	return func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		err := checkKnown(file, hostname, remote, key)
		var ke *knownhosts.KeyError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &ke) && len(ke.Want) > 0:
			return changedKey(file, hostname, key, ke.Want[0])
		case errors.As(err, &ke) || errors.Is(err, fs.ErrNotExist):
			if acceptNew {
				return addKnown(file, hostname, key)
			}
			return fmt.Errorf("%w: %s offers %s %s, which %s does not hold: check that fingerprint with "+
				"the host (ssh-keygen -lf /etc/ssh/ssh_host_%s_key.pub there), then deploy with "+
				"--accept-new-host-key", ErrUnknownHostKey, hostname, key.Type(), ssh.FingerprintSHA256(key),
				file, keyFileType(key))
		default:
			return fmt.Errorf("known_hosts %s: %w", file, err)
		}
	}
}

func checkKnown(file, hostname string, remote net.Addr, key ssh.PublicKey) error {
	if _, err := os.Stat(file); err != nil {
		return err
	}
	cb, err := knownhosts.New(file)
	if err != nil {
		return err
	}
	return cb(hostname, remote, key)
}

func changedKey(file, hostname string, got ssh.PublicKey, want knownhosts.KnownKey) error {
	return fmt.Errorf("%w: %s now offers %s %s but %s:%d holds another key for it: if the host was "+
		"reinstalled, run 'ssh-keygen -R %q -f %s' and deploy with --accept-new-host-key; "+
		"if not, someone may be in between: do not deploy", ErrHostKeyChanged, hostname, got.Type(),
		ssh.FingerprintSHA256(got), want.Filename, want.Line, knownhosts.Normalize(hostname), file)
}

// addKnown appends hostname's key to file (0600, its folder 0700) under
// a lock, so parallel deploys that accept new keys do not interleave.
func addKnown(file, hostname string, key ssh.PublicKey) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return fmt.Errorf("adding a host key: %w", err)
	}
	lock, err := flock.Exclusive(file + ".lock")
	if err != nil {
		return fmt.Errorf("adding a host key: %w", err)
	}
	defer lock.Close()
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("adding a host key: %w", err)
	}
	_, err = fmt.Fprintln(f, knownhosts.Line([]string{knownhosts.Normalize(hostname)}, key))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("adding a host key to %s: %w", file, err)
	}
	return nil
}

// keyFileType names the host key file sshd keeps a key type in.
func keyFileType(key ssh.PublicKey) string {
	switch key.Type() {
	case ssh.KeyAlgoED25519:
		return "ed25519"
	case ssh.KeyAlgoRSA:
		return "rsa"
	default:
		return "ecdsa"
	}
}
