package portage

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// LoadMD5Cache reads a repository's metadata/md5-cache folder: one
// <category>/<name-version> file per ebuild. The repository name comes
// from profiles/repo_name two levels up, as portage reads it, and is ""
// when that file is absent (so a copied md5-cache folder still loads).
// Names beginning with "." are skipped. The ebuilds come in path order.
// Errors match ErrMetadata (or are I/O errors) and name the file.
func LoadMD5Cache(dir string) ([]Ebuild, error) {
	cats, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("load md5-cache: %w", err)
	}
	repo := repoName(dir)
	cache := newDepCache()
	var out []Ebuild
	for _, c := range cats {
		if strings.HasPrefix(c.Name(), ".") {
			continue
		}
		if !c.IsDir() {
			return nil, &kindError{ErrMetadata, fmt.Errorf("load md5-cache: %s is not a category folder", filepath.Join(dir, c.Name()))}
		}
		if out, err = loadCategory(out, dir, c.Name(), repo, cache); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func loadCategory(out []Ebuild, dir, cat, repo string, cache *depCache) ([]Ebuild, error) {
	files, err := os.ReadDir(filepath.Join(dir, cat))
	if err != nil {
		return nil, fmt.Errorf("load md5-cache: %w", err)
	}
	for _, f := range files {
		if strings.HasPrefix(f.Name(), ".") {
			continue
		}
		path := filepath.Join(dir, cat, f.Name())
		out = append(out, Ebuild{})
		if err := loadEntry(&out[len(out)-1], path, cat+"/"+f.Name(), repo, cache); err != nil {
			return nil, fmt.Errorf("load md5-cache %s: %w", path, err)
		}
	}
	return out, nil
}

func loadEntry(e *Ebuild, path, cpv, repo string, cache *depCache) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	m, err := ParseMetadata(f)
	if err != nil {
		return err
	}
	return m.fill(e, cpv, repo, cache)
}

// repoName reads <dir>/../../profiles/repo_name, or returns "".
func repoName(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "..", "..", "profiles", "repo_name"))
	if err != nil {
		return ""
	}
	name, _, _ := strings.Cut(string(b), "\n")
	name = strings.TrimSpace(name)
	if checkRepo(name) != nil {
		return ""
	}
	return name
}

// md5CacheTSVRequired are the columns a TSV must have; the rest of an
// md5-cache entry's keys are optional columns.
var md5CacheTSVRequired = []string{"REPO", "CPV", "SLOT"}

// ReadMD5CacheTSV reads md5-cache entries in the tab-separated form of
// testdata/graph/macaroni-next-md5cache.tsv.gz: a header row beginning
// with "#" that names the columns (REPO CPV EAPI SLOT KEYWORDS IUSE DEPEND
// RDEPEND BDEPEND PDEPEND IDEPEND …), then one row per ebuild, values as
// md5-cache writes them with tabs and newlines turned into spaces, an empty
// value standing for an absent key. Columns are found by name, so the
// order may change and unknown columns are kept as Metadata; REPO, CPV and
// SLOT are required. Errors match ErrMetadata and name the row (the header
// is row 1).
func ReadMD5CacheTSV(r io.Reader) ([]Ebuild, error) {
	lines, err := readLines(r)
	if err != nil {
		return nil, fmt.Errorf("read md5-cache TSV: %w", err)
	}
	if len(lines) == 0 {
		return nil, tsvError(1, errors.New("empty input, want a # header row"))
	}
	cols, err := tsvHeader(lines[0])
	if err != nil {
		return nil, tsvError(1, err)
	}
	// Allocated once: an Ebuild is over a kilobyte, and growing a slice of
	// 20,000 of them by appending was a good part of the time this took.
	out := make([]Ebuild, len(lines)-1)
	cache := newDepCache()
	m := make(Metadata, len(cols))
	for i, line := range lines[1:] {
		if err := tsvEbuild(&out[i], m, cols, line, cache); err != nil {
			return nil, tsvError(i+2, err)
		}
	}
	return out, nil
}

// readLines returns the lines of r, of any length.
func readLines(r io.Reader) ([]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<30)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines, sc.Err()
}

func tsvError(row int, err error) error {
	return &kindError{ErrMetadata, fmt.Errorf("md5-cache TSV row %d: %w", row, err)}
}

// tsvHeader reads the column names of the "#" header row.
func tsvHeader(line string) ([]string, error) {
	names, ok := strings.CutPrefix(line, "#")
	if !ok {
		return nil, fmt.Errorf("want a header row beginning with \"#\", got %q", clip(line))
	}
	cols := strings.Split(names, "\t")
	seen := map[string]bool{}
	for _, c := range cols {
		if err := checkMetadataKey(c); err != nil {
			return nil, fmt.Errorf("column name: %w", err)
		}
		if seen[c] {
			return nil, fmt.Errorf("column %s given twice", c)
		}
		seen[c] = true
	}
	for _, c := range md5CacheTSVRequired {
		if !seen[c] {
			return nil, fmt.Errorf("no %s column", c)
		}
	}
	return cols, nil
}

// tsvEbuild reads one row into e, through m, which it clears first (one
// map serves every row).
func tsvEbuild(e *Ebuild, m Metadata, cols []string, line string, cache *depCache) error {
	vals := strings.Split(line, "\t")
	if len(vals) != len(cols) {
		return fmt.Errorf("%d columns, the header has %d", len(vals), len(cols))
	}
	clear(m)
	for i, c := range cols {
		if vals[i] != "" {
			m[c] = vals[i]
		}
	}
	return m.fill(e, m["CPV"], m["REPO"], cache)
}

// LoadEbuilds reads ebuild metadata from path, whichever form it has: an
// md5-cache folder (LoadMD5Cache) or a TSV file (ReadMD5CacheTSV),
// gzip-compressed or not. It is what `swarm simulate --graph FILE` takes.
func LoadEbuilds(path string) ([]Ebuild, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("load ebuilds: %w", err)
	}
	if st.IsDir() {
		return LoadMD5Cache(path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load ebuilds: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 256<<10)
	var r io.Reader = br
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("load ebuilds %s: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}
	ebuilds, err := ReadMD5CacheTSV(r)
	if err != nil {
		return nil, fmt.Errorf("load ebuilds %s: %w", path, err)
	}
	return ebuilds, nil
}
