// Signal-handler tables from the model. A tree of forked tasks has one sighand per task but,
// until one of them calls sigaction, one table behind all of them (copy-on-write since fork); the
// restore gives such sets one table again, so restoring 10,000 tasks does not allocate 65 entries
// for each (a third of a large restart's time went to the garbage collector copying them).
import type { KObjectRegistry } from "../../../machine/kernel/kref.ts";
import { NSIG } from "../../../machine/kernel/signal-defs.ts";
import { SigHand } from "../../../machine/kernel/task.ts";
import { CrError, EINVAL } from "../errors.ts";
import type { SigHandRecord } from "../model.ts";

/** Whether two recorded handler tables hold the same actions. */
function sameActions(a: SigHandRecord["actions"], b: SigHandRecord["actions"]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x.handler !== y.handler || x.flags !== y.flags || x.restorer !== y.restorer || x.mask !== y.mask) return false;
  }
  return true;
}

/**
 * A SigHand for each record, put in `into` by record id as soon as it is made (so that an abort
 * finds every one made before a failure); the caller owns one reference on each. A record equal
 * to the one before it shares that one's table copy-on-write (as fork leaves it), so each set
 * still makes its own copy on its first change. Throws before making anything when a record does
 * not have NSIG + 1 actions.
 */
export function restoreSigHands(r: KObjectRegistry, why: string, records: readonly SigHandRecord[], into: Map<number, SigHand>): void {
  const bad = records.find((s) => s.actions.length !== NSIG + 1);
  if (bad !== undefined) throw new CrError(EINVAL, `sighand ${bad.id} has ${bad.actions.length} actions, not ${NSIG + 1}`);
  let prev: { actions: SigHandRecord["actions"]; sh: SigHand } | null = null;
  for (const s of records) {
    const sh: SigHand = prev !== null && sameActions(prev.actions, s.actions) ? new SigHand(r, why, prev.sh) : new SigHand(r, why, s.actions);
    prev = { actions: s.actions, sh };
    into.set(s.id, sh);
  }
}
