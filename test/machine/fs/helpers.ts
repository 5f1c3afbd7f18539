// Shared set-up for the fs unit tests: a machine with one spawned (not yet run) task whose fd
// table and fs context the VFS made, and small wrappers over the VFS entry points.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CLONE_NEWPID } from "../../../src/machine/kernel/clone-flags.ts";
import { copyProcess } from "../../../src/machine/kernel/fork.ts";
import type { Kernel } from "../../../src/machine/kernel/kernel.ts";
import type { Task } from "../../../src/machine/kernel/task.ts";
import { Machine } from "../../../src/machine/machine.ts";
import { AT_FDCWD, O_CREAT, O_RDWR } from "../../../src/machine/fs/constants.ts";
import type { File } from "../../../src/machine/fs/file.ts";
import type { FsCtx } from "../../../src/machine/fs/inode.ts";
import { openAt } from "../../../src/machine/fs/open.ts";
import { kernelRead, kernelWrite } from "../../../src/machine/fs/read-write.ts";

export const FIXTURES = join(import.meta.dirname, "..", "..", "fixtures");
export const fixture = (dir: string, name: string): Uint8Array => readFileSync(join(FIXTURES, dir, name));

export interface Booted {
  m: Machine;
  k: Kernel;
  t: Task;
  c: FsCtx;
}

/** A machine with its first task spawned (pid 1, console fds, cwd /), not run. */
export function boot(memoryMiB = 64): Booted {
  const m = new Machine({ seed: 1, memoryMiB });
  const t = m.kernel.spawn(fixture("guest", "hello.elf"), ["hello"], [], "hello", true);
  return { m, k: m.kernel, t, c: { k: m.kernel, t } };
}

/** A forked child of parent (optionally in a new pid namespace); runs only if the kernel runs. */
export function fork(k: Kernel, parent: Task, flags = 0): Task {
  const child = copyProcess(k, parent, { flags, stack: 0, parentTid: 0, childTid: 0, tls: 0, exitSignal: 17, setTid: [] });
  if (typeof child === "number") throw new Error(`fork failed: ${child}`);
  return child;
}

export { CLONE_NEWPID };

/** openat from the cwd; throws on an error so tests read straight. */
export function open(c: FsCtx, path: string, flags = O_RDWR | O_CREAT, mode = 0o644): File {
  const f = openAt(c, AT_FDCWD, path, flags, mode, "test");
  if (typeof f === "number") throw new Error(`open ${path}: ${f}`);
  return f;
}

export function write(c: FsCtx, f: File, s: string | Uint8Array): number {
  return kernelWrite(c, f, typeof s === "string" ? Buffer.from(s, "latin1") : s);
}

export function readAll(c: FsCtx, f: File, max = 1 << 20): string {
  const r = kernelRead(c, f, max);
  if (typeof r === "number") throw new Error(`read: ${r}`);
  return Buffer.from(r).toString("latin1");
}

/** Stop the machine and return what its leak and lifetime detectors found. */
export function shutdown(b: Booted): number {
  b.k.shutdown();
  return b.k.oopses.count;
}
