# Test stand-in for ::gentoo's acct-group.eclass (see README.md).
ACCT_GROUP_NAME=${PN}
SLOT="0"
KEYWORDS="~amd64 ~arm ~arm64"
S=${WORKDIR}
