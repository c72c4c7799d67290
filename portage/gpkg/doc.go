// Package gpkg reads, checks and re-signs Gentoo binary packages in the gpkg
// format (GLEP 78), the only format a verifying portage client accepts from
// a binhost.
//
// A drone uploads what its `emerge --buildpkg` wrote; the orchestrator must
// not trust it. Read checks an upload the way portage's own
// lib/portage/gpkg.py does, and stricter where a farm must be, streaming the
// file once (never whole in memory) and hashing as it reads. Rewrite then
// turns an accepted package into the farm's: a new BUILD_ID and a signature
// from the farm's key, in exactly the layout portage's gpkg-sign writes.
//
// # The container
//
// A gpkg is a plain tar (ustar or pax; GNU only for members over 8 GiB, as
// portage does) holding one folder, named PF or PF-BUILD_ID, whose members
// come in this order:
//
//	hello-1.0-1/gpkg-1                 empty; the format's identifier, always first
//	hello-1.0-1/metadata.tar.zst       a tar of metadata/<KEY> files (CATEGORY, PF, SLOT …)
//	hello-1.0-1/metadata.tar.zst.sig   armored detached signature (signed packages)
//	hello-1.0-1/image.tar.zst          the files to install
//	hello-1.0-1/image.tar.zst.sig
//	hello-1.0-1/Manifest               last; clear-signed when the package is signed
//
// The archives may be uncompressed (metadata.tar) or compressed with any of
// portage's compressors: .gz, .bz2, .lz4, .lz (lzip), .lzo, .xz, .zst (the
// default). Read decodes the metadata archive when it is zstd, gzip, bzip2
// or uncompressed, and reports ErrUnsupportedCompression otherwise.
//
// The Manifest lists every other member, one line each:
//
//	DATA metadata.tar.zst 3763 BLAKE2B <128 hex> SHA512 <128 hex>
//
// Portage accepts a member when any one hash it knows matches; Read requires
// both BLAKE2B and SHA512, and the size.
//
// # What Read refuses
//
// Every refusal matches one sentinel error (errors.go), so the caller can
// name the reason in a `rejected` event: not a tar, a second top folder, an
// absolute or `..` path, a link, device or folder entry, an unknown or
// duplicate member, members out of order, a member over its size bound, a
// member missing from the Manifest or listed but absent, a size or hash
// mismatch, a metadata archive that does not decode or lacks CATEGORY/PF.
//
// # Signing
//
// Signatures are OpenPGP v4 with SHA512, made with ProtonMail/go-crypto
// (key.go, sign.go): armored detached signatures (binary, class 0x00) per
// member except gpkg-1, and a clear-signed (text, class 0x01) Manifest whose
// armor carries the CRC24 line gpg 2.2 needs. A client trusts the farm's
// public key in its portage gnupg home. Read checks the Manifest's
// signature; VerifyMemberSignatures (membersig.go) checks each archive's
// .sig in a second pass, as portage does before it installs.
package gpkg
