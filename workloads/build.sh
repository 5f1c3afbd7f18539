#!/usr/bin/env bash
# Builds the guest runtime and every workload into workloads/bin/<name>.elf.
#
#   bash workloads/build.sh            build (npm run build:workloads)
#   bash workloads/build.sh --check    rebuild in a temporary copy of workloads/ and compare
#                                      byte for byte with the committed bin/*.elf
#   bash workloads/build.sh --record   run each ELF under qemu-riscv32 with the manifest's
#                                      argv/env and write expected/<name>.{stdout,stderr,exit};
#                                      entries with "oracle": "hand" keep their hand-written files,
#                                      "role": "controller" ones ("oracle": "none") have none;
#                                      "cwd": "tmp" runs in a fresh temporary directory, "init": true
#                                      as pid 1 of a new pid namespace (unshare) with 1024 fds
#
# The build is reproducible: it runs from this directory with relative paths only,
# maps the directory prefix away, links in a fixed order, emits no build-id and
# archives deterministically, so another checkout produces identical bytes.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"

CC=${RISCV_CC:-riscv64-unknown-elf-gcc}
AR=${RISCV_AR:-riscv64-unknown-elf-ar}
QEMU=${QEMU_RISCV32:-qemu-riscv32}
MABI=ilp32d
OBJ=build/obj

die() { echo "build.sh: $*" >&2; exit 1; }

need() {
  command -v "$1" >/dev/null 2>&1 || die "$1 not found (Debian: apt-get install $2)"
}

manifest() { node tools/manifest.mjs "$1" manifest.json; }

CFLAGS_COMMON=(
  -mabi=$MABI -O2 -std=gnu11 -fno-math-errno
  -nostdlib -ffreestanding -static -fno-pic -fno-pie
  -fno-common -fno-asynchronous-unwind-tables -fno-unwind-tables
  -ffunction-sections -fdata-sections
  -Wall -Wextra -Wno-unused-parameter
  "-ffile-prefix-map=$HERE=."
  -Iruntime
)
LDFLAGS=(-Wl,--gc-sections -Wl,--build-id=none -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments)

RUNTIME_SRCS=(runtime/string.c runtime/stdlib.c runtime/stdio.c runtime/malloc.c runtime/cpt.c
              runtime/os.c runtime/thread.c runtime/clone.S runtime/setjmp.S)

# build_runtime MARCH -> $OBJ/MARCH/{crt0.o,libcrt.a}
build_runtime() {
  local march=$1 d=$OBJ/$1 objs=() s o
  mkdir -p "$d"
  "$CC" -march="$march" "${CFLAGS_COMMON[@]}" -c runtime/crt0.S -o "$d/crt0.o"
  for s in "${RUNTIME_SRCS[@]}"; do
    o=$d/$(basename "${s%.*}").o
    "$CC" -march="$march" "${CFLAGS_COMMON[@]}" -c "$s" -o "$o"
    objs+=("$o")
  done
  rm -f "$d/libcrt.a"
  "$AR" rcsD "$d/libcrt.a" "${objs[@]}"
}

