// Reads workloads/manifest.json for build.sh and prints it in a shell-friendly form.
//   node manifest.mjs build  FILE   -> "name<TAB>march" per line
//   node manifest.mjs record FILE   -> NUL-separated: name, oracle, nargs, args..., nenv, env... per workload
//
// "oracle" is optional: "qemu" (the default: expected/ is recorded from qemu-riscv32) or "hand"
// (expected/ is written by hand from Linux's semantics because qemu-riscv32 deviates; "why"
// must say how). build.sh --record keeps a hand entry's files; --check builds it like any other.
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
  if (oracle !== "qemu" && oracle !== "hand") throw new Error(`workload ${w.name}: oracle must be "qemu" or "hand"`);
  if (oracle === "hand" && !(typeof w.why === "string" && w.why.length > 0)) {
    throw new Error(`workload ${w.name}: a hand-written oracle needs a "why"`);
  }
}
if (mode === "build") {
  for (const w of list) process.stdout.write(`${w.name}\t${w.march}\n`);
} else if (mode === "record") {
  const out = [];
  for (const w of list) out.push(w.name, w.oracle ?? "qemu", String(w.args.length), ...w.args, String(w.env.length), ...w.env);
  process.stdout.write(out.map((s) => s + "\0").join(""));
} else {
  throw new Error(`unknown mode ${mode}`);
}
