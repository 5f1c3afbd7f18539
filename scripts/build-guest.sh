#!/usr/bin/env bash
# Builds every *.c in a folder into a static RV32GC ELF next to it, linked with the workloads'
# runtime (crt0 and the runtime sources compiled in). Used for the kernel-test fixtures and the
# benchmark guests, whose ELFs are committed:
#   bash scripts/build-guest.sh test/fixtures/guest
#   bash scripts/build-guest.sh bench/guest
#   bash scripts/build-guest.sh --check bench/guest   rebuild in a temporary copy and compare
# The runtime list is workloads/build.sh's RUNTIME_SRCS: a guest built with less fails to link
# (cpt.c needs os.c) or lacks the self-checkpoint signal handler.
set -euo pipefail
CHECK=0
if [ "${1:-}" = --check ]; then CHECK=1; shift; fi
[ $# -eq 1 ] || { echo "usage: build-guest.sh [--check] DIR" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=$(cd "$1" && pwd)
REL=${DIR#"$ROOT"/}
if [ $CHECK = 1 ]; then
  # Same relative layout in the copy: the ELFs name their sources by relative path.
  TMP=$(mktemp -d "${TMPDIR:-/tmp}/cptbench-guest-check.XXXXXX")
  trap 'rm -rf "$TMP"' EXIT
  mkdir -p "$TMP/scripts" "$TMP/workloads" "$TMP/$REL"
  cp "$ROOT/scripts/build-guest.sh" "$TMP/scripts/"
  cp -r "$ROOT/workloads/runtime" "$TMP/workloads/"
  cp "$DIR"/*.c "$TMP/$REL/"
  bash "$TMP/scripts/build-guest.sh" "$TMP/$REL"
  rc=0
  for f in "$TMP/$REL"/*.elf; do
    name=$(basename "$f")
    if [ ! -f "$DIR/$name" ]; then echo "MISSING in $REL: $name" >&2; rc=1
    elif ! cmp -s "$f" "$DIR/$name"; then echo "DIFFERS: $REL/$name" >&2; rc=1
    fi
  done
  for f in "$DIR"/*.elf; do
    [ -f "$TMP/$REL/$(basename "$f")" ] || { echo "STALE (no source): $REL/$(basename "$f")" >&2; rc=1; }
  done
  [ $rc -eq 0 ] && echo "$REL is up to date and reproducible"
  exit $rc
fi
RT=(runtime/string.c runtime/stdlib.c runtime/stdio.c runtime/malloc.c runtime/cpt.c runtime/os.c
    runtime/thread.c runtime/clone.S runtime/setjmp.S)
cd "$ROOT/workloads"
# crt0 is assembled on its own: linked straight from the .S, gcc would name a random temporary
# object in the symbol table and the build would not be reproducible.
OBJ=$(mktemp -d "${TMPDIR:-/tmp}/cptbench-guest.XXXXXX")
trap 'rm -rf "$OBJ"' EXIT
riscv64-unknown-elf-gcc -march=rv32imafdc -mabi=ilp32d -c "-ffile-prefix-map=$(pwd)=." runtime/crt0.S -o "$OBJ/crt0.o"
for src in "$DIR"/*.c; do
  name=$(basename "${src%.c}")
  # Relative paths only, so the ELFs do not depend on where the checkout lives.
  riscv64-unknown-elf-gcc -march=rv32imafdc -mabi=ilp32d -O2 -nostdlib -ffreestanding -static \
    -fno-pic -fno-pie -ffunction-sections -fdata-sections -Wl,--gc-sections -Wl,--build-id=none \
    -Wl,--no-warn-rwx-segments "-ffile-prefix-map=$(pwd)=." -Iruntime \
    "$OBJ/crt0.o" "${RT[@]}" "../$REL/$name.c" -lgcc -o "../$REL/$name.elf"
done