build_all() {
  need "$CC" gcc-riscv64-unknown-elf
  need node nodejs
  local list name march built=()
  list=$(manifest build)
  rm -rf "$OBJ"
  mkdir -p bin "$OBJ"
  declare -A have_rt=()
  while IFS=$'\t' read -r name march libc program role; do
    if [ "$program" != - ]; then
      build_realprog "$name" "$march" "$program"
      built+=("$name")
      continue
    fi
    if [ "$libc" = musl ]; then
      build_libc "$name" "$march" "$role"
      built+=("$name")
      continue
    fi
    [ -f "src/$name.c" ] || die "manifest names $name but src/$name.c is missing"
    if [ -z "${have_rt[$march]:-}" ]; then build_runtime "$march"; have_rt[$march]=1; fi
    "$CC" -march="$march" "${CFLAGS_COMMON[@]}" -c "src/$name.c" -o "$OBJ/$name.o"
    "$CC" -march="$march" "${CFLAGS_COMMON[@]}" "${LDFLAGS[@]}" -o "bin/$name.elf" \
      "$OBJ/$march/crt0.o" "$OBJ/$name.o" "$OBJ/$march/libcrt.a" -lgcc
    built+=("$name")
  done <<<"$list"
  local f
  for f in src/*.c libc/*.c realprog/*.lua realprog/*.awk; do
    [ -f "$f" ] || continue
    name=$(basename "${f%.*}")
    [[ " ${built[*]} " == *" $name "* ]] || die "$f is not in manifest.json"
  done
  for f in bin/*.elf; do
    name=$(basename "${f%.elf}")
    [[ " ${built[*]} " == *" $name "* ]] || { echo "build.sh: removing stale $f" >&2; rm -f "$f"; }
  done
  echo "built ${#built[@]} workloads into workloads/bin"
}

# The libc family: real C programs against the musl sysroot (npm run build:sysroot), one file each.
LIBC_CFLAGS=(-O2 -std=gnu11 -Wall -Wextra -Wno-unused-parameter -ffunction-sections -fdata-sections
             -fno-asynchronous-unwind-tables "-ffile-prefix-map=$HERE=." -Wl,--gc-sections)

sysroot() {
  if [ -z "${CPTBENCH_SYSROOT:-}" ]; then
    CPTBENCH_SYSROOT=$(bash "$HERE/../scripts/build-sysroot.sh" --path)
    export CPTBENCH_SYSROOT
  fi
  [ -f "$CPTBENCH_SYSROOT/.complete" ] || die "libc workloads need the musl sysroot: run 'npm run build:sysroot' first"
}

# build_libc NAME MARCH ROLE -> bin/NAME.elf from libc/NAME.c; a workload gets the self-checkpoint
# shim (tools/cpt-self.c: cpt_mark, and the CPT_SIGNAL handler a constructor installs only under
# cptbench's self initiator), as ZDTM's tests have it: the self initiator can then checkpoint a
# libc program at its marks and at random points, and nothing changes anywhere else. A controller
# is not checkpointed as itself and gets none: zdtm-selftest stands in for a ZDTM test built
# without the shim (the runner's tests check that the self design says so).
build_libc() {
  [ "$2" = rv32imafdc ] || die "libc workload $1: the musl sysroot is rv32imafdc only"
  [ -f "libc/$1.c" ] || die "manifest names $1 but libc/$1.c is missing"
  sysroot
  local shim=(tools/cpt-self.c)
  [ "$3" = workload ] || shim=()
  tools/rv32-musl-cc "${LIBC_CFLAGS[@]}" "libc/$1.c" "${shim[@]}" -o "bin/$1.elf"
}

# The real programs (lua-*, awk-*): Lua and original-awk from Debian's sources, built once into the
# cache by scripts/build-realprogs.sh (npm run build:realprogs); like every libc ELF, they link musl.
realprogs() {
  if [ -z "${CPTBENCH_REALPROGS:-}" ]; then
    CPTBENCH_REALPROGS=$(bash "$HERE/../scripts/build-realprogs.sh" --path)
    export CPTBENCH_REALPROGS
  fi
  [ -f "$CPTBENCH_REALPROGS/.complete" ] || die "the lua-* and awk-* workloads need Lua and original-awk: run 'npm run build:realprogs' first"
}

# build_realprog NAME MARCH PROGRAM -> bin/NAME.elf: PROGRAM's objects and realprog/embed.c, which
# runs it on realprog/NAME.{lua,awk} (embedded in the ELF; Lua's through its -e option), and the
# self-checkpoint shim as every libc workload has it (build_libc).
build_realprog() {
  local name=$1 program=$3 script opt=()
  [ "$2" = rv32imafdc ] || die "workload $name: the musl sysroot is rv32imafdc only"
  case "$program" in
    lua) script=realprog/$name.lua; opt=(-DEMBED_OPTION='"-e"') ;;
    awk) script=realprog/$name.awk ;;
    *) die "workload $name: unknown program $program" ;;
  esac
  [ -f "$script" ] || die "manifest names $name but $script is missing"
  sysroot
  realprogs
  tools/rv32-musl-cc "${LIBC_CFLAGS[@]}" -DEMBED_SCRIPT="\"$script\"" "${opt[@]}" realprog/embed.c tools/cpt-self.c \
    "$CPTBENCH_REALPROGS/$program/$program.a" -o "bin/$name.elf"
}

check() {
  local rc=0 f name
  CHECK_TMP=$(mktemp -d "${TMPDIR:-/tmp}/cptbench-wl.XXXXXX")
  trap 'rm -rf "$CHECK_TMP"' EXIT
  local tmp=$CHECK_TMP
  mkdir -p "$tmp/workloads"
  cp -r runtime src libc realprog tools build.sh manifest.json "$tmp/workloads/"
  # The copy has no ../scripts: it uses this checkout's sysroot and real-program build.
  if grep -q '"libc"' manifest.json; then sysroot; fi
  if grep -q '"program"' manifest.json; then realprogs; fi
  bash "$tmp/workloads/build.sh" >/dev/null
  for f in "$tmp"/workloads/bin/*.elf; do
    name=$(basename "$f")
    if [ ! -f "bin/$name" ]; then echo "MISSING in workloads/bin: $name" >&2; rc=1
    elif ! cmp -s "$f" "bin/$name"; then echo "DIFFERS: workloads/bin/$name" >&2; rc=1
    fi
  done
  for f in bin/*.elf; do
    name=$(basename "$f")
    [ -f "$tmp/workloads/bin/$name" ] || { echo "STALE (not built from sources): workloads/bin/$name" >&2; rc=1; }
  done
  if [ $rc -eq 0 ]; then echo "workloads/bin is up to date and reproducible"; fi
  # The kernel-test fixtures and the benchmark guests link the same runtime: check them too.
  local d
  for d in test/fixtures/guest bench/guest; do
    bash ../scripts/build-guest.sh --check "../$d" || rc=1
  done
  return $rc
}

record() {
  need "$QEMU" qemu-user
  need node nodejs
  local fields=() i=0 name oracle cwd init n args env rc qemu unshare here tmp pre
  qemu=$(command -v "$QEMU")   # absolute: env -i leaves no PATH to search
  here=$(pwd)
  mapfile -d '' fields < <(manifest record)
  mkdir -p expected
  while [ $i -lt ${#fields[@]} ]; do
    name=${fields[i]}; i=$((i + 1))
    oracle=${fields[i]}; i=$((i + 1))
    cwd=${fields[i]}; i=$((i + 1))
    init=${fields[i]}; i=$((i + 1))
    n=${fields[i]}; i=$((i + 1))
    args=("${fields[@]:i:n}"); i=$((i + n))
    n=${fields[i]}; i=$((i + 1))
    env=("${fields[@]:i:n}"); i=$((i + n))
    [ -f "bin/$name.elf" ] || die "bin/$name.elf missing: build first"
    if [ "$oracle" = none ]; then
      printf '%-14s skipped: not a workload (controller), no oracle\n' "$name"
      continue
    fi
    if [ "$oracle" = hand ]; then
      # Written from Linux's semantics where qemu-riscv32 deviates (the manifest's "why").
      for f in stdout stderr exit; do
        [ -f "expected/$name.$f" ] || die "expected/$name.$f missing: $name's oracle is written by hand"
      done
      printf '%-14s kept: expected output written by hand\n' "$name"
      continue
    fi
    # "init": pid 1 of a new pid namespace with its own /proc (pids and ns_last_pid then match
    # cptbench's asInit run), and cptbench's RLIMIT_NOFILE of 1024.
    pre=()
    if [ "$init" = 1 ]; then
      unshare=$(command -v unshare) || die "$name needs unshare (util-linux)"
      pre=("$unshare" -p -f --mount-proc)
    fi
    tmp=$here
    if [ "$cwd" = tmp ]; then tmp=$(mktemp -d "${TMPDIR:-/tmp}/cptbench-wl-$name.XXXXXX"); fi
    set +e
    # argv[0] is the workload name; the guest environment is exactly the manifest's.
    (cd "$tmp" && { [ "$init" != 1 ] || ulimit -n 1024; } &&
      exec env -i "${env[@]}" "${pre[@]}" "$qemu" -0 "$name" "$here/bin/$name.elf" "${args[@]}") \
      </dev/null >"expected/$name.stdout" 2>"expected/$name.stderr"
    rc=$?
    set -e
    if [ "$cwd" = tmp ]; then rm -rf "$tmp"; fi
    echo "$rc" >"expected/$name.exit"
    printf '%-14s exit %-3s stdout %6s bytes\n' "$name" "$rc" "$(wc -c <"expected/$name.stdout")"
  done
}

case "${1:-}" in
  "") build_all ;;
  --check) check ;;
  --record) record ;;
  *) die "usage: build.sh [--check|--record]" ;;
esac
