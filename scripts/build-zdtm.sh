#!/usr/bin/env bash
# Builds CRIU's ZDTM static tests for riscv32 against the musl sysroot, into a cache directory
# outside the repository, for `cptbench zdtm`. Nothing of CRIU is kept in the repository:
# scripts/fetch-criu.sh downloads it (checksummed), and this copies test/zdtm next to the build.
#
#   npm run build:zdtm                 build once (a few minutes on 2 cores), print the build's path
#   npm run build:zdtm -- --path       print where the build is (or would be) and exit
#
# CRIU's own Makefiles drive the build, with CC=workloads/tools/rv32-musl-cc. Make itself answers
# what the suite consists of, so nothing is copied out of static/Makefile by hand:
#   - the test lists: the Makefile's variables TST (every static test) and TST_NOFILE, TST_FILE,
#     TST_DIR, TST_DIR_FILE (make --eval prints them);
#   - each test's command line (--pidfile, --outfile, --filename, --dirname and the per-test
#     extras such as env00's --envname): `make -n NAME.pid`, the rule zdtm.py runs;
#   - each test's CFLAGS/LDLIBS: make applies them when it builds the test.
# One make per test, so a test that does not compile (x86-only asm, a glibc-only header, a library
# the sysroot lacks) is recorded with the compiler's own message and the others go on. Tests are not
# patched; workloads/zdtm/rv32-compat.h (force-included) only renames syscall numbers riscv32
# lacks, each shim listed there with why. -Wno-error (through USERCFLAGS, CRIU's own hook): a
# warning that musl's headers give where glibc's do not is not a build failure; it stays in the log.
#
# Output, in the build directory:
#   zdtm/static/NAME       the ELF of each test that built
#   index/NAME.kind        nofile|file|dir|dirfile|other (which of the Makefile's lists holds it)
#   index/NAME.cmd         the start command (`make -n NAME.pid`), e.g. ./env00 --pidfile=... --envname=...
#   index/NAME.log         the build's output (compiler messages when it failed)
#   tests.list             every static test, in the Makefile's order
#   zdtm/transition/NAME   the transition tests that need no network (TRANSITION below), and
#   index/transition/NAME.{kind,cmd,log}, transition.list   the same files for them
#   .complete              the build finished (a test failing to compile does not stop it)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$HERE/.."
CC_WRAPPER="$ROOT/workloads/tools/rv32-musl-cc"
COMPAT="$ROOT/workloads/zdtm/rv32-compat.h"
SHIM_SRC="$ROOT/workloads/tools/cpt-self.c"
RISCV_CC=${RISCV_CC:-riscv64-unknown-elf-gcc}
die() { echo "build-zdtm: $*" >&2; exit 1; }

command -v "$RISCV_CC" >/dev/null 2>&1 || die "$RISCV_CC not found (Debian: apt-get install gcc-riscv64-unknown-elf)"
SYSROOT=${CPTBENCH_SYSROOT:-$(bash "$HERE/build-sysroot.sh" --path)}
CRIU_SRC=$(bash "$HERE/fetch-criu.sh" --path)
# The key names everything that changes the result: CRIU's version, the sysroot (musl, UAPI, gcc),
# and this script and the compat header (their hash).
SCRIPT_HASH=$(cat "$0" "$COMPAT" "$CC_WRAPPER" "$SHIM_SRC" | sha256sum | cut -c1-12)
KEY=zdtm-$(basename "$CRIU_SRC")_$(basename "$SYSROOT")_$SCRIPT_HASH
BUILD=${CPTBENCH_ZDTM_BUILD:-${XDG_CACHE_HOME:-$HOME/.cache}/cptbench/$KEY}

if [ "${1:-}" = "--path" ]; then echo "$BUILD"; exit 0; fi
if [ -f "$BUILD/.complete" ]; then echo "$BUILD"; exit 0; fi

[ -f "$SYSROOT/.complete" ] || SYSROOT=$(bash "$HERE/build-sysroot.sh")
CRIU_SRC=$(bash "$HERE/fetch-criu.sh")
command -v make >/dev/null 2>&1 || die "make not found"

STAGE=$BUILD.partial
rm -rf "$STAGE"
mkdir -p "$STAGE/index"
cp -r "$CRIU_SRC/zdtm" "$STAGE/zdtm"
cp "$CRIU_SRC/VERSIONS" "$STAGE/VERSIONS"
echo "sysroot $(basename "$SYSROOT")" >>"$STAGE/VERSIONS"

# The self-checkpoint shim (workloads/tools/cpt-self.c: a constructor, inert without
# CPTBENCH_CKPT) goes into every test's link as an object, so it is linked whether or not anything
# refers to it; the tests themselves are not touched.
"$CC_WRAPPER" -c -O2 -Wall -o "$STAGE/cpt-self.o" "$SHIM_SRC" 2>"$STAGE/shim.log" \
  || { cat "$STAGE/shim.log" >&2; die "the self-checkpoint shim did not compile"; }

