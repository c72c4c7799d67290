#!/usr/bin/env bash
# Make a self-contained copy of the overlay packaging/gentoo for real
# portage: the eclass stand-ins (eclass/README.md) instead of ::gentoo as
# master, and a minimal amd64 profile.
# usage: make-overlay.sh OVERLAY OUT
set -euo pipefail
SRC=$1 R=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$R"
cp -R "$SRC"/. "$R"/
mkdir -p "$R"/eclass "$R"/profiles/default/linux/amd64/farm
cp "$here"/eclass/*.eclass "$R"/eclass/
sed -i 's/^masters = .*/masters =/' "$R"/metadata/layout.conf
printf 'amd64\narm\narm64\n' > "$R"/profiles/arch.list
P="$R"/profiles/default/linux/amd64/farm
echo 8 > "$P"/eapi
cat > "$P"/make.defaults <<D
ARCH="amd64"
ACCEPT_KEYWORDS="amd64 ~amd64"
ELIBC="glibc"
KERNEL="linux"
USERLAND="GNU"
CHOST="x86_64-pc-linux-gnu"
D
