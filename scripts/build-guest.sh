#!/usr/bin/env bash
# Builds every *.c in a folder into a static RV32GC ELF next to it, linked with the workloads'
# runtime (crt0 and the runtime sources compiled in). Used for the kernel-test fixtures and the
# benchmark guests, whose ELFs are committed:
#   bash scripts/build-guest.sh test/fixtures/guest
#   bash scripts/build-guest.sh bench/guest
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: build-guest.sh DIR" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=$(cd "$1" && pwd)
REL=${DIR#"$ROOT"/}
RT=(runtime/string.c runtime/stdlib.c runtime/stdio.c runtime/malloc.c runtime/cpt.c)
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
