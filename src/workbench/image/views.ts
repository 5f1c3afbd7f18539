// What `cptbench image x DIR ps|fds|mems|sigs` prints (crit's `x` verbs): views of a decoded
// CheckpointModel for a person, one table each. Plain text, stable order (ids, fd numbers,
// addresses), so two images compare with diff(1).
import type { CheckpointModel, FileTargetRecord, SigPendingRecord, TaskRecord } from "../../core/cr/model.ts";
import { signalName } from "../../machine/kernel/signal-names.ts";
import { O_ACCMODE, O_RDWR, O_WRONLY } from "../../machine/fs/constants.ts";
import { PROT_EXEC, PROT_READ, PROT_WRITE, VM_SHARED } from "../../machine/mm/vma.ts";

const PAGE = 4096;

/** "2 (ns 1) / 1 (ns 2)": a task's pid in each namespace of the container, outermost first. */
function pidsOf(m: CheckpointModel, t: TaskRecord): string {
  const p = m.pids.find((x) => x.id === t.pidId);
  if (p === undefined) return `pid id ${t.pidId}?`;
  return p.numbers.map((n, i) => `${n}`.padStart(3) + ` (ns ${p.nsIds[i]})`).join(" ");
}

/** Which tasks use an object (by the task field naming it): "tasks 1, 2". */
function users(m: CheckpointModel, key: "mmId" | "filesId" | "fsId" | "sighandId", id: number): string {
  const ids = m.tasks.filter((t) => t[key] === id).map((t) => `${t.id} (${t.comm})`);
  return ids.length === 0 ? "no task" : `task${ids.length > 1 ? "s" : ""} ${ids.join(", ")}`;
}

/** The process tree: one line per task, children indented under their parent, threads marked. */
export function psView(m: CheckpointModel): string {
  const lines = ["TASK  PIDS (outermost namespace first)   STATE    TGID  COMM"];
  const children = new Map<number | null, TaskRecord[]>();
  for (const t of m.tasks) children.set(t.parentTaskId, [...(children.get(t.parentTaskId) ?? []), t]);
  const seen = new Set<number>();
  const walk = (t: TaskRecord, depth: number): void => {
    if (seen.has(t.id)) return;
    seen.add(t.id);
    const group = m.threadGroups.find((g) => g.id === t.threadGroupId);
    const thread = group !== undefined && group.leaderTaskId !== t.id ? " (thread)" : "";
    lines.push(`${String(t.id).padStart(4)}  ${pidsOf(m, t).padEnd(34)} ${t.state.padEnd(8)} ${String(group?.leaderTaskId ?? "?").padStart(4)}  ${"  ".repeat(depth)}${depth > 0 ? "└─ " : ""}${t.comm}${thread}`);
    for (const c of children.get(t.id) ?? []) walk(c, depth + 1);
  };
  for (const root of children.get(null) ?? []) walk(root, 0);
  for (const t of m.tasks) walk(t, 0); // a task whose parent is missing still shows
  lines.push(`${m.tasks.length} task(s) in ${m.threadGroups.length} process(es); pid namespaces: ${m.pidNamespaces.map((n) => `${n.id}${n.parentId === null ? " (the container's)" : ` (in ${n.parentId})`}, last pid ${n.lastPid}`).join("; ")}`);
  return lines.join("\n") + "\n";
}

