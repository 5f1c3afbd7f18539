// The entry point of the real-program workloads (lua-*, awk-*): the real program's own main (Lua's
// lua.c, original-awk's main.c; built unpatched by scripts/build-realprogs.sh, which renames it
// real_main) run with the workload's script, embedded in the ELF, as its first arguments:
//
//   lua-NAME ARGS...  runs as  lua -e"$(cat realprog/lua-NAME.lua)" ARGS...   (EMBED_OPTION "-e")
//   awk-NAME ARGS...  runs as  awk "$(cat realprog/awk-NAME.awk)" ARGS...
//
// The option is glued to the script (one argument, as lua.c allows) because lua.c takes a separate
// argument after -e that starts with '-' (a script's first comment) for another option. An awk
// program must not start with '-' for the same reason (awk would read it as an option).
//
// Embedded, so that the ELF is the whole workload: cptbench's file system starts empty and
// qemu-riscv32 runs in some directory, and `cptbench exec workloads/bin/lua-NAME.elf` just runs.
// workloads/build.sh compiles this with -DEMBED_SCRIPT='"realprog/NAME.EXT"' (a path relative to
// workloads/, where the build runs, so no directory name reaches the ELF).
//
// The C/R tests checkpoint a workload at the points it marks and at random ones; neither program
// can mark a point itself, so this marks two around it: "start" before its main and "exit" in an
// atexit handler (after its main returned or called exit, before stdio flushes what it buffered).
// Under the real kernel and qemu the mark is ENOSYS, so the output does not change.
#include <stdlib.h>
#include "../libc/cptbench.h"

#ifndef EMBED_SCRIPT
#error "build with -DEMBED_SCRIPT='\"realprog/NAME.EXT\"' (workloads/build.sh does)"
#endif

#ifdef EMBED_OPTION
#define EMBED_PREFIX ".ascii \"" EMBED_OPTION "\"\n"
#else
#define EMBED_PREFIX ""
#endif

int real_main(int argc, char **argv);
extern const char embedded_arg[];

// The option, the script's bytes and a terminating NUL, put together by the assembler: no
// generated C file, no copy at run time.
__asm__(".section .rodata.embedded_arg,\"a\"\n"
        ".globl embedded_arg\n"
        "embedded_arg:\n" EMBED_PREFIX
        ".incbin \"" EMBED_SCRIPT "\"\n"
        ".byte 0\n"
        ".previous\n");

static void mark_exit(void) { cpt_mark("exit"); }

int main(int argc, char **argv) {
  // argv[0], the (option and) script, the workload's arguments, NULL.
  char **v = malloc((size_t)(argc + 2) * sizeof *v);
  int n = 0;
  if (v == NULL) return 127;
  v[n++] = argv[0];
  v[n++] = (char *)embedded_arg;
  for (int i = 1; i < argc; i++) v[n++] = argv[i];
  v[n] = NULL;
  cpt_mark("start");
  atexit(mark_exit);
  return real_main(n, v);
}
