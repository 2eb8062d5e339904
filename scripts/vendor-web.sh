#!/usr/bin/env bash
# vendor-web.sh — copy the pinned front-end libraries from the npm registry
# into edge/web/vendor/ (served, embedded in the binary) and
# edge/web/testdata/vendor/ (browser tests only), then rewrite
# edge/web/vendor.sha256, the checksum list a Go test holds the committed
# files to (edge/web/vendor_test.go).
#
# Why vendored and committed: the pages are embedded with go:embed, so a clean
# clone must build and run (`make run`) with no npm and no network, and the
# browser never talks to a CDN. This script is only for changing a version.
#
# Each tarball comes from the registry through `npm pack` and must match the
# registry's sha512 integrity pinned below (the value `npm view PKG@VER
# dist.integrity` prints); a mismatch is fatal. To add a library: add its
# PKGS line and FILES lines, run `bash scripts/vendor-web.sh`, commit the
# files and vendor.sha256 together.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WEB=$ROOT/edge/web

# name@version  sha512 integrity (npm view NAME@VERSION dist.integrity)
declare -A PKGS=(
	[preact@10.27.2]='sha512-5SYSgFKSyhCbk6SrXyMpqjb5+MQBgfvEKE/OC+PujcY34sOpqtr+0AZQtPYx5IA6VxynQ7rUPCtKzyovpj9Bpg=='
	[htm@3.1.1]='sha512-983Vyg8NwUE7JkZ6NmOqpCZ+sh1bKv2iYTlUkzlWmA5JD2acKoxd4KVxbMmxX/85mtfdnDmTFoNKcg5DGAvxNQ=='
	[axe-core@4.11.0]='sha512-ilYanEU8vxxBexpJd8cWM4ElSQq4QctCLKih0TSfjIfCQTeyH/6zVrmIJfLPrKTKJRbiG+cfnZbQIjAlJmF1jQ=='
)

# name@version  file in the package  destination under edge/web
FILES=(
	'preact@10.27.2 dist/preact.module.js vendor/preact.module.js'
	'preact@10.27.2 hooks/dist/hooks.module.js vendor/preact-hooks.module.js'
	'preact@10.27.2 LICENSE vendor/preact.LICENSE'
	'htm@3.1.1 dist/htm.module.js vendor/htm.module.js'
	'htm@3.1.1 LICENSE vendor/htm.LICENSE'
	'axe-core@4.11.0 axe.min.js testdata/vendor/axe.min.js'
	'axe-core@4.11.0 LICENSE testdata/vendor/axe-core.LICENSE'
)

die() {
	echo "vendor-web: $*" >&2
	exit 1
}
command -v npm >/dev/null || die "npm is needed to change vendored versions (the committed files need none)"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

for spec in "${!PKGS[@]}"; do
	want=${PKGS[$spec]}
	dir=$TMP/$spec
	mkdir -p "$dir"
	(cd "$dir" && npm pack --silent "$spec" >/dev/null) || die "npm pack $spec failed"
	tgz=$(ls "$dir"/*.tgz)
	got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
	[[ $got == "$want" ]] || die "$spec: tarball integrity $got, pinned $want"
	tar xzf "$tgz" -C "$dir"
done

for line in "${FILES[@]}"; do
	read -r spec src dest <<<"$line"
	[[ -f $TMP/$spec/package/$src ]] || die "$spec has no $src"
	mkdir -p "$(dirname "$WEB/$dest")"
	cp "$TMP/$spec/package/$src" "$WEB/$dest"
done

# Browsers cannot resolve the bare specifier "preact" without an import map
# (an inline one would need a CSP exception): point the hooks at the file.
sed -i 's#from"preact"#from"./preact.module.js"#g' "$WEB/vendor/preact-hooks.module.js"
grep -q 'from"./preact.module.js"' "$WEB/vendor/preact-hooks.module.js" || die "hooks import not rewritten"

# CodeMirror 6 (the code editor, problem.js) ships as about twenty ES
# modules importing each other by bare name, which browsers cannot resolve
# without an import map: it is bundled once, with esbuild, into one ES module.
# scripts/codemirror/ pins every version: package-lock.json holds each
# tarball's sha512, which `npm ci` checks (a mismatch is fatal); entry.js
# lists what the pages import. esbuild's output is deterministic, so a re-run
# reproduces the committed file byte for byte. To upgrade: `npm install
# PKG@VER` in scripts/codemirror, then run this script.
BUNDLES=(vendor/codemirror.js vendor/codemirror.LICENSE)
cp -r "$ROOT/scripts/codemirror" "$TMP/cm"
rm -rf "$TMP/cm/node_modules"
(cd "$TMP/cm" && npm ci --silent --no-audit --no-fund --ignore-scripts >/dev/null) || die "npm ci in scripts/codemirror failed"
"$TMP/cm/node_modules/.bin/esbuild" "$TMP/cm/entry.js" --bundle --format=esm --minify --legal-comments=none \
	--target=es2020 --log-level=warning --outfile="$WEB/vendor/codemirror.js" || die "esbuild failed"
cp "$TMP/cm/node_modules/codemirror/LICENSE" "$WEB/vendor/codemirror.LICENSE"

(cd "$WEB" && {
	for line in "${FILES[@]}"; do
		read -r _ _ dest <<<"$line"
		sha256sum "$dest"
	done
	for dest in "${BUNDLES[@]}"; do sha256sum "$dest"; done
} | sort -k2) >"$WEB/vendor.sha256"
echo "vendor-web: wrote $(wc -l <"$WEB/vendor.sha256") files; commit them with edge/web/vendor.sha256"
