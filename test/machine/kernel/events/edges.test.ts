// Edges a C program under qemu-riscv32 cannot check: epoll_pwait2 (qemu 7.2 lacks it),
// signalfd4's sizemask (qemu ignores it), a FIFO read end opened O_NONBLOCK before any writer
// (mknod is not implemented yet), each event file's fdinfo lines, a stop signal ending
// epoll_wait but not ppoll, and the time left that ppoll writes back (musl passes a copy).
import { describe, expect, it } from "vitest";
import { AT_FDCWD, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY } from "../../../../src/machine/fs/constants.ts";
import { EINTR, EINVAL, ENXIO, ERESTARTNOHAND } from "../../../../src/machine/kernel/errno.ts";
import { EPOLLIN } from "../../../../src/machine/kernel/events/epoll.ts";
import type { File } from "../../../../src/machine/fs/file.ts";
import { openAt, openPath } from "../../../../src/machine/fs/open.ts";
import { POLLHUP, POLLIN, vfsPoll } from "../../../../src/machine/fs/poll.ts";
import { SI_USER } from "../../../../src/machine/kernel/siginfo.ts";
import { sendSignal } from "../../../../src/machine/kernel/signal.ts";
import { SIGSTOP } from "../../../../src/machine/kernel/signal-names.ts";
import { shutdown, write } from "../../fs/helpers.ts";
import { bootSys, epollEvent, NR, pipe, timespec } from "./events-helpers.ts";

describe("epoll_pwait2", () => {
  it("a zero timespec returns at once; a bad one is EINVAL; a timed wait sleeps until its deadline", () => {
    const s = bootSys();
    const ep = s.sys(NR.epoll_create1, 0);
    const [r, w] = pipe(s);
    s.sys(NR.epoll_ctl, ep, 1, r, epollEvent(s, s.mem, EPOLLIN, 5n));
    const evs = s.mem + 1024;
    expect(s.sys(NR.epoll_pwait2, ep, evs, 4, timespec(s, s.mem + 64, 0, 0), 0, 8)).toBe(0);
    expect(s.sys(NR.epoll_pwait2, ep, evs, 4, timespec(s, s.mem + 64, 0, 1e9), 0, 8)).toBe(-EINVAL);
    expect(s.sys(NR.epoll_pwait2, ep, evs, 4, timespec(s, s.mem + 64, 0, 2e6), s.mem + 128, 4)).toBe(-EINVAL);
    const start = s.k.clock;
    expect(s.sys(NR.epoll_pwait2, ep, evs, 4, timespec(s, s.mem + 64, 0, 2e6), 0, 8)).toBe(-ERESTARTNOHAND);
    expect(s.t.state).toBe("sleeping");
    expect(s.t.wakeAt).toBe(start + s.k.nsToCycles(2e6));
    // Data arrives before the deadline: the re-executed call reports it.
    write(s.c, s.t.files!.get(w)!, "x");
    expect(s.t.state).toBe("running");
    expect(s.sys(NR.epoll_pwait2, ep, evs, 4, s.mem + 64, 0, 8)).toBe(1);
    const dv = new DataView(s.get(evs, 16).buffer);
    expect([dv.getUint32(0, true), dv.getBigUint64(8, true)]).toEqual([EPOLLIN, 5n]);
    for (const fd of [ep, r, w]) s.sys(NR.close, fd);
    expect(shutdown(s)).toBe(0);
  });
});

describe("signalfd4 and ppoll arguments", () => {
  it("a sigset size other than 8 is EINVAL", () => {
    const s = bootSys();
    s.put(s.mem, new Uint8Array(8).fill(0xff));
    expect(s.sys(NR.signalfd4, -1, s.mem, 4, 0)).toBe(-EINVAL);
    expect(s.sys(NR.ppoll, 0, 0, 0, s.mem, 16)).toBe(-EINVAL);
    const fd = s.sys(NR.signalfd4, -1, s.mem, 8, 0);
    expect(fd).toBeGreaterThanOrEqual(0);
    s.sys(NR.close, fd);
    expect(shutdown(s)).toBe(0);
  });
});

