package remotes

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// DialOptions tune Dial. Zero values take the defaults named.
type DialOptions struct {
	// KnownHosts is the known_hosts file when the remote names none;
	// "" = ~/.ssh/known_hosts.
	KnownHosts string
	// AcceptNew adds a key known_hosts has never seen for the address
	// (never a changed one).
	AcceptNew   bool
	DialTimeout time.Duration // TCP connect and SSH handshake; default 15s
	// OpTimeout bounds every operation, and an upload's silence: a
	// transfer may take longer as long as bytes keep moving. Default 2m.
	OpTimeout time.Duration
	Keepalive time.Duration // between keepalive@openssh.com requests; default 15s
	Attempts  int           // dials tried on transient errors; default 3
	Backoff   time.Duration // the first wait between them, doubled each time; default 500ms
}

func (o DialOptions) withDefaults() DialOptions {
	o.DialTimeout = or(o.DialTimeout, 15*time.Second)
	o.OpTimeout = or(o.OpTimeout, 2*time.Minute)
	o.Keepalive = or(o.Keepalive, 15*time.Second)
	o.Backoff = or(o.Backoff, 500*time.Millisecond)
	if o.Attempts <= 0 {
		o.Attempts = 3
	}
	return o
}

func or(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Conn is an SSH connection to a remote with an SFTP session on it.
type Conn struct {
	r    Remote
	opts DialOptions
	ssh  *ssh.Client
	sftp *sftp.Client

	closeOnce sync.Once
	done      chan struct{}
	mu        sync.Mutex
	closedBy  error // why the connection was closed under an operation
}

// Dial connects to r, checking its host key, retrying transient failures
// with backoff.
func Dial(ctx context.Context, r Remote, o DialOptions) (*Conn, error) {
	o = o.withDefaults()
	wait := o.Backoff
	for attempt := 1; ; attempt++ {
		c, err := dialOnce(ctx, r, o)
		if err == nil || !transient(err) || attempt >= o.Attempts {
			return c, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		wait *= 2
	}
}

func dialOnce(ctx context.Context, r Remote, o DialOptions) (*Conn, error) {
	auth, err := authMethods(r)
	if err != nil {
		return nil, err
	}
	known := r.KnownHosts
	if known == "" {
		if known, err = userKnownHosts(o.KnownHosts); err != nil {
			return nil, err
		}
	}
	cfg := &ssh.ClientConfig{User: r.User, Auth: auth, Timeout: o.DialTimeout,
		HostKeyCallback: hostKeyCallback(known, o.AcceptNew)}
	d := net.Dialer{Timeout: o.DialTimeout}
	nc, err := d.DialContext(ctx, "tcp", r.Addr())
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", r.Addr(), err)
	}
	_ = nc.SetDeadline(time.Now().Add(o.DialTimeout))
	cc, chans, reqs, err := ssh.NewClientConn(nc, r.Addr(), cfg)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("ssh to %s: %w", r.Addr(), err)
	}
	_ = nc.SetDeadline(time.Time{})
	c := &Conn{r: r, opts: o, ssh: ssh.NewClient(cc, chans, reqs), done: make(chan struct{})}
	// Starting SFTP is an exchange too: a server that never answers
	// must not hold the dial forever.
	t := time.AfterFunc(o.DialTimeout, func() { c.ssh.Close() })
	c.sftp, err = sftp.NewClient(c.ssh)
	if !t.Stop() {
		err = fmt.Errorf("%w: no SFTP session within %v", ErrTimeout, o.DialTimeout)
	}
	if err != nil {
		c.ssh.Close()
		return nil, fmt.Errorf("sftp on %s: %w", r.Addr(), err)
	}
	go c.keepalive()
	return c, nil
}

// transient says whether a failed dial may succeed if tried again: a
// refused, reset or timed-out connection may; a refused key or login,
// or a bad identity, will not.
func transient(err error) bool {
	if errors.Is(err, ErrUnknownHostKey) || errors.Is(err, ErrHostKeyChanged) {
		return false
	}
	var ne net.Error
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH) ||
		errors.Is(err, io.EOF) || (errors.As(err, &ne) && ne.Timeout())
}

