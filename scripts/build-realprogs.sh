#!/usr/bin/env bash
# Builds the two real programs the lua-* and awk-* workloads run, for riscv32 against the musl
# sysroot, into a cache directory outside the repository: Lua 5.4 (the interpreter, lua.c and
# liblua) and The One True Awk (original-awk). Nothing of either is kept in the repository: the
# upstream tarballs of Debian's source packages are downloaded and checked against the SHA-256 sums
# below (scripts/lib/debian-source.sh), then built with their own Makefiles and
# workloads/tools/rv32-musl-cc, unpatched.
#
#   npm run build:realprogs            build once (about a minute), then print the build's path
#   npm run build:realprogs -- --path  print where the build is (or would be) and exit
#
# Output, in the build directory:
#   lua/lua, awk/awk       the programs as built by their Makefiles (static riscv32 ELFs), for
#                          `cptbench exec .../lua/lua -e 'print(1)'` and the like
#   lua/lua.a, awk/awk.a   every object of the program, with main renamed real_main, for
#                          workloads/build.sh: a workload ELF is one of them linked with
#                          workloads/realprog/embed.c, which runs real_main on the workload's script
#   VERSIONS, .complete    what went in; the build is used only once .complete exists
#
# Why these: Lua 5.4 (MIT) is an interpreter with its own allocator use, GC, coroutines and
# string library; original-awk (the awk of Aho, Weinberger and Kernighan; a permissive
# Lucent licence) is a text-processing tool with regular expressions, fields and printf. Its
# grammar needs yacc: Debian's bison, as its makefile says, and a host cc for its maketab.
# original-awk comes from bookworm (2022-09-12): trixie's 2025-01-16 is not on every mirror.
#
# Where it goes: $CPTBENCH_REALPROGS if set, else ~/.cache/cptbench/<key>, the key naming both
# versions, the sysroot (musl, UAPI, gcc), bison's version (its parser is in awk) and the hash of
# this script and the compiler wrapper.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$HERE/.."
# shellcheck source=lib/debian-source.sh
. "$HERE/lib/debian-source.sh"

LUA_VERSION=5.4.7
LUA_TARBALL=lua5.4_${LUA_VERSION}.orig.tar.gz
LUA_PATH=pool/main/l/lua5.4/$LUA_TARBALL
LUA_SHA256=9fbf5e28ef86c69858f6d3d34eccc32e911c1a28b4120ff3e84aaa70cfbf1e30
LUA_SIZE=374097
AWK_VERSION=2022-09-12
AWK_TARBALL=original-awk_${AWK_VERSION}.orig.tar.gz
AWK_PATH=pool/main/o/original-awk/$AWK_TARBALL
AWK_SHA256=25e0846d5a4a20e90304bee282b068f65966406178a1e737fa0ac6744aef71d9
AWK_SIZE=1840757

CC_WRAPPER="$ROOT/workloads/tools/rv32-musl-cc"
RISCV_CC=${RISCV_CC:-riscv64-unknown-elf-gcc}
CROSS=riscv64-unknown-elf-
die() { echo "build-realprogs: $*" >&2; exit 1; }

command -v "$RISCV_CC" >/dev/null 2>&1 || die "$RISCV_CC not found (Debian: apt-get install gcc-riscv64-unknown-elf)"
command -v bison >/dev/null 2>&1 || die "bison not found (Debian: apt-get install bison): original-awk's grammar needs it"
SYSROOT=${CPTBENCH_SYSROOT:-$(bash "$HERE/build-sysroot.sh" --path)}
BISON_VERSION=$(bison --version | sed -n '1s/.* //p')
SCRIPT_HASH=$(cat "$0" "$HERE/lib/debian-source.sh" "$CC_WRAPPER" | sha256sum | cut -c1-12)
KEY=realprogs-lua-${LUA_VERSION}_awk-${AWK_VERSION}_bison-${BISON_VERSION}_$(basename "$SYSROOT")_$SCRIPT_HASH
DEST=${CPTBENCH_REALPROGS:-$CPTBENCH_CACHE_DIR/$KEY}

if [ "${1:-}" = "--path" ]; then echo "$DEST"; exit 0; fi
if [ -f "$DEST/.complete" ]; then echo "$DEST"; exit 0; fi

