// npm run docs:syscalls: write docs/syscalls.md from the kernel's syscall table
// (test/cli/syscalls-cli.test.ts fails while the file and the table differ).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderSyscallsMarkdown } from "../src/cli/syscalls-cmd.ts";
import { syscallRows } from "../src/machine/kernel/syscalls/rows.ts";

const out = join(import.meta.dirname, "..", "docs", "syscalls.md");
writeFileSync(out, renderSyscallsMarkdown(syscallRows()));
process.stdout.write(`wrote ${out}\n`);
