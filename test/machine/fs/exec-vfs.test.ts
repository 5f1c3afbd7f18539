// execve through the VFS: runProgram's files are tmpfs files, and execve walks to the file
// (following symlinks), needs MAY_EXEC on a regular file, and loads the file's bytes.
import { describe, expect, it } from "vitest";
import { AT_FDCWD } from "../../../src/machine/fs/constants.ts";
import { isRegInode } from "../../../src/machine/fs/inode.ts";
import { lookupAt, LOOKUP_FOLLOW } from "../../../src/machine/fs/namei.ts";
import { symlinkAt } from "../../../src/machine/fs/vfs-ops.ts";
import { EACCES, ELOOP, ENOENT, ENOEXEC, ENOTDIR } from "../../../src/machine/kernel/errno.ts";
import { SYSCALLS } from "../../../src/machine/kernel/syscalls/table.ts";
import { runProgram } from "../../../src/machine/machine.ts";
import { PROT_READ, PROT_WRITE } from "../../../src/machine/mm/vma.ts";
import { boot, fixture, shutdown, type Booted } from "./helpers.ts";

const SCRATCH = 0x20000000;

/** execve(path, NULL, NULL) as the booted task, through the syscall table. */
function execve(b: Booted, path: string): number {
  const mm = b.t.mm;
  if (mm.findVma(SCRATCH) === undefined) mm.mapRegion(SCRATCH, 4096, PROT_READ | PROT_WRITE, 0, "anon");
  expect(mm.copyOut(SCRATCH, new Uint8Array([...Buffer.from(path, "latin1"), 0]))).toBe(true);
  return SYSCALLS[221]!.fn(b.k, b.t, SCRATCH, 0, 0, 0, 0, 0);
}

describe("execve through the VFS", () => {
  it("runProgram's files are tmpfs files with their parents made 0755", () => {
    const r = runProgram(fixture("guest", "exec-tree.elf"), { argv: ["exec-tree"], files: { "/usr/local/bin/hello": fixture("guest", "hello.elf") } });
    // exec-tree runs /bin/hello: not there now, so both children exit with their own codes.
    expect(Buffer.from(r.stdout).toString()).toContain("execve missing: -2");
    expect(r.oopses).toBe(0);
    const b = boot();
    const vfs = b.k.vfs;
    const hello = fixture("guest", "hello.elf");
    vfs.installFile("/usr/local/bin/hello", hello);
    const p = lookupAt(b.c, AT_FDCWD, "/usr/local/bin/hello", LOOKUP_FOLLOW);
    if (typeof p === "number") throw new Error(`lookup: ${p}`);
    expect(isRegInode(p.dentry.inode)).toBe(true);
    expect(p.dentry.inode.mode & 0o7777).toBe(0o755);
    expect(p.dentry.inode.size).toBe(hello.length);
    const dir = lookupAt(b.c, AT_FDCWD, "/usr/local", LOOKUP_FOLLOW);
    if (typeof dir === "number") throw new Error(`lookup: ${dir}`);
    expect(dir.dentry.inode.mode & 0o7777).toBe(0o755);
    expect(shutdown(b)).toBe(0);
  });

  it("walks symlinks and loads the file; ENOENT, ENOTDIR, ELOOP, EACCES, ENOEXEC otherwise", () => {
    const b = boot();
    const vfs = b.k.vfs;
    vfs.installFile("/bin/hello", fixture("guest", "hello.elf"));
    vfs.installFile("/bin/data", fixture("guest", "hello.elf"), 0o644);
    vfs.installFile("/bin/text", Buffer.from("#!/bin/sh\necho hi\n"), 0o755);
    expect(symlinkAt(b.c, "hello", AT_FDCWD, "/bin/link")).toBe(0);
    expect(symlinkAt(b.c, "/loop", AT_FDCWD, "/loop")).toBe(0);
    expect(execve(b, "/bin/missing")).toBe(-ENOENT);
    expect(execve(b, "/bin/hello/x")).toBe(-ENOTDIR);
    expect(execve(b, "/loop")).toBe(-ELOOP);
    expect(execve(b, "/bin")).toBe(-EACCES);
    expect(execve(b, "/bin/data")).toBe(-EACCES); // no x bit: not even root may run it
    expect(execve(b, "/dev/null")).toBe(-EACCES);
    expect(execve(b, "/bin/text")).toBe(-ENOEXEC);
    expect(execve(b, "/bin/link")).toBe(0);
    expect(b.t.comm).toBe("link");
    expect(shutdown(b)).toBe(0);
  });
});
