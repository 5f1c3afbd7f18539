// `cptbench exec`: run one RISC-V ELF in the emulated kernel, like `qemu-riscv32 prog args`.
import { readFileSync } from "node:fs";
import { Command, InvalidArgumentError, Option } from "commander";
import { runProgram } from "../machine/machine.ts";
import { readStdinSync, writeAllSync } from "./io.ts";
import { CliError } from "./errors.ts";

function parsePosInt(name: string) {
  return (v: string): number => {
    if (!/^[1-9]\d*$/.test(v)) throw new InvalidArgumentError(`${name} must be a positive integer, got "${v}"`);
    return Number(v);
  };
}

function parseNonNegInt(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${name} must be a non-negative integer, got "${v}"`);
    return Number(v);
  };
}

interface ExecFlags {
  seed: number;
  strace?: boolean;
  maxInstructions?: number;
  stats?: "json";
  memory: number;
  cpus: number;
  quantum: number;
  env: string[];
  file: string[];
  clearEnv?: boolean;
}

export function execCommand(setExit: (code: number) => void): Command {
  return new Command("exec")
    .description("run a RISC-V (RV32GC, Linux ABI) static ELF in the emulated kernel; its output passes through and the exit status is the program's (128+N if signal N killed it)")
    .argument("<elf>", "the program: a statically linked riscv32 ELF")
    .argument("[args...]", "arguments passed to the program (argv[1]...)")
    .option("--seed <n>", "seed for every choice the kernel makes (same seed, same run)", parseNonNegInt("--seed"), 1)
    .option("--strace", "print each system call with its arguments and result to stderr")
    .option("--max-instructions <n>", "kill the program with SIGKILL after this many instructions", parseNonNegInt("--max-instructions"))
    .addOption(new Option("--stats <format>", "print run statistics as one line to stderr at exit").choices(["json"]))
    .option("--memory <MiB>", "guest memory size", parseNonNegInt("--memory"), 1024)
    .option("--cpus <n>", "virtual CPUs the scheduler runs tasks on", parsePosInt("--cpus"), 1)
    .option("--quantum <n>", "mean scheduling quantum, in instructions", parsePosInt("--quantum"), 100_000)
    .option("-E, --env <VAR=value>", "set an environment variable for the program (repeatable)", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option("-F, --file <guest=host>", "make the host ELF file available to execve at the guest path (repeatable)", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option("--clear-env", "start the program with an empty environment instead of cptbench's own")
    // Everything after <elf> belongs to the program, dashes included (like qemu and env).
    .passThroughOptions()
    .allowExcessArguments(false)
    .action((elfPath: string, args: string[], flags: ExecFlags) => {
      let elf: Uint8Array;
      try {
        elf = readFileSync(elfPath);
      } catch (e) {
        throw new CliError("CLI_NO_FILE", `cannot read ${elfPath}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      }
      for (const kv of flags.env) {
        if (!kv.includes("=")) throw new CliError("CLI_BAD_ENV", `--env expects VAR=value, got "${kv}"`);
      }
      const files: Record<string, Uint8Array> = {};
      for (const spec of flags.file) {
        const eq = spec.indexOf("=");
        if (eq <= 0) throw new CliError("CLI_BAD_FILE", `--file expects GUEST_PATH=HOST_PATH, got "${spec}"`);
        const host = spec.slice(eq + 1);
        try {
          files[spec.slice(0, eq)] = readFileSync(host);
        } catch (e) {
          throw new CliError("CLI_NO_FILE", `cannot read ${host} (for --file): ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
        }
      }
      const base = flags.clearEnv ? [] : Object.entries(process.env).map(([k, v]) => `${k}=${v}`);
      const result = runProgram(elf, {
        argv: [elfPath, ...args],
        files,
        env: [...base, ...flags.env],
        seed: flags.seed,
        memoryMiB: flags.memory,
        cpus: flags.cpus,
        quantum: flags.quantum,
        maxInstructions: flags.maxInstructions,
        capture: false,
        onStdout: (b) => writeAllSync(1, b),
        onStderr: (b) => writeAllSync(2, b),
        stdin: readStdinSync,
        strace: flags.strace ? (line) => writeAllSync(2, new TextEncoder().encode(line + "\n")) : undefined,
      });
      for (const ev of result.events) process.stderr.write(`cptbench: ${ev.message}\n`);
      if (flags.stats === "json") {
        const stats = {
          exitCode: result.exitCode,
          signal: result.exit.signal ?? null,
          instructions: result.instructions,
          syscalls: result.syscalls,
          enosys: result.enosys,
          virtualNs: result.virtualNs,
          wallMs: Math.round(result.wallMs * 1000) / 1000,
          mips: Math.round(result.mips * 10) / 10,
          peakPages: result.peakPages,
          oopses: result.oopses,
          traceHash: result.traceHash,
          contextSwitches: result.contextSwitches,
          tasksCreated: result.tasksCreated,
        };
        process.stderr.write(JSON.stringify(stats) + "\n");
      }
      if (result.oopses > 0) {
        // A kernel bug taints the run: whatever the program's status, the run did not pass.
        process.stderr.write(`cptbench: kernel tainted: ${result.oopses} oops(es) above; exit status 70 (EX_SOFTWARE)\n`);
        setExit(70);
        return;
      }
      setExit(result.exitCode);
    });
}
