// `cptbench image diff A B`: what differs between two images, by object. Each list of the model
// is matched by identity (ids, dentry paths, page indexes), and each object is reported as only
// in A, only in B, or changed with the first fields that differ (core/cr/model-diff.ts).
import type { CheckpointModel } from "../../core/cr/model.ts";
import { modelDiff } from "../../core/cr/model-diff.ts";

/** The key an object of a list is known by, or null for lists compared by position. */
function keyOf(list: string, x: unknown): string | null {
  const o = x as Record<string, unknown>;
  if (list === "tree") return String(o.path);
  if (list === "cowPages") return `page ${String(o.index)}`;
  return typeof o.id === "number" ? `id ${o.id}` : null;
}

/** Lines like "tasks[id 1]: regs.pc: 65680 vs 65720", "files[id 7]: only in B". Empty when equal. */
export function imageDiff(a: CheckpointModel, b: CheckpointModel, perObject = 3): string[] {
  const out: string[] = [];
  const ra = a as unknown as Record<string, unknown>;
  const rb = b as unknown as Record<string, unknown>;
  for (const name of new Set([...Object.keys(ra), ...Object.keys(rb)])) {
    const la = ra[name];
    const lb = rb[name];
    if (!Array.isArray(la) || !Array.isArray(lb)) {
      const d = modelDiff(la, lb, name);
      if (d.length > 0) out.push(...d.slice(0, perObject));
      continue;
    }
    const index = (l: unknown[]): Map<string, unknown> => new Map(l.map((x, i) => [keyOf(name, x) ?? `#${i}`, x]));
    const ma = index(la);
    const mb = index(lb);
    for (const k of new Set([...ma.keys(), ...mb.keys()])) {
      const where = `${name}[${k}]`;
      if (!mb.has(k)) out.push(`${where}: only in A`);
      else if (!ma.has(k)) out.push(`${where}: only in B`);
      else {
        const d = modelDiff(ma.get(k), mb.get(k), "");
        if (d.length > 0) out.push(`${where}: ${d.slice(0, perObject).map((s) => s.replace(/^\./, "")).join("; ")}${d.length > perObject ? "; ..." : ""}`);
      }
    }
  }
  return out;
}
