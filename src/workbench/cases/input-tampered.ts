// Case 7, "tampered-images": a user may edit an image. A real image (the design's checkpoint of a
// multi-process, multi-thread workload) is tampered with in two ways:
//   - in the model, then encoded again with the codec, so that every checksum and length is
//     right and only the meaning is wrong: the task tree, a thread landing in another process,
//     shared objects pointing at the wrong owner;
//   - in the bytes: a length that lies, a truncation at a record boundary, flipped bits.
// Each is given to the creator's own restarter. The restart must refuse it with a clear error
// (EBADMSG for a malformed image, EINVAL for an inconsistent one, the message naming what is
// wrong), leave no task of a container and no kernel object behind; and the intact image must
// still restart, to the reference output, afterwards.
import { Prng } from "../../machine/kernel/prng.ts";
import { sendSignal } from "../../machine/kernel/signal.ts";
import { SIGKILL } from "../../machine/kernel/signal-names.ts";
import { EBADMSG, EINVAL } from "../../core/cr/errors.ts";
import { resolveCell } from "../../core/cr/registry.ts";
import type { CheckpointModel, TaskRecord } from "../../core/cr/model.ts";
import type { ImageCodec } from "../../core/cr/interfaces.ts";
import { IMAGE_PATH, writeGuestFile } from "../scenario/setup.ts";
import type { Combination } from "../matrix/combos.ts";
import {
  caseSetup, checkpointAtMark, concatChunks, containerTasksAlive, kernelProblems, liveObjects, objectDelta, reference, runRestarter, runUntil, shutdown,
} from "./input-support.ts";
import { recordBoundaries, reseal } from "./input-boundaries.ts";
import { outcome, type CaseContext, type CaseOutcome, type ReviewCase } from "./types.ts";

/** threads at its second mark: the container's init and a process with four threads. */
const WORKLOAD = "threads";
const MARK = 2;
/**
 * Codecs whose images carry a checksum of their bytes (ckpt's run and trailer CRC-32s, cpt's
 * section CRCs, issue 17). Without one (cpt as OpenVZ wrote it), a flipped bit in page data or a
 * register is a different, valid image: it cannot be refused, only its framing can. Such flips
 * are counted, not failed.
 */
const CHECKSUMMED = new Set(["ckpt", "cpt"]);
/** Instructions an accepted (undetectably altered) image may run before it is killed. */
const ACCEPTED_SLICES = 2_000;

interface Tampering {
  name: string;
  /** "semantic": the model was edited and encoded again; "bytes": the image itself. */
  kind: "semantic" | "bytes";
  /** The image, or why this image has no such tampering (e.g. no thread to move). */
  image: Uint8Array | string;
  /** What the error message must mention. */
  says: RegExp;
}

export interface TamperResult {
  name: string;
  kind: "semantic" | "bytes";
  verdict: "refused" | "accepted" | "undetectable" | "not applicable" | "not expressible";
  errno?: number;
  message?: string;
  problem?: string;
}

const clone = (m: CheckpointModel): CheckpointModel => structuredClone(m);

/** The first live thread that is not its group's leader, and that group's leader. */
function aThread(m: CheckpointModel): { thread: TaskRecord; leader: TaskRecord } | null {
  const groups = new Map(m.threadGroups.map((g) => [g.id, g]));
  for (const t of m.tasks) {
    const g = groups.get(t.threadGroupId);
    if (g !== undefined && g.leaderTaskId !== t.id && t.state !== "zombie") return { thread: t, leader: m.tasks[g.leaderTaskId - 1] };
  }
  return null;
}

/** The first process (a group leader) other than the container's init. */
const aProcess = (m: CheckpointModel): TaskRecord | undefined =>
  m.tasks.find((t) => t.id !== m.container.initTaskId && m.threadGroups.some((g) => g.leaderTaskId === t.id) && t.state !== "zombie");

