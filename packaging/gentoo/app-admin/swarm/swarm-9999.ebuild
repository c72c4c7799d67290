# Copyright 2026 Gentoo Authors
# Distributed under the terms of the GNU General Public License v2

EAPI=8

inherit go-module shell-completion systemd

DESCRIPTION="Distributed build farm for Gentoo binary packages"
HOMEPAGE="https://github.com/swarm-build/swarm"

if [[ ${PV} == 9999 ]]; then
	inherit git-r3
	EGIT_REPO_URI="https://github.com/swarm-build/swarm.git"
else
	# The release's source and its Go modules, vendored: goreleaser
	# publishes both (scripts/vendor-tarball.sh), so no build fetches.
	SRC_URI="
		https://github.com/swarm-build/swarm/archive/v${PV}.tar.gz -> ${P}.tar.gz
		https://github.com/swarm-build/swarm/releases/download/v${PV}/${P}-vendor.tar.xz
	"
	KEYWORDS="~amd64 ~arm ~arm64"
fi

# swarm itself has no licence file yet; the rest are its Go modules'.
LICENSE="all-rights-reserved Apache-2.0 BSD BSD-2 MIT"
SLOT="0"
# The tests need a portage venv from PyPI, openssh and network-free
# loopback servers; upstream runs them in CI.
RESTRICT="mirror test"

RDEPEND="
	acct-group/swarm
	acct-user/swarm
"
BDEPEND=">=dev-lang/go-1.26.8"

src_unpack() {
	if [[ ${PV} == 9999 ]]; then
		git-r3_src_unpack
		go-module_live_vendor
	else
		go-module_src_unpack
	fi
}

src_compile() {
	# `swarm version` prints it, drones report it in their heartbeats, and
	# `swarm deploy` compares it with each host's VERSION.
	local version=${PV}
	[[ ${PV} == 9999 ]] && version="9999-${EGIT_VERSION:0:12}"
	ego build -trimpath -ldflags "-X main.version=${version}" -o swarm ./cmd/swarm
}

src_install() {
	dobin swarm

	newinitd packaging/openrc/swarm-orchestrator.initd swarm-orchestrator
	newconfd packaging/openrc/swarm-orchestrator.confd swarm-orchestrator
	newinitd packaging/openrc/swarm-drone.initd swarm-drone
	newconfd packaging/openrc/swarm-drone.confd swarm-drone
	systemd_dounit packaging/systemd/swarm-orchestrator.service
	systemd_dounit packaging/systemd/swarm-drone.service

	insinto /etc/swarm
	doins packaging/drone.toml.example
	insinto /etc/logrotate.d
	newins packaging/logrotate/swarm swarm

	doman man/*.1
	newbashcomp completions/swarm.bash swarm
	newzshcomp completions/swarm.zsh _swarm
	dofishcomp completions/swarm.fish
	einstalldocs
}

pkg_postinst() {
	if [[ -z ${REPLACING_VERSIONS} ]]; then
		elog "The orchestrator (one per farm): create its state folder once with"
		elog "  emerge --config =${CATEGORY}/${PF}"
		elog "then start it:  rc-service swarm-orchestrator start"
		elog "           or:  systemctl enable --now swarm-orchestrator"
		elog "A build machine (drone): admit it on the orchestrator with"
		elog "  swarm drones add ID        (prints its token once)"
		elog "write ${EROOT}/etc/swarm/drone.toml (chmod 600) from drone.toml.example,"
		elog "then:  rc-service swarm-drone start   (or systemctl enable --now swarm-drone)"
	fi
}

pkg_config() {
	local dir="${EROOT}/var/lib/swarm"
	if [[ -d ${dir}/.swarm ]]; then
		einfo "${dir}/.swarm exists already: nothing to do"
		return 0
	fi
	einfo "Creating the farm's state folder ${dir}/.swarm"
	"${EROOT}"/usr/bin/swarm init "${dir}" || die "swarm init ${dir} failed"
	chown -R swarm:swarm "${dir}/.swarm" || die
	einfo "Listen beyond loopback with:"
	einfo "  swarm --dir ${dir} config set server.listen '\"0.0.0.0:8093\"'"
}
