package gpkg

import (
	"path"
	"strings"
)

// Member kinds in the order portage writes them. A container's members must
// appear in non-decreasing kind order, each kind at most once.
type kind int

const (
	kindVersion     kind = iota // gpkg-1
	kindMetadata                // metadata.tar[.ext]
	kindMetadataSig             // metadata.tar[.ext].sig
	kindImage                   // image.tar[.ext]
	kindImageSig                // image.tar[.ext].sig
	kindManifest                // Manifest
)

// VersionMember is the name of the first member, the format identifier.
const VersionMember = "gpkg-1"

// ManifestMember is the name of the member that lists the others' hashes.
const ManifestMember = "Manifest"

// compressions maps portage's archive suffixes (lib/portage/gpkg.py
// ext_list) to the compressor's name; "" is an uncompressed archive.
var compressions = map[string]string{
	"":     "none",
	".gz":  "gzip",
	".bz2": "bzip2",
	".lz4": "lz4",
	".lz":  "lzip",
	".lzo": "lzop",
	".xz":  "xz",
	".zst": "zstd",
}

// classify names the kind of a member's base name and, for archives and
// their signatures, the compressor; ok is false for a name GLEP 78 does not
// define.
func classify(base string) (k kind, comp string, ok bool) {
	switch base {
	case VersionMember:
		return kindVersion, "", true
	case ManifestMember:
		return kindManifest, "", true
	}
	sig := strings.HasSuffix(base, ".sig")
	name := strings.TrimSuffix(base, ".sig")
	for _, arch := range []struct {
		prefix   string
		data, sg kind
	}{{"metadata.tar", kindMetadata, kindMetadataSig}, {"image.tar", kindImage, kindImageSig}} {
		ext, found := strings.CutPrefix(name, arch.prefix)
		if !found {
			continue
		}
		comp, known := compressions[ext]
		if !known {
			return 0, "", false
		}
		if sig {
			return arch.sg, comp, true
		}
		return arch.data, comp, true
	}
	return 0, "", false
}

// splitMember checks a member path and splits it into its top folder and
// base name. The path must be exactly "FOLDER/BASE" (portage's own check:
// one slash, no leading slash), with neither part empty, "." or "..".
func splitMember(name string) (folder, base string, err error) {
	folder, base, found := strings.Cut(name, "/")
	if !found || strings.Contains(base, "/") || !cleanElem(folder) || !cleanElem(base) ||
		path.Clean(name) != name {
		return "", "", fail(ErrBadPath, "member %q: want FOLDER/NAME", name)
	}
	return folder, base, nil
}

// cleanElem reports whether s is a usable single path element: not empty,
// not "." or "..", no slash, NUL, backslash or control characters.
func cleanElem(s string) bool {
	if s == "" || s == "." || s == ".." || len(s) > 255 {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == '\\' || r == '/' {
			return false
		}
	}
	return true
}
