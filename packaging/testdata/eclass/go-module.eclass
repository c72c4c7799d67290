# Test stand-in for ::gentoo's go-module.eclass (see README.md).
BDEPEND=">=dev-lang/go-1.20:="
EXPORT_FUNCTIONS src_unpack

# ego: run go, echoing the command, dying on failure.
ego() {
	set -- go "$@"
	echo "$@" >&2
	"$@" || die "$* failed"
}

go-module_src_unpack() {
	default
	export GOFLAGS="-buildvcs=false -mod=vendor" GOPROXY=off GOTOOLCHAIN=local
	[[ -d ${S}/vendor ]] || die "no vendor folder in ${S}"
}

go-module_live_vendor() {
	pushd "${S}" >/dev/null || die
	ego mod vendor
	popd >/dev/null || die
}
