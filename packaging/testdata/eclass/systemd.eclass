# Test stand-in for ::gentoo's systemd.eclass (see README.md).
systemd_dounit() {
	(
		insopts -m 0644
		insinto /usr/lib/systemd/system
		doins "$@"
	)
}
