# Test stand-in for ::gentoo's acct-user.eclass (see README.md).
ACCT_USER_NAME=${PN}
SLOT="0"
KEYWORDS="~amd64 ~arm ~arm64"
S=${WORKDIR}
# acct-user_add_deps: the groups the user belongs to.
acct-user_add_deps() {
	local g
	for g in "${ACCT_USER_GROUPS[@]}"; do
		RDEPEND+=" acct-group/${g}"
		DEPEND+=" acct-group/${g}"
	done
}
