// A fuzzing campaign (issue 17 item 8): per codec, the design's own checkpoint of the workload
// (its first mark, kill mode), the intact image's restart as the baseline, then N mutants —
// mutant i of kind KINDS[i mod kinds], from its own seeded generator (kinds.ts mutantPrng) —
// each restarted on a fresh machine and classified. Same seed, same options: same table.
import { performance } from "node:perf_hooks";
import { CptbenchError } from "../../machine/errors.ts";
import { resolveCell, type Registry } from "../../core/cr/registry.ts";
import type { ImageCodec } from "../../core/cr/interfaces.ts";
import type { CheckpointModel } from "../../core/cr/model.ts";
import { caseSetup, checkpointAtMark, concatChunks } from "../cases/input-support.ts";
import type { Combination } from "../matrix/combos.ts";
import { baseline, classify, type Baseline, type Classified, type FuzzDesign } from "./classify.ts";
import { BUG_CLASSES, BYTE_KINDS, CLASSES, mutantPrng, type FuzzClass, type Mutant, type MutationKind } from "./kinds.ts";
import { byteMutant } from "./mutate-bytes.ts";
import { semanticEdit } from "./semantic.ts";
import { ownImage } from "./as-user.ts";

export interface CampaignOptions {
  registry: Registry;
  /** One design per codec (its codec axis says which). */
  designs: Combination[];
  workload: string;
  n: number;
  seed: number;
  kinds: readonly MutationKind[];
  /** Instructions a restored container may run before it counts as a runaway (default: 4 x the intact restart's, rounded up). */
  budget?: number;
  /** Restart as this unprivileged uid, from an image made its own (as-user.ts). */
  asUser?: number;
  /** Only mutants i with i mod of === index (a shard of a parallel campaign). */
  shard?: { index: number; of: number };
  /** Called after each mutant (progress). */
  progress?: (done: number, total: number) => void;
}

/** Examples kept per codec × kind × class: enough to reproduce, small enough to print. */
const EXAMPLES = 3;

export interface Example {
  index: number;
  label: string;
  detail: string;
}

export interface CodecReport {
  design: Combination;
  imageBytes: number;
  /** The instruction budget of each restart (runaway beyond it). */
  budget: number;
  /** counts[kind][class]. */
  counts: Record<string, Record<string, number>>;
  /** Rejections whose message does not name the record, per kind. */
  unnamed: Record<string, number>;
  /** Mutants of a bug class (and unnamed rejections), a few per kind and class, to reproduce. */
  examples: Record<string, Example[]>;
  restarts: number;
  wallMs: number;
}

export interface CampaignReport {
  workload: string;
  /** The unprivileged restarter's uid, if the campaign ran as one. */
  asUser?: number;
  seed: number;
  n: number;
  kinds: MutationKind[];
  codecs: CodecReport[];
}

/** Instruction budgets: the intact restart's is searched from MIN up to MAX, mutants get FACTOR times it. */
const MIN_BUDGET = 1_000_000;
const MAX_BUDGET = 512_000_000;
const RUNAWAY_FACTOR = 4;

/** The design's image of the workload and its intact restart. */
export interface Target {
  fd: FuzzDesign;
  codec: ImageCodec;
  image: Uint8Array;
  model: CheckpointModel;
  base: Baseline;
}

export function prepare(design: Combination, registry: Registry, workload: string, seed: number, budget?: number, asUser?: number): Target {
  const s = caseSetup(design, { registry, seed, bugs: new Set(), quick: false }, workload);
  const codec = resolveCell(registry.cellContainer(design)).codec;
  let c: ReturnType<typeof checkpointAtMark>;
  try {
    c = checkpointAtMark(s, 1);
  } catch (e) {
    // No image to mutate (a workload without a cpt_mark, a design that cannot checkpoint it): the user's choice to change.
    throw new CptbenchError("FUZZ_CHECKPOINT", `${e instanceof Error ? e.message : String(e)} (the fuzzer mutates the image taken at the workload's first cpt_mark)`);
  }
  c.k.shutdown();
  const model = codec.decode(c.image.slice());
  if (asUser !== undefined) ownImage(model, asUser);
  const image = asUser === undefined ? c.image : concatChunks(codec.encode(model));
  if (budget !== undefined) {
    const fd: FuzzDesign = { design: s.design, exp: s.exp, w: s.w, budget, asUser };
    return { fd, codec, image, model, base: baseline(fd, image) };
  }
  // No budget given: the smallest power-of-two multiple of MIN_BUDGET the intact restart ends
  // in, times RUNAWAY_FACTOR (a mutant may run longer than the intact image, not forever).
  for (let b = MIN_BUDGET; ; b *= 2) {
    const fd: FuzzDesign = { design: s.design, exp: s.exp, w: s.w, budget: b, asUser };
    try {
      const base = baseline(fd, image);
      return { fd: { ...fd, budget: b * RUNAWAY_FACTOR }, codec, image, model, base };
    } catch (e) {
      if (!(e instanceof CptbenchError) || !/did not end within/.test(e.message) || b >= MAX_BUDGET) throw e;
    }
  }
}

