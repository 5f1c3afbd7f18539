// AF_UNIX below the syscalls: the send-buffer accounting (skb truesize charged to the sender
// until the reader consumes it), the poll masks of unix_poll / unix_dgram_poll, in-flight files
// released with their message, and no socket or file left behind by the libc socket programs.
import { describe, expect, it } from "vitest";
import { runProgram } from "../../../src/machine/machine.ts";
import type { File } from "../../../src/machine/fs/file.ts";
import { POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDHUP, POLLRDNORM, POLLWRBAND, POLLWRNORM, vfsPoll, type PollTable } from "../../../src/machine/fs/poll.ts";
import type { WaitQueue } from "../../../src/machine/kernel/wait-queue.ts";
import { unixBind, unixListen, unixSocketpair, unixStreamConnect } from "../../../src/machine/net/af-unix.ts";
import { SKB_MAX_HEAD, SOCK_DGRAM, SOCK_STREAM, UNIX_SKB_FRAGS_SZ, truesize } from "../../../src/machine/net/constants.ts";
import { newSock, sockAllocFile, sockOf } from "../../../src/machine/net/socket.ts";
import { unixSetsockopt } from "../../../src/machine/net/sockopt.ts";
import { unixSendmsg } from "../../../src/machine/net/unix-io.ts";
import { KernelIter } from "../../../src/machine/fs/iov.ts";
import { openPath } from "../../../src/machine/fs/open.ts";
import { kernelRead } from "../../../src/machine/fs/read-write.ts";
import { workloadElf } from "../../support/workloads.ts";
import { boot, readAll, shutdown, write, type Booted } from "../fs/helpers.ts";

const WRITABLE = POLLOUT | POLLWRNORM | POLLWRBAND;

function pair(b: Booted, type = SOCK_STREAM): [File, File] {
  const x = newSock(b.k, type, "test");
  const y = newSock(b.k, type, "test");
  unixSocketpair(b.c, x, y);
  return [sockAllocFile(b.c, x, false, "test"), sockAllocFile(b.c, y, false, "test")];
}

const put = (b: Booted, ...fs: File[]): void => fs.forEach((f) => b.k.kobj.put(f, "test"));

/** An address of a socket name: family AF_UNIX, then the bytes. */
const addr = (name: string): Uint8Array => Uint8Array.from([1, 0, ...Buffer.from(name, "latin1")]);