describe("FIFO poll", () => {
  it("a read end opened O_NONBLOCK before any writer is not hung up until a writer came and went", () => {
    const s = bootSys();
    s.k.vfs.installFifo("/tmp/fifo");
    const fifoPath = { mnt: s.k.vfs.rootMount, dentry: lookup(s, "/tmp/fifo") };
    const r = openPath(s.c, fifoPath, O_RDONLY | O_NONBLOCK, "test") as File;
    expect(vfsPoll(s.c, r, null) & POLLHUP).toBe(0);
    const w = openPath(s.c, fifoPath, O_WRONLY | O_NONBLOCK, "test") as File;
    expect(vfsPoll(s.c, r, null)).toBe(0);
    s.k.kobj.put(w);
    expect(vfsPoll(s.c, r, null)).toBe(POLLHUP);
    s.k.kobj.put(r);
    // A pipe's read end is hung up as soon as its writer is gone.
    const [pr, pw] = pipe(s);
    s.sys(NR.close, pw);
    expect(vfsPoll(s.c, s.t.files!.get(pr)!, null) & (POLLHUP | POLLIN)).toBe(POLLHUP);
    s.sys(NR.close, pr);
    expect(shutdown(s)).toBe(0);
  });
});

function lookup(s: ReturnType<typeof bootSys>, abs: string) {
  let d = s.k.vfs.rootMount.root;
  for (const name of abs.split("/").filter(Boolean)) {
    const inode = d.inode as unknown as { lookup(c: unknown, dir: unknown, n: string): typeof d | null };
    const next = inode.lookup(s.c, d, name);
    if (next === null) throw new Error(`no ${name} in ${abs}`);
    d = next;
  }
  return d;
}

describe("fdinfo lines", () => {
  it("eventfd, timerfd, signalfd and epoll print what Linux's show_fdinfo prints", () => {
    const s = bootSys();
    const info = (fd: number): string => {
      const f = s.t.files!.get(fd)!;
      return f.ops.fdinfo!(f);
    };
    const e = s.sys(NR.eventfd2, 0x2a, 1 /* EFD_SEMAPHORE */);
    expect(info(e)).toBe("eventfd-count:               2a\neventfd-id: 0\neventfd-semaphore: 1\n");
    const t = s.sys(NR.timerfd_create, 1, 0);
    expect(info(t)).toBe("clockid: 1\nticks: 0\nsettime flags: 00\nit_value: (0, 0)\nit_interval: (0, 0)\n");
    const mask = new Uint8Array(8);
    mask[1] = 0x02; // SIGUSR1 (10): bit 9
    s.put(s.mem, mask);
    const sf = s.sys(NR.signalfd4, -1, s.mem, 8, 0);
    expect(info(sf)).toBe("sigmask:\t0000000000000200\n");
    const ep = s.sys(NR.epoll_create1, 0);
    s.sys(NR.epoll_ctl, ep, 1, e, epollEvent(s, s.mem + 64, EPOLLIN, 0xabcn));
    const ino = s.k.vfs.anonInode.ino.toString(16);
    const dev = s.k.vfs.anonMount.sb.dev.toString(16);
    expect(info(ep)).toBe(`tfd: ${String(e).padStart(8)} events:       19 data:              abc  pos:0 ino:${ino} sdev:${dev}\n`);
    // Every event file shares the one anonymous inode, named by kind.
    const names = [e, t, sf, ep].map((fd) => s.t.files!.get(fd)!.path.dentry.name);
    expect(names).toEqual(["anon_inode:[eventfd]", "anon_inode:[timerfd]", "anon_inode:[signalfd]", "anon_inode:[eventpoll]"]);
    expect(new Set([e, t, sf, ep].map((fd) => s.t.files!.get(fd)!.inode)).size).toBe(1);
    // Its mode has no file type, and it cannot be reopened through /proc (no_open_fops).
    expect(s.k.vfs.anonInode.mode).toBe(0o600);
    expect(openAt(s.c, AT_FDCWD, `/proc/self/fd/${e}`, O_RDWR, 0, "test")).toBe(-ENXIO);
    for (const fd of [ep, e, t, sf]) s.sys(NR.close, fd);
    expect(shutdown(s)).toBe(0);
  });
});

