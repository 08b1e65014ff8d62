#!/bin/sh
# Builds libcosv4 in release mode and installs it under PREFIX:
#   PREFIX/lib/libcosv4.a, libcosv4.so.0 (+ libcosv4.so -> libcosv4.so.0)
#   PREFIX/include/cosv4.h
#   PREFIX/lib/pkgconfig/cosv4.pc     (Libs.private = rustc's native-static-libs)
#   PREFIX/lib/cmake/cosv4/           (cosv4::cosv4 shared, cosv4::cosv4_static)
#   PREFIX/bin/cosv4-upload, cosv4    (the CLIs of examples-c/, linked with libcosv4.a:
#                                      they need no libcosv4 at run time)
#
# usage: scripts/install.sh PREFIX
# environment:
#   CARGO_TARGET_DIR  where cargo builds (default: ./target)
#   COSV4_LIB_DIR     install libcosv4.a/libcosv4.so from this directory instead of building
#                     (tests use the libraries cargo test just built)
#   CC, CFLAGS        the C compiler for the CLIs (default cc, -O2)
set -eu

if [ $# -ne 1 ] || [ -z "$1" ]; then
    echo "usage: $0 PREFIX" >&2
    exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
prefix=$(cd "$1" && pwd)
version=$(sed -n 's/^version = "\([^"]*\)"$/\1/p' "$root/Cargo.toml" | head -n 1)
[ -n "$version" ] || { echo "$0: no version in Cargo.toml" >&2; exit 1; }

# The system libraries a static link needs, as rustc prints them.
native_libs=""
if [ -z "${COSV4_LIB_DIR:-}" ]; then
    target=${CARGO_TARGET_DIR:-$root/target}
    case $target in /*) ;; *) target=$root/$target ;; esac
    # One build of all crate types ([lib] crate-type) that also prints the list.
    log=$(cd "$root" && cargo rustc --release --lib -- --print native-static-libs 2>&1) || {
        printf '%s\n' "$log" >&2
        exit 1
    }
    native_libs=$(printf '%s\n' "$log" | sed -n 's/.*native-static-libs: //p' | tail -n 1)
    libdir=$target/release
else
    libdir=$COSV4_LIB_DIR
fi
if [ -z "$native_libs" ]; then
    # Cargo did not run rustc (up to date): ask rustc about an empty staticlib, which needs
    # the same system libraries (cosv4 links no native library of its own).
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    : >"$tmp/empty.rs"
    native_libs=$(${RUSTC:-rustc} --crate-type staticlib --print native-static-libs \
        -o "$tmp/libempty.a" "$tmp/empty.rs" 2>&1 | sed -n 's/.*native-static-libs: //p')
fi
[ -n "$native_libs" ] || { echo "$0: could not learn the native static libraries" >&2; exit 1; }
for f in libcosv4.a libcosv4.so; do
    [ -f "$libdir/$f" ] || { echo "$0: $libdir/$f is missing" >&2; exit 1; }
done

install -d "$prefix/lib/pkgconfig" "$prefix/lib/cmake/cosv4" "$prefix/include"
install -m 644 "$libdir/libcosv4.a" "$prefix/lib/libcosv4.a"
install -m 755 "$libdir/libcosv4.so" "$prefix/lib/libcosv4.so.0"
ln -sf libcosv4.so.0 "$prefix/lib/libcosv4.so"
install -m 644 "$root/include/cosv4.h" "$prefix/include/cosv4.h"

# @VAR@ substitution; values never contain '|'.
subst() {
    sed -e "s|@PREFIX@|$prefix|g" -e "s|@VERSION@|$version|g" \
        -e "s|@LIBS_PRIVATE@|$native_libs|g" \
        -e "s|@NATIVE_LIBS_CMAKE@|$(printf '%s' "$native_libs" | tr ' ' ';')|g" "$1" >"$2"
    chmod 644 "$2"
}
subst "$root/cosv4.pc.in" "$prefix/lib/pkgconfig/cosv4.pc"
subst "$root/cmake/cosv4Config.cmake.in" "$prefix/lib/cmake/cosv4/cosv4Config.cmake"
subst "$root/cmake/cosv4ConfigVersion.cmake.in" "$prefix/lib/cmake/cosv4/cosv4ConfigVersion.cmake"

# The CLIs, each from its one .c file (the headers beside it come along), stripped.
install -d "$prefix/bin"
for cli in cosv4-upload cosv4; do
    # shellcheck disable=SC2086 # CFLAGS and the library list are word lists
    ${CC:-cc} ${CFLAGS:--O2} -s -I"$prefix/include" "$root/examples-c/$cli.c" \
        "$prefix/lib/libcosv4.a" $native_libs -o "$prefix/bin/$cli.new"
    mv -f "$prefix/bin/$cli.new" "$prefix/bin/$cli"
    chmod 755 "$prefix/bin/$cli"
done

echo "installed cosv4 $version into $prefix (static link needs: $native_libs)"