describe("stream send buffer", () => {
  it("charges each skb's truesize to the sender until the reader consumes it, and stops at SO_SNDBUF", () => {
    const b = boot();
    const [fa, fb] = pair(b);
    const a = sockOf(fa)!, peer = sockOf(fb)!;
    const n = write(b.c, fa, new Uint8Array(400_000).fill(7));
    // Linux writes skbs while the charge is below sk_sndbuf (212992): the last one overshoots.
    expect(n).toBeGreaterThan(a.sndbuf - (SKB_MAX_HEAD + UNIX_SKB_FRAGS_SZ));
    expect(n).toBeLessThan(a.sndbuf + SKB_MAX_HEAD + UNIX_SKB_FRAGS_SZ);
    expect(a.wmem).toBe(peer.queue.reduce((s, skb) => s + skb.truesize, 0));
    expect(a.wmem).toBeGreaterThanOrEqual(a.sndbuf);
    expect(peer.queue.reduce((s, skb) => s + skb.data.length, 0)).toBe(n);
    for (const skb of peer.queue) {
      expect(skb.data.length).toBeLessThanOrEqual(Math.min((a.sndbuf >> 1) - 64, SKB_MAX_HEAD + UNIX_SKB_FRAGS_SZ));
      expect(skb.truesize).toBe(truesize(skb.data.length, SKB_MAX_HEAD));
    }
    expect(write(b.c, fa, "more")).toBe(-11); // EAGAIN
    expect(vfsPoll(b.c, fa, null) & POLLOUT).toBe(0);
    // A partial read frees nothing; consuming an skb gives its charge back.
    expect(readAll(b.c, fb, 10).length).toBe(10);
    expect(a.wmem).toBeGreaterThanOrEqual(a.sndbuf);
    expect(readAll(b.c, fb, n).length).toBe(n - 10);
    expect(a.wmem).toBe(0);
    expect(vfsPoll(b.c, fa, null) & WRITABLE).toBe(WRITABLE);
    put(b, fa, fb);
    expect(shutdown(b)).toBe(0);
  });

  it("SO_SNDBUF doubles the request, clamps it to the minimum, and makes the skbs smaller", () => {
    const b = boot();
    const [fa, fb] = pair(b);
    const a = sockOf(fa)!;
    expect(unixSetsockopt(b.c, a, 1, 7, Uint8Array.of(0, 16, 0, 0))).toBe(0); // 4096
    expect(a.sndbuf).toBe(8192);
    expect(unixSetsockopt(b.c, a, 1, 7, Uint8Array.of(1, 0, 0, 0))).toBe(0);
    expect(a.sndbuf).toBe(4608);
    const n = write(b.c, fa, new Uint8Array(100_000));
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(4608 + (4608 >> 1));
    for (const skb of sockOf(fb)!.queue) expect(skb.data.length).toBeLessThanOrEqual((4608 >> 1) - 64);
    put(b, fa, fb);
    expect(shutdown(b)).toBe(0);
  });

  it("a datagram larger than the send buffer is EMSGSIZE, whatever room there is", () => {
    const b = boot();
    const [fa, fb] = pair(b, SOCK_DGRAM);
    const a = sockOf(fa)!;
    const m = (len: number) => ({ from: new KernelIter(new Uint8Array(len)), name: null, scm: { fds: null, creds: null }, flags: 0x40 });
    expect(unixSendmsg({ ...b.c, nonblock: true }, fa, a, m(a.sndbuf - 31))).toBe(-90);
    expect(unixSendmsg({ ...b.c, nonblock: true }, fa, a, m(a.sndbuf - 32))).toBe(a.sndbuf - 32);
    put(b, fa, fb);
    expect(shutdown(b)).toBe(0);
  });
});