debian_need build-realprogs curl sha256sum tar make gcc stat "${CROSS}ar" "${CROSS}objcopy"
[ -f "$SYSROOT/.complete" ] || SYSROOT=$(bash "$HERE/build-sysroot.sh")
export CPTBENCH_SYSROOT=$SYSROOT

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cptbench-realprogs.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
debian_fetch build-realprogs "$LUA_PATH" "$WORK/$LUA_TARBALL" "$LUA_SHA256" "$LUA_SIZE"
debian_fetch build-realprogs "$AWK_PATH" "$WORK/$AWK_TARBALL" "$AWK_SHA256" "$AWK_SIZE"
tar -xzf "$WORK/$LUA_TARBALL" -C "$WORK"
tar -xzf "$WORK/$AWK_TARBALL" -C "$WORK"

STAGE=$DEST.partial
rm -rf "$STAGE"
mkdir -p "$STAGE/lua" "$STAGE/awk"

# -ffile-prefix-map keeps the build directory out of the objects; the sections let the workload's
# link drop what its program never calls. -L: the Makefiles link -lm, which musl's libc.a holds
# (the sysroot's libm.a is an empty stub).
SECTIONS="-ffunction-sections -fdata-sections -ffile-prefix-map=$WORK=."

# pack NAME DIR OBJS...: DIR/NAME.a from the objects, main renamed real_main (objcopy on a copy).
pack() {
  local name=$1 dir=$2 o objs=()
  shift 2
  mkdir -p "$WORK/pack-$name"
  for o in "$@"; do
    cp "$dir/$o" "$WORK/pack-$name/$o"
    objs+=("$WORK/pack-$name/$o")
  done
  "${CROSS}objcopy" --redefine-sym main=real_main "$WORK/pack-$name/$1"
  (cd "$WORK/pack-$name" && "${CROSS}ar" rcsD "$STAGE/$name/$name.a" "$@")
}

echo "build-realprogs: building Lua $LUA_VERSION" >&2
LUA_SRC=$WORK/lua-$LUA_VERSION/src
# The `posix` target: LUA_USE_POSIX (mkstemp, popen, fseeko) without LUA_USE_DLOPEN: static.
make -C "$LUA_SRC" -j"$(nproc)" posix CC="$CC_WRAPPER -std=gnu99" \
  AR="${CROSS}ar rcD" RANLIB="${CROSS}ranlib -D" MYCFLAGS="$SECTIONS" MYLDFLAGS="-L$SYSROOT/lib" \
  >"$STAGE/lua/build.log" 2>&1 || { tail -30 "$STAGE/lua/build.log" >&2; die "Lua did not build (log above)"; }
cp "$LUA_SRC/lua" "$STAGE/lua/lua"
# lua.o first (its main becomes real_main), then liblua.a's objects in the archive's order.
mapfile -t LUA_OBJS < <("${CROSS}ar" t "$LUA_SRC/liblua.a")
pack lua "$LUA_SRC" lua.o "${LUA_OBJS[@]}"

echo "build-realprogs: building original-awk $AWK_VERSION" >&2
AWK_SRC=$WORK/original-awk-$AWK_VERSION
# CC is the cross compiler, HOSTCC builds maketab (it runs here to write proctab.c); the
# makefile's YACC is bison -d.
make -C "$AWK_SRC" CC="$CC_WRAPPER" HOSTCC=gcc CFLAGS="-O2 $SECTIONS" ALLOC="-L$SYSROOT/lib" \
  >"$STAGE/awk/build.log" 2>&1 || { tail -30 "$STAGE/awk/build.log" >&2; die "original-awk did not build (log above)"; }
cp "$AWK_SRC/a.out" "$STAGE/awk/awk"
pack awk "$AWK_SRC" main.o awkgram.tab.o b.o parse.o proctab.o tran.o lib.o run.o lex.o

cat >"$STAGE/VERSIONS" <<EOF
lua $LUA_VERSION $LUA_TARBALL sha256 $LUA_SHA256
original-awk $AWK_VERSION $AWK_TARBALL sha256 $AWK_SHA256
bison $BISON_VERSION
sysroot $(basename "$SYSROOT")
EOF
touch "$STAGE/.complete"
rm -rf "$DEST"
mv "$STAGE" "$DEST"
echo "$DEST"
