#!/usr/bin/env bash
# Create (or reuse) a Python virtualenv holding real portage from PyPI, for
# the tests that run real portage (e2e/realportage_test.go,
# portage/gpkg/portage_e2e_test.go), which find it here by default.
#
# usage: scripts/portage-venv.sh [DIR]     (default: $SWARM_PORTAGE_VENV, else /tmp/swarm-portage-venv)
# Prints the venv's path; export it as SWARM_PORTAGE_VENV.
# Idempotent: a venv that already runs the pinned portage is left alone.
# Also needs on the machine: gpg and gpgconf (gnupg), wget, zstd, bash.
set -euo pipefail
PORTAGE_VERSION=3.0.83
DIR=${1:-${SWARM_PORTAGE_VENV:-/tmp/swarm-portage-venv}}
have() { "$DIR/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('portage') != '$PORTAGE_VERSION')" 2>/dev/null; }
if ! have; then
  python3 -m venv "$DIR" >&2
  "$DIR/bin/pip" install --quiet --disable-pip-version-check "portage==$PORTAGE_VERSION" >&2
  have || { echo "portage $PORTAGE_VERSION not importable from $DIR" >&2; exit 1; }
fi
for tool in gpg gpgconf wget zstd; do
  command -v "$tool" >/dev/null || echo "warning: $tool not found (apt-get install gnupg wget zstd)" >&2
done
echo "$DIR"
