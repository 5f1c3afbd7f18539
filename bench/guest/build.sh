#!/usr/bin/env bash
# Builds the benchmark guest programs in this folder against the workloads' runtime.
# The ELFs are committed; rebuild with: bash bench/guest/build.sh
set -euo pipefail
cd "$(dirname "$0")"
W=../../workloads
RT=(runtime/string.c runtime/stdlib.c runtime/stdio.c runtime/malloc.c runtime/cpt.c)
for src in *.c; do
  name=${src%.c}
  (cd "$W" && riscv64-unknown-elf-gcc -march=rv32imafdc -mabi=ilp32d -O2 -nostdlib -ffreestanding -static \
    -fno-pic -fno-pie -ffunction-sections -fdata-sections -Wl,--gc-sections -Wl,--build-id=none \
    -Wl,--no-warn-rwx-segments "-ffile-prefix-map=$(pwd)=." -Iruntime \
    runtime/crt0.S "${RT[@]}" "../bench/guest/$src" -lgcc -o "../bench/guest/$name.elf")
done