describe("poll", () => {
  it("streams: writable when connected, readable with data, hang-up and RDHUP when the peer goes", () => {
    const b = boot();
    const [fa, fb] = pair(b);
    expect(vfsPoll(b.c, fa, null)).toBe(WRITABLE);
    write(b.c, fb, "x");
    expect(vfsPoll(b.c, fa, null)).toBe(WRITABLE | POLLIN | POLLRDNORM);
    put(b, fb);
    // The peer closed with our "x" unread by us: readable (data, then EOF), hung up, no error.
    expect(vfsPoll(b.c, fa, null)).toBe(WRITABLE | POLLIN | POLLRDNORM | POLLHUP | POLLRDHUP);
    put(b, fa);
    expect(shutdown(b)).toBe(0);
  });

  it("a peer closing with unread data leaves POLLERR (ECONNRESET) until the error is taken", () => {
    const b = boot();
    const [fa, fb] = pair(b);
    write(b.c, fa, "unread");
    put(b, fb);
    expect(vfsPoll(b.c, fa, null) & (POLLERR | POLLHUP)).toBe(POLLERR | POLLHUP);
    expect(sockOf(fa)!.takeError()).toBe(104);
    expect(vfsPoll(b.c, fa, null) & POLLERR).toBe(0);
    put(b, fa);
    expect(shutdown(b)).toBe(0);
  });

  it("an unconnected stream socket hangs up; a listener is readable with a pending connection and never writable", () => {
    const b = boot();
    const ls = newSock(b.k, SOCK_STREAM, "test");
    const fl = sockAllocFile(b.c, ls, false, "test");
    expect(vfsPoll(b.c, fl, null)).toBe(WRITABLE | POLLHUP);
    expect(unixBind(b.c, ls, addr("\0srv"))).toBe(0);
    expect(unixListen(b.c, ls, 1)).toBe(0);
    expect(vfsPoll(b.c, fl, null)).toBe(0);
    const cl = newSock(b.k, SOCK_STREAM, "test");
    const fc = sockAllocFile(b.c, cl, false, "test");
    expect(unixStreamConnect(b.c, cl, addr("\0srv"), true, () => newSock(b.k, SOCK_STREAM, "test"))).toBe(0);
    expect(vfsPoll(b.c, fl, null)).toBe(POLLIN | POLLRDNORM);
    expect(vfsPoll(b.c, fc, null)).toBe(WRITABLE);
    put(b, fl);
    // The listener took the unaccepted connection down with it: reset and hung up.
    expect(vfsPoll(b.c, fc, null) & (POLLERR | POLLHUP | POLLRDHUP)).toBe(POLLERR | POLLHUP | POLLRDHUP);
    put(b, fc);
    expect(shutdown(b)).toBe(0);
  });

  it("a datagram sender is not writable while its receiver's queue is full, and waits on the receiver's peer_wait", () => {
    const b = boot();
    const r = newSock(b.k, SOCK_DGRAM, "test");
    const fr = sockAllocFile(b.c, r, false, "test");
    expect(unixBind(b.c, r, addr("\0r"))).toBe(0);
    const s = newSock(b.k, SOCK_DGRAM, "test");
    const fs = sockAllocFile(b.c, s, false, "test");
    const c = { ...b.c, nonblock: true };
    const send = () => unixSendmsg(c, fs, s, { from: new KernelIter(Uint8Array.of(1)), name: addr("\0r"), scm: { fds: null, creds: null }, flags: 0 });
    let n = 0;
    while (send() === 1) n++;
    expect(n).toBe(11); // max_dgram_qlen 10: the queue is full once longer than that
    expect(vfsPoll(b.c, fs, null) & POLLOUT).toBe(POLLOUT); // not connected: no peer to check
    const queues: WaitQueue[] = [];
    const pt: PollTable = { wait: (wq) => queues.push(wq) };
    expect(unixSendmsg(c, fs, s, { from: new KernelIter(new Uint8Array(0)), name: null, scm: { fds: null, creds: null }, flags: 0 })).toBe(-107);
    // Connected to the full receiver: not writable until it reads.
    expect(vfsPoll(b.c, fs, null) & POLLOUT).toBe(POLLOUT);
    s.setPeer(r);
    s.state = "established";
    expect(vfsPoll(b.c, fs, pt) & POLLOUT).toBe(0);
    expect(queues).toEqual([s.wq, r.peerWait]);
    readAll(b.c, fr, 1);
    expect(vfsPoll(b.c, fs, null) & POLLOUT).toBe(POLLOUT);
    put(b, fs, fr);
    expect(shutdown(b)).toBe(0);
  });
});

describe("names", () => {
  it("connect by path needs write permission on the socket's inode (EACCES), then finds the listener", () => {
    const b = boot();
    const ls = newSock(b.k, SOCK_STREAM, "test");
    const fl = sockAllocFile(b.c, ls, false, "test");
    expect(unixBind(b.c, ls, addr("/srv.sock\0"))).toBe(0);
    expect(unixListen(b.c, ls, 4)).toBe(0);
    const cl = newSock(b.k, SOCK_STREAM, "test");
    const fc = sockAllocFile(b.c, cl, false, "test");
    const connect = () => unixStreamConnect(b.c, cl, addr("/srv.sock"), true, () => newSock(b.k, SOCK_STREAM, "test"));
    const root = b.t.cred;
    b.k.kobj.get(root, "test");
    const user = root.with({ uid: 1000, euid: 1000, suid: 1000, fsuid: 1000, gid: 1000, egid: 1000, sgid: 1000, fsgid: 1000 }, "test");
    b.t.setCred(user);
    b.k.kobj.put(user, "test");
    expect(connect()).toBe(-13); // the name is 0755 (umask 022), owned by root
    b.t.setCred(root);
    b.k.kobj.put(root, "test");
    expect(connect()).toBe(0);
    put(b, fl, fc);
    expect(shutdown(b)).toBe(0);
  });
});