describe("a stop signal during a wait", () => {
  it("ends epoll_wait with EINTR but lets ppoll restart (ep_poll returns -EINTR, do_poll -ERESTARTNOHAND)", () => {
    const s = bootSys();
    const ep = s.sys(NR.epoll_create1, 0);
    const [r, w] = pipe(s);
    s.sys(NR.epoll_ctl, ep, 1, r, epollEvent(s, s.mem, EPOLLIN, 1n));
    expect(s.sys(NR.epoll_pwait, ep, s.mem + 512, 1, -1, 0, 8)).toBe(-ERESTARTNOHAND);
    sendSignal(s.k, s.t, { signo: SIGSTOP, code: SI_USER }, false);
    expect(s.t.state).toBe("running"); // woken to notice it
    expect(s.sys(NR.epoll_pwait, ep, s.mem + 512, 1, -1, 0, 8)).toBe(-EINTR);
    s.t.pending.signals = 0n;
    s.t.pending.queue.length = 0;
    // struct pollfd { fd, events = POLLIN }
    const pfd = new Uint8Array(8);
    new DataView(pfd.buffer).setInt32(0, r, true);
    new DataView(pfd.buffer).setInt16(4, POLLIN, true);
    s.put(s.mem + 256, pfd);
    expect(s.sys(NR.ppoll, s.mem + 256, 1, 0, 0, 8)).toBe(-ERESTARTNOHAND);
    sendSignal(s.k, s.t, { signo: SIGSTOP, code: SI_USER }, false);
    expect(s.t.state).toBe("running");
    // Re-executed with the stop still pending: it does not sleep, and does not fail either.
    expect(s.sys(NR.ppoll, s.mem + 256, 1, 0, 0, 8)).toBe(-ERESTARTNOHAND);
    for (const fd of [ep, r, w]) s.sys(NR.close, fd);
    expect(shutdown(s)).toBe(0);
  });
});

describe("the time left, written back", () => {
  it("ppoll and pselect6 write the remaining time into the user's timespec when they return", () => {
    const s = bootSys();
    const [r, w] = pipe(s);
    const pfd = new Uint8Array(8);
    new DataView(pfd.buffer).setInt32(0, r, true);
    new DataView(pfd.buffer).setInt16(4, POLLIN, true);
    s.put(s.mem + 256, pfd);
    const ts = timespec(s, s.mem + 128, 0, 5e6);
    expect(s.sys(NR.ppoll, s.mem + 256, 1, ts, 0, 8)).toBe(-ERESTARTNOHAND);
    s.k.clock += s.k.nsToCycles(2e6);
    // Written from outside the sleeping task's syscall (a write through the table would end it).
    write(s.c, s.t.files!.get(w)!, "x");
    expect(s.sys(NR.ppoll, s.mem + 256, 1, ts, 0, 8)).toBe(1);
    const left = new DataView(s.get(ts, 16).buffer);
    expect([Number(left.getBigInt64(0, true)), Number(left.getBigInt64(8, true))]).toEqual([0, 3e6]);
    // pselect6 with the byte still there returns at once; a zero timeout is not written back.
    const set = new Uint8Array(4);
    set[r >> 3] |= 1 << (r & 7);
    s.put(s.mem + 300, set);
    const zero = timespec(s, s.mem + 160, 0, 0);
    expect(s.sys(NR.pselect6, r + 1, s.mem + 300, 0, 0, zero, 0)).toBe(1);
    expect(s.get(zero, 16)).toEqual(new Uint8Array(16));
    for (const fd of [r, w]) s.sys(NR.close, fd);
    expect(shutdown(s)).toBe(0);
  });
});
