#!/usr/bin/env bash
# Prints how many guest instructions a workload executes, counted from qemu's
# per-instruction exec log (-singlestep). Slow; for sizing workloads only.
#   bash workloads/tools/icount.sh workloads/bin/NAME.elf [args...]
set -uo pipefail
qemu-riscv32 -singlestep -d nochain,exec -D /dev/stderr "$@" 2>&1 >/dev/null </dev/null | grep -c '^Trace'
