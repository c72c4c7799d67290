package binhost

import (
	"encoding/json"
	"slices"
	"strings"
)

// RepoRevisionsKey is the Packages header key naming the revision of each
// repository the packages were built from. Portage (bintree.py) writes it
// and its sync compares it with a client's own repositories, so a client
// can tell how far behind or ahead of the binhost its tree is.
const RepoRevisionsKey = "REPO_REVISIONS"

// TreeRepo is the repository whose identity `swarm fresh` records as the
// farm's tree: the first line of gentoo's metadata/timestamp.chk, or --tree.
const TreeRepo = "gentoo"

// RepoRevisions renders repository name → revision as portage does:
// json.dumps(revisions, ensure_ascii=False, sort_keys=True), that is keys
// sorted, ", " and ": " separators, and no escaping of non-ASCII or HTML
// characters.
func RepoRevisions(revisions map[string]string) string {
	names := make([]string, 0, len(revisions))
	for name := range revisions {
		names = append(names, name)
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteByte('{')
	for i, name := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(jsonString(name))
		b.WriteString(": ")
		b.WriteString(jsonString(revisions[name]))
	}
	b.WriteByte('}')
	return b.String()
}

// jsonString is s as a JSON string, HTML characters left as they are.
func jsonString(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}
