// Golden vectors for the FPU: test/fixtures/fpu/vectors.txt, produced by gen.c running under
// qemu-riscv32 (bit-exact softfloat; regenerate with test/fixtures/fpu/gen.sh). Every vector
// runs through fpExec and must match the result bits (NaN boxing included) and the fflags
// exactly. No class of vector is known to be inexact, so none is excused.
//
// FPU_VECTORS=/path/to/other.txt runs another vector file instead (e.g. a stress set built from
// gen.c with -DSEED=... -DSCALE=50; see gen.sh).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { newFpRegisterFile, type FpContext } from "../../../src/machine/cpu/fp-state.ts";
import { fpExec } from "../../../src/machine/cpu/fpu-exec.ts";
import { OP } from "../../../src/machine/cpu/opcodes.ts";

interface Vector {
  line: number;
  text: string;
  op: number;
  imm: number;
  frm: number;
  fin: [number, number][]; // FP inputs as [lo, hi] words
  xin: number[]; // integer inputs
  res: { fp: boolean; lo: number; hi: number };
  flags: number;
}

const FUSED = new Set<number>([
  OP.FMADD_S, OP.FMSUB_S, OP.FNMSUB_S, OP.FNMADD_S, OP.FMADD_D, OP.FMSUB_D, OP.FNMSUB_D, OP.FNMADD_D,
]);

/** A token: ~xxxxxxxx (NaN-boxed single), 16 hex digits (FP register), 8 hex digits (integer). */
function parseFp(tok: string): [number, number] | undefined {
  if (tok.startsWith("~")) return [parseInt(tok.slice(1), 16) >>> 0, 0xffffffff];
  if (tok.length === 16) return [parseInt(tok.slice(8), 16) >>> 0, parseInt(tok.slice(0, 8), 16) >>> 0];
  return undefined;
}

function load(): Vector[] {
  const path = process.env.FPU_VECTORS ?? new URL("../../fixtures/fpu/vectors.txt", import.meta.url);
  const text = readFileSync(path, "utf8");
  const out: Vector[] = [];
  text.split("\n").forEach((raw, i) => {
    const t = raw.trim();
    if (t === "") return;
    const tok = t.split(/\s+/);
    const op = (OP as Record<string, number>)[tok[0]];
    if (op === undefined) throw new Error(`line ${i + 1}: unknown op ${tok[0]}`);
    let imm = 0;
    let frm = 0;
    const rmTok = tok[1];
    if (rmTok.startsWith("d")) {
      imm = 7;
      frm = Number(rmTok.slice(1));
    } else if (rmTok !== "-") imm = Number(rmTok);
    if (FUSED.has(op)) imm |= 3 << 8;
    const vals = tok.slice(2, -1);
    const resTok = vals.pop()!;
    const fin: [number, number][] = [];
    const xin: number[] = [];
    for (const v of vals) {
      const fp = parseFp(v);
      if (fp) fin.push(fp);
      else xin.push(parseInt(v, 16) | 0);
    }
    const rf = parseFp(resTok);
    const res = rf ? { fp: true, lo: rf[0], hi: rf[1] } : { fp: false, lo: parseInt(resTok, 16) | 0, hi: 0 };
    out.push({ line: i + 1, text: t, op, imm, frm, fin, xin, res, flags: parseInt(tok[tok.length - 1], 16) });
  });
  return out;
}

function hex(v: number, digits: number): string {
  return (v >>> 0).toString(16).padStart(digits, "0");
}

/** Runs one vector: FP inputs in f1..f3, an integer input in x1, the result in f4 / x4. */
function run(v: Vector): string | undefined {
  const { f, fd } = newFpRegisterFile();
  const h: FpContext = { x: new Int32Array(33), f, fd, fflags: 0, frm: v.frm };
  for (let r = 0; r < 32; r++) {
    f[2 * r] = 0xdeadbeef;
    f[2 * r + 1] = 0x12345678;
  }
  h.x.fill(0x5a5a5a5a);
  v.fin.forEach(([lo, hi], k) => {
    f[2 * (k + 1)] = lo;
    f[2 * (k + 1) + 1] = hi;
  });
  if (v.xin.length > 0) h.x[1] = v.xin[0];
  if (!fpExec(h, v.op, 4, 1, 2, v.imm)) return "returned false (illegal)";
  const got = v.res.fp
    ? (v.res.hi === 0xffffffff && f[9] === 0xffffffff ? "~" + hex(f[8], 8) : hex(f[9], 8) + hex(f[8], 8))
    : hex(h.x[4], 8);
  const want = v.res.fp
    ? (v.res.hi === 0xffffffff ? "~" + hex(v.res.lo, 8) : hex(v.res.hi, 8) + hex(v.res.lo, 8))
    : hex(v.res.lo, 8);
  if (got !== want || h.fflags !== v.flags) return `got ${got} flags ${hex(h.fflags, 2)}`;
  return undefined;
}

const vectors = load();

describe("FPU golden vectors (qemu softfloat)", () => {
  it("covers every FP operation fpExec executes", () => {
    const seen = new Set(vectors.map((v) => v.op));
    const missing = Object.entries(OP)
      .filter(([, n]) => n >= OP.FMADD_S && n <= OP.FCVT_D_WU && !seen.has(n))
      .map(([name]) => name);
    expect(missing).toEqual([]);
    expect(vectors.length).toBeGreaterThan(30000);
  });

  it("matches every vector bit for bit, flags included", () => {
    const failures: string[] = [];
    let pass = 0;
    for (const v of vectors) {
      const err = run(v);
      if (err === undefined) pass++;
      else failures.push(`line ${v.line}: ${v.text}  -> ${err}`);
    }
    if (failures.length > 0) {
      const byOp = new Map<string, number>();
      for (const fl of failures) {
        const name = fl.split(" ")[2];
        byOp.set(name, (byOp.get(name) ?? 0) + 1);
      }
      console.log(`${pass}/${vectors.length} pass; failures by op:`, Object.fromEntries(byOp));
      console.log(failures.slice(0, 40).join("\n"));
    }
    expect(failures.length).toBe(0);
  });
});
