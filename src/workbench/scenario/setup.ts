// Booting the machine of one scenario phase: the controller and the workload installed as files,
// the C/R module in the catalogue and loaded, and the controller started. Everything a scenario
// does to the guest goes through the controller's real syscalls; the runner only starts programs,
// sends the controller its SIGUSR1 at the checkpoint point, and reads files afterwards.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { hostIo } from "./host-io.ts";
import { PAGE_SIZE } from "../../machine/mm/frame.ts";
import { join } from "node:path";
import { Machine } from "../../machine/machine.ts";
import type { ModuleDef } from "../../machine/kernel/module.ts";
import type { Task } from "../../machine/kernel/task.ts";
import { TmpfsDir, TmpfsFile, TmpfsSymlink } from "../../machine/fs/tmpfs/tmpfs.ts";
import type { Dentry } from "../../machine/fs/inode.ts";
import { mkdirsTmpfs, walkTmpfs } from "../../core/cr/restore/tree.ts";
import { CptbenchError } from "../../machine/errors.ts";
import type { CheckpointTrigger } from "../../core/cr/interfaces.ts";
import type { Experiment, WorkloadRef } from "./types.ts";

export const CTL_PATH = "/bin/cptbench-ctl";
export const IMAGE_PATH = "/var/cpt/image";
export const CTL_LOG = "/var/cpt/ctl.log";
export const RESTART_LOG = "/var/cpt/restart.log";
/** Where every container's tree lives (workdirOf), and the directory restarts are confined to. */
export const CT_DIR = "/ct";
export const CT_CGROUP = "ct";

const toolElfs = new Map<string, Uint8Array>();

/** A scenario tool program (role "controller" in the manifest): workloads/bin/<name>.elf. */
export function toolElf(name: string): Uint8Array {
  let elf = toolElfs.get(name);
  if (elf === undefined) {
    const path = join(import.meta.dirname, "..", "..", "..", "workloads", "bin", `${name}.elf`);
    try {
      elf = readFileSync(path);
    } catch {
      throw new CptbenchError("CTL_MISSING", `the scenario program ${path} is missing: build the workloads (npm run build:workloads)`);
    }
    toolElfs.set(name, elf);
  }
  return elf;
}

/** The controller program (workloads/bin/cptbench-ctl.elf). */
export function controllerElf(): Uint8Array {
  return toolElf("cptbench-ctl");
}

/** The program a creator restarts with: cptbench-ctl, or a restarter of its own. */
export interface RestarterSpec {
  program: string;
  args: string[];
}

export const workdirOf = (w: WorkloadRef): string => `/ct/${w.name.replace(/[^A-Za-z0-9._-]/g, "_")}`;
export const workloadPath = (w: WorkloadRef): string => `/bin/${w.name.replace(/[^A-Za-z0-9._-]/g, "_")}`;

export interface PhaseMachine {
  m: Machine;
  /** Guest memory size, for the image-size sanity of big workloads. */
  memoryMiB: number;
}

/** A machine with the programs installed and (when given) the C/R module loaded. */
export function bootMachine(exp: Pick<Experiment, "seed" | "cpus" | "quantum">, w: WorkloadRef, mod: ModuleDef | null, memoryMiB = 1024): Machine {
  const m = new Machine({ seed: exp.seed, cpus: exp.cpus, quantum: exp.quantum, memoryMiB, capture: true });
  const vfs = m.kernel.vfs;
  vfs.installFile(CTL_PATH, controllerElf(), 0o755);
  mkdirp(m, "/var/cpt");
  mkdirp(m, CT_DIR);
  vfs.installFile(workloadPath(w), w.elf, 0o755);
  for (const [path, bytes] of Object.entries(w.files ?? {})) {
    if (vfs.installFile(path, bytes, 0o755) === null) m.kernel.programs.set(path, bytes);
  }
  if (mod !== null) {
    m.kernel.modules.catalogue.set(mod.name, mod);
    const err = m.kernel.modules.load(mod.name);
    if (err < 0) throw new CptbenchError("MODULE_LOAD", `loading the C/R module ${mod.name} failed with errno ${-err}`);
  }
  return m;
}

/**
 * Start `cptbench-ctl run`: the workload in a new container, checkpointed by the controller on
 * SIGUSR1, or (trigger "self") by its own runtime.
 */
export function startRun(m: Machine, w: WorkloadRef, flags: number, trigger: CheckpointTrigger = "controller", image = IMAGE_PATH, ctlOptions: readonly string[] = []): Task {
  const argv = [
    CTL_PATH, "run", ...(trigger === "self" ? ["--self"] : []), "--log", CTL_LOG, "--image", image, "--flags", String(flags),
    "--workdir", workdirOf(w), "--cgroup", CT_CGROUP, ...ctlOptions, "--", workloadPath(w), ...w.args,
  ];
  return m.kernel.spawn(controllerElf(), argv, w.env, CTL_PATH);
}

/** Start the creator's restarter (`cptbench-ctl restart` by default) from the image file. */
export function startRestart(m: Machine, w: WorkloadRef, restarter: RestarterSpec = { program: "cptbench-ctl", args: ["restart"] }, image = IMAGE_PATH): Task {
  const path = `/bin/${restarter.program}`;
  const argv = [path, ...restarter.args, "--log", RESTART_LOG, "--image", image, "--flags", "0"];
  const t = m.kernel.spawn(toolElf(restarter.program), argv, w.env, path);
  // The restarter works in the containers' directory, as a controller that chdir()s there
  // before restarting: sys_restart confines the container's tree below its working directory.
  const ct = walkTmpfs(m.kernel.vfs, CT_DIR);
  if (ct !== null && t.fs !== null) t.fs.pwd = { mnt: m.kernel.vfs.rootMount, dentry: ct };
  return t;
}

