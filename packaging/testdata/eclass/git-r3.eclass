# Test stand-in for ::gentoo's git-r3.eclass (see README.md).
PROPERTIES+=" live"
EXPORT_FUNCTIONS src_unpack
git-r3_src_unpack() { die "git-r3 stand-in: no network in the test"; }