function describeTarget(m: CheckpointModel, t: FileTargetRecord, flags: number): string {
  switch (t.kind) {
    case "inode": {
      const i = m.inodes.find((x) => x.id === t.inodeId);
      if (i?.memfd !== undefined) return `memfd ${JSON.stringify(i.memfd.name)}, seals 0x${i.memfd.seals.toString(16)}, ${i.size} bytes`;
      return `${i?.kind ?? "inode"} ${t.path}${i !== undefined && i.nlink === 0 ? " (deleted)" : ""}`;
    }
    case "pipe": {
      const p = m.pipes.find((x) => x.id === t.pipeId);
      return `pipe ${t.pipeId} ${(flags & O_ACCMODE) === O_WRONLY ? "write end" : "read end"}, ${p?.buffered.length ?? 0} bytes buffered`;
    }
    case "console": return `console ${["stdin", "stdout", "stderr"][t.stream]}`;
    case "device": return `device ${t.path}`;
    case "proc": return `procfs ${t.path}`;
    case "pidfd": {
      const p = m.pids.find((x) => x.id === t.pidId);
      const task = m.tasks.find((x) => x.pidId === t.pidId);
      return `pidfd of pid ${p?.numbers.join("/") ?? t.pidId}${task === undefined ? " (reaped)" : task.state === "zombie" ? " (exited)" : ""}`;
    }
    case "ns": return `${t.nsKind} namespace${t.pidNsId !== undefined ? ` ${t.pidNsId}` : " (the machine's initial one)"}`;
    case "inotify": return `inotify, ${t.watches.length} watch(es) (wd ${t.watches.map((w) => `${w.wd}: inode ${w.inodeId}`).join(", ") || "none"}), ${t.events.length} event(s) queued`;
    case "pty": {
      const p = m.ttys?.find((x) => x.id === t.ttyId);
      const end = t.master ? p?.master : p?.slave;
      return `pty ${p?.index ?? `id ${t.ttyId}`} ${t.master ? "master" : "slave"} ${t.path}, ${end?.readBuf.length ?? 0} bytes to read, ${end?.flip.length ?? 0} in its flip buffer`;
    }
    case "socket": {
      const s = m.unixSocks?.find((x) => x.id === t.sockId);
      if (s === undefined) return `socket ${t.sockId}?`;
      const type = s.type === 1 ? "stream" : s.type === 2 ? "dgram" : "seqpacket";
      const queued = s.queue.filter((q) => q.embryoSockId === undefined).length;
      const pending = s.queue.length - queued;
      return `unix ${type} socket:[${s.ino}] ${s.state}${s.peerId !== null ? ` peer ${s.peerId}` : ""}, ${queued} message(s) queued${pending > 0 ? `, ${pending} pending connection(s)` : ""} [socket ${s.id}]`;
    }
    case "eventfd": return `eventfd count ${t.count}${t.semaphore ? " (semaphore)" : ""}`;
    case "timerfd": return `timerfd clock ${t.clockid}, ${t.armed ? `expires in ${t.expiryLeft} cycles, interval ${t.interval}` : "disarmed"}, ${t.ticks} tick(s) unread`;
    case "signalfd": return `signalfd mask 0x${t.mask.toString(16)}`;
    case "epoll": return `epoll ${t.items.map((it, i) => `fd ${it.fd}→file ${it.fileId} events 0x${it.events.toString(16)}${t.ready.includes(i) ? " ready" : ""}`).join(", ") || "(empty)"}`;
  }
}

const accMode = (flags: number): string => ((flags & O_ACCMODE) === O_RDWR ? "rw" : (flags & O_ACCMODE) === O_WRONLY ? "w" : "r");

/** Each fd table: who uses it, and what each fd is. */
export function fdsView(m: CheckpointModel): string {
  const lines: string[] = [];
  for (const ft of m.fdTables) {
    lines.push(`fd table ${ft.id} (${users(m, "filesId", ft.id)}):`);
    for (const fd of [...ft.fds].sort((a, b) => a.fd - b.fd)) {
      const f = m.files.find((x) => x.id === fd.fileId);
      const what = f === undefined ? `file ${fd.fileId}?` : `${describeTarget(m, f.target, f.flags)} [${accMode(f.flags)}, pos ${f.pos}, file ${f.id}]`;
      lines.push(`  ${String(fd.fd).padStart(4)}  ${what}${fd.cloexec ? " cloexec" : ""}`);
    }
  }
  if (lines.length === 0) lines.push("no fd tables (every task has exited)");
  const removed = (path: string, id: number | undefined): string => (id === undefined ? path : `${path} (deleted: inode ${id})`);
  for (const fs of m.fsContexts) lines.push(`fs ${fs.id} (${users(m, "fsId", fs.id)}): root ${removed(fs.root, fs.rootInodeId)}, cwd ${removed(fs.cwd, fs.cwdInodeId)}, umask ${fs.umask.toString(8).padStart(4, "0")}`);
  return lines.join("\n") + "\n";
}

const hex8 = (n: number): string => n.toString(16).padStart(8, "0");

