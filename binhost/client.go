package binhost

import (
	"fmt"
	"strings"
)

// ClientConfig is what a Gentoo client pastes, as root, to use the farm's
// binhost at uri: a binrepos.conf section with signature verification on,
// and the commands that import the farm's public key (armored pub, primary
// fingerprint fpr) into portage's gnupg home and trust it ultimately.
//
// What portage needs, as tried with real portage (e2e/realclient_test.go):
// ownertrust 6 and then --check-trustdb (without it gpg may still report the
// key's trust as undefined), gpg's agent stopped, and the home readable by
// "nobody", the user portage verifies as when it runs as root. EPREFIX is
// empty on a stock machine and the prefix on a prefixed one.
func ClientConfig(name, uri, fpr string, pub []byte) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# swarm binhost %q: paste as root on a Gentoo client.\n", name)
	b.WriteString(`set -e
conf="${EPREFIX}/etc/portage/binrepos.conf"
if [ -d "$conf" ]; then conf="$conf/` + name + `.conf"; fi
cat >> "$conf" <<'SWARM_BINREPO'
`)
	fmt.Fprintf(&b, "[%s]\npriority = 10\nsync-uri = %s\nverify-signature = true\nSWARM_BINREPO\n", name, uri)
	b.WriteString(`# The farm's signing key, trusted in portage's gnupg home
# (BINPKG_GPG_VERIFY_GPG_HOME; set it in make.conf when EPREFIX is not empty).
home="${EPREFIX}/etc/portage/gnupg"
mkdir -p "$home"
chmod 700 "$home"
gpg --homedir "$home" --batch --import <<'SWARM_KEY'
`)
	b.WriteString(strings.TrimRight(string(pub), "\n") + "\nSWARM_KEY\n")
	fmt.Fprintf(&b, "echo '%s:6:' | gpg --homedir \"$home\" --batch --import-ownertrust\n", fpr)
	b.WriteString(`gpg --homedir "$home" --batch --check-trustdb
gpgconf --homedir "$home" --kill all
chmod 755 "$home"
find "$home" -type f -exec chmod 644 {} +
`)
	return b.String()
}
