// Package portage reads the names portage and emerge use for packages:
// versions and atoms exactly as the Package Manager Specification (PMS,
// EAPI 8, chapters 3 and 8) defines them, plus the two portage extensions
// that real emerge output carries (::repo and binary build ids).
//
// Swarm's queue is keyed by packages, and packages arrive as text: typed on
// the command line, scraped from `emerge --pretend`, read from a binhost
// Packages index or an md5-cache. Parsing that text the way portage does is
// what keeps one package from becoming two queue entries, and a bad atom
// from reaching a drone's emerge command line.
//
// # Versions
//
// A version is numeric components, an optional letter, suffixes and a
// revision:
//
//	1.2.3b_rc1_p2-r1
//	│     │ │   │  └ revision -r1 (none counts as -r0)
//	│     │ │   └─── _p2: any number of _alpha|_beta|_pre|_rc|_p, each with an optional number
//	│     │ └─────── _rc1
//	│     └───────── letter b (at most one, a-z)
//	└─────────────── numeric components 1.2.3
//
// CompareVersions implements the PMS comparison algorithm; see its doc for
// the order. ParseVersion keeps every number as the digits written, so
// String gives back the input exactly.
//
// # Atoms
//
// ParseAtom reads a dependency atom:
//
//	!!>=dev-libs/foo-1.2-r1:2/2.1=::gentoo[bar,-baz,qux?,ruby_targets_ruby32(-)]
//	│ │ │        │   │      │ │  │ │       └ USE dependencies
//	│ │ │        │   │      │ │  │ └──────── repository (portage extension)
//	│ │ │        │   │      │ │  └────────── slot operator = (or :* / := alone)
//	│ │ │        │   │      │ └───────────── sub-slot
//	│ │ │        │   │      └─────────────── slot
//	│ │ │        │   └────────────────────── version (with an operator only)
//	│ │ │        └────────────────────────── package name
//	│ │ └─────────────────────────────────── category
//	│ └───────────────────────────────────── operator: = >= > <= < ~, or =…* (prefix glob)
//	└─────────────────────────────────────── blocker: ! weak, !! strong
//
// ParsePackage reads one concrete package as emerge prints it
// (dev-qt/qtcore-5.9.4-r2:5/5.9::gentoo): a version is required and there
// is nothing that could match more than one package. Atom.Key is its queue
// key.
//
// # Splitting name and version
//
// A package name may contain hyphens and digits (kde-apps/akonadi-calendar,
// dev-qt/qtquickcontrols2), but PMS forbids a name that ends in a hyphen
// followed by a valid version. So cat/name-version splits at the one hyphen
// that begins a valid version, counting an -rN revision as part of it:
// foo-bar-1.0-r1 is foo-bar version 1.0-r1, and foo-1-2 has no valid split
// (it is read as foo-1 build 2 only by ParsePackage).
//
// # Matching
//
// Atom.Matches says whether a dependency atom is satisfied by a concrete
// package (PMS 8.3: operators, =…* by version component, slot, sub-slot,
// repository); BestMatch picks the highest version that is. USE
// dependencies and blockers are the caller's business.
//
// # Emerge's own output
//
// ParsePretend reads `emerge --pretend` into a plan (its [ebuild] lines are
// the farm's queue, [binary] lines what is already built) and reports a
// slot conflict as a *SlotConflictError; ParseEmergeLog reads
// /var/log/emerge.log into completed merges, and Durations turns them into
// expected build times per package. Both parsers refuse input they cannot
// read with an error naming the line (ErrPretend, ErrEmergeLog) rather than
// guess: a plan read in part would silently shrink the queue.
//
// # Dependencies and the build graph
//
// ParseDepend reads a DEPEND/BDEPEND/RDEPEND/PDEPEND/IDEPEND value into a
// Depend tree (all-of, || any-of, flag? conditionals, atoms and blockers);
// Resolve evaluates it for one USE configuration. ParseMetadata reads one
// md5-cache entry, LoadMD5Cache a metadata/md5-cache folder,
// ReadMD5CacheTSV the table form in testdata/graph, and LoadEbuilds
// whichever a path holds; an ebuild whose dependencies do not parse is
// kept but Invalid, as portage masks it. BuildGraph takes the closure of a
// root set over the ebuilds into an acyclic Graph of what must be built
// before what, listing what the tree lacks and the dependencies it dropped
// to break cycles; internal/world holds a realistic root set.
//
// Errors match ErrBadAtom or ErrBadVersion and say what is wrong, for
// example:
//
//	parse atom "sys-devel/llvm": no version (want cat/name-version, like sys-devel/llvm-19.1.7)
//	parse atom "=dev-libs/foo-1.2_foo": version "1.2_foo": unknown suffix "_foo" (want _alpha, _beta, _pre, _rc or _p)
package portage
