// The designs of a matrix: the cross product of the names bound on each axis (initiator ×
// creator × codec). Names come from the registry, never from a list written here, so a plugin
// that adds a binding adds its combinations everywhere: `cptbench matrix`, the conformance suite.
import type { CellSelection, Registry } from "../../core/cr/registry.ts";
import type { Axis } from "../../core/cr/interfaces.ts";
import { MatrixError } from "./errors.ts";

/**
 * The axes in canonical order (registry.ts's AXES). Repeated here because registry.ts imports
 * every built-in plugin, and the CLI loads it only when a command really runs something.
 */
export const AXES: readonly Axis[] = ["initiator", "creator", "codec"];

/** One design: an implementation name per axis. */
export type Combination = CellSelection;

/** Names chosen per axis; an absent or empty list means every name the registry binds there. */
export type AxisLists = Partial<Record<Axis, readonly string[] | undefined>>;

/** "external/kernel/cpt": the form CPTBENCH_COMBOS and the reports use. */
export function comboLabel(c: Combination): string {
  return `${c.initiator}/${c.creator}/${c.codec}`;
}

/**
 * The cross product in canonical order: initiators, then creators, then codecs, each in the order
 * given (registry order, i.e. sorted, when absent). Duplicates are dropped; an unknown name is
 * Registry.provider's PluginError, which names the known ones.
 */
export function combinations(registry: Registry, lists: AxisLists = {}): Combination[] {
  const per = {} as Record<Axis, string[]>;
  for (const axis of AXES) {
    const given = lists[axis];
    const names = given && given.length > 0 ? [...new Set(given)] : registry.names(axis);
    for (const n of names) registry.provider(axis, n);
    if (names.length === 0) throw new MatrixError("MATRIX_EMPTY", `no plugin binds any ${axis}: the matrix is empty`);
    per[axis] = names;
  }
  const out: Combination[] = [];
  for (const initiator of per.initiator) for (const creator of per.creator) for (const codec of per.codec) out.push({ initiator, creator, codec });
  return out;
}

/**
 * Parse "a/b/c,d/e/f" (CPTBENCH_COMBOS) into combinations, checked against the registry.
 * Returns null for an empty or unset value: no restriction.
 */
export function parseComboList(spec: string | undefined, registry: Registry): Combination[] | null {
  if (spec === undefined || spec.trim() === "") return null;
  return spec.split(",").map((part) => {
    const names = part.trim().split("/");
    if (names.length !== 3 || names.some((n) => n === "")) {
      throw new MatrixError("MATRIX_COMBO", `"${part}" is not a combination: expected initiator/creator/codec, e.g. external/kernel/cpt`);
    }
    const c: Combination = { initiator: names[0], creator: names[1], codec: names[2] };
    for (const axis of AXES) registry.provider(axis, c[axis]);
    return c;
  });
}
