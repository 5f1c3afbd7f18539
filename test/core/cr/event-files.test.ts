// Event files through C/R (issue 16): eventfd, timerfd, signalfd and epoll. The collector takes
// each as it is at libc-epoll's and libc-fdevents' marks (a disarmed one-shot item, the ready
// list's order, nested sets, an item whose fd was closed while a dup keeps its file, an eventfd
// count, timer expirations not read yet); both codecs carry it unchanged; a restart in every
// design gives the program exactly what it would have seen (its output is compared with the
// uninterrupted run's); and an epoll item on a file C/R does not carry is refused by name.
import { describe, expect, it } from "vitest";
import { collectContainer, containerTasks } from "../../../src/core/cr/collect/collect.ts";
import { CrError, EBUSY, EOPNOTSUPP } from "../../../src/core/cr/errors.ts";
import type { CheckpointModel, EpItemRecord, EventFileTargetRecord, FileRecord } from "../../../src/core/cr/index.ts";
import { anonInodeGetFile } from "../../../src/machine/fs/anon-inode.ts";
import { EP_PRIVATE_BITS, EPOLLIN, EPOLLONESHOT, epollOf, epollOps, EventPoll } from "../../../src/machine/kernel/events/epoll.ts";
import { InotifyGroup, inotifyOps } from "../../../src/machine/fs/notify/inotify.ts";
import { runPoint } from "../../../src/workbench/scenario/cell.ts";
import { referenceRun } from "../../../src/workbench/scenario/reference.ts";
import { designOf } from "../../../src/workbench/scenario/runner.ts";
import { builtinRegistry } from "../../../src/workbench/plugins.ts";
import { experiment, frozenAtMark, modelDiff, workloadRef } from "../../support/cr.ts";
import { concat } from "../../support/cr-models.ts";
import { codecFor, DESIGNS } from "../../support/tamper.ts";

/** libc-epoll's marks, in order (1 is "start"). */
const EPOLL_MARK = { exclusive: 2, oneshot: 3, order: 4, roundRobin: 5, nested: 6, dup: 7 };
/** libc-fdevents' marks. */
const EVENTS_MARK = { count: 2, semaphore: 3, armed: 4, pending: 5, signal: 6, together: 7 };

function collectedAt(name: string, mark: number): CheckpointModel {
  const { m, init } = frozenAtMark(workloadRef(name), mark);
  // (No shutdown: a frozen container with an armed periodic timerfd would keep it busy.)
  return collectContainer(m.kernel, init, "test");
}

type Of<K extends EventFileTargetRecord["kind"]> = Extract<EventFileTargetRecord, { kind: K }>;
const targets = <K extends EventFileTargetRecord["kind"]>(m: CheckpointModel, kind: K): (Of<K> & { file: FileRecord })[] =>
  m.files.flatMap((f) => (f.target.kind === kind ? [{ ...(f.target as Of<K>), file: f }] : []));
const readyData = (t: Of<"epoll">): bigint[] => t.ready.map((i) => t.items[i].data);
const byData = (t: Of<"epoll">, data: bigint): EpItemRecord => t.items.find((it) => it.data === data)!;

/** Both codecs give the model back unchanged. */
function roundTrips(m: CheckpointModel): void {
  for (const name of ["cpt", "ckpt"]) {
    const codec = codecFor(name);
    expect(modelDiff(codec.decode(concat(codec.encode(m))), m), name).toEqual([]);
  }
}

describe("event files in the model and both codecs", () => {
  it("a disarmed one-shot item keeps only its private bits; level- and edge-triggered items keep theirs", () => {
    const m = collectedAt("libc-epoll", EPOLL_MARK.oneshot);
    const [ep] = targets(m, "epoll");
    const os = byData(ep, 0x05n);
    expect(os.events & ~EP_PRIVATE_BITS).toBe(0);
    expect(os.events & EPOLLONESHOT).not.toBe(0);
    expect(byData(ep, 0x1111222233334444n).events & EPOLLIN).not.toBe(0);
    // Written to after it was disarmed: its callback ignored the wake-up, so it is not ready.
    expect(readyData(ep)).toEqual([]);
    roundTrips(m);
  });

  it("the ready list keeps the order the files became ready in", () => {
    const m = collectedAt("libc-epoll", EPOLL_MARK.order);
    const [ep] = targets(m, "epoll");
    expect(readyData(ep)).toEqual([0xa2n, 0xa0n, 0xa3n, 0xa1n]);
    roundTrips(m);
    // After one event was taken, it went round to the tail (level-triggered).
    const rr = targets(collectedAt("libc-epoll", EPOLL_MARK.roundRobin), "epoll")[0];
    expect(readyData(rr)).toEqual([0xa0n, 0xa3n, 0xa1n, 0xa2n]);
  });

  it("a nested set names the inner set's file, which names the pipe", () => {
    const m = collectedAt("libc-epoll", EPOLL_MARK.nested);
    const sets = targets(m, "epoll");
    const outer = sets.find((s) => s.items.some((it) => it.data === 0x2n))!;
    const inner = sets.find((s) => s.file.id === byData(outer, 0x2n).fileId)!;
    expect(inner.items.map((it) => it.data)).toEqual([0x1n]);
    expect(m.files.find((f) => f.id === inner.items[0].fileId)!.target.kind).toBe("pipe");
    roundTrips(m);
  });

  it("an item whose fd was closed lives on with the file its dup holds", () => {
    const m = collectedAt("libc-epoll", EPOLL_MARK.dup);
    const [ep] = targets(m, "epoll");
    const closed = byData(ep, 0xd0n);
    const fds = m.fdTables.flatMap((t) => t.fds);
    expect(fds.some((fd) => fd.fd === closed.fd && fd.fileId === closed.fileId)).toBe(false);
    expect(fds.find((fd) => fd.fd === byData(ep, 0xd1n).fd)!.fileId).toBe(closed.fileId);
    roundTrips(m);
  });

  it("an eventfd's count and semaphore mode, a signalfd's mask", () => {
    const count = collectedAt("libc-fdevents", EVENTS_MARK.count);
    expect(targets(count, "eventfd").map((e) => e.count)).toContain(7n);
    const sem = collectedAt("libc-fdevents", EVENTS_MARK.semaphore);
    expect(targets(sem, "eventfd").find((e) => e.semaphore)?.count).toBe(2n);
    // (A timerfd's state is not collected here: frozenAtMark never returns while a frozen
    // container has a periodic timer armed. The matrix and ZDTM's timerfd test carry it.)
    const sig = collectedAt("libc-fdevents", EVENTS_MARK.signal);
    expect(targets(sig, "signalfd").map((s) => s.mask)).toEqual([1n << 9n]); // SIGUSR1 only (SIGKILL dropped)
    roundTrips(sig);
  });
});