// authMethods is the remote's identity file, else the SSH agent.
func authMethods(r Remote) ([]ssh.AuthMethod, error) {
	if r.Identity != "" {
		pem, err := os.ReadFile(r.Identity)
		if err != nil {
			return nil, fmt.Errorf("remote %s: identity: %w", r.Name, err)
		}
		signer, err := ssh.ParsePrivateKey(pem)
		var pp *ssh.PassphraseMissingError
		if errors.As(err, &pp) {
			return nil, fmt.Errorf("remote %s: identity %s has a passphrase: add it to the SSH agent "+
				"(ssh-add %s) and remove identity from the remote", r.Name, r.Identity, r.Identity)
		}
		if err != nil {
			return nil, fmt.Errorf("remote %s: identity %s: %w", r.Name, r.Identity, err)
		}
		return []ssh.AuthMethod{ssh.PublicKeys(signer)}, nil
	}
	sock := os.Getenv("SSH_AUTH_SOCK")
	if sock == "" {
		return nil, fmt.Errorf("remote %s: no identity file and no SSH agent ($SSH_AUTH_SOCK): "+
			"run 'swarm remote add %s URL --identity FILE' again, or start ssh-agent", r.Name, r.Name)
	}
	ac, err := net.Dial("unix", sock)
	if err != nil {
		return nil, fmt.Errorf("remote %s: SSH agent: %w", r.Name, err)
	}
	return []ssh.AuthMethod{ssh.PublicKeysCallback(agent.NewClient(ac).Signers)}, nil
}

// keepalive asks the server for a reply every Keepalive; a link that
// gives none within another Keepalive is dead, and closing it fails the
// operation waiting on it instead of leaving it hanging.
func (c *Conn) keepalive() {
	t := time.NewTicker(c.opts.Keepalive)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
		}
		replied := make(chan error, 1)
		go func() {
			_, _, err := c.ssh.SendRequest("keepalive@openssh.com", true, nil)
			replied <- err
		}()
		select {
		case <-c.done:
			return
		case err := <-replied:
			if err != nil {
				c.closeFor(fmt.Errorf("keepalive: %w", err))
				return
			}
		case <-time.After(c.opts.Keepalive):
			c.closeFor(fmt.Errorf("%w: no keepalive reply from %s in %v", ErrTimeout, c.r.Addr(), c.opts.Keepalive))
			return
		}
	}
}

// Close closes the connection.
func (c *Conn) Close() error {
	var err error
	c.closeOnce.Do(func() {
		close(c.done)
		c.sftp.Close()
		err = c.ssh.Close()
	})
	return err
}

// closeFor closes the connection because of why, which the operation it
// cut short reports.
func (c *Conn) closeFor(why error) {
	c.mu.Lock()
	if c.closedBy == nil {
		c.closedBy = why
	}
	c.mu.Unlock()
	c.Close()
}

// do runs op under a watchdog: if op does not finish (or, for a transfer,
// kick it) within OpTimeout, or ctx ends, the connection is closed, which
// fails op, and do reports why.
func (c *Conn) do(ctx context.Context, what string, op func(kick func()) error) error {
	t := time.AfterFunc(c.opts.OpTimeout, func() {
		c.closeFor(fmt.Errorf("%w: %s on %s took over %v", ErrTimeout, what, c.r.Addr(), c.opts.OpTimeout))
	})
	stop := context.AfterFunc(ctx, func() { c.closeFor(ctx.Err()) })
	err := op(func() { t.Reset(c.opts.OpTimeout) })
	t.Stop()
	stop()
	if err == nil {
		return nil
	}
	c.mu.Lock()
	why := c.closedBy
	c.mu.Unlock()
	if why != nil {
		return fmt.Errorf("%s: %w", what, why)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// Run runs command on the remote through its login shell and returns its
// combined output. A command that leaves a process running must detach
// it from the session's output (as init scripts do), or Run waits for it.
func (c *Conn) Run(ctx context.Context, command string) (string, error) {
	var out []byte
	err := c.do(ctx, "running "+command, func(func()) error {
		s, err := c.ssh.NewSession()
		if err != nil {
			return err
		}
		defer s.Close()
		out, err = s.CombinedOutput(command)
		return err
	})
	return string(out), err
}
