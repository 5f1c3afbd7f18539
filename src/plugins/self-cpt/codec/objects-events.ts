// Event files in the ckpt stream (issue 16): the record right after an event file's CKPT_HDR_FILE
// (CKPT_HDR_EVENTFD, CKPT_HDR_TIMERFD, CKPT_HDR_SIGNALFD or CKPT_HDR_EPOLL), versioned. An
// epoll's items name their files by objref: those files are in the stream before the epoll's
// (a reference forward is refused, so a loop of sets cannot even be written down). The ready
// list is a rank per item (0: not on it), so its order survives.
import type { EpItemRecord, EventFileTargetRecord } from "../../../core/cr/index.ts";
import type { Children } from "./build.ts";
import type { ModelBuilder } from "./build.ts";
import {
  CKPT_EVENT_FILE_VERSION, CKPT_HDR_EPOLL, CKPT_HDR_EVENTFD, CKPT_HDR_SIGNALFD, CKPT_HDR_TIMERFD, EPITEM_SIZE, recordName,
} from "./layout.ts";
import type { ObjRefs } from "./objhash.ts";
import type { FieldReader } from "./reader.ts";
import type { RecordWriter } from "./writer.ts";

const TYPE = { eventfd: CKPT_HDR_EVENTFD, timerfd: CKPT_HDR_TIMERFD, signalfd: CKPT_HDR_SIGNALFD, epoll: CKPT_HDR_EPOLL } as const;

export function writeEventFile(w: RecordWriter, refs: ObjRefs, fileId: number, t: EventFileTargetRecord): void {
  const what = `${t.kind} of file ${fileId}`;
  w.record(TYPE[t.kind], what, () => {
    w.u32(CKPT_EVENT_FILE_VERSION, "version");
    switch (t.kind) {
      case "eventfd":
        w.bool(t.semaphore);
        w.u64(t.count, "count");
        return;
      case "signalfd":
        w.pad();
        w.u64(t.mask, "mask");
        return;
      case "timerfd":
        w.u32(t.clockid, "clockid"); w.u32(t.settimeFlags, "settime flags"); w.bool(t.armed);
        w.num(t.expiryLeft, "expiryLeft"); w.num(t.interval, "interval"); w.num(t.ticks, "ticks");
        return;
      case "epoll":
        w.u32(t.items.length, "item count");
        t.items.forEach((it, i) => {
          w.num(it.fd, "fd");
          w.u32(refs.ref("file", it.fileId, `${what} item ${i}`), "file");
          w.u32(it.events >>> 0, "events");
          w.u64(it.data, "data");
          w.u32(t.ready.indexOf(i) + 1, "ready rank");
          w.pad();
        });
    }
  });
}

/** The record a CKPT_HDR_FILE of an event kind announces: it fills in `into`'s target. */
export function eventChild(b: ModelBuilder, kind: EventFileTargetRecord["kind"], fileId: number, into: { target: unknown }): Children {
  return {
    type: TYPE[kind], left: 1, what: `state of ${kind} file ${fileId}`,
    take: (r) => {
      const vAt = r.here();
      const version = r.u32("version");
      if (version !== CKPT_EVENT_FILE_VERSION) r.fail(`${recordName(TYPE[kind])} version ${version} at byte ${vAt} is not ${CKPT_EVENT_FILE_VERSION}, the only one this cptbench reads`, vAt);
      into.target = readState(b, r, kind);
      r.done();
    },
  };
}

function readState(b: ModelBuilder, r: FieldReader, kind: EventFileTargetRecord["kind"]): EventFileTargetRecord {
  switch (kind) {
    case "eventfd": {
      const semaphore = r.bool("semaphore");
      return { kind, semaphore, count: r.u64("count") };
    }
    case "signalfd":
      r.pad();
      return { kind, mask: r.u64("mask") };
    case "timerfd": {
      const clockid = r.u32("clockid"), settimeFlags = r.u32("settime flags"), armed = r.bool("armed");
      return { kind, clockid, settimeFlags, armed, expiryLeft: r.num("expiryLeft"), interval: r.num("interval"), ticks: r.num("ticks") };
    }
    case "epoll": {
      const n = r.table("item count", EPITEM_SIZE);
      const items: EpItemRecord[] = [];
      const ranks = new Map<number, number>();
      for (let i = 0; i < n; i++) {
        const fd = r.num("fd");
        const fileId = b.objs.ref(r, "file", "file");
        const events = r.u32("events");
        const data = r.u64("data");
        const rankAt = r.here();
        const rank = r.u32("ready rank");
        r.pad();
        if (rank !== 0) {
          if (rank > n || ranks.has(rank - 1)) r.fail(`ready rank at byte ${rankAt} is ${rank}: ${rank > n ? `beyond the ${n} items` : "another item has it"}`, rankAt);
          ranks.set(rank - 1, i);
        }
        items.push({ fd, fileId, events, data });
      }
      const ready: number[] = [];
      for (let k = 0; k < ranks.size; k++) {
        const i = ranks.get(k);
        if (i === undefined) r.fail(`the ready ranks are not 1..${ranks.size} (rank ${k + 1} is missing)`);
        ready.push(i);
      }
      return { kind, items, ready };
    }
  }
}
