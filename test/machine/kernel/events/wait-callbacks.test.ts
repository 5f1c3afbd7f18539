// Sleeping on several queues and the callbacks of wait queues: a poller is on every queue its
// poll table named and any one wake-up takes it off all of them; callbacks run newest first, then
// tasks; epoll items leave every queue when their file or their set goes (nothing left behind,
// nothing reported as leaked at shutdown).
import { describe, expect, it } from "vitest";
import { ERESTARTNOHAND } from "../../../../src/machine/kernel/errno.ts";
import { EPOLLIN } from "../../../../src/machine/kernel/events/epoll.ts";
import { leaveWaitQueues, WaitQueue } from "../../../../src/machine/kernel/wait-queue.ts";
import { PipeInode } from "../../../../src/machine/fs/pipe.ts";
import { shutdown } from "../../fs/helpers.ts";
import { bootSys, epollEvent, NR, pipe } from "./events-helpers.ts";

const pipeOf = (s: ReturnType<typeof bootSys>, fd: number) => (s.t.files!.get(fd)!.inode as PipeInode).pipe;

describe("wait queues", () => {
  it("wake callbacks newest first, then sleeping tasks in the order they came", () => {
    const s = bootSys();
    const wq = new WaitQueue();
    const order: string[] = [];
    wq.callbacks.add({ wake: () => order.push("first") });
    wq.callbacks.add({ wake: () => order.push("second") });
    s.k.pollSleep(s.t, [wq], 0, ERESTARTNOHAND);
    expect(s.t.state).toBe("sleeping");
    const wake = s.k.wake.bind(s.k);
    s.k.wake = (t) => {
      order.push(`task ${t.id}`);
      wake(t);
    };
    s.k.wakeAll(wq);
    expect(order).toEqual(["second", "first", `task ${s.t.id}`]);
    expect(wq.empty).toBe(false); // the callbacks stay: only tasks leave on a wake-up
    expect(wq.waiters.size).toBe(0);
    s.k.wake = wake;
    expect(shutdown(s)).toBe(0);
  });

  it("a poller sleeps on every queue at once; a wake-up of one takes it off all of them", () => {
    const s = bootSys();
    const qs = [new WaitQueue(), new WaitQueue(), new WaitQueue()];
    expect(s.k.pollSleep(s.t, qs, 0, ERESTARTNOHAND)).toBe(-ERESTARTNOHAND);
    expect(qs.every((q) => q.waiters.has(s.t))).toBe(true);
    expect(s.t.pollWaits).toHaveLength(3);
    s.k.wakeAll(qs[1]);
    expect(s.t.state).toBe("running");
    expect(qs.every((q) => q.empty)).toBe(true);
    expect(s.t.pollWaits).toEqual([]);
    // And leaveWaitQueues (exit, an aborted restart) does the same for a task still asleep.
    s.k.pollSleep(s.t, qs, 0, ERESTARTNOHAND);
    leaveWaitQueues(s.t);
    expect(qs.every((q) => q.empty)).toBe(true);
    expect(shutdown(s)).toBe(0);
  });

  it("a poller's deadline wakes it and clears its queues", () => {
    const s = bootSys();
    const q = new WaitQueue();
    s.k.pollSleep(s.t, [q], s.k.clock + 1000, ERESTARTNOHAND);
    s.k.timers.fire(s.k, s.k.clock + 1000);
    expect(s.t.state).toBe("running");
    expect(q.empty).toBe(true);
    expect(shutdown(s)).toBe(0);
  });
});

describe("epoll items on wait queues", () => {
  it("an item's callbacks leave the pipe's queues when the pipe's last fd closes, not before", () => {
    const s = bootSys();
    const ep = s.sys(NR.epoll_create1, 0);
    const [r, w] = pipe(s);
    const p = pipeOf(s, r);
    expect(s.sys(NR.epoll_ctl, ep, 1, r, epollEvent(s, s.mem, EPOLLIN, 7n))).toBe(0);
    expect(p.rdWait.callbacks.size).toBe(1);
    expect(p.wrWait.callbacks.size).toBe(1);
    const dupFd = s.t.files!.installNew(s.t.files!.get(r)!, false);
    s.k.kobj.get(s.t.files!.get(r)!);
    s.sys(NR.close, r);
    expect(p.rdWait.callbacks.size).toBe(1); // the file is still open under its dup
    s.sys(NR.close, dupFd);
    expect(p.rdWait.callbacks.size).toBe(0);
    expect(p.wrWait.callbacks.size).toBe(0);
    s.sys(NR.close, w);
    s.sys(NR.close, ep);
    expect(shutdown(s)).toBe(0);
  });

  it("closing the epoll set takes its items off the watched files", () => {
    const s = bootSys();
    const ep = s.sys(NR.epoll_create1, 0);
    const inner = s.sys(NR.epoll_create1, 0);
    const [r, w] = pipe(s);
    s.sys(NR.epoll_ctl, inner, 1, r, epollEvent(s, s.mem, EPOLLIN, 1n));
    s.sys(NR.epoll_ctl, ep, 1, inner, epollEvent(s, s.mem, EPOLLIN, 2n));
    const rf = s.t.files!.get(r)!;
    expect(rf.epWatches?.size).toBe(1);
    s.sys(NR.close, inner);
    expect(rf.epWatches?.size).toBe(0);
    expect(pipeOf(s, r).rdWait.callbacks.size).toBe(0);
    s.sys(NR.close, ep);
    s.sys(NR.close, r);
    s.sys(NR.close, w);
    expect(shutdown(s)).toBe(0);
  });

  it("a write to a watched pipe queues the item once, however often it is woken", () => {
    const s = bootSys();
    const ep = s.sys(NR.epoll_create1, 0);
    const [r, w] = pipe(s);
    s.sys(NR.epoll_ctl, ep, 1, r, epollEvent(s, s.mem, EPOLLIN, 3n));
    s.put(s.mem + 100, new Uint8Array([1, 2, 3]));
    for (let i = 0; i < 3; i++) expect(s.sys(NR.write, w, s.mem + 100, 1)).toBe(1);
    const set = s.t.files!.get(ep)!.priv as { rdllist: unknown[] };
    expect(set.rdllist).toHaveLength(1);
    expect(s.sys(NR.epoll_pwait, ep, s.mem + 512, 4, 0, 0, 8)).toBe(1);
    for (const fd of [ep, r, w]) s.sys(NR.close, fd);
    expect(shutdown(s)).toBe(0);
  });
});
