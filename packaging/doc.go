// Package packaging holds no code: it is where swarm's packaging lives, and
// its tests check it the way each tool's own users would.
//
//	openrc/    init scripts and conf.d files: /etc/init.d/swarm-orchestrator, swarm-drone
//	systemd/   the same two services as systemd units
//	gentoo/    an overlay: app-admin/swarm (live and versioned ebuilds),
//	           acct-user/swarm and acct-group/swarm
//	drone.toml.example   a drone's /etc/swarm/drone.toml to start from
//
// The release archives (../.goreleaser.yaml) and the ebuilds install these
// very files, so a service file is written once. The tests: the init
// scripts parse with sh -n and bash -n (openrc-run sources them with sh);
// every command line the services run is accepted by the swarm binary
// itself; the units pass systemd-analyze verify; the ebuilds parse with
// bash -n, and real portage (the PyPI venv of scripts/portage-venv.sh)
// generates their metadata, finds them valid, writes the Manifest and
// builds the versioned one into an image from its release tarballs, with
// stand-ins for ::gentoo's eclasses (testdata/eclass/README.md says why and
// what that cannot prove); goreleaser check accepts the release
// configuration and the three release targets build static.
//
// Layout at install time, for both init systems: the orchestrator runs as
// the user swarm on /var/lib/swarm/.swarm; the drone runs as root (its
// builds run emerge) with its settings and token in /etc/swarm/drone.toml
// and its build logs in /var/log/swarm/builds. OpenRC logs each service's
// stderr to /var/log/swarm/*.log, systemd to the journal.
package packaging
