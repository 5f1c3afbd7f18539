// Garbage collection of sockets in flight (Linux's net/unix/garbage.c). A socket file whose
// every reference comes from skbs in flight can only be reached through those skbs; if those
// skbs sit on the queues of sockets that are themselves unreachable (a socket sent over itself,
// two sockets sent over each other, then closed), nothing will ever receive them, and the
// references keep each other alive. The collector finds such cycles and purges their queues.
// It runs when a socket is closed while sockets are in flight, as unix_release_sock calls
// unix_gc.
import type { Kernel } from "../kernel/kernel.ts";
import type { File } from "../fs/file.ts";
import { freeSkb, inflightSockets, type Skb, type UnixSock } from "./sock.ts";
import { sockOf } from "./socket-inode.ts";

const running = new WeakSet<Kernel>();

/** The skbs a sock holds: its queue, and the queues of unaccepted connections on it. */
function* skbsOf(s: UnixSock): Generator<Skb> {
  for (const skb of s.queue) {
    yield skb;
    if (skb.embryo !== undefined) yield* skb.embryo.queue;
  }
}

export function unixGc(k: Kernel): void {
  const inflight = inflightSockets(k);
  if (inflight.size === 0 || running.has(k)) return;
  // Candidates: every reference is an in-flight one (no fd, no kernel user holds the file).
  const cand = new Set<File>();
  for (const [f, n] of inflight) if (f.refcount === n) cand.add(f);
  if (cand.size === 0) return;
  // References from the candidates' own queues do not make a candidate reachable.
  const internal = new Map<File, number>();
  for (const f of cand) {
    for (const skb of skbsOf(sockOf(f)!)) for (const g of skb.fds ?? []) if (cand.has(g)) internal.set(g, (internal.get(g) ?? 0) + 1);
  }
  const reach = new Set<File>([...cand].filter((f) => inflight.get(f)! > (internal.get(f) ?? 0)));
  const stack = [...reach];
  while (stack.length > 0) {
    const f = stack.pop()!;
    for (const skb of skbsOf(sockOf(f)!)) {
      for (const g of skb.fds ?? []) {
        if (cand.has(g) && !reach.has(g)) {
          reach.add(g);
          stack.push(g);
        }
      }
    }
  }
  const garbage = [...cand].filter((f) => !reach.has(f));
  if (garbage.length === 0) return;
  running.add(k);
  try {
    // Hold each garbage file while the queues go, so none is released half purged.
    for (const f of garbage) k.kobj.get(f, "unix_gc");
    for (const f of garbage) {
      const s = sockOf(f)!;
      for (const skb of s.queue.splice(0)) {
        if (skb.embryo !== undefined) for (const e of skb.embryo.queue.splice(0)) freeSkb(k, e);
        freeSkb(k, skb);
      }
    }
    for (const f of garbage) k.kobj.put(f, "unix_gc");
  } finally {
    running.delete(k);
  }
}
