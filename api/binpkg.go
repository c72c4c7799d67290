package api

// BinpkgPath is where a drone uploads one binary package file of a build:
// POST /v1/drones/{id}/binpkg?atom=ATOM&fence=N&name=REL&sha256=HEX&size=N
// body: the file's bytes, Content-Type: application/octet-stream, bearer token.
// name is the file's path relative to the build's PKGDIR (informational only;
// the server never uses it as a path).
const VerbBinpkg = "binpkg"

// BinpkgAnswer is the answer to an accepted upload: the package was verified,
// renumbered, signed and promoted.
type BinpkgAnswer struct {
	Path    string `json:"path"`     // where it is in the binhost, relative to its root
	BuildID uint64 `json:"build_id"` // the BUILD_ID the farm gave it
	SHA256  string `json:"sha256"`   // of the final, signed file
}

// BuildLogPath: POST /v1/drones/{id}/buildlog?atom=ATOM&fence=N
// body: the build's whole log, zstd-compressed, Content-Type: application/zstd.
const VerbBuildLog = "buildlog"

// CodeRejected: the upload failed verification; the package goes back to the queue.
const CodeRejected = "rejected"
