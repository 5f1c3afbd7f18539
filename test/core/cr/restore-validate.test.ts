// Every field of an image within the limits the kernel itself enforces (issue 17 item 3): a table
// of rows — the field, a bad value, the error that names it — applied to a real container's
// model, encoded and decoded by each codec (both decode to the same model), then validated as a
// restart does. A row that a codec cannot even encode would make the test fail: each bad value
// must reach validation. The untouched model passes, so every refusal is the row's doing.
import { describe, expect, it } from "vitest";
import { collectContainer } from "../../../src/core/cr/collect/collect.ts";
import type { CheckpointModel } from "../../../src/core/cr/model.ts";
import { validateModel } from "../../../src/core/cr/restore/validate.ts";
import { frozenAtMark, workloadRef } from "../../support/cr.ts";
import { codecFor } from "../../support/tamper.ts";

interface Row {
  field: string;
  edit: (m: CheckpointModel) => void;
  error: RegExp;
}

const liveTask = (m: CheckpointModel) => m.tasks.find((t) => t.state !== "zombie" && t.regs !== null)!;
const twoTo40 = 2 ** 40;

const ROWS: Row[] = [
  { field: "pid namespace lastPid", edit: (m) => (m.pidNamespaces[0].lastPid = -1), error: /pid namespace \d+ lastPid = -1: outside \[0, pid_max 32768\)/ },
  { field: "pid namespace lastPid", edit: (m) => (m.pidNamespaces[0].lastPid = 32768), error: /lastPid = 32768: outside \[0, pid_max 32768\)/ },
  { field: "pid number", edit: (m) => (m.pids[0].numbers[0] = 0), error: /pid \d+ numbers\[0\] = 0: outside \[1, pid_max 32768\)/ },
  { field: "pid number", edit: (m) => (m.pids[0].numbers[0] = 40000), error: /pid \d+ numbers\[0\] = 40000/ },
  { field: "task exitSignal", edit: (m) => (liveTask(m).exitSignal = 0x8000011), error: /task \d+ exitSignal = 134217745: not -1 \(a thread\) or a clone exit signal/ },
  { field: "task pdeathSignal", edit: (m) => (liveTask(m).pdeathSignal = 65), error: /task \d+ pdeathSignal = 65: not a signal number \(0\.\.64\)/ },
  { field: "task pending signo", edit: (m) => liveTask(m).pending.queue.push({ signo: 99, code: 0 }), error: /task \d+ pending\.queue\[0\]\.signo = 99: not a signal number/ },
  { field: "task blocked", edit: (m) => (liveTask(m).blocked = 1n << 8n), error: /task \d+ blocked = 0x100: SIGKILL and SIGSTOP cannot be blocked/ },
  { field: "task regs.pc", edit: (m) => (liveTask(m).regs!.pc = 0x80001000), error: /task \d+ regs\.pc = 2147487744: not a user address/ },
  { field: "task clearChildTid", edit: (m) => (liveTask(m).clearChildTid = 0xfffff000), error: /task \d+ clearChildTid = 4294963200: not a user address/ },
  { field: "thread group stopSignal", edit: (m) => (m.threadGroups[0].stopSignal = 200), error: /thread group \d+ stopSignal = 200: not a signal number/ },
  { field: "thread group oomScoreAdj", edit: (m) => (m.threadGroups[0].oomScoreAdj = 1001), error: /thread group \d+ oomScoreAdj = 1001: outside OOM_SCORE_ADJ_MIN\.\.MAX/ },
  { field: "task sas.size", edit: (m) => (liveTask(m).sas.size = 0x80000001), error: /task \d+ sas\.size = 2147483649: not an integer in \[0, 2147483648\]/ },
  { field: "mm startStack", edit: (m) => (m.mms[0].startStack = 0xfffff000), error: /mm \d+ startStack = 4294963200: not a user address/ },
  { field: "sighand actions", edit: (m) => (m.sighands[0].actions.length = 10), error: /sighand \d+ actions length = 10: a signal table has 65 entries/ },
  { field: "sighand actions", edit: (m) => m.sighands[0].actions.push(...Array.from({ length: 135 }, () => ({ ...m.sighands[0].actions[0] }))), error: /sighand \d+ actions length = 200/ },
  { field: "cred uid", edit: (m) => (m.creds[0].uid = -1), error: /cred \d+ uid = -1: not a valid id/ },
  { field: "cred capPermitted", edit: (m) => (m.creds[0].capPermitted = 2 ** 41), error: /cred \d+ capPermitted = 2199023255552: has bits above CAP_LAST_CAP \(40\)/ },
  { field: "vma end", edit: (m) => (m.mms[0].vmas.at(-1)!.end = twoTo40), error: /mm \d+ vma \d+ end = 1099511627776: not a page-aligned user address above start/ },
  { field: "vma start", edit: (m) => (m.mms[0].vmas[1].start = m.mms[0].vmas[0].start), error: /mm \d+ vma 1 start = \d+: overlaps the VMA before it/ },
  { field: "vma count", edit: (m) => { const v = m.mms[0].vmas.at(-1)!; m.mms[0].vmas.push(...Array.from({ length: 65530 }, () => ({ ...v }))); }, error: /mm \d+ vmas count = \d+: more than 65530/ },
  { field: "mm brk", edit: (m) => (m.mms[0].brk = twoTo40), error: /mm \d+ brk = 1099511627776: not a user address at or above startBrk/ },
  { field: "shmem size", edit: (m) => (m.shmem[0].size = twoTo40 / 4096), error: /shmem \d+ size = 268435456: more pages than the machine's memory \(262144\)/ },
  // A page named twice would go twice into one page-cache slot, the first frame then leaked.
  { field: "shmem page twice", edit: (m) => { const s = m.shmem.find((x) => x.pages.length > 0)!; s.pages.push({ ...s.pages[0] }); }, error: /shmem \d+ page index = \d+: named twice/ },
  { field: "inode page twice", edit: (m) => { const i = m.inodes.find((x) => (x.mode & 0o170000) === 0o100000)!; i.pages.push({ index: 0, data: new Uint8Array(4096) }, { index: 0, data: new Uint8Array(4096) }); }, error: /inode \d+ page index = \d+: named twice/ },
  { field: "inode size", edit: (m) => (m.inodes[0].size = 2 ** 44), error: /inode \d+ size = 17592186044416: larger than MAX_LFS_FILESIZE \(17592186044415\)/ },
  { field: "fd number", edit: (m) => (m.fdTables[0].fds[0].fd = 5000), error: /fd table \d+ fd = 5000: outside \[0, RLIMIT_NOFILE 1024\)/ },
  { field: "fd table maxFds", edit: (m) => (m.fdTables[0].maxFds = 2 ** 31), error: /fd table \d+ maxFds = 2147483648: above RLIMIT_NOFILE 1024/ },
  { field: "fs context umask", edit: (m) => (m.fsContexts[0].umask = 0o7777), error: /fs context \d+ umask = 4095/ },
  { field: "file pos", edit: (m) => (m.files[0].pos = -5), error: /file \d+ pos = -5/ },
];

describe("every field of a decoded image within the kernel's limits", () => {
  const { m: machine, init } = frozenAtMark(workloadRef("mmap-shared"), 2);
  const model = collectContainer(machine.kernel, init, "test");
  machine.kernel.killAll();

  it("the untouched model passes (so each refusal below is its row's)", () => {
    expect(() => validateModel(model)).not.toThrow();
    expect(model.shmem.length).toBeGreaterThan(0);
    // The rows that name a page twice need a shared-memory object with pages and a regular file.
    expect(model.shmem.some((s) => s.pages.length > 0)).toBe(true);
    expect(model.inodes.some((i) => (i.mode & 0o170000) === 0o100000)).toBe(true);
  });

  describe.each(["cpt", "ckpt"])("through %s", (codec) => {
    it.each(ROWS.map((r, i) => ({ ...r, i })))("$field ($i)", (row) => {
      const c = codecFor(codec);
      const m = structuredClone(model);
      row.edit(m);
      const back = c.decode(Buffer.concat([...c.encode(m)]));
      expect(() => validateModel(back)).toThrow(row.error);
    });
  });
});