/** Make a directory and its parents (root-owned, 0755) from outside the guest. */
export function mkdirp(m: Machine, path: string): void {
  if (mkdirsTmpfs(m.kernel.vfs, path) === null) throw new CptbenchError("SETUP", `${path}: not a directory`);
}

/** A tmpfs file's bytes, or null. */
export function readGuestFile(m: Machine, path: string): Uint8Array | null {
  const d = walkTmpfs(m.kernel.vfs, path);
  return d !== null && d.inode instanceof TmpfsFile ? d.inode.readBytes() : null;
}

export function writeGuestFile(m: Machine, path: string, bytes: Uint8Array): void {
  m.kernel.vfs.installFile(path, bytes, 0o600);
}

/** The size of a tmpfs file, or -1. */
export function guestFileSize(m: Machine, path: string): number {
  const d = walkTmpfs(m.kernel.vfs, path);
  return d !== null && d.inode instanceof TmpfsFile ? d.inode.size : -1;
}

/**
 * Host I/O of a guest file goes through one reused MiB: a host call per 4 KiB page (65,536 of
 * them for a 256 MiB image) cost most of a big C/R cell's time; no whole-file buffer either
 * (images can be big, and fresh host memory is slow to touch).
 */
const HOST_CHUNK = 1 << 20;
let hostBuf: Uint8Array | null = null;

/** Copy a tmpfs file to the host: its pages in runs of up to a MiB, holes left as holes. */
export function saveGuestFile(m: Machine, path: string, hostPath: string): number {
  const d = walkTmpfs(m.kernel.vfs, path);
  if (d === null || !(d.inode instanceof TmpfsFile)) throw new CptbenchError("IMAGE", `${path} is not a file in the guest`);
  const f = d.inode;
  const io = hostIo();
  const buf = (hostBuf ??= new Uint8Array(HOST_CHUNK));
  const fd = io.open(hostPath, "w");
  try {
    // Consecutive pages gather in buf, written at once when a hole or a full MiB ends the run.
    let run = 0;
    let fill = 0;
    const flush = (): void => {
      for (let done = 0; done < fill;) done += io.write(fd, buf, done, fill - done, run * PAGE_SIZE + done);
      fill = 0;
    };
    f.cache.pages.forEachInOrder((frame, pg) => {
      if (pg * PAGE_SIZE >= f.size) return;
      if (fill > 0 && (pg !== run + fill / PAGE_SIZE || fill === HOST_CHUNK)) flush();
      if (fill === 0) run = pg;
      const n = Math.min(PAGE_SIZE, f.size - pg * PAGE_SIZE);
      buf.set(n === PAGE_SIZE ? frame.data : frame.data.subarray(0, n), fill);
      fill += n;
    });
    flush();
    io.truncate(fd, f.size);
  } finally {
    io.close(fd);
  }
  return f.size;
}

/** Copy a host file into the guest's tmpfs, a MiB at a time. */
export function loadGuestFile(m: Machine, hostPath: string, path: string): void {
  const f = m.kernel.vfs.installFile(path, new Uint8Array(0), 0o600);
  if (f === null) throw new CptbenchError("IMAGE", `${path} cannot hold a file in the guest`);
  const io = hostIo();
  const buf = (hostBuf ??= new Uint8Array(HOST_CHUNK));
  const size = io.size(hostPath);
  const fd = io.open(hostPath, "r");
  try {
    for (let base = 0; base < size; base += HOST_CHUNK) {
      const len = Math.min(HOST_CHUNK, size - base);
      let got = 0;
      for (let n = 1; got < len && n > 0; got += n) n = io.read(fd, buf, got, len - got, base + got);
      // A file that shrank under the copy reads as zeros past its end, as a short read did.
      buf.fill(0, got, len);
      for (let off = 0; off < len; off += PAGE_SIZE) {
        const n = Math.min(PAGE_SIZE, len - off);
        // A whole page is overwritten at once: no zeroing first.
        const frame = f.cache.findOrCreate((base + off) / PAGE_SIZE, n === PAGE_SIZE);
        if (frame === null) throw new CptbenchError("IMAGE", `the guest ran out of memory loading ${path}`);
        frame.data.set(buf.subarray(off, off + n));
      }
    }
  } finally {
    io.close(fd);
  }
  f.growTo(size);
}

/** The controller's log lines as [verb, number]. */
export function ctlLog(m: Machine, path: string): [string, number][] {
  const b = readGuestFile(m, path);
  if (b === null) return [];
  return new TextDecoder().decode(b).split("\n").filter((l) => l !== "").map((l) => {
    const [verb, n] = l.split(" ");
    return [verb, Number(n)];
  });
}

/**
 * A digest of a directory tree: names, types, permission bits, sizes, link targets and contents
 * (not inode numbers or times, which a restart legitimately changes). "-" if it is absent.
 */
export function treeDigest(m: Machine, root: string): string {
  const d = walkTmpfs(m.kernel.vfs, root);
  if (d === null) return "-";
  const h = createHash("sha256");
  const walk = (e: Dentry, rel: string): void => {
    const i = e.inode;
    h.update(`${rel}\0${i.mode.toString(8)}\0${i.size}\0`);
    if (i instanceof TmpfsFile) h.update(i.readBytes());
    else if (i instanceof TmpfsSymlink) h.update(i.target);
    else if (i instanceof TmpfsDir) for (const c of [...i.children.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) walk(c, `${rel}/${c.name}`);
  };
  walk(d, "");
  return h.digest("hex").slice(0, 16);
}
