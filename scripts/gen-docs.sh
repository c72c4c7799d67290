#!/bin/sh
# Regenerates the committed shell completions (completions/) and man pages
# (man/) from the swarm binary itself. cmd/swarm's TestDocsUpToDate fails
# when they drift from the commands; run this and commit the result.
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/swarm" ./cmd/swarm
mkdir -p completions man
"$tmp/swarm" completion bash >completions/swarm.bash
"$tmp/swarm" completion zsh >completions/swarm.zsh
"$tmp/swarm" completion fish >completions/swarm.fish
"$tmp/swarm" completion powershell >completions/swarm.ps1
rm -f man/*.1
"$tmp/swarm" man man >/dev/null
