// The records around the objects: CKPT_HDR_HEADER (what the image is), the two tables that
// define objrefs up front (pid namespaces and tasks may name each other in any order, so they
// cannot be defined at first use), CKPT_HDR_CONTAINER, and CKPT_HDR_TAIL.
import type { CheckpointModel } from "../../../core/cr/index.ts";
import { Phase, type ModelBuilder } from "./build.ts";
import {
  CHECKPOINT_MAGIC_HEAD, CHECKPOINT_MAGIC_TAIL, CKPT_ARCH_RISCV32, CKPT_HDR_CONTAINER, CKPT_HDR_HEADER,
  CKPT_F_RUN_CSUM, CKPT_FLAGS_KNOWN, CKPT_HDR_PIDNS_TREE, CKPT_HDR_TAIL, CKPT_HDR_TREE, CKPT_PAGE_SIZE, CKPT_UTS, CKPT_VERSION, COUNTED, KNOWN_ARCHES,
} from "./layout.ts";
import type { ObjRefs } from "./objhash.ts";
import type { FieldReader } from "./reader.ts";
import type { RecordWriter } from "./writer.ts";

const hex = (v: bigint | number): string => `0x${v.toString(16)}`;

export function writeHeader(w: RecordWriter, m: CheckpointModel, runChecksums: boolean): void {
  w.record(CKPT_HDR_HEADER, "CKPT_HDR_HEADER", () => {
    w.u64(CHECKPOINT_MAGIC_HEAD, "magic");
    w.u32(CKPT_VERSION, "version");
    w.u32(CKPT_ARCH_RISCV32, "arch");
    w.u32(m.pageSize, "page size");
    w.u32(runChecksums ? CKPT_F_RUN_CSUM : 0, "flags");
    w.num(m.meta.clock, "meta.clock");
    w.str(CKPT_UTS, "kernel version");
    w.str(m.meta.producer, "meta.producer");
  });
}

/** Checks magic, version, arch and page size (in that order: the first says if it is ckpt at all). */
export function readHeader(b: ModelBuilder, r: FieldReader): void {
  const magic = r.u64("magic");
  if (magic !== CHECKPOINT_MAGIC_HEAD) {
    r.fail(`not a ckpt image: the magic at byte ${r.at} is ${hex(magic)}, expected CHECKPOINT_MAGIC_HEAD ${hex(CHECKPOINT_MAGIC_HEAD)}`, r.at);
  }
  const version = r.u32("version");
  if (version !== CKPT_VERSION) {
    r.fail(`format version ${version} at byte ${r.at + 8} is not ${CKPT_VERSION}, the only one this cptbench reads: restart with the cptbench that wrote it`, r.at + 8);
  }
  const arch = r.u32("arch");
  if (arch !== CKPT_ARCH_RISCV32) {
    const name = KNOWN_ARCHES[arch] ?? "an unknown architecture";
    r.fail(`the image is for ${name} (arch ${hex(arch)} at byte ${r.at + 12}); this cptbench restores riscv32 images only (${hex(CKPT_ARCH_RISCV32)})`, r.at + 12);
  }
  const pageSize = r.u32("page size");
  if (pageSize !== CKPT_PAGE_SIZE) r.fail(`page size ${pageSize} at byte ${r.at + 16} is not ${CKPT_PAGE_SIZE}`, r.at + 16);
  const flags = r.u32("flags");
  if ((flags & ~CKPT_FLAGS_KNOWN) !== 0) r.fail(`header flags ${hex(flags)} at byte ${r.at + 20}: ${hex(flags & ~CKPT_FLAGS_KNOWN)} are flags this cptbench does not know`, r.at + 20);
  b.runCsum = (flags & CKPT_F_RUN_CSUM) !== 0;
  b.m.meta.clock = r.num("clock");
  const utsAt = r.here();
  const uts = r.str("kernel version");
  if (uts !== CKPT_UTS) r.fail(`kernel version ${JSON.stringify(uts)} at byte ${utsAt} is not ${JSON.stringify(CKPT_UTS)}`, utsAt);
  b.m.meta.producer = r.str("producer");
  r.done();
}

export function writePidNsTree(w: RecordWriter, refs: ObjRefs, m: CheckpointModel): void {
  // All objrefs first: a parent may come after its child in the model's list.
  const own = m.pidNamespaces.map((n) => refs.assign("pid namespace", n.id));
  w.record(CKPT_HDR_PIDNS_TREE, "CKPT_HDR_PIDNS_TREE", () => {
    w.u32(m.pidNamespaces.length, "namespace count");
    w.pad();
    m.pidNamespaces.forEach((n, i) => {
      w.u32(own[i]!, "objref");
      w.u32(n.id, "pid namespace id");
      w.u32(refs.ref("pid namespace", n.parentId, `pid namespace ${n.id}`), "parent");
      w.bool(n.allocating);
      w.num(n.lastPid, "lastPid");
    });
  });
}

