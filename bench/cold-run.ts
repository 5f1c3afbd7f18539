// One guest run in a fresh process, for the cold-start figures of bench/suites-hart.ts:
// `node bin/run-ts.mjs bench/cold-run.ts <workload> [args...]` prints the run's MIPS and count.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runProgram } from "../src/machine/machine.ts";

const [name, ...args] = process.argv.slice(2);
const image = readFileSync(join(import.meta.dirname, "..", "workloads", "bin", `${name}.elf`));
const r = runProgram(image, { argv: [name, ...args], capture: false });
if (r.exitCode !== 0) throw new Error(`${name} exited with ${r.exitCode}`);
console.log(JSON.stringify({ mips: r.mips, instructions: r.instructions }));
