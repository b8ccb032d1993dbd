#!/usr/bin/env bash
# Builds QuickJS, the C original, into build/ for the cquickjs benchmarks
# (go test -tags cquickjs). The argument is a checkout of
# github.com/bellard/quickjs; docs/engines.md was measured at d73189d
# (2026-05-21), the upstream of modernc.org/libquickjs v0.14.0.
# Compiled as upstream's Makefile compiles the library, without its -flto.
set -euo pipefail
src=${1:?usage: build.sh QUICKJS_SOURCE_DIR}
out="$(cd "$(dirname "$0")" && pwd)/build"
rm -rf "$out"
mkdir -p "$out/include"
cp "$src/quickjs.h" "$out/include/"
version=$(cat "$src/VERSION")
for f in quickjs dtoa libregexp libunicode cutils; do
	cc -O2 -fwrapv -D_GNU_SOURCE -DCONFIG_VERSION="\"$version\"" -c "$src/$f.c" -o "$out/$f.o"
done
ar rcs "$out/libquickjs.a" "$out"/*.o
rm "$out"/*.o
echo "built $out/libquickjs.a from QuickJS $version"
