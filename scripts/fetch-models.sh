#!/usr/bin/env bash
# fetch-models.sh DIR — put the face-api weights (model/ of the npm package
# @vladmandic/face-api@1.7.15, MIT) into DIR.
#
# The tarball comes from the npm registry through `npm pack` and must match a
# pinned SHA-256; every extracted file must match its pinned SHA-256 too. If
# DIR already holds all files with the right checksums nothing is fetched, so
# `make models` is cheap to run before every test. Any mismatch is fatal:
# weights that differ from the ones the goldens were made with would make the
# face checks fail in confusing ways. Weights are never committed.
set -euo pipefail

PKG='@vladmandic/face-api@1.7.15'
TARBALL_SHA256='0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031'

declare -A FILES=(
	[age_gender_model-weights_manifest.json]=74b60bf3ebf981bf4e661e9cca3a185614e10b25d797118b62e2a68d3ff2569f
	[age_gender_model.bin]=49f92bbc0afef2342c4385e4a2b0acb6d7a727c6f0aa539499719a81acf9abaa
	[face_expression_model-weights_manifest.json]=5b349c17c7836da506e03422cd6461c74085d8bb2713ad4114647dc5d28174c8
	[face_expression_model.bin]=9a9840f2cf1f4c7eab95f197512569345c00d2426754d4608b92af30e0300f3d
	[face_landmark_68_model-weights_manifest.json]=ca4886639f86e99b39fed0c155f81b63317225773bd9616716e887b0153389c9
	[face_landmark_68_model.bin]=4611ef65c87d836d03d684b30eec4d195d8b219fa1dd58fc58945831c6b9299b
	[face_landmark_68_tiny_model-weights_manifest.json]=9a1a5dd19fd814fd5095c3cb58f8e0d3193b8c5b9a6715b30a69d559aea31ad4
	[face_landmark_68_tiny_model.bin]=b98e9f2f7da76f8a6dda9741a36ed485b224b889d552de2b2c1bb16217f67bfc
	[face_recognition_model-weights_manifest.json]=cbaffa501b0b9275a12b63357a6843e7e30c054e1c9151e1a5f879b26e32986b
	[face_recognition_model.bin]=b413e420d6840b2775fba32008db6f3cddb07d485967fb42cfcf379c16a8c589
	[ssd_mobilenetv1_model-weights_manifest.json]=888f744dffbc84f5f060d1f8427d9742341943a2dfaaf9205d10029b7e7a2955
	[ssd_mobilenetv1_model.bin]=2835640602d53718aa6ae9a42896327eaa21beefed056c218d32ca7d79e1e2f8
	[tiny_face_detector_model-weights_manifest.json]=5d1af4849ac48d5b985f4a9b16010c512353ddd6fcc63d50fd0bc9e9e64296e5
	[tiny_face_detector_model.bin]=b7503ce7df31039b1c43316a9b865cab6a70dd748cc602d3fa28b551503c3871
)

die() {
	echo "fetch-models: $*" >&2
	exit 1
}

[[ $# -eq 1 && -n $1 ]] || die "usage: $0 DIR"
DIR=$1

sha() { sha256sum "$1" | cut -d' ' -f1; }

# verify D: 0 when every pinned file is in D with its checksum.
verify() {
	local d=$1 f
	for f in "${!FILES[@]}"; do
		[[ -f $d/$f ]] || return 1
		[[ $(sha "$d/$f") == "${FILES[$f]}" ]] || return 1
	done
}

if verify "$DIR"; then
	echo "fetch-models: $DIR already has $PKG model/ (checksums verified)"
	exit 0
fi

command -v npm >/dev/null || die "npm is needed to fetch $PKG"
command -v tar >/dev/null || die "tar is needed to unpack $PKG"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "fetch-models: npm pack $PKG"
# A registry hiccup should not fail a whole CI run: three tries, growing pauses.
for try in 1 2 3; do
  (cd "$tmp" && npm pack --silent "$PKG" >/dev/null) && break
  [[ $try == 3 ]] && die "npm pack $PKG failed 3 times"
  echo "fetch-models: npm pack failed (try $try); retrying" >&2
  sleep $((try * 5))
done
tgz=("$tmp"/*.tgz)
[[ -f ${tgz[0]} ]] || die "npm pack produced no tarball"
got=$(sha "${tgz[0]}")
[[ $got == "$TARBALL_SHA256" ]] || die "tarball checksum mismatch: got $got, want $TARBALL_SHA256"

mkdir -p "$tmp/x"
tar -xzf "${tgz[0]}" -C "$tmp/x" package/model || die "unpacking package/model failed"
verify "$tmp/x/package/model" || die "extracted model files do not match their pinned checksums"

mkdir -p "$DIR"
for f in "${!FILES[@]}"; do
	# Copy then rename so a concurrent reader never sees a half-written file.
	cp "$tmp/x/package/model/$f" "$DIR/.$f.tmp"
	mv -f "$DIR/.$f.tmp" "$DIR/$f"
done
verify "$DIR" || die "files in $DIR do not match their pinned checksums after copying"
echo "fetch-models: installed $PKG model/ into $DIR"
