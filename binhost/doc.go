// Package binhost holds the farm's binary package host: for now its index,
// the `Packages` file portage clients read first (and its `Packages.gz`).
//
// # The Packages format
//
// Written by portage's PackageIndex (lib/portage/getbinpkg.py) for
// bintree (lib/portage/dbapi/bintree.py), read by every client. A header
// block, then one block per package, blocks ending in a blank line, each
// line `KEY: value`:
//
//	CHOST: x86_64-pc-linux-gnu
//	PACKAGES: 2
//	TIMESTAMP: 1796321725
//	VERSION: 0
//
//	BUILD_ID: 1
//	CPV: app-misc/hello-1.0
//	…
//	SIZE: 10240
//	MTIME: 1796321709
//	REPO: farm
//
// Portage writes it canonically, and Write does the same, so that a file
// portage wrote reads and writes back byte for byte:
//   - header keys sorted, empty values left out; PACKAGES is the number of
//     entries;
//   - entries sorted by CPV (plain string order); several builds of one
//     CPV, which portage leaves in the order it holds them, by BUILD_ID
//     then PATH;
//   - in each entry, keys sorted by portage's internal names, three of
//     which are renamed on the way out: DESCRIPTION→DESC, _mtime_→MTIME,
//     repository→REPO (so MTIME and REPO come last);
//   - values equal to portage's defaults left out (EAPI 0, SLOT 0, and
//     the empty defaults), as are CHOST and REPO when equal to the
//     header's, and empty values.
//
// A client checks SIZE, MD5 and SHA1 of each file it fetches; the gpkg's
// signed Manifest is the real integrity check (package portage/gpkg).
package binhost
