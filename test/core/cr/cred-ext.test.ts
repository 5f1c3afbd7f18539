// The credential and task fields a task changes only through capset/prctl, /proc/<pid>/loginuid,
// oom_score_adj and set_robust_list: carried by both codecs as optional fields (absent = Linux's
// default, bytes as before), collected only when set, restored onto the new task; and a
// namespace file (/proc/<pid>/ns/*), carried by its kind since issue 16.
import { describe, expect, it } from "vitest";
import { collectContainer } from "../../../src/core/cr/collect/collect.ts";
import type { CheckpointModel } from "../../../src/core/cr/model.ts";
import { Restorer } from "../../../src/core/cr/restore/restorer.ts";
import { DEFAULT_LIMITS, validateFields } from "../../../src/core/cr/restore/validate-fields.ts";
import { AT_FDCWD, O_RDONLY } from "../../../src/machine/fs/constants.ts";
import type { File } from "../../../src/machine/fs/file.ts";
import { openAt } from "../../../src/machine/fs/open.ts";
import { CAP_FULL_SET, capLower } from "../../../src/machine/kernel/cred.ts";
import { AUDIT_UNSET } from "../../../src/machine/kernel/task.ts";
import { CptCodec } from "../../../src/plugins/openvz-cpt/codec/cpt-codec.ts";
import { CkptCodec } from "../../../src/plugins/self-cpt/codec/ckpt-codec.ts";
import { concat, minimalModel, richModel } from "../../support/cr-models.ts";
import { frozenAtMark, workloadRef } from "../../support/cr.ts";

const CODECS = [new CptCodec(), new CkptCodec()];

function withExt(m: CheckpointModel): CheckpointModel {
  m.creds[0] = { ...m.creds[0], capInheritable: 0x21, capBset: capLower(CAP_FULL_SET, 12), capAmbient: 0x1 };
  m.tasks[0] = { ...m.tasks[0], loginuid: 3, sessionid: 7, robustList: 0x2000 };
  m.threadGroups[0] = { ...m.threadGroups[0], oomScoreAdj: -400, oomScoreAdjMin: -500 };
  // Only some of a record's optional fields: absent and present stay apart.
  if (m.creds[1] !== undefined) m.creds[1] = { ...m.creds[1], capBset: 0 };
  if (m.tasks[1] !== undefined) m.tasks[1] = { ...m.tasks[1], robustList: 0 };
  return m;
}

describe.each(CODECS.map((c) => [c.constructor.name, c] as const))("%s carries the optional credential and task fields", (_name, codec) => {
  it("round-trips them, all or some, and leaves a model without them byte for byte as before", () => {
    for (const m of [withExt(minimalModel()), withExt(richModel())]) {
      expect(codec.decode(concat(codec.encode(m)))).toEqual(m);
    }
    const plain = concat(codec.encode(minimalModel()));
    const ext = concat(codec.encode(withExt(minimalModel())));
    expect(ext.length).toBeGreaterThan(plain.length);
    expect(codec.decode(plain)).toEqual(minimalModel());
  });
});

describe("the validation of the optional fields", () => {
  it("refuses an ambient set outside permitted and inheritable, and out-of-range values", () => {
    const bad: [string, (m: CheckpointModel) => void, RegExp][] = [
      ["ambient", (m) => (m.creds[0] = { ...m.creds[0], capAmbient: 0x2 }), /capAmbient = 2: not a subset of capPermitted and capInheritable/],
      ["bset", (m) => (m.creds[0] = { ...m.creds[0], capBset: 2 ** 41 }), /capBset = 2199023255552: has bits above CAP_LAST_CAP/],
      ["oom", (m) => (m.threadGroups[0] = { ...m.threadGroups[0], oomScoreAdj: 1001 }), /oomScoreAdj = 1001: outside/],
      ["robust", (m) => (m.tasks[0] = { ...m.tasks[0], robustList: 0xfffff000 }), /robustList = 4294963200: not a user address/],
    ];
    const { m: machine, init } = frozenAtMark(workloadRef("fork-tree"), 1);
    const collected = collectContainer(machine.kernel, init, "test");
    for (const [what, edit, error] of bad) {
      const m = withExt(structuredClone(collected));
      expect(() => validateFields(m, DEFAULT_LIMITS), what).not.toThrow();
      edit(m);
      expect(() => validateFields(m, DEFAULT_LIMITS), what).toThrow(error);
    }
  });
});

describe("a checkpoint and restore of a task that changed them", () => {
  it("collects them only when set and gives them back to the restored task", () => {
    const { m, init } = frozenAtMark(workloadRef("fork-tree"), 1);
    const k = m.kernel;
    const plain = collectContainer(k, init, "test");
    expect(plain.creds.every((c) => c.capInheritable === undefined && c.capBset === undefined && c.capAmbient === undefined)).toBe(true);
    expect(plain.tasks.every((t) => t.loginuid === undefined && t.robustList === undefined)).toBe(true);
    const cred = init.cred.copy({ capInheritable: 0x80, capAmbient: 0x80, capBset: capLower(CAP_FULL_SET, 12) }, "test");
    init.setCred(cred);
    k.kobj.put(cred);
    init.loginuid = 3;
    init.sessionid = 9;
    init.robustList = 0x1000;
    init.group.oomScoreAdj = 400;
    init.group.oomScoreAdjMin = 400;
    const model = collectContainer(k, init, "test");
    const rec = model.tasks[0];
    expect([rec.loginuid, rec.sessionid, rec.robustList]).toEqual([3, 9, 0x1000]);
    const caller = [...k.tasks.values()].find((t) => t.pidNs === k.initNs && t.kthread === null)!;
    const r = new Restorer(k, caller, model);
    try {
      r.makeNamespaces();
      r.makePids();
      r.makeShared();
      r.makeTree();
      r.makeMemory();
      for (const tr of model.tasks) r.createTask(tr, null, null);
      const t = r.tasks[0];
      expect([t.cred.capInheritable, t.cred.capAmbient, t.cred.capBset]).toEqual([0x80, 0x80, capLower(CAP_FULL_SET, 12)]);
      expect([t.loginuid, t.sessionid, t.robustList, t.group.oomScoreAdj, t.group.oomScoreAdjMin]).toEqual([3, 9, 0x1000, 400, 400]);
      const other = r.tasks.find((x) => x.group !== t.group);
      expect(other?.loginuid).toBe(AUDIT_UNSET);
    } finally {
      r.abort();
    }
  });

  it("carries a namespace file by its kind (issue 16: no longer refused)", () => {
    const { m, init } = frozenAtMark(workloadRef("fork-tree"), 1);
    const k = m.kernel;
    const f = openAt({ k, t: init }, AT_FDCWD, "/proc/self/ns/net", O_RDONLY, 0, "test") as File;
    const fd = init.files!.installNew(f, false);
    const model = collectContainer(k, init, "test");
    const rec = model.fdTables.flatMap((t) => t.fds).find((x) => x.fd === fd)!;
    expect(model.files.find((x) => x.id === rec.fileId)?.target).toEqual({ kind: "ns", nsKind: "net" });
  });
});
