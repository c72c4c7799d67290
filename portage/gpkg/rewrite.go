package gpkg

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/klauspost/compress/zstd"
)

// RewriteOptions say what Rewrite makes of a package.
type RewriteOptions struct {
	BuildID int       // the farm's BUILD_ID for this CPV; at least 1
	Key     *Key      // the farm's signing key
	Time    time.Time // members' mtime and signature time; zero means now
	Limits  Limits    // bounds for reading the source
}

// ustarMaxSize is the largest member size ustar's 11 octal digits hold;
// past it portage (and Rewrite) writes a GNU header, as its gpkg.py does.
const ustarMaxSize = 1<<33 - 1

// Rewrite reads the gpkg src with every check Read makes and writes to dst
// the farm's version of it, signed, in the layout of portage's gpkg-sign:
//
//	PF-BUILD_ID/gpkg-1
//	PF-BUILD_ID/metadata.tar.zst       metadata/BUILD_ID set to BUILD_ID
//	PF-BUILD_ID/metadata.tar.zst.sig
//	PF-BUILD_ID/image.tar.EXT          byte for byte the source's
//	PF-BUILD_ID/image.tar.EXT.sig
//	PF-BUILD_ID/Manifest               clear-signed, lists every member above
//
// every header mode 0644, uid/gid 0, no user or group names, ustar. The
// metadata archive is re-compressed with zstd whatever the source used; the
// source's signatures are dropped. It streams: only the metadata archive is
// held in memory.
//
// The source's Manifest comes last, so dst has been written by the time a
// bad source is found: on error the caller must discard dst. The returned
// Package describes what was written.
func Rewrite(dst io.Writer, src io.Reader, opts RewriteOptions) (*Package, error) {
	if opts.BuildID < 1 || opts.Key == nil {
		return nil, fmt.Errorf("gpkg: rewrite: need a BUILD_ID >= 1 and a key (got %d, %v)", opts.BuildID, opts.Key != nil)
	}
	if opts.Time.IsZero() {
		opts.Time = time.Now()
	}
	w := &rewriter{opts: opts, tw: tar.NewWriter(dst), out: &Package{Signed: true}}
	if _, err := walk(src, &Options{Limits: opts.Limits}, w.visit); err != nil {
		return nil, err
	}
	if err := w.finish(); err != nil {
		return nil, err
	}
	return w.out, nil
}

// rewriter writes the new container as walk reads the old one.
type rewriter struct {
	opts RewriteOptions
	tw   *tar.Writer
	out  *Package
	// src and image: the source package and its image member's name. The
	// image is copied byte for byte, so its Manifest hashes are the ones
	// walk computes while reading it (taken in finish); hashing it a
	// second time cost a third of a large package's promotion.
	src   *Package
	image string
}

func (w *rewriter) visit(k kind, base string, h *tar.Header, body io.Reader, src *Package) error {
	switch k {
	case kindMetadata:
		return w.metadata(src)
	case kindImage:
		w.out.ImageCompression = src.ImageCompression
		w.src, w.image = src, base
		return w.signedMember(base, h.Size, body)
	}
	return nil // gpkg-1 is written with the metadata; old signatures and Manifest are dropped
}

// metadata writes gpkg-1, the renumbered metadata archive and its signature.
func (w *rewriter) metadata(src *Package) error {
	md, archive, err := renumber(src.Metadata, w.opts.BuildID, w.opts.Time)
	if err != nil {
		return err
	}
	w.out.Metadata, w.out.MetadataCompression = md, "zstd"
	w.out.Folder = md.Get("PF") + "-" + strconv.Itoa(w.opts.BuildID)
	if err := w.member(VersionMember, 0, bytes.NewReader(nil)); err != nil {
		return err
	}
	return w.signedMember("metadata.tar.zst", int64(len(archive)), bytes.NewReader(archive))
}

// signedMember writes a member streamed from body, then its .sig.
func (w *rewriter) signedMember(base string, size int64, body io.Reader) error {
	var sig bytes.Buffer
	err := w.memberFunc(base, size, func(dst io.Writer) error {
		return w.opts.Key.DetachSign(&sig, io.TeeReader(body, dst), w.opts.Time)
	})
	if err != nil {
		return err
	}
	return w.member(base+".sig", int64(sig.Len()), &sig)
}

func (w *rewriter) member(base string, size int64, body io.Reader) error {
	return w.memberFunc(base, size, func(dst io.Writer) error {
		_, err := io.Copy(dst, body)
		return err
	})
}