export function readPidNsTree(b: ModelBuilder, r: FieldReader): void {
  const n = r.table("namespace count", 24, 4);
  r.pad();
  const parents: { objref: number; at: number }[] = [];
  for (let i = 0; i < n; i++) {
    const at = r.here();
    const objref = r.u32("objref");
    const id = r.u32("pid namespace id");
    b.objs.define(r, "pid namespace", objref, id, at);
    parents.push({ objref: r.u32("parent"), at: at + 8 });
    const allocating = r.bool("allocating");
    b.m.pidNamespaces.push({ id, parentId: null, lastPid: r.num("lastPid"), allocating });
  }
  // Parents resolve once the whole table is defined: forward references within it are fine.
  parents.forEach((p, i) => {
    if (p.objref !== 0) b.m.pidNamespaces[i]!.parentId = b.objs.resolve(r, "pid namespace", "parent", p.objref, p.at);
  });
}

export function writeTree(w: RecordWriter, refs: ObjRefs, m: CheckpointModel): void {
  w.record(CKPT_HDR_TREE, "CKPT_HDR_TREE", () => {
    w.u32(m.tasks.length, "task count");
    w.pad();
    for (const t of m.tasks) {
      w.u32(refs.assign("task", t.id), "objref");
      w.u32(t.id, "task id");
    }
  });
}

export function readTree(b: ModelBuilder, r: FieldReader): void {
  const n = r.table("task count", 8, 4);
  r.pad();
  for (let i = 0; i < n; i++) {
    const at = r.here();
    const objref = r.u32("objref");
    const id = r.u32("task id");
    b.objs.define(r, "task", objref, id, at);
    b.taskIds.push(id);
    b.taskRefs.push(objref);
  }
}

export function writeContainer(w: RecordWriter, refs: ObjRefs, m: CheckpointModel): void {
  w.record(CKPT_HDR_CONTAINER, "CKPT_HDR_CONTAINER", () => {
    w.u32(refs.ref("task", m.container.initTaskId, "the container"), "init task");
    w.u32(refs.ref("pid namespace", m.container.pidNsId, "the container"), "pid namespace");
    for (const list of COUNTED) w.u32(m[list].length, `${list} count`);
    // Where a zero pad was: images without ptys keep their bytes.
    w.u32(m.ttys?.length ?? 0, "ttys count");
    w.str(m.container.treeRoot, "treeRoot");
    w.str(m.container.freezerGroup, "freezerGroup");
  });
}

export function readContainer(b: ModelBuilder, r: FieldReader): void {
  const c = b.m.container;
  c.initTaskId = b.objs.ref(r, "task", "init task");
  c.pidNsId = b.objs.ref(r, "pid namespace", "pid namespace");
  for (const list of COUNTED) b.counts.set(list, r.u32(`${list} count`));
  b.ttyCount = r.u32("ttys count");
  c.treeRoot = r.str("treeRoot");
  c.freezerGroup = r.str("freezerGroup");
  r.done();
  b.phase = Phase.Body;
}

/** Where the trailer's crc32 lies in it: after its ckpt_hdr and u64 magic. */
export const TAIL_CRC_AT = 16;

export function writeTail(w: RecordWriter, crc: number): void {
  w.record(CKPT_HDR_TAIL, "CKPT_HDR_TAIL", () => {
    w.u64(CHECKPOINT_MAGIC_TAIL, "magic");
    w.u32(crc, "crc32");
    w.pad();
  });
}

/** Checks a run's CKPT_HDR_CSUM against `crc`, that of every byte before the record. */
export function readCsum(r: FieldReader, crc: number): void {
  const want = r.u32("crc32");
  if (want !== crc) {
    r.fail(`checksum mismatch: the CKPT_HDR_CSUM at byte ${r.at - 8} says CRC-32 ${hex(want)}, the ${r.at - 8} bytes before it have ${hex(crc)} (a byte changed after writing); nothing of the run before it was used`, r.at);
  }
  r.pad();
}

/** Checks the trailer's magic and that its CRC-32 is `crc`, that of every byte before it. */
export function readTail(r: FieldReader, crc: number): void {
  const magic = r.u64("magic");
  if (magic !== CHECKPOINT_MAGIC_TAIL) {
    r.fail(`the trailer's magic at byte ${r.at} is ${hex(magic)}, expected CHECKPOINT_MAGIC_TAIL ${hex(CHECKPOINT_MAGIC_TAIL)}`, r.at);
  }
  const want = r.u32("crc32");
  if (want !== crc) {
    r.fail(`checksum mismatch: the trailer at byte ${r.at - 8} says CRC-32 ${hex(want)}, the ${r.at - 8} bytes before it have ${hex(crc)} (a byte changed after writing)`, r.at + 8);
  }
  r.pad();
}