/** Model-level tamperings: each edit of a copy of `m`, or why it does not apply. */
function semanticEdits(m: CheckpointModel): { name: string; says: RegExp; edit: (c: CheckpointModel) => string | null }[] {
  const last = m.tasks.length;
  return [
    {
      name: "a parent that comes later", says: /parent|order|later/i,
      edit: (c) => {
        const p = aProcess(c);
        if (p === undefined) return "no process besides the init";
        p.parentTaskId = last;
        return null;
      },
    },
    {
      name: "a parent that does not exist", says: /parent|task 999/i,
      edit: (c) => {
        const p = aProcess(c);
        if (p === undefined) return "no process besides the init";
        p.parentTaskId = 999;
        return null;
      },
    },
    {
      name: "a thread moved to another process", says: /thread|group|leader|mm|sighand/i,
      edit: (c) => {
        const t = aThread(c);
        if (t === null) return "no thread besides the group leaders";
        t.thread.threadGroupId = c.tasks[c.container.initTaskId - 1].threadGroupId;
        return null;
      },
    },
    {
      name: "a thread with an address space other than its leader's", says: /thread|mm|leader/i,
      edit: (c) => {
        const t = aThread(c);
        const other = c.mms.find((x) => x.id !== t?.leader.mmId);
        if (t === null || other === undefined) return "no thread, or a single mm";
        t.thread.mmId = other.id;
        return null;
      },
    },
    {
      name: "an mm id that does not exist", says: /mm 999/,
      edit: (c) => {
        const p = aProcess(c);
        if (p === undefined) return "no process besides the init";
        p.mmId = 999;
        return null;
      },
    },
    {
      name: "an fd table id that does not exist", says: /fd table 999|files.*999|999/,
      edit: (c) => {
        const p = aProcess(c);
        if (p === undefined || p.filesId === null) return "no process with an fd table";
        p.filesId = 999;
        return null;
      },
    },
    {
      name: "two tasks with one pid", says: /pid/i,
      edit: (c) => {
        const p = aProcess(c);
        if (p === undefined) return "no process besides the init";
        p.pidId = c.tasks[c.container.initTaskId - 1].pidId;
        return null;
      },
    },
    {
      name: "a thread group whose leader does not exist", says: /leader|group|999/i,
      edit: (c) => {
        const p = aProcess(c);
        const g = c.threadGroups.find((x) => x.id === p?.threadGroupId);
        if (g === undefined) return "no process besides the init";
        g.leaderTaskId = 999;
        return null;
      },
    },
    {
      name: "an init task that does not exist", says: /init|999/i,
      edit: (c) => {
        c.container.initTaskId = 999;
        return null;
      },
    },
  ];
}