// memberFunc writes one header, lets fill write the content, and records
// the member's hashes for the new Manifest.
func (w *rewriter) memberFunc(base string, size int64, fill func(io.Writer) error) error {
	h := &tar.Header{
		Typeflag: tar.TypeReg, Name: w.out.Folder + "/" + base, Size: size, Mode: 0o644,
		ModTime: w.opts.Time.Truncate(time.Second), Format: tar.FormatUSTAR,
	}
	if size > ustarMaxSize {
		h.Format = tar.FormatGNU
	}
	if err := w.tw.WriteHeader(h); err != nil {
		return fmt.Errorf("gpkg: rewrite %s: %w", base, err)
	}
	if base == w.image { // hashed by walk as it is read; see finish
		if err := fill(w.tw); err != nil {
			return fmt.Errorf("gpkg: rewrite %s: %w", base, err)
		}
		w.out.Members = append(w.out.Members, Member{Name: base, Size: size})
		return nil
	}
	hs := newHasher()
	defer hs.Close()
	if err := fill(io.MultiWriter(w.tw, hs)); err != nil {
		return fmt.Errorf("gpkg: rewrite %s: %w", base, err)
	}
	w.out.Members = append(w.out.Members, hs.member(base, size))
	return nil
}

// imageHashes gives the image member written its source's hashes, which
// walk computed over the very bytes copied.
func (w *rewriter) imageHashes() error {
	for i, m := range w.out.Members {
		if m.Name != w.image {
			continue
		}
		for _, sm := range w.src.Members {
			if sm.Name == w.image && sm.Size == m.Size {
				w.out.Members[i].BLAKE2B, w.out.Members[i].SHA512 = sm.BLAKE2B, sm.SHA512
				return nil
			}
		}
		return fmt.Errorf("gpkg: rewrite: no hashes read for %s", w.image)
	}
	return nil
}

// finish writes the clear-signed Manifest and closes the archive.
func (w *rewriter) finish() error {
	if err := w.imageHashes(); err != nil {
		return err
	}
	entries := make([]Entry, len(w.out.Members))
	for i, m := range w.out.Members {
		entries[i] = Entry{m.Name, m.Size, map[string]string{"BLAKE2B": m.BLAKE2B, "SHA512": m.SHA512}}
	}
	signed, err := w.opts.Key.ClearSign(formatEntries(entries), w.opts.Time)
	if err != nil {
		return err
	}
	if w.out.Manifest, err = ParseManifest(signed); err != nil {
		return fmt.Errorf("gpkg: rewrite: own Manifest: %w", err)
	}
	if err := w.member(ManifestMember, int64(len(signed)), bytes.NewReader(signed)); err != nil {
		return err
	}
	if err := w.tw.Close(); err != nil {
		return fmt.Errorf("gpkg: rewrite: %w", err)
	}
	return nil
}

// renumber returns a copy of md with BUILD_ID set to id (added when
// absent, written as portage writes it: digits, no newline) and the
// zstd-compressed metadata archive holding it, files in md's order with
// their headers otherwise unchanged.
func renumber(md *Metadata, id int, now time.Time) (*Metadata, []byte, error) {
	out := &Metadata{Keys: append([]string(nil), md.Keys...), Values: map[string][]byte{}, headers: map[string]*tar.Header{}}
	for k, v := range md.Values {
		out.Values[k], out.headers[k] = v, md.headers[k]
	}
	if _, ok := out.Values["BUILD_ID"]; !ok {
		out.Keys = append(out.Keys, "BUILD_ID")
		out.headers["BUILD_ID"] = &tar.Header{Typeflag: tar.TypeReg, Name: "metadata/BUILD_ID", Mode: 0o644, ModTime: now.Truncate(time.Second)}
	}
	out.Values["BUILD_ID"] = []byte(strconv.Itoa(id))
	var archive bytes.Buffer
	zw, err := zstd.NewWriter(&archive, zstd.WithEncoderConcurrency(1))
	if err != nil {
		return nil, nil, fmt.Errorf("gpkg: rewrite metadata: %w", err)
	}
	tw := tar.NewWriter(zw)
	for _, k := range out.Keys {
		h := *out.headers[k]
		h.Size = int64(len(out.Values[k]))
		if err := tw.WriteHeader(&h); err != nil {
			return nil, nil, fmt.Errorf("gpkg: rewrite metadata/%s: %w", k, err)
		}
		if _, err := tw.Write(out.Values[k]); err != nil {
			return nil, nil, fmt.Errorf("gpkg: rewrite metadata/%s: %w", k, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, nil, fmt.Errorf("gpkg: rewrite metadata: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, nil, fmt.Errorf("gpkg: rewrite metadata: %w", err)
	}
	return out, archive.Bytes(), nil
}