describe("in-flight files and leaks", () => {
  it("a file in flight keeps its pipe end open after the sender closed it, and is closed with the socket", () => {
    const b = boot();
    const [fa, fb] = pair(b);
    const path = b.k.vfs.newPipe(b.c);
    const rd = openPath(b.c, path, 0, "test") as File;
    const wr = openPath(b.c, path, 1, "test") as File;
    b.k.kobj.get(wr, "in flight");
    const sent = unixSendmsg({ ...b.c, nonblock: true }, fa, sockOf(fa)!, { from: new KernelIter(Uint8Array.of(1)), name: null, scm: { fds: [wr], creds: null }, flags: 0 });
    expect(sent).toBe(1);
    put(b, wr);
    // The write end lives in flight: the reader finds no data but no EOF either.
    expect(kernelRead(b.c, rd, 1)).toBe(-11);
    put(b, fb); // the receiving socket goes with the message unread: the file is closed
    expect(kernelRead(b.c, rd, 1)).toEqual(new Uint8Array(0)); // EOF
    put(b, fa, rd);
    expect(b.k.kobj.liveCount("sock")).toBe(0);
    expect(shutdown(b)).toBe(0);
  });

  const sendFile = (b: Booted, over: File, f: File): number => {
    b.k.kobj.get(f, "SCM_RIGHTS");
    return unixSendmsg({ ...b.c, nonblock: true }, over, sockOf(over)!, { from: new KernelIter(Uint8Array.of(1)), name: null, scm: { fds: [f], creds: null }, flags: 0 });
  };

  it("a socket reachable only through its own queue is collected when another socket closes (unix_gc)", () => {
    const b = boot();
    const [fa, fb] = pair(b);
    expect(sendFile(b, fa, fb)).toBe(1); // fb now waits in fb's own queue
    put(b, fb);
    expect(b.k.kobj.liveCount("sock")).toBe(2);
    put(b, fa);
    expect(b.k.kobj.liveCount("sock")).toBe(0);
    expect(shutdown(b)).toBe(0);
  });

  it("a socket in flight on a queue someone can still read is not collected", () => {
    const b = boot();
    const [fa, fb] = pair(b);
    const [fc, fd] = pair(b);
    expect(sendFile(b, fa, fc)).toBe(1); // fc waits in fb's queue; fb is open
    put(b, fc);
    const [fx, fy] = pair(b);
    put(b, fx, fy); // a release runs the collector
    expect(sockOf(fc)!.dead).toBe(false);
    expect(b.k.kobj.liveCount("sock")).toBe(4);
    put(b, fa, fb, fd);
    expect(b.k.kobj.liveCount("sock")).toBe(0);
    expect(shutdown(b)).toBe(0);
  });

  it("two ends in flight on each other, with no close left to run the collector, are collected at shutdown", () => {
    const b = boot();
    const [fa, fb] = pair(b);
    expect(sendFile(b, fa, fa)).toBe(1);
    expect(sendFile(b, fb, fb)).toBe(1);
    put(b, fa, fb);
    expect(b.k.kobj.liveCount("sock")).toBe(2);
    expect(shutdown(b)).toBe(0);
  });

  it.each(["libc-unix-stream", "libc-unix-dgram", "libc-unix-server", "libc-scm", "libc-scm-trunc"])("%s leaves no socket or file behind", (name) => {
    const r = runProgram(workloadElf(name), { argv: [name], seed: 5, maxInstructions: 2e9 });
    expect(r.exitCode).toBe(0);
    expect(r.oopses).toBe(0);
    expect(r.events.filter((e) => e.kind === "oops")).toEqual([]);
  });
});
