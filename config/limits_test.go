package config

import (
	"errors"
	"strings"
	"testing"
)

// The connection limits and operator tables: what is refused names the key.
func TestValidateLimitsAndOperators(t *testing.T) {
	hash := TokenHash("t")
	for _, tc := range []struct {
		text string
		key  string // "" = valid
	}{
		{"[server]\nmax_connections = 4000\nmax_connections_per_address = 100\ndrone_connections = 500\n", ""},
		{"[server]\nmax_connections = -1\n", "server.max_connections"},
		{"[server]\nmax_connections = 5\n", "server.max_connections"},
		{"[server]\nmax_connections = 100\ndrone_connections = 100\n", "server.drone_connections"},
		{"[server]\nmax_connections = 100\nmax_connections_per_address = 101\n", "server.max_connections_per_address"},
		{"[server]\nmax_connections_per_address = -3\n", "server.max_connections_per_address"},
		{"[server]\nheader_timeout = \"0s\"\n", "server.header_timeout"},
		{"[server]\nread_timeout = \"1s\"\n", "server.read_timeout"},
		{"[server]\nidle_timeout = \"-1s\"\n", "server.idle_timeout"},
		{"[operators.alice]\ntoken_sha256 = \"" + hash + "\"\nrole = \"read-only\"\n", ""},
		{"[operators.alice]\ntoken_sha256 = \"" + hash + "\"\nrole = \"root\"\n", "operators.alice.role"},
		{"[operators.alice]\ntoken_sha256 = \"x\"\nrole = \"operator\"\n", "operators.alice.token_sha256"},
	} {
		_, err := Parse([]byte(tc.text))
		switch {
		case tc.key == "" && err != nil:
			t.Errorf("%q: %v", tc.text, err)
		case tc.key != "" && (!errors.Is(err, ErrBadValue) || !strings.Contains(err.Error(), tc.key)):
			t.Errorf("%q: %v, want ErrBadValue naming %s", tc.text, err, tc.key)
		}
	}
}