describe("event files refused at checkpoint time", () => {
  const refusal = (name: string, mark: number, add: (k: import("../../../src/machine/kernel/kernel.ts").Kernel, files: import("../../../src/machine/fs/fdtable.ts").FilesStruct, ep: EventPoll) => void): CrError => {
    const { m, init } = frozenAtMark(workloadRef(name), mark);
    const k = m.kernel;
    const t = containerTasks(k, init).find((x) => x !== init && x.files !== null)!;
    const files = t.files!;
    const ep = epollOf(files.get([...files.fds()].find((fd) => epollOf(files.get(fd)!) !== null)!)!)!;
    add(k, files, ep);
    try {
      collectContainer(k, init, "test");
    } catch (e) {
      return e as CrError;
    }
    throw new Error("collected");
  };

  it("an epoll item on a file kind C/R does not carry names the fd and the kind", () => {
    // (Its only fd is closed already: the item itself is what the collector meets.)
    const e = refusal("libc-epoll", EPOLL_MARK.order, (k, _files, ep) => {
      // Every kind of file is carried now: a kind that says it is not (FileOperations.noCheckpoint).
      const ino = anonInodeGetFile(k, "inotify", { ...inotifyOps, noCheckpoint: "a test file" }, new InotifyGroup(k), 0, "test");
      ep.restoreItem({ k, t: [...k.tasks.values()][0] }, ino, 42, EPOLLIN, 1n);
    });
    expect(e).toBeInstanceOf(CrError);
    expect(e.errno).toBe(EOPNOTSUPP);
    expect(e.message).toBe("an epoll instance (anon_inode:[eventpoll]) watches fd 42, a test file: checkpoint/restart of test files is not implemented yet");
  });

  it("an epoll item on a file no task of the container holds is refused (EBUSY)", () => {
    const e = refusal("libc-epoll", EPOLL_MARK.order, (k, _files, ep) => {
      const inner = anonInodeGetFile(k, "[eventpoll]", epollOps, new EventPoll(k), 0, "test: held outside");
      ep.restoreItem({ k, t: [...k.tasks.values()][0] }, inner, 99, EPOLLIN, 7n);
    });
    expect(e.errno).toBe(EBUSY);
    expect(e.message).toMatch(/an epoll instance of the container watches anon_inode:\[eventpoll\], which no task of the container holds open/);
  });
});

// Both codecs and both creators, in two cells (the matrix runs all eight designs at every mark).
const TWO = DESIGNS.filter((d) => (d.codec === "cpt") === (d.creator === "kernel"));

describe.each(TWO)("event files restarted ($codec, $creator)", ({ codec, creator }) => {
  it.each([
    ["libc-epoll", [EPOLL_MARK.oneshot, EPOLL_MARK.order, EPOLL_MARK.nested, EPOLL_MARK.dup]],
    ["libc-fdevents", [EVENTS_MARK.count, EVENTS_MARK.pending, EVENTS_MARK.together]],
  ] as const)("%s at its marks: the same output as the uninterrupted run, no oops, no leak", (name, marks) => {
    const exp = experiment({ initiator: "external", creator, codec });
    const design = designOf(exp, builtinRegistry());
    const w = workloadRef(name);
    const ref = referenceRun(exp, w, design.module(), design.trigger);
    const cells = marks.flatMap((n) => runPoint(exp, w, ref, design, { kind: "mark", n }, "kill", ["fresh"]));
    expect(cells.map((c) => `${c.point}: ${c.verdict}${c.reason === undefined ? "" : ` (${c.reason})`}`)).toEqual(marks.map((n) => `mark:${n}: pass`));
  }, 300_000);
});

