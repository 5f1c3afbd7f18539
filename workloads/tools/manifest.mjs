// Reads workloads/manifest.json for build.sh and prints it in a shell-friendly form.
//   node manifest.mjs build  FILE   -> "name<TAB>march" per line
//   node manifest.mjs record FILE   -> NUL-separated: name, nargs, args..., nenv, env... per workload
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
}
if (mode === "build") {
  for (const w of list) process.stdout.write(`${w.name}\t${w.march}\n`);
} else if (mode === "record") {
  const out = [];
  for (const w of list) out.push(w.name, String(w.args.length), ...w.args, String(w.env.length), ...w.env);
  process.stdout.write(out.map((s) => s + "\0").join(""));
} else {
  throw new Error(`unknown mode ${mode}`);
}
