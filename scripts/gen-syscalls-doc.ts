// npm run docs:syscalls: write docs/syscalls.md from the kernel's syscall table and from what the
// musl workloads call (test/cli/syscalls-cli.test.ts fails while the file and either differ).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderSyscallsMarkdown } from "../src/cli/syscalls-cmd.ts";
import { syscallRows } from "../src/machine/kernel/syscalls/rows.ts";
import { muslSyscallUsage } from "../src/workbench/syscall-usage.ts";

const out = join(import.meta.dirname, "..", "docs", "syscalls.md");
writeFileSync(out, renderSyscallsMarkdown(syscallRows(), muslSyscallUsage()));
process.stdout.write(`wrote ${out}\n`);