/** Mutant `index` of the campaign (kind kinds[index mod kinds.length]). */
export function makeMutant(t: Target, kinds: readonly MutationKind[], seed: number, index: number): Mutant {
  const kind = kinds[index % kinds.length];
  const nth = Math.floor(index / kinds.length);
  const p = mutantPrng(seed, index);
  if ((BYTE_KINDS as readonly string[]).includes(kind)) return byteMutant(kind, t.codec.name, t.image, p, nth);
  const m = structuredClone(t.model);
  const label = semanticEdit(kind, m, p, nth);
  if (label === null) return { kind, label: "no record to edit", image: null, why: "the image has no record this edit applies to" };
  try {
    return { kind, label, image: concatChunks(t.codec.encode(m)) };
  } catch (e) {
    return { kind, label, image: null, why: `the ${t.codec.name} encoder cannot write it: ${e instanceof Error ? e.message : String(e)}` };
  }
}

export function classifyMutant(t: Target, mu: Mutant): Classified {
  if (mu.image === null) return { cls: "unencodable", detail: mu.why ?? "" };
  return classify(t.fd, t.base, mu.image);
}

export function emptyCounts(kinds: readonly MutationKind[]): Record<string, Record<string, number>> {
  return Object.fromEntries(kinds.map((k) => [k, Object.fromEntries(CLASSES.map((c) => [c, 0]))]));
}

export function runCampaign(o: CampaignOptions): CampaignReport {
  const codecs: CodecReport[] = [];
  const mine = (i: number): boolean => o.shard === undefined || i % o.shard.of === o.shard.index;
  const total = o.designs.length * Array.from({ length: o.n }, (_, i) => i).filter(mine).length;
  let done = 0;
  for (const design of o.designs) {
    const t = prepare(design, o.registry, o.workload, o.seed, o.budget, o.asUser);
    const rep: CodecReport = {
      design, imageBytes: t.image.length, budget: t.fd.budget, counts: emptyCounts(o.kinds), unnamed: Object.fromEntries(o.kinds.map((k) => [k, 0])),
      examples: {}, restarts: 0, wallMs: 0,
    };
    const t0 = performance.now();
    for (let i = 0; i < o.n; i++) {
      if (!mine(i)) continue;
      const mu = makeMutant(t, o.kinds, o.seed, i);
      const c = classifyMutant(t, mu);
      rep.counts[mu.kind][c.cls]++;
      if (c.cls !== "unencodable") rep.restarts++;
      const unnamed = c.cls === "rejected" && c.named === false;
      if (unnamed) rep.unnamed[mu.kind]++;
      if ((BUG_CLASSES as readonly FuzzClass[]).includes(c.cls) || unnamed) {
        const key = `${mu.kind} ${unnamed ? "unnamed rejection" : c.cls}`;
        const list = (rep.examples[key] ??= []);
        if (list.length < EXAMPLES) list.push({ index: i, label: mu.label, detail: c.detail });
      }
      o.progress?.(++done, total);
    }
    rep.wallMs = performance.now() - t0;
    codecs.push(rep);
  }
  return { workload: o.workload, asUser: o.asUser, seed: o.seed, n: o.n, kinds: [...o.kinds], codecs };
}

/** The bug classes' total over a report: the fuzzer's exit code is non-zero when it is. */
export const bugCount = (r: CampaignReport): number =>
  r.codecs.reduce((s, c) => s + Object.values(c.counts).reduce((t, row) => t + BUG_CLASSES.reduce((u, b) => u + row[b], 0), 0), 0);

/** Merge shard reports (same workload, seed, n, kinds and designs) into one. */
export function mergeReports(parts: CampaignReport[]): CampaignReport {
  const [first, ...rest] = parts;
  const out: CampaignReport = structuredClone(first);
  for (const p of rest) {
    p.codecs.forEach((c, ci) => {
      const o = out.codecs[ci];
      for (const [kind, row] of Object.entries(c.counts)) for (const [cls, n] of Object.entries(row)) o.counts[kind][cls] += n;
      for (const [kind, n] of Object.entries(c.unnamed)) o.unnamed[kind] += n;
      for (const [key, ex] of Object.entries(c.examples)) o.examples[key] = [...(o.examples[key] ?? []), ...ex].sort((a, b) => a.index - b.index).slice(0, EXAMPLES);
      o.restarts += c.restarts;
      o.wallMs = Math.max(o.wallMs, c.wallMs);
    });
  }
  return out;
}
