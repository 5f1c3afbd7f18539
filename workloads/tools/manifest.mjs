// Reads workloads/manifest.json for build.sh and prints it in a shell-friendly form.
//   node manifest.mjs build  FILE   -> "name<TAB>march<TAB>libc<TAB>program" per line (libc: "musl"
//                                      or "-"; program: "lua", "awk" or "-")
//   node manifest.mjs record FILE   -> NUL-separated: name, oracle, cwd, init, nargs, args..., nenv, env...
//                                      per workload
//
// "oracle" is optional: "qemu" (the default: expected/ is recorded from qemu-riscv32), "hand"
// (expected/ is written by hand from Linux's semantics because qemu-riscv32 deviates; "why"
// must say how) or "none" (only for "role": "controller": no expected output at all). build.sh
// --record keeps a hand entry's files and skips a controller; --check builds every entry.
// "role" is optional: "workload" (the default) or "controller" (a program the checkpoint/restart
// scenarios run around the workloads, cptbench-ctl; the differential test skips it).
// "cwd": "tmp" runs the program in a fresh empty directory (qemu: a temporary directory; cptbench's
// tmpfs root is one already). "init": true runs it as pid 1 of a new pid namespace with its own
// /proc and RLIMIT_NOFILE 1024 (qemu: under unshare -p -f --mount-proc; cptbench: asInit).
// "libc": "musl" builds the program from libc/<name>.c against the musl sysroot (npm run
// build:sysroot) with tools/rv32-musl-cc instead of from src/<name>.c against the mini runtime.
// "program": "lua" or "awk" (with "libc": "musl"; the name starts with "lua-" or "awk-") builds the
// ELF from that real program (scripts/build-realprogs.sh) running realprog/<name>.lua or .awk.
// "cr": false (with "crWhy") keeps a program out of the C/R conformance suite while it uses kernel
// objects checkpoint/restart does not carry yet.
// "selfSignalWhy" says why a self checkpoint triggered by CPT_SIGNAL (the self initiator at a random
// point) changes what the program does: those cells are "unsupported" with the reason.
// "files" maps absolute paths to workload names whose ELFs the run needs there (e.g.
// "/proc/self/exe"); qemu cannot honour it, so only hand-oracle entries may have it.
import { readFileSync } from "node:fs";

const [mode, file] = process.argv.slice(2);
const list = JSON.parse(readFileSync(file, "utf8"));
if (!Array.isArray(list)) throw new Error("manifest.json must be an array");
const seen = new Set();
for (const w of list) {
  for (const k of ["name", "args", "env", "description", "march"]) {
    if (!(k in w)) throw new Error(`manifest entry ${JSON.stringify(w.name)} lacks "${k}"`);
  }
  if (!/^[a-z0-9][a-z0-9-]*$/.test(w.name)) throw new Error(`bad workload name ${w.name}`);
  if (seen.has(w.name)) throw new Error(`duplicate workload ${w.name}`);
  seen.add(w.name);
  if (!/^rv32[a-z_]+$/.test(w.march)) throw new Error(`bad march ${w.march}`);
  const oracle = w.oracle ?? "qemu";
  const role = w.role ?? "workload";
  if (role !== "workload" && role !== "controller") throw new Error(`workload ${w.name}: role must be "workload" or "controller"`);
  if (oracle !== "qemu" && oracle !== "hand" && oracle !== "none") throw new Error(`workload ${w.name}: oracle must be "qemu", "hand" or "none"`);
  if ((oracle === "none") !== (role === "controller")) throw new Error(`workload ${w.name}: "oracle": "none" is for (and only for) "role": "controller"`);
  if (oracle !== "qemu" && !(typeof w.why === "string" && w.why.length > 0)) {
    throw new Error(`workload ${w.name}: a hand-written or missing oracle needs a "why"`);
  }
  if (w.cwd !== undefined && w.cwd !== "tmp") throw new Error(`workload ${w.name}: cwd must be "tmp"`);
  if (w.libc !== undefined && w.libc !== "musl") throw new Error(`workload ${w.name}: libc must be "musl"`);
  if (w.program !== undefined) {
    if (w.program !== "lua" && w.program !== "awk") throw new Error(`workload ${w.name}: program must be "lua" or "awk"`);
    if (w.libc !== "musl") throw new Error(`workload ${w.name}: a "program" workload links musl: it needs "libc": "musl"`);
    if (!w.name.startsWith(`${w.program}-`)) throw new Error(`workload ${w.name}: a ${w.program} workload's name starts with "${w.program}-"`);
  }
  if (w.cr !== undefined && (w.cr !== false || !(typeof w.crWhy === "string" && w.crWhy.length > 0))) {
    throw new Error(`workload ${w.name}: "cr" may only be false, with a "crWhy" naming what C/R does not carry yet`);
  }
  if (w.selfSignalWhy !== undefined && !(typeof w.selfSignalWhy === "string" && w.selfSignalWhy.length > 0)) {
    throw new Error(`workload ${w.name}: "selfSignalWhy" must be a non-empty string`);
  }
  if (w.init !== undefined && typeof w.init !== "boolean") throw new Error(`workload ${w.name}: init must be a boolean`);
  if (w.files !== undefined) {
    if (oracle !== "hand") throw new Error(`workload ${w.name}: "files" needs a hand-written oracle (qemu cannot honour it)`);
    for (const [path, elf] of Object.entries(w.files)) {
      if (!path.startsWith("/") || typeof elf !== "string") throw new Error(`workload ${w.name}: bad files entry ${path}`);
    }
  }
}
if (mode === "build") {
  for (const w of list) process.stdout.write(`${w.name}\t${w.march}\t${w.libc ?? "-"}\t${w.program ?? "-"}\t${w.role ?? "workload"}\n`);
} else if (mode === "record") {
  const out = [];
  for (const w of list) {
    out.push(w.name, w.oracle ?? "qemu", w.cwd ?? "", w.init ? "1" : "0", String(w.args.length), ...w.args, String(w.env.length), ...w.env);
  }
  process.stdout.write(out.map((s) => s + "\0").join(""));
} else {
  throw new Error(`unknown mode ${mode}`);
}
