/*
 * Shims for building CRIU's ZDTM tests for riscv32 (ilp32d) against musl, force-included into
 * every test and libzdtmtst by scripts/build-zdtm.sh (-include). riscv32 is a time64-only ABI:
 * Linux gives it no syscall that takes a 32-bit time_t, so the old names are absent from
 * <asm/unistd.h>. musl's time_t is 64-bit on riscv32, so a test's `struct timespec` already has
 * the layout the *_time64 syscalls take: renaming the number is all a shim needs.
 * Each shim says which test assumes the old name.
 */
#ifndef CPTBENCH_ZDTM_RV32_COMPAT_H
#define CPTBENCH_ZDTM_RV32_COMPAT_H
#include <sys/syscall.h>

/* lib/lock.h (every test, through libzdtmtst's futexes), futex.c, ...: futex(2) with a timespec. */
#if !defined(__NR_futex) && defined(__NR_futex_time64)
#define __NR_futex __NR_futex_time64
#endif

#endif