/** Every tampering of `image` (decoded as `model`) this run makes. */
function tamperings(codec: ImageCodec, image: Uint8Array, model: CheckpointModel, prng: Prng, quick: boolean): Tampering[] {
  const out: Tampering[] = [];
  for (const e of semanticEdits(model)) {
    const c = clone(model);
    const why = e.edit(c);
    let bytes: Uint8Array | string;
    if (why !== null) bytes = why;
    else {
      try {
        bytes = concatChunks(codec.encode(c));
      } catch (err) {
        bytes = `the ${codec.name} encoder cannot express it: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
    out.push({ name: e.name, kind: "semantic", image: bytes, says: e.says });
  }
  const bounds = recordBoundaries(codec.name, image);
  // A length that lies: the record in the middle of the image claims 8 bytes more, then a huge size.
  if (bounds.offsets.length > 2) {
    const at = bounds.offsets[bounds.offsets.length >> 1];
    for (const [label, delta] of [["8 bytes more", 8], ["a huge size", 0x7fff_0000]] as const) {
      const x = image.slice();
      const dv = new DataView(x.buffer);
      const field = bounds.lengthField(at);
      dv.setUint32(field, (dv.getUint32(field, true) + delta) >>> 0, true);
      // With the checksum made right again: the length check, not the checksum, must catch it.
      out.push({ name: `the record at byte ${at} claims ${label}`, kind: "bytes", image: reseal(codec.name, x), says: /./ });
    }
  }
  // Truncations at record boundaries: every one, or (quick) a sample spread over the image.
  const cuts = bounds.offsets.filter((o) => o > 0 && o < image.length);
  const sample = quick ? spread(cuts, 6) : cuts;
  for (const at of sample) out.push({ name: `truncated at byte ${at} (a record boundary)`, kind: "bytes", image: image.slice(0, at), says: /./ });
  // Flipped bits at seeded places.
  for (let i = 0; i < (quick ? 4 : 32); i++) {
    const x = image.slice();
    const at = prng.below(x.length);
    x[at] ^= 1 << prng.below(8);
    out.push({ name: `a bit flipped at byte ${at}`, kind: "bytes", image: x, says: /./ });
  }
  return out;
}

function spread<T>(xs: T[], n: number): T[] {
  if (xs.length <= n) return xs;
  return Array.from({ length: n }, (_, i) => xs[Math.floor((i * (xs.length - 1)) / (n - 1))]);
}

export const TAMPERED_CASE: ReviewCase = {
  id: "tampered-images",
  number: 7,
  title: "Tampered images",
  summary: "an edited image (task tree, threads, shared objects, lengths, truncation, bit flips) is refused with a clear error and leaves nothing behind",
  run(design: Combination, ctx: CaseContext): CaseOutcome {
    const s = caseSetup(design, ctx, WORKLOAD);
    const codec = resolveCell(ctx.registry.cellContainer(design)).codec;
    const ref = reference(s);
    const c = checkpointAtMark(s, MARK);
    const { m, k, image } = c;
    const model = codec.decode(image.slice());
    const list = tamperings(codec, image, model, new Prng((ctx.seed ^ 0x7a3e) >>> 0), ctx.quick);
    const before = liveObjects(k);
    const results: TamperResult[] = [];
    for (const t of list) {
      const r: TamperResult = { name: t.name, kind: t.kind, verdict: "refused" };
      results.push(r);
      if (typeof t.image === "string") {
        r.verdict = /cannot express/.test(t.image) ? "not expressible" : "not applicable";
        r.message = t.image;
        continue;
      }
      writeGuestFile(m, IMAGE_PATH, t.image);
      const oopses = kernelProblems(k).length;
      const run = runRestarter(m, s, IMAGE_PATH, ACCEPTED_SLICES);
      const rc = run.log[0]?.[0] === "restart" ? run.log[0][1] : undefined;
      r.message = run.op?.error;
      if (rc !== undefined && rc < 0) r.errno = -rc;
      if (rc === undefined || rc > 0) r.verdict = t.name.startsWith("a bit flipped") && !CHECKSUMMED.has(codec.name) ? "undetectable" : "accepted";
      const problems: string[] = [];
      if (r.verdict === "accepted") problems.push(`the restart ${rc === undefined ? "never answered" : `accepted it (container init pid ${rc})`}`);
      else if (r.verdict === "undetectable") r.message = "restarted: a codec without a checksum cannot tell a flipped data bit from real contents";
      else if (r.errno !== EBADMSG && r.errno !== EINVAL) problems.push(`refused with errno ${r.errno}, not EBADMSG or EINVAL`);
      else if (!t.says.test(r.message ?? "")) problems.push(`the message "${r.message ?? ""}" does not say what is wrong (${t.says})`);
      const left = containerTasksAlive(k);
      // A refused restart must leave no task; an undetectably altered image restarted, and its
      // container (still running, or looping on altered memory) is killed here.
      if (left.length > 0 && r.verdict !== "undetectable") problems.push(`${left.length} task(s) of a container left behind`);
      for (const x of [...left, run.restarter]) if (x.alive) sendSignal(k, x, { signo: SIGKILL, code: 0 }, true);
      runUntil(k, () => containerTasksAlive(k).length === 0 && !run.restarter.alive, 1_000);
      const leaked = objectDelta(before, liveObjects(k));
      if (leaked !== "") problems.push(`kernel objects left behind: ${leaked}`);
      const oops = kernelProblems(k).slice(oopses);
      if (oops.length > 0) problems.push(oops[0]);
      if (problems.length > 0) r.problem = problems.join("; ");
    }
    // The intact image restarts, to the reference's end.
    writeGuestFile(m, IMAGE_PATH, image);
    const outAt = m.console.stdout.length;
    const again = runRestarter(m, s);
    // The original's output up to the checkpoint, then the restored run's (accepted altered
    // images printed in between).
    const got = Buffer.concat([m.console.stdout.subarray(0, c.op.stdoutAt ?? 0), m.console.stdout.subarray(outAt)]);
    const figures: CaseOutcome["figures"] = {
      tamperings: results.length,
      refused: results.filter((r) => r.verdict === "refused" && r.problem === undefined).length,
      "refused EBADMSG": results.filter((r) => r.errno === EBADMSG).length,
      "refused EINVAL": results.filter((r) => r.errno === EINVAL).length,
      "not expressible in the format": results.filter((r) => r.verdict === "not expressible").length,
      "not applicable": results.filter((r) => r.verdict === "not applicable").length,
      "bit flips undetected (no checksum)": results.filter((r) => r.verdict === "undetectable").length,
      "image bytes": image.length,
    };
    const bad = results.filter((r) => r.problem !== undefined);
    const exit = again.log.at(-1);
    let reason: string | undefined;
    if (bad.length > 0) reason = `${bad.length} tampering(s) not handled: ${bad.slice(0, 3).map((r) => `${r.name}: ${r.problem}`).join(" | ")}`;
    else if (!(again.log[0]?.[1] > 0) || exit?.[0] !== "exit" || exit[1] !== ref.exitCode << 8) reason = `the intact image did not restart afterwards: ${JSON.stringify(again.log)} ${again.op?.error ?? ""}`;
    else if (!got.equals(Buffer.from(ref.stdout))) reason = "the intact image restarted, but the output differs from the reference";
    figures["intact image restarts"] = reason === undefined || bad.length > 0 ? again.log[0]?.[1] > 0 : false;
    const problems = shutdown(k);
    if (reason === undefined && problems.length > 0) reason = `kernel problems: ${problems[0]}`;
    return outcome(TAMPERED_CASE, design, ctx, reason === undefined ? "pass" : "fail", figures, reason, results);
  },
};
