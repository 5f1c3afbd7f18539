// Container-wide objects: CPT_OBJ_VEINFO (the container record and who made the image),
// CPT_OBJ_NAMESPACE (a pid namespace) and CPT_OBJ_PID (ours: a pid's number in each namespace).
import type { ContainerRecord, PidNsRecord, PidRecord } from "../../../core/cr/index.ts";
import { CPT_CONTENT_VOID, CPT_OBJ_NAMESPACE, CPT_OBJ_PID, CPT_OBJ_VEINFO } from "./layout.ts";
import type { ImageReader } from "./reader.ts";
import { EncodeError, type ImageWriter } from "./writer.ts";

export interface VeInfo {
  container: ContainerRecord;
  producer: string;
}

export function writeVeInfo(w: ImageWriter, v: VeInfo): void {
  w.leaf(CPT_OBJ_VEINFO, "veinfo", () => {
    w.ref(v.container.initTaskId, "init task id");
    w.ref(v.container.pidNsId, "container pid ns id");
    w.str(v.container.treeRoot, "treeRoot");
    w.str(v.container.freezerGroup, "freezerGroup");
    w.str(v.producer, "producer");
  });
}

export function readVeInfo(r: ImageReader, where: string): VeInfo {
  return r.object(CPT_OBJ_VEINFO, CPT_CONTENT_VOID, where, () => {
    const initTaskId = r.id("init task id");
    const pidNsId = r.id("container pid ns id");
    const treeRoot = r.str("treeRoot");
    const freezerGroup = r.str("freezerGroup");
    return { container: { initTaskId, pidNsId, treeRoot, freezerGroup }, producer: r.str("producer") };
  });
}

const NS_ALLOCATING = 1;

export function writePidNs(w: ImageWriter, n: PidNsRecord): void {
  w.leaf(CPT_OBJ_NAMESPACE, `pid namespace ${n.id}`, () => {
    w.ref(n.id, "pid ns id");
    w.ref(n.parentId, "parent pid ns id");
    w.u32(n.allocating ? NS_ALLOCATING : 0);
    w.u32(0);
    w.num(n.lastPid, "lastPid");
  });
}

export function readPidNs(r: ImageReader, where: string): PidNsRecord {
  return r.object(CPT_OBJ_NAMESPACE, CPT_CONTENT_VOID, where, () => {
    const id = r.id("pid ns id");
    const parentId = r.ref("parent pid ns id");
    const allocating = r.flags("pid ns flags", NS_ALLOCATING) === NS_ALLOCATING;
    r.u32("padding");
    return { id, parentId, lastPid: r.num("lastPid"), allocating };
  });
}

export function writePid(w: ImageWriter, p: PidRecord): void {
  if (p.numbers.length !== p.nsIds.length) {
    throw new EncodeError(`pid ${p.id} has ${p.numbers.length} numbers for ${p.nsIds.length} namespaces`);
  }
  w.leaf(CPT_OBJ_PID, `pid ${p.id}`, () => {
    w.ref(p.id, "pid id");
    w.u32(p.numbers.length);
    p.numbers.forEach((nr, i) => {
      w.num(nr, "pid number");
      w.ref(p.nsIds[i] ?? null, "pid ns id");
      w.u32(0);
    });
  });
}

export function readPid(r: ImageReader, where: string): PidRecord {
  return r.object(CPT_OBJ_PID, CPT_CONTENT_VOID, where, () => {
    const id = r.id("pid id");
    const n = r.count("pid level count", 16);
    const numbers: number[] = [];
    const nsIds: number[] = [];
    for (let i = 0; i < n; i++) {
      numbers.push(r.num("pid number"));
      nsIds.push(r.id("pid ns id"));
      r.u32("padding");
    }
    return { id, numbers, nsIds };
  });
}
