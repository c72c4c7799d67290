package remotes

import (
	"fmt"
	"net"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/swarm-build/swarm/config"
)

// Remote is one deploy target, as config.toml names it.
type Remote struct {
	Name       string
	User       string
	Host       string   // without the port
	Port       string   // "22" when the URL names none
	Dir        string   // the folder holding swarm and VERSION, absolute
	Role       string   // config.RoleDrone, RoleOrchestrator or RoleBinhost
	Identity   string   // private key file; "" = the agent
	Restart    string   // command run on the host after a deploy; "" = none
	KnownHosts string   // "" = the user's
	Files      []string // local files deployed beside swarm, by their base names
}

// Addr is host:port, as known_hosts and net.Dial want it.
func (r Remote) Addr() string { return net.JoinHostPort(r.Host, r.Port) }

// Path is the remote path of name inside the remote's folder.
func (r Remote) Path(name string) string { return path.Join(r.Dir, name) }

// FromConfig makes the Remote named name from its [remotes.NAME] table.
func FromConfig(name string, rc config.RemoteConfig) (Remote, error) {
	u, err := ParseURL(rc.URL)
	if err != nil {
		return Remote{}, fmt.Errorf("remote %s: %w", name, err)
	}
	u.Name, u.Role, u.Identity, u.Restart, u.KnownHosts = name, rc.Role, rc.Identity, rc.Restart, rc.KnownHosts
	u.Files = rc.Files
	if u.Role == "" {
		u.Role = config.RoleDrone
	}
	return u, nil
}

// ParseURL reads sftp://user@host[:port]/path into a Remote without a
// name. The user and the path are required: a deploy must not guess
// either.
func ParseURL(s string) (Remote, error) {
	u, err := url.Parse(s)
	if err != nil {
		return Remote{}, fmt.Errorf("%w: %q: %v", ErrBadURL, s, err)
	}
	switch {
	case u.Scheme != "sftp":
		return Remote{}, fmt.Errorf("%w: %q: the scheme must be sftp://", ErrBadURL, s)
	case u.User == nil || u.User.Username() == "":
		return Remote{}, fmt.Errorf("%w: %q: name the user, as sftp://user@host/path", ErrBadURL, s)
	case u.Hostname() == "":
		return Remote{}, fmt.Errorf("%w: %q: no host", ErrBadURL, s)
	case u.Path == "" || u.Path == "/":
		return Remote{}, fmt.Errorf("%w: %q: name the folder, as sftp://user@host/srv/swarm", ErrBadURL, s)
	case u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(u.Path, "\x00\n"):
		return Remote{}, fmt.Errorf("%w: %q: no query, fragment or control characters", ErrBadURL, s)
	}
	if _, pw := u.User.Password(); pw {
		return Remote{}, fmt.Errorf("%w: %q: no password in the URL (use an identity file or the agent)", ErrBadURL, s)
	}
	port := u.Port()
	if port == "" {
		port = "22"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return Remote{}, fmt.Errorf("%w: %q: port %q is not 1 to 65535", ErrBadURL, s, port)
	}
	return Remote{User: u.User.Username(), Host: u.Hostname(), Port: port, Dir: path.Clean(u.Path)}, nil
}
