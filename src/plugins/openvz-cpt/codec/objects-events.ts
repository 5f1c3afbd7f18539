// Event files in the cpt format (issue 16): the one object inside an event file's CPT_OBJ_FILE
// (CPT_OBJ_EVENTFD, CPT_OBJ_TIMERFD, CPT_OBJ_SIGNALFD, or CPT_OBJ_EPOLL with a CPT_OBJ_EPITEM
// per watched file), each versioned. An item names its file by id (checked with the other
// references once the image is read, refs.ts); its place on the ready list is a rank, so the
// list's order survives and an item is on it at most once.
import type { EpItemRecord, EventFileTargetRecord } from "../../../core/cr/index.ts";
import {
  CPT_CONTENT_ARRAY, CPT_CONTENT_VOID, CPT_EVENT_FILE_VERSION, CPT_OBJ_EPITEM, CPT_OBJ_EPOLL, CPT_OBJ_EVENTFD,
  CPT_OBJ_SIGNALFD, CPT_OBJ_TIMERFD, OBJECT_HDR_SIZE, objName,
} from "./layout.ts";
import type { ImageReader } from "./reader.ts";
import type { ImageWriter } from "./writer.ts";

const OBJ = { eventfd: CPT_OBJ_EVENTFD, timerfd: CPT_OBJ_TIMERFD, signalfd: CPT_OBJ_SIGNALFD, epoll: CPT_OBJ_EPOLL } as const;

function version(r: ImageReader, type: number): void {
  const at = r.pos;
  const v = r.u32("record version");
  if (v !== CPT_EVENT_FILE_VERSION) r.fail(`${objName(type)} version ${v} at byte ${at} is not ${CPT_EVENT_FILE_VERSION}, the only one this cptbench reads`, at);
}

export function writeEventFile(w: ImageWriter, fileId: number, t: EventFileTargetRecord): void {
  const what = `${t.kind} of file ${fileId}`;
  if (t.kind === "epoll") {
    w.parent(CPT_OBJ_EPOLL, what, () => {
      w.u32(CPT_EVENT_FILE_VERSION, "record version");
      w.u32(t.items.length, "epoll item count");
    }, () => {
      t.items.forEach((it, i) => {
        const rank = t.ready.indexOf(i);
        w.leaf(CPT_OBJ_EPITEM, `${what} item ${i}`, () => {
          w.num(it.fd, "epoll item fd");
          w.ref(it.fileId, "epoll item file id");
          w.u32(it.events >>> 0, "epoll item events");
          w.u64(it.data, "epoll item data");
          w.ref(rank < 0 ? null : rank, "epoll item ready rank");
          w.u32(0);
        });
      });
    });
    return;
  }
  w.leaf(OBJ[t.kind], what, () => {
    w.u32(CPT_EVENT_FILE_VERSION, "record version");
    if (t.kind === "eventfd") {
      w.u32(t.semaphore ? 1 : 0, "eventfd semaphore");
      w.u64(t.count, "eventfd count");
    } else if (t.kind === "signalfd") {
      w.u32(0);
      w.u64(t.mask, "signalfd mask");
    } else {
      w.u32(t.clockid, "timerfd clockid");
      w.u32(t.settimeFlags, "timerfd settime flags");
      w.u32(t.armed ? 1 : 0, "timerfd armed");
      w.num(t.expiryLeft, "timerfd expiryLeft"); w.num(t.interval, "timerfd interval"); w.num(t.ticks, "timerfd ticks");
    }
  });
}

/** The state object of an event file of `kind`, inside its CPT_OBJ_FILE's content. */
export function readEventFile(r: ImageReader, kind: EventFileTargetRecord["kind"], fileId: number): EventFileTargetRecord {
  const where = `${kind} of file ${fileId}`;
  if (kind === "epoll") {
    return r.object(CPT_OBJ_EPOLL, CPT_CONTENT_ARRAY, where, (o) => {
      version(r, CPT_OBJ_EPOLL);
      const n = r.count("epoll item count", OBJECT_HDR_SIZE, o.end);
      r.content(o);
      const items: EpItemRecord[] = [];
      const ranks = new Map<number, number>();
      for (let i = 0; i < n; i++) {
        r.object(CPT_OBJ_EPITEM, CPT_CONTENT_VOID, `item ${i} of ${where}`, () => {
          const fd = r.num("epoll item fd");
          const fileIdOf = r.id("epoll item file id");
          const events = r.u32("epoll item events");
          const data = r.u64("epoll item data");
          const rankAt = r.pos;
          const rank = r.ref("epoll item ready rank");
          r.flags("epoll item pad", 0);
          if (rank !== null) {
            if (rank >= n || ranks.has(rank)) r.fail(`epoll item ready rank at byte ${rankAt} is ${rank}: ${rank >= n ? `beyond the ${n} items` : "another item has it"}`, rankAt);
            ranks.set(rank, i);
          }
          items.push({ fd, fileId: fileIdOf, events, data });
        });
      }
      const ready: number[] = [];
      for (let k = 0; k < ranks.size; k++) {
        const i = ranks.get(k);
        if (i === undefined) r.fail(`${where}: ready ranks are not 0..${ranks.size - 1} (rank ${k} is missing)`);
        ready.push(i);
      }
      return { kind, items, ready };
    });
  }
  return r.object(OBJ[kind], CPT_CONTENT_VOID, where, (): EventFileTargetRecord => {
    version(r, OBJ[kind]);
    if (kind === "eventfd") {
      const semaphore = r.flags("eventfd semaphore", 1) === 1;
      return { kind, semaphore, count: r.u64("eventfd count") };
    }
    if (kind === "signalfd") {
      r.flags("signalfd pad", 0);
      return { kind, mask: r.u64("signalfd mask") };
    }
    const clockid = r.u32("timerfd clockid");
    const settimeFlags = r.u32("timerfd settime flags");
    const armed = r.flags("timerfd armed", 1) === 1;
    return { kind, clockid, settimeFlags, armed, expiryLeft: r.num("timerfd expiryLeft"), interval: r.num("timerfd interval"), ticks: r.num("timerfd ticks") };
  });
}
