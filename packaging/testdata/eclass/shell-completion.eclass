# Test stand-in for ::gentoo's shell-completion.eclass, which brings
# bash-completion-r1's newbashcomp (see README.md).
newbashcomp() {
	( insopts -m 0644; insinto /usr/share/bash-completion/completions; newins "$@" )
}
newzshcomp() {
	( insopts -m 0644; insinto /usr/share/zsh/site-functions; newins "$@" )
}
dofishcomp() {
	( insopts -m 0644; insinto /usr/share/fish/vendor_completions.d; doins "$@" )
}