# ARCH: lib/arch/riscv64 holds the only arch header (atomics) and serves rv32 as well: it uses
# the compiler's builtins. The archiver must be the cross one for the rv32 objects.
MAKEVARS=(
  ARCH=riscv64
  "CC=$CC_WRAPPER"
  AR=riscv64-unknown-elf-ar
  "USERCFLAGS=-include $COMPAT -Wno-error"
  "LDFLAGS=-L$SYSROOT/lib $STAGE/cpt-self.o"
)
export CPTBENCH_SYSROOT=$SYSROOT

echo "build-zdtm: building libzdtmtst in $STAGE" >&2
make --no-print-directory -C "$STAGE/zdtm/lib" "${MAKEVARS[@]}" libzdtmtst.a >"$STAGE/lib.log" 2>&1 \
  || { tail -30 "$STAGE/lib.log" >&2; die "libzdtmtst did not build (log above)"; }

S=$STAGE/zdtm/static
mkvar() { make -s --no-print-directory -C "$S" "${MAKEVARS[@]}" --eval 'cptbench-print-%: ; @echo $($*)' "cptbench-print-$1"; }
: >"$STAGE/tests.list"
for t in $(mkvar TST); do echo "$t" >>"$STAGE/tests.list"; echo other >"$STAGE/index/$t.kind"; done
for pair in nofile:TST_NOFILE file:TST_FILE dir:TST_DIR dirfile:TST_DIR_FILE; do
  for t in $(mkvar "${pair#*:}"); do echo "${pair%%:*}" >"$STAGE/index/$t.kind"; done
done
[ -s "$STAGE/tests.list" ] || die "static/Makefile lists no tests (TST is empty)"

# Objects several tests share: built first, so parallel makes do not race on them.
make --no-print-directory -C "$S" "${MAKEVARS[@]}" get_smaps_bits.o ofd_file_locks.o >"$STAGE/aux.log" 2>&1 || true

build_one() {
  local t=$1
  # -o LIB: libzdtmtst is built; do not let each test's make re-enter lib/ concurrently.
  make -n --no-print-directory -C "$S" "${MAKEVARS[@]}" -o "$t" -o ../lib/libzdtmtst.a "$t.pid" >"$STAGE/index/$t.cmd" 2>/dev/null || true
  make --no-print-directory -C "$S" "${MAKEVARS[@]}" -o ../lib/libzdtmtst.a "$t" >"$STAGE/index/$t.log" 2>&1 || true
}
export -f build_one
export STAGE S
n=$(wc -l <"$STAGE/tests.list")
echo "build-zdtm: building $n static tests (one make each, $(nproc) at a time)" >&2
# xargs runs build_one through bash; the make variables travel as an array rebuilt from a file.
printf '%s\n' "${MAKEVARS[@]}" >"$STAGE/makevars"
xargs -P "$(nproc)" -I{} bash -c 'mapfile -t MAKEVARS <"$STAGE/makevars"; build_one "$1"' _ {} <"$STAGE/tests.list"
built=0
while read -r t; do [ -x "$S/$t" ] && built=$((built + 1)); done <"$STAGE/tests.list"
echo "build-zdtm: $built of $n static tests built" >&2

# The transition tests (zdtm/transition: they change state continuously while zdtm.py
# checkpoints them) that need no network, ptrace, rseq or AIO: the ones issue 16 names. The others
# (socket-tcp*, socket_loop00, netlink00, pidfd_store_sk, ptrace, rseq0*, file_aio, ipc, lazy-thp,
# ...) are not built. Same make variables, same shim; the Makefile's lists give their kind.
TRANSITION=(fork fork2 epoll fifo_loop pipe_loop00 unix_sock maps007 thread-bomb pid_reuse shmem)
T=$STAGE/zdtm/transition
mkdir -p "$STAGE/index/transition"
: >"$STAGE/transition.list"
nofile=" $(make -s --no-print-directory -C "$T" "${MAKEVARS[@]}" --eval 'cptbench-print-%: ; @echo $($*)' cptbench-print-TST_NOFILE) "
for t in "${TRANSITION[@]}"; do
  echo "$t" >>"$STAGE/transition.list"
  if [[ "$nofile" == *" $t "* ]]; then echo nofile; else echo file; fi >"$STAGE/index/transition/$t.kind"
  make -n --no-print-directory -C "$T" "${MAKEVARS[@]}" -o "$t" -o ../lib/libzdtmtst.a "$t.pid" >"$STAGE/index/transition/$t.cmd" 2>/dev/null || true
  make --no-print-directory -C "$T" "${MAKEVARS[@]}" -o ../lib/libzdtmtst.a "$t" >"$STAGE/index/transition/$t.log" 2>&1 || true
done
tbuilt=0
for t in "${TRANSITION[@]}"; do [ -x "$T/$t" ] && tbuilt=$((tbuilt + 1)); done
echo "build-zdtm: $tbuilt of ${#TRANSITION[@]} transition tests built" >&2

touch "$STAGE/.complete"
rm -rf "$BUILD"
mv "$STAGE" "$BUILD"
echo "$BUILD"
