package remotes

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path"
	"syscall"
	"testing"

	"github.com/swarm-build/swarm/config"
)

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		url                    string
		user, host, port, path string
	}{
		{"sftp://swarm@build-01.lan/var/lib/swarm", "swarm", "build-01.lan", "22", "/var/lib/swarm"},
		{"sftp://root@10.0.0.5:2222/opt/swarm/", "root", "10.0.0.5", "2222", "/opt/swarm"},
		{"sftp://u@[::1]:22/x/../y", "u", "::1", "22", "/y"},
	} {
		r, err := ParseURL(tc.url)
		if err != nil {
			t.Errorf("ParseURL(%q): %v", tc.url, err)
			continue
		}
		if r.User != tc.user || r.Host != tc.host || r.Port != tc.port || r.Dir != tc.path {
			t.Errorf("ParseURL(%q) = %+v", tc.url, r)
		}
	}
	for _, bad := range []string{"", "http://u@h/x", "sftp://h/x", "sftp://u@h", "sftp://u@h/", "sftp://u:pw@h/x",
		"sftp://u@/x", "sftp://u@h/x?y=1", "sftp://u@h/x#f", "sftp://u@h:99999/x", "::"} {
		if _, err := ParseURL(bad); !errors.Is(err, ErrBadURL) {
			t.Errorf("ParseURL(%q) = %v, want ErrBadURL", bad, err)
		}
	}
}

func TestFromConfigDefaultsToDrone(t *testing.T) {
	r, err := FromConfig("b1", config.RemoteConfig{URL: "sftp://u@h/x"})
	if err != nil || r.Role != config.RoleDrone || r.Name != "b1" || r.Path("VERSION") != "/x/VERSION" {
		t.Fatalf("FromConfig = %+v, %v", r, err)
	}
}

// FuzzParseURL: whatever the text, ParseURL either refuses it with
// ErrBadURL or returns a target with a user, a host, a numeric port and
// an absolute folder.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"sftp://u@h/x", "sftp://u@h:2222/x", "sftp://u@[::1]/x", "sftp://%zz@h/x", "sftp://u@h/%00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseURL(s)
		if err != nil {
			if !errors.Is(err, ErrBadURL) {
				t.Fatalf("ParseURL(%q): %v is not ErrBadURL", s, err)
			}
			return
		}
		if r.User == "" || r.Host == "" || r.Port == "" || len(r.Dir) < 2 || r.Dir[0] != '/' {
			t.Fatalf("ParseURL(%q) = %+v", s, r)
		}
		if _, _, err := net.SplitHostPort(r.Addr()); err != nil {
			t.Fatalf("ParseURL(%q).Addr() = %q: %v", s, r.Addr(), err)
		}
	})
}

// Only errors that may pass are retried: a refused host key never is.
func TestTransient(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("connecting: %w", &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}), true},
		{fmt.Errorf("ssh: %w", io.EOF), true},
		{fmt.Errorf("ssh: %w", ErrUnknownHostKey), false},
		{fmt.Errorf("ssh: %w", ErrHostKeyChanged), false},
		{errors.New("ssh: handshake failed: ssh: unable to authenticate"), false},
	} {
		if got := transient(tc.err); got != tc.want {
			t.Errorf("transient(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestIsTempName(t *testing.T) {
	for name, want := range map[string]bool{".swarm.new-0123456789ab": true, ".VERSION.new-abcdefabcdef": true,
		"swarm.new-0123456789ab": false, ".swarm.new-0123": false, ".swarm.new-0123456789aZ": false, "swarm.prev": false} {
		if got := isTempName(name); got != want {
			t.Errorf("isTempName(%q) = %v", name, got)
		}
	}
	p, err := tempName("/srv/swarm/swarm")
	if err != nil || !isTempName(path.Base(p)) || path.Dir(p) != "/srv/swarm" {
		t.Errorf("tempName = %q, %v: not one isTempName knows", p, err)
	}
}
