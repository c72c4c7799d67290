package bench

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"

	"github.com/klauspost/compress/zstd"
)

// diskUse is what one or more segment files hold.
type diskUse struct {
	segments int
	frames   int
	disk     int64 // bytes of the files
	stored   int64 // bytes of the frames' stored (maybe compressed) bodies
	records  int64 // bytes of the canonical records with their length prefixes
}

func (d *diskUse) add(o diskUse) {
	d.segments += o.segments
	d.frames += o.frames
	d.disk += o.disk
	d.stored += o.stored
	d.records += o.records
}

// canonicalSize is the bytes of a record in its canonical form (as
// AppendRecord encodes it, which is how loose frames store it) with its
// length prefix, whatever coding the frame uses.
func canonicalSize(seq uint64, ms int64, rest []byte) int64 {
	var b [2 * binary.MaxVarintLen64]byte
	n := binary.PutUvarint(b[:], seq)
	n += binary.PutVarint(b[n:], ms) + len(rest)
	return int64(n + binary.PutUvarint(b[:], uint64(n)))
}

// compression is records per byte on disk.
func (d diskUse) compression() float64 { return float64(d.records) / float64(d.disk) }

// framing is the bytes that are not frame bodies: the segment and frame
// headers and the padding that aligns frames.
func (d diskUse) framing() int64 { return d.disk - d.stored }

// measureDisk returns the use of each segment of the log in dir, in order.
func measureDisk(dir string, dec *zstd.Decoder) ([]diskUse, error) {
	names, err := segmentFiles(dir)
	if err != nil {
		return nil, err
	}
	var out []diskUse
	var buf []byte
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		u := diskUse{segments: 1, disk: int64(len(data))}
		err = walkFrames(data, func(fr rawFrame) error {
			u.frames++
			u.stored += int64(len(fr.stored))
			body := fr.stored
			if fr.flags&flagZstd != 0 {
				if buf, err = dec.DecodeAll(fr.stored, buf[:0]); err != nil {
					return err
				}
				body = buf
			}
			return forRecords(fr, body, func(seq uint64, ms int64, rest []byte) error {
				u.records += canonicalSize(seq, ms, rest)
				return nil
			})
		})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, u)
	}
	return out, nil
}

// diskProbes reports compression and framing of the replay log's sealed
// segments (against goals), and of the loose single-append log (for
// information).
func (r *runner) diskProbes(ctx context.Context) error {
	r.progress("compression_ratio, framing_overhead: bytes on disk of the sealed replay log and of a loose log")
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
	if err != nil {
		return err
	}
	defer dec.Close()
	if r.farm == nil {
		err = errors.New("no replay log (replay_1m did not build one)")
		r.fail("compression_ratio", "x", err)
		return r.fail("framing_overhead", "%", err)
	}
	segs, err := measureDisk(r.farm.eventsDir(), dec)
	if err != nil {
		r.fail("compression_ratio", "x", err)
		return r.fail("framing_overhead", "%", err)
	}
	var sealed, whole diskUse
	for i, s := range segs {
		whole.add(s)
		if i < len(segs)-1 { // every segment but the tail is sealed
			sealed.add(s)
		}
	}
	note := fmt.Sprintf("whole log with its loose tail: %.2fx, framing %.2f%%",
		whole.compression(), 100*float64(whole.framing())/float64(whole.disk))
	r.add(diskResults("", "sealed", sealed, valueAtLeast(4.9, "x"), valueAtMost(10, "%"), note)...)
	if r.looseLog == "" {
		return nil
	}
	segs, err = measureDisk(r.looseLog, dec)
	if err != nil {
		return r.fail("compression_ratio_loose", "x", err)
	}
	var loose diskUse
	for _, s := range segs {
		loose.add(s)
	}
	r.add(diskResults("_loose", "loose", loose, report, report, "one event per frame, never sealed")...)
	return nil
}

// diskResults makes the compression and framing results of u.
func diskResults(suffix, what string, u diskUse, cg, fg goal, note string) []Result {
	comp := Result{Name: "compression_ratio" + suffix, Unit: "x", RawUnit: "bytes"}
	frame := Result{Name: "framing_overhead" + suffix, Unit: "%", RawUnit: "bytes"}
	if u.disk == 0 || u.frames == 0 {
		for _, res := range []*Result{&comp, &frame} {
			res.Goal, res.Skipped = cg.text, true
			res.Detail = "skipped: no " + what + " segment (the log is smaller than one segment)"
		}
		frame.Goal = fg.text
		return []Result{comp, frame}
	}
	comp.Value, comp.Raw, comp.Ratio = u.compression(), float64(u.records), u.compression()
	comp.Detail = fmt.Sprintf("%s of records in %s on disk: %d %s segments, %d frames",
		size(u.records), size(u.disk), u.segments, what, u.frames)
	frac := float64(u.framing()) / float64(u.disk)
	frame.Value, frame.Raw, frame.Ratio = 100*frac, float64(u.framing()), frac
	frame.Detail = fmt.Sprintf("%d bytes of headers and padding in %s", u.framing(), size(u.disk))
	if note != "" {
		comp.Detail += "; " + note
	}
	return []Result{cg.judge(comp), fg.judge(frame)}
}

func size(n int64) string { return figure(float64(n), "bytes") }
