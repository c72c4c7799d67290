// Package events holds swarm's event types and the durable log they live in.
//
// Everything swarm knows is an event appended here; the queue, the drones and
// the status are projections folded from them. So the log is built like
// etcd's WAL and restic's repository: a length that cannot be half-written, a
// checksum per frame, a hash chain across the whole log (like git), a torn
// last write told apart from damage, fsync before an append returns, and a
// format written down here and frozen by a golden test.
//
// # Files
//
// The log is a folder (.swarm/events/) of segment files named by the
// sequence number of their first event, zero-padded to 20 digits so that
// names sort in log order: 00000000000000000001.seg, 00000000000000228001.seg.
// Beside them: LOCK (the OS lock writers take for each group commit),
// NAME.seg.torn-OFFSET (bytes cut off a torn tail, kept for forensics) and
// NAME.seg.*.tmp (a seal that did not finish; removed on open).
//
// All integers in headers are little-endian. Every frame starts at an offset
// that is a multiple of 8.
//
// # Segment header (56 bytes)
//
//	0   8  magic "SWARMLOG"
//	8   4  format version (1)
//	12  4  crc32c (Castagnoli) of bytes 0..12 and 16..56
//	16  8  sequence number of the segment's first event
//	24 32  chain value before that event
//
// # Frame (56-byte header, body, 0-7 bytes of zero padding)
//
//	0   4  body length L (bytes stored, after compression)
//	4   4  crc32c of bytes 0..4, 8..56 and the body: everything but itself
//	8   1  flags: 1 = body is zstd-compressed, 2 = records are delta-coded
//	9   1  padding after the body, to the next multiple of 8
//	10  2  reserved, zero
//	12  4  number of events in the frame
//	16  8  sequence number of the first event
//	24 32  chain value before the first event
//	56  L  body
//
// The length and the checksum share the frame's first aligned 8-byte word,
// which a crash cannot half-write: a frame is either whole (length and
// checksum agree with the bytes) or it is not. One frame holds one group
// commit: all the events of the Append calls that shared one fsync. An Append
// is never split between frames, so a bulk append is atomic.
//
// # Records
//
// A body is a sequence of records, each preceded by its length as a uvarint.
// A record is the canonical encoding of one event:
//
//	uvarint  sequence number
//	varint   time, milliseconds since 1970 UTC (zigzag, as encoding/binary)
//	uvarint  type (see the Type constants; numbers are fixed forever)
//	fields   each a uvarint key (field number << 3 | wire type) and a value:
//	         wire type 0 is a uvarint, 2 is a uvarint length and that many bytes
//
// Field numbers are listed in codec.go. A reader skips fields it does not
// know, so new fields need no format change; a new wire type or a changed
// meaning does (a new format version).
//
// # Hash chain
//
// chain(0) is 32 zero bytes; chain(n) = SHA-256(chain(n-1) || record n). Each
// frame and segment names the chain value before its first event; Verify
// recomputes the chain over the whole log and compares. The chain is over
// canonical records, not frames, so it is the same however events are framed.
//
// # Sealing
//
// Appends write "loose" frames, one per group commit (a body of 512 bytes
// or more is compressed with a fast zstd level when that saves at least an
// eighth). A single event does not compress on its own, so when the tail
// segment reaches its size limit (4 MiB by default) it is sealed: rewritten,
// under the lock, as frames of about 256 KiB of records compressed with a
// stronger zstd level, and atomically put in place of the loose file (temp
// name, fsync, rename, fsync folder). Sealed frames are delta-coded: each
// record's sequence number is dropped (it is the frame's first plus the
// record's index) and its time is stored as the difference from the record
// before. A reader restores the canonical records. Then the next segment
// begins. A reader holding the old file open still reads the same events.
//
// # Recovery
//
// A writer opening the log reads the newest segment. If its last frame is
// short, has a bad checksum or an impossible header, and no whole frame
// follows it anywhere, that is a torn write from a crash: the bytes from
// there on are saved beside the segment and cut, the segment is fsynced, and
// a warning is logged. A bad frame followed by a good one, a bad frame in an
// older segment, or sequence numbers that do not follow, is damage:
// ErrCorrupt naming the segment and offset, and the log will not append.
//
// # Worked example
//
// One event, enqueued by the operator at 2026-01-23T02:00:00Z, in a new log
// (xxd of 00000000000000000001.seg):
//
//	00000000: 5357 4152 4d4c 4f47 0100 0000 53bc af01  SWARMLOG....S...
//	00000010: 0100 0000 0000 0000 0000 0000 0000 0000  ................
//	00000020: 0000 0000 0000 0000 0000 0000 0000 0000  ................
//	00000030: 0000 0000 0000 0000 2a00 0000 deb7 a43d  ........*......=
//	00000040: 0006 0000 0100 0000 0100 0000 0000 0000  ................
//	00000050: 0000 0000 0000 0000 0000 0000 0000 0000  ................
//	00000060: 0000 0000 0000 0000 0000 0000 0000 0000  ................
//	00000070: 2901 80b4 a389 fd66 010a 086f 7065 7261  )......f...opera
//	00000080: 746f 7212 1573 7973 2d64 6576 656c 2f6c  tor..sys-devel/l
//	00000090: 6c76 6d2d 3139 2e31 2e37 0000 0000 0000  lvm-19.1.7......
//
// Segment header: magic, version 1, crc 0x01afbc53, first seq 1, chain value
// before it all zeros. The frame at 0x38: body length 0x2a (42), crc
// 0x3da4b7de, flags 0 (stored raw), 6 bytes of padding, 1 event, first seq
// 1, chain value before it all zeros. The body at 0x70: record length 0x29
// (41); seq 1; time 80b4a389fd66 (zigzag varint of 1769133600000 ms); type 01
// (enqueued); field 1 (actor, key 0x0a) of 8 bytes "operator"; field 2
// (atom, key 0x12) of 0x15 bytes "sys-devel/llvm-19.1.7"; then 6 zero bytes
// of padding. The chain value after seq 1 is SHA-256 of 32 zero bytes
// followed by the 41 record bytes.
package events
