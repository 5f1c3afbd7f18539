// What cptbench does with each field and flag of a ZDTM test's .desc, after zdtm.py (CRIU 4.1.1's
// test/zdtm.py, run_tests() and class zdtm_test): every flag is acted on or ignored with a printed
// reason, so `cptbench zdtm --list` can say for each test what will happen to it and why.
//
// The flavour. zdtm.py runs a test in the host ('h': no namespaces), 'ns' (its own pid, mount,
// net, ipc and uts namespaces and root, below zdtm_ct) or 'uns' (ns inside a user namespace)
// flavour. cptbench's runs are 'h': exec starts the test in the machine's own namespaces, and the
// C/R container (cptbench-ctl run) has a pid namespace of its own but shares the machine's mounts,
// root, network and uts — what the ns-only tests check (mounts, their own root, hostname) is not
// there. So a test whose flavours do not include 'h' is skipped with that reason.
import type { ZdtmDesc } from "./desc.ts";

/** The flavour both runners give a test (see above). */
export const FLAVOR = "h";

/** Why a flag changes nothing here, or what it does: shown by --list. */
export const FLAG_RULES: Readonly<Record<string, string>> = {
  suid: "runs as root: zdtm.py gives it no ZDTM_UID/GID to drop to, and the container's init is root",
  noauto: "left out of -a (zdtm.py: manual run only); -t NAME runs it",
  crfail: "C/R must fail: a failed checkpoint (the test then still has to PASS) or restart passes, a C/R that succeeds is an unexpected pass",
  reqrst: "needs its restore stage: skipped with --norst",
  excl: "ignored: zdtm.py runs it alone, never in parallel; here every test has a machine to itself anyway",
  nouser: "ignored: zdtm.py skips it only with --user (CRIU as non-root); the C/R here runs as root",
  samens: "ignored: zdtm.py skips it only with --join-ns, which has no counterpart here",
  nolazy: "ignored: zdtm.py skips it only with lazy pages, which no design has",
  noremotelazy: "ignored: zdtm.py skips it only with remote lazy pages, which no design has",
  crlib: "ignored: it points CRIU at a plugin library directory; the designs load no plugins",
};

/** One note per .desc field or flag the runners act on or ignore, for --list. */
export function descNotes(d: ZdtmDesc): string[] {
  const notes = d.flags.map((f) => `${f}: ${FLAG_RULES[f] ?? "ignored: a flag zdtm.py 4.1.1 does not have"}`);
  if (d.features.length > 0) notes.push(`feature ${d.features.join(" ")}: not checked (zdtm.py asks \`criu check\`); the test runs and its own verdict says`);
  for (const k of ["opts", "dopts", "ropts"]) {
    const v = d.raw[k];
    if (typeof v === "string" && v.trim() !== "") notes.push(`${k} ${v.trim()}: ignored: CRIU command-line options, which no design takes`);
  }
  const deps = d.raw.deps;
  if (Array.isArray(deps) && deps.length > 0) notes.push(`deps ${deps.join(" ")}: ignored: host programs zdtm.py copies into the ns root; the guest has none`);
  return notes;
}

/** Why a test is not run in the 'h' flavour on riscv32 (null: it is run). */
export function flavourSkip(d: ZdtmDesc): string | null {
  if (d.arch !== null && d.arch !== "riscv32") return `.desc restricts it to ${d.arch}`;
  if (!d.flavors.includes(FLAVOR)) {
    return `.desc allows flavours ${d.flavors.join(", ")} only: cptbench runs the host flavour 'h' (the C/R container has a pid namespace of its own, not the mount, net, uts and ipc namespaces and root of zdtm.py's 'ns')`;
  }
  return null;
}

/** Why -a leaves a test out (zdtm.py's launcher.skip "manual run only"), or null. */
export function autoSkip(d: ZdtmDesc): string | null {
  return d.flags.includes("noauto") ? "noauto: manual run only (zdtm.py -a leaves it out); run it with -t NAME" : null;
}
