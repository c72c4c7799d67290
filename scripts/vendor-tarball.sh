#!/bin/sh
# Writes OUTDIR/swarm-VERSION-vendor.tar.xz (OUTDIR: build/, relative to
# the current folder): the Go modules swarm builds with, vendored, as
# swarm-VERSION/vendor/, so the versioned ebuild
# (packaging/gentoo) unpacks them over the release's source and builds
# without a network. goreleaser runs it before a release and publishes the
# file beside the archives.
#
# usage: scripts/vendor-tarball.sh VERSION [OUTDIR]
set -eu
version=${1:?usage: scripts/vendor-tarball.sh VERSION [OUTDIR]}
out=$(mkdir -p "${2:-build}" && cd "${2:-build}" && pwd)
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go mod vendor -o "$tmp/swarm-$version/vendor"
tar -C "$tmp" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 \
	-cJf "$out/swarm-$version-vendor.tar.xz" "swarm-$version"
echo "$out/swarm-$version-vendor.tar.xz"
