#!/bin/sh
# patch.sh rebuilds the vendored engine from the upstream module: it copies
# modernc.org/libquickjs at the version below from the module cache (linux
# amd64 and arm64, where workers run, and darwin amd64 and arm64, so that
# developers on a Mac can build and run the devnet) and renames each engine
# function that sbx.go wraps, so that every caller, function tables included,
# goes through the metered wrapper. Run it from this directory (the one
# holding sbx.go):
#
#	sh _patch/patch.sh
set -eu
VERSION=v0.14.0
SRC=$(go env GOMODCACHE)/modernc.org/libquickjs@$VERSION
if [ ! -d "$SRC" ]; then
	(cd "$(mktemp -d)" && go mod init tmp >/dev/null 2>&1 && go mod download modernc.org/libquickjs@$VERSION)
fi
for f in AUTHORS CONTRIBUTORS LICENSE LICENSE-LIBQUICKJS go.mod go.sum libquickjs.go etc.go types_linux.go types_other.go ccgo_linux_amd64.go ccgo_linux_arm64.go ccgo_darwin_amd64.go ccgo_darwin_arm64.go; do
	install -m 0644 "$SRC/$f" "$f"
done
# The wrapped functions: sbx.go defines each under its upstream name.
for fn in $(sed -n 's/^\/\/ wraps: //p' sbx.go); do
	for f in ccgo_linux_amd64.go ccgo_linux_arm64.go ccgo_darwin_amd64.go ccgo_darwin_arm64.go; do
		grep -q "^func $fn(" "$f" || { echo "patch.sh: $fn not found in $f" >&2; exit 1; }
		sed -i "s/^func $fn(/func ${fn}_unmetered(/" "$f"
	done
done
# Call sites the wrappers cannot reach by name: the quadratic search loops
# of String.prototype.indexOf/lastIndexOf/includes, and the string search
# of split and replace (string_indexof has no context to bill).
for f in ccgo_linux_amd64.go ccgo_linux_arm64.go ccgo_darwin_amd64.go ccgo_darwin_arm64.go; do
	sed -i 's/^\(\t*\)if !(_string_cmp(tls, p1, p11, i, 0, v_len) != 0) {$/\1if c, stop := sbxStringCmp(tls, ctx2, p1, p11, i, v_len); stop != 0 {\n\1\tgoto fail\n\1} else if !(c != 0) {/' "$f"
	sed -i 's/_string_indexof(tls, sp, /_sbx_string_indexof(tls, ctx3, sp, /' "$f"
	[ "$(grep -c 'sbxStringCmp(tls, ctx2' "$f")" = 2 ] || { echo "patch.sh: search loops not found in $f" >&2; exit 1; }
	[ "$(grep -c '_sbx_string_indexof(tls, ctx3' "$f")" = 2 ] || { echo "patch.sh: string_indexof calls not found in $f" >&2; exit 1; }
done
gofmt -l . >/dev/null
