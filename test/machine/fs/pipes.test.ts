// Pipes at the file level: the 64 KiB ring of page buffers, merging of small writes, EOF,
// EPIPE with SIGPIPE, frames given back, and how a reader sleeps and is woken.
import { describe, expect, it } from "vitest";
import { O_NONBLOCK, O_RDONLY, O_WRONLY } from "../../../src/machine/fs/constants.ts";
import { EAGAIN, EPIPE } from "../../../src/machine/fs/errno.ts";
import type { File } from "../../../src/machine/fs/file.ts";
import { KernelIter } from "../../../src/machine/fs/iov.ts";
import { openPath } from "../../../src/machine/fs/open.ts";
import { PipeInode } from "../../../src/machine/fs/pipe.ts";
import { vfsRead } from "../../../src/machine/fs/read-write.ts";
import { SIGPIPE } from "../../../src/machine/kernel/signal-names.ts";
import { boot, readAll, shutdown, write } from "./helpers.ts";

function pipe(b: ReturnType<typeof boot>, flags = 0): [File, File] {
  const p = b.k.vfs.newPipe(b.c);
  return [openPath(b.c, p, O_RDONLY | flags, "test") as File, openPath(b.c, p, O_WRONLY | flags, "test") as File];
}

describe("pipes", () => {
  it("holds 16 pages: small writes merge into the last page, page-sized ones take a page each", () => {
    const b = boot();
    const [r, w] = pipe(b);
    expect(write(b.c, w, "x".repeat(1000))).toBe(1000);
    expect(write(b.c, w, "y".repeat(3000))).toBe(3000);
    const p = (w.inode as PipeInode).pipe;
    expect(p.bufs.length).toBe(1);
    expect(write(b.c, w, "z".repeat(97))).toBe(97);
    expect(p.bufs.length).toBe(2);
    // 100000 % 4096 = 1696 bytes merge into the second page, then 14 fresh pages fill the ring.
    expect(write(b.c, w, new Uint8Array(100_000))).toBe(1696 + 14 * 4096);
    expect(p.bufs.length).toBe(16);
    expect(write(b.c, w, "!")).toBe(-EAGAIN);
    expect(p.bytes).toBe(4097 + 1696 + 14 * 4096);
    expect(readAll(b.c, r, 5).slice(0, 5)).toBe("xxxxx");
    b.k.kobj.put(r);
    b.k.kobj.put(w);
    expect(shutdown(b)).toBe(0);
  });

  it("gives its frames back as they are read and when both ends close", () => {
    const b = boot();
    const before = b.k.frames.inUse;
    const [r, w] = pipe(b);
    write(b.c, w, new Uint8Array(3 * 4096));
    expect(b.k.frames.inUse - before).toBe(3);
    readAll(b.c, r, 4096);
    expect(b.k.frames.inUse - before).toBe(2);
    b.k.kobj.put(w);
    b.k.kobj.put(r);
    expect(b.k.frames.inUse).toBe(before);
    expect(shutdown(b)).toBe(0);
  });

  it("reads EOF once the last writer is gone, and EAGAIN before that when nonblocking", () => {
    const b = boot();
    const [r, w] = pipe(b, O_NONBLOCK);
    const it = new KernelIter(new Uint8Array(10));
    expect(vfsRead(b.c, r, it)).toBe(-EAGAIN);
    write(b.c, w, "ab");
    b.k.kobj.put(w);
    expect(readAll(b.c, r)).toBe("ab");
    expect(readAll(b.c, r)).toBe("");
    b.k.kobj.put(r);
    expect(shutdown(b)).toBe(0);
  });

  it("answers EPIPE and raises SIGPIPE on the writer once no reader is left", () => {
    const b = boot();
    const [r, w] = pipe(b);
    b.k.kobj.put(r);
    expect(write(b.c, w, "x")).toBe(-EPIPE);
    expect(b.t.pending.signals & (1n << BigInt(SIGPIPE - 1))).not.toBe(0n);
    b.k.kobj.put(w);
    expect(shutdown(b)).toBe(0);
  });

  it("puts a blocking reader of an empty pipe to sleep on the pipe, and a write wakes it", () => {
    const b = boot();
    const [r, w] = pipe(b);
    const ret = vfsRead(b.c, r, new KernelIter(new Uint8Array(4)));
    expect(ret).toBe(-512);
    expect(b.t.state).toBe("sleeping");
    expect((r.inode as PipeInode).pipe.rdWait.waiters.has(b.t)).toBe(true);
    write(b.c, w, "wake");
    expect(b.t.state).toBe("running");
    b.k.kobj.put(r);
    b.k.kobj.put(w);
    expect(shutdown(b)).toBe(0);
  });
});