/** Each address space: its VMAs with the pages the image holds for each, and the totals. */
export function memsView(m: CheckpointModel): string {
  const lines: string[] = [];
  for (const mm of m.mms) {
    lines.push(`mm ${mm.id} (${users(m, "mmId", mm.id)}): brk ${hex8(mm.startBrk)}-${hex8(mm.brk)}, stack ${hex8(mm.startStack)}`);
    lines.push("  START    END      PERM KIND   PAGES  COW  BACKING");
    for (const v of mm.vmas) {
      const inside = (i: number): boolean => i * PAGE >= v.start && i * PAGE < v.end;
      const perm = (v.prot & PROT_READ ? "r" : "-") + (v.prot & PROT_WRITE ? "w" : "-") + (v.prot & PROT_EXEC ? "x" : "-") + (v.flags & VM_SHARED ? "s" : "p");
      const backing = v.backing.kind === "anon" ? "anonymous" : v.backing.kind === "shmem" ? `shared memory ${v.backing.shmemId}` : `file ${v.backing.path} @ page ${v.pgoff}`;
      lines.push(`  ${hex8(v.start)} ${hex8(v.end)} ${perm} ${v.kind.padEnd(6)} ${String(mm.pages.filter((p) => inside(p.index)).length).padStart(5)} ${String(mm.cowRefs.filter((p) => inside(p.index)).length).padStart(4)}  ${backing}`);
    }
    lines.push(`  ${mm.vmas.length} VMAs, ${mm.pages.length} private pages, ${mm.cowRefs.length} shared copy-on-write`);
  }
  if (m.mms.length === 0) lines.push("no address spaces (every task has exited)");
  for (const s of m.shmem) lines.push(`shared memory ${s.id}: ${s.size} pages, ${s.pages.length} with contents`);
  lines.push(`copy-on-write pages in the image: ${m.cowPages.length}`);
  return lines.join("\n") + "\n";
}

const sigList = (mask: bigint): string => {
  const out: string[] = [];
  for (let s = 1; s <= 64; s++) if ((mask >> BigInt(s - 1)) & 1n) out.push(signalName(s));
  return out.length === 0 ? "none" : out.join(" ");
};

const pendingText = (p: SigPendingRecord): string =>
  p.signals === 0n && p.queue.length === 0 ? "none" : `${sigList(p.signals)}${p.queue.length > 0 ? ` (queued: ${p.queue.map((q) => `${signalName(q.signo)} code ${q.code}${q.pidNr ? ` from pid ${q.pidNr}` : ""}`).join(", ")})` : ""}`;

/** Pending and blocked signals per task, shared pending and POSIX timers per process, and caught signals per sighand. */
export function sigsView(m: CheckpointModel): string {
  const lines: string[] = [];
  for (const t of m.tasks) lines.push(`task ${t.id} (${t.comm}): pending ${pendingText(t.pending)}; blocked ${sigList(t.blocked)}`);
  for (const g of m.threadGroups) {
    lines.push(`process of task ${g.leaderTaskId}: shared pending ${pendingText(g.sharedPending)}${g.groupExit ? "; exiting" : ""}${g.stopped ? "; stopped" : ""}`);
    for (const tm of g.posixTimers ?? []) {
      const how = tm.notify === 1 ? "SIGEV_NONE" : `${signalName(tm.signo)}${tm.notify === 4 ? ` to task ${tm.targetTaskId}` : ""}`;
      const when = tm.left === 0 ? "disarmed" : `${tm.left} cycles left${tm.interval > 0 ? `, every ${tm.interval}` : ""}`;
      lines.push(`  POSIX timer ${tm.id} (clock ${tm.clock}): ${how}, ${when}${tm.signalQueued ? "; its signal is queued" : ""}`);
    }
  }
  for (const h of m.sighands) {
    const caught = h.actions.map((a, s) => (a !== undefined && a.handler > 1 ? signalName(s) : "")).filter((s) => s !== "");
    const ignored = h.actions.map((a, s) => (a !== undefined && a.handler === 1 ? signalName(s) : "")).filter((s) => s !== "");
    lines.push(`sighand ${h.id} (${users(m, "sighandId", h.id)}): caught ${caught.join(" ") || "none"}; ignored ${ignored.join(" ") || "none"}`);
  }
  return lines.join("\n") + "\n";
}

export const SOCKETS_VIEW = "no sockets: images carry none yet (a checkpoint of a task holding an AF_UNIX socket is refused)\n";
