// One machine's file-system tree: tmpfs at /, procfs at /proc, device nodes in /dev, and the
// pipefs and anon_inodefs pseudo mounts that pipes and event files live on. Kernel.vfs makes it
// on first use (the first spawn).
//
//   /            tmpfs, 0755
//   /dev         null zero full console, fd stdin stdout stderr -> /proc/self/fd..., tty ptmx
//   /dev/pts     devpts (tty/devpts.ts)
//   /proc        procfs
//   /sys/fs/cgroup/freezer   the cgroup-v1 freezer hierarchy (cgroupfs.ts)
//   /tmp         1777
import type { Kernel } from "../kernel/kernel.ts";
import { mkdev, S_IFDIR } from "./constants.ts";
import { CharDevInode, DEV_CONSOLE, DEV_FULL, DEV_NULL, DEV_ZERO } from "./devices.ts";
import { Dentry, DirInode, Mount, timeNow, type DirEntry, type FsCtx, type Path, type SuperBlock } from "./inode.ts";
import type { BlockedLock } from "./locks.ts";
import { PIPEFS_MAGIC, PipeInode } from "./pipe.ts";
import { CgroupFs, FreezerDir } from "./cgroupfs.ts";
import { ProcFs } from "./proc/proc-fs.ts";
import { ProcRoot } from "./proc/root.ts";
import { releaseTmpfsTree, Tmpfs, TmpfsDir, TmpfsFile } from "./tmpfs/tmpfs.ts";
import { PAGE_SIZE } from "../mm/frame.ts";
import { ANON_INODE_FS_MAGIC, AnonInode } from "./anon-inode.ts";
import type { ExeFile } from "../mm/exe-file.ts";
import { EXEIMAGE_MAGIC, ExeImageInode } from "./exe-image.ts";
import { DEV_PTMX, DEV_TTY, Devpts } from "./tty/devpts.ts";
import { PID_FS_MAGIC } from "../kernel/pidfd.ts";
import { Nsfs } from "./nsfs.ts";

/** Anonymous device numbers (0:N), one per superblock, as Linux's get_anon_bdev hands out. */
const DEV_PIPEFS = mkdev(0, 12);
const DEV_EXEIMAGE = mkdev(0, 30);
const DEV_ROOT = mkdev(0, 20);
const DEV_PROC = mkdev(0, 21);
const DEV_CGROUP_FREEZER = mkdev(0, 22);
const DEV_ANON_INODEFS = mkdev(0, 13);
const DEV_SOCKFS = mkdev(0, 8);
const DEV_DEVPTS = mkdev(0, 24);
/** The internal shmem mount's device, 0:1 as "/dev/zero (deleted)" shows it in maps. */
const DEV_SHM = mkdev(0, 1);
const DEV_PIDFS = mkdev(0, 14);
const DEV_NSFS = mkdev(0, 4);
export const SOCKFS_MAGIC = 0x534f434b;

/** tmpfs's lookup ignores its caller: kernel code outside any task passes this. */
const NO_CTX = null as unknown as FsCtx;

/** pipefs's root: it has no entries anyone can look up. */
class PseudoRoot extends DirInode {
  open(): number {
    return 0;
  }

  lookup(): Dentry | null {
    return null;
  }

  list(): DirEntry[] {
    return [];
  }
}

export class Vfs {
  readonly tmpfs: Tmpfs;
  readonly proc: ProcFs;
  readonly rootMount: Mount;
  readonly procMount: Mount;
  readonly freezerMount: Mount;
  readonly pipeMount: Mount;
  private anon: { mount: Mount; inode: AnonInode } | null = null;
  /** sockfs: where socket inodes live (net/socket.ts makes them), named socket:[ino]. */
  readonly sockMount: Mount;
  /** devpts at /dev/pts: the slaves of the machine's ptys. */
  readonly devpts: Devpts;
  readonly devptsMount: Mount;
  private imageMount: Mount | null = null;
  private pidfs: Mount | null = null;
  private shm: Mount | null = null;
  private nsfsState: Nsfs | null = null;
  /** Mountpoint dentry → the mount on it. */
  private readonly mounts = new Map<Dentry, Mount>();
  private nextMountId = 1;
  /** POSIX lock owners asleep in F_SETLKW and what they wait for (blocked_hash, locks.ts). */
  readonly blockedLocks = new Map<object, BlockedLock>();

  constructor(readonly k: Kernel) {
    const env = { frames: k.frames, nowNs: () => timeNow(k) };
    this.tmpfs = new Tmpfs(DEV_ROOT, env);
    this.rootMount = new Mount(this.nextMountId++, this.tmpfs, this.tmpfs.makeRoot(0o755), null, null);
    const root = this.rootMount.root;
    const rootDir = root.inode as TmpfsDir;
    const dev = rootDir.mkdir(null, root, "dev", 0o755);
    this.populateDev(dev, [["null", 0o666, DEV_NULL], ["zero", 0o666, DEV_ZERO], ["full", 0o666, DEV_FULL], ["console", 0o600, DEV_CONSOLE]]);
    const devDir = dev.inode as TmpfsDir;
    devDir.symlink(null, dev, "fd", "/proc/self/fd");
    devDir.symlink(null, dev, "stdin", "/proc/self/fd/0");
    devDir.symlink(null, dev, "stdout", "/proc/self/fd/1");
    devDir.symlink(null, dev, "stderr", "/proc/self/fd/2");
    const procDir = rootDir.mkdir(null, root, "proc", 0o555);
    const sys = rootDir.mkdir(null, root, "sys", 0o555);
    const sysFs = (sys.inode as TmpfsDir).mkdir(null, sys, "fs", 0o755);
    const cgroup = (sysFs.inode as TmpfsDir).mkdir(null, sysFs, "cgroup", 0o755);
    const freezerDir = (cgroup.inode as TmpfsDir).mkdir(null, cgroup, "freezer", 0o755);
    rootDir.mkdir(null, root, "tmp", 0o1777);
    this.proc = new ProcFs(DEV_PROC, env.nowNs);
    this.procMount = this.mount({ mnt: this.rootMount, dentry: procDir }, this.proc, new Dentry("/", null, new ProcRoot(this.proc)));
    const cgfs = new CgroupFs(DEV_CGROUP_FREEZER, env.nowNs);
    this.freezerMount = this.mount({ mnt: this.rootMount, dentry: freezerDir }, cgfs, new Dentry("/", null, new FreezerDir(cgfs, k.freezer.root)));
    const pipefs: SuperBlock = { type: "pipefs", dev: DEV_PIPEFS, magic: PIPEFS_MAGIC, nextIno: 1 };
    const pipeRoot = new Dentry("pipe:", null, new PseudoRoot(pipefs, 1, S_IFDIR | 0o755, env.nowNs()));
    this.pipeMount = new Mount(this.nextMountId++, pipefs, pipeRoot, null, null);
    const sockfs: SuperBlock = { type: "sockfs", dev: DEV_SOCKFS, magic: SOCKFS_MAGIC, nextIno: 1 };
    const sockRoot = new Dentry("socket:", null, new PseudoRoot(sockfs, 1, S_IFDIR | 0o755, env.nowNs()));
    this.sockMount = new Mount(this.nextMountId++, sockfs, sockRoot, null, null);
    // The terminal nodes come last, so that every node and mount made before them keeps the
    // inode and mount number it had before ptys existed.
    this.populateDev(dev, [["tty", 0o666, DEV_TTY], ["ptmx", 0o666, DEV_PTMX]]);
    const pts = (dev.inode as TmpfsDir).mkdir(null, dev, "pts", 0o755);
    this.devpts = new Devpts(DEV_DEVPTS, k);
    this.devptsMount = this.mount({ mnt: this.rootMount, dentry: pts }, this.devpts, this.devpts.root);
  }

  /**
   * anon_inodefs and its one inode (anon-inode.ts), for eventfd, epoll, timerfd and signalfd
   * files. Made on first use, so that machines without such files number their inodes and
   * mounts as before.
   */
  private get anonFs(): { mount: Mount; inode: AnonInode } {
    if (this.anon === null) {
      const sb: SuperBlock = { type: "anon_inodefs", dev: DEV_ANON_INODEFS, magic: ANON_INODE_FS_MAGIC, nextIno: 1 };
      const root = new Dentry("anon_inode:", null, new PseudoRoot(sb, 1, S_IFDIR | 0o755, timeNow(this.k)));
      this.anon = { mount: new Mount(this.nextMountId++, sb, root, null, null), inode: new AnonInode(sb, this.k) };
    }
    return this.anon;
  }

  /** nsfs (nsfs.ts): made on first use, like anon_inodefs, so other machines number mounts as before. */
  get nsfs(): Nsfs {
    this.nsfsState ??= new Nsfs(this.nextMountId++, DEV_NSFS, () => timeNow(this.k));
    return this.nsfsState;
  }

  get anonMount(): Mount {
    return this.anonFs.mount;
  }

  get anonInode(): AnonInode {
    return this.anonFs.inode;
  }

  /** pidfs, where pidfds live (kernel/pidfd.ts); made on first use, as anon_inodefs is. */
  get pidfsMount(): Mount {
    if (this.pidfs === null) {
      const sb: SuperBlock = { type: "pidfs", dev: DEV_PIDFS, magic: PID_FS_MAGIC, nextIno: 1 };
      const root = new Dentry("pidfs:", null, new PseudoRoot(sb, 1, S_IFDIR | 0o755, timeNow(this.k)));
      this.pidfs = new Mount(this.nextMountId++, sb, root, null, null);
    }
    return this.pidfs;
  }

  /**
   * shm_mnt: the internal tmpfs instance memfd_create makes its files on (never mounted in the
   * tree, so /proc/<pid>/fd names them "/memfd:NAME (deleted)"). Made on first use.
   */
  get shmMount(): Mount {
    if (this.shm === null) {
      const sb = new Tmpfs(DEV_SHM, { frames: this.k.frames, nowNs: () => timeNow(this.k) });
      this.shm = new Mount(this.nextMountId++, sb, sb.makeRoot(0o1777), null, null);
    }
    return this.shm;
  }

  get root(): Path {
    return { mnt: this.rootMount, dentry: this.rootMount.root };
  }

  /** Character device nodes in /dev: [name, mode, device number]. */
  private populateDev(dev: Dentry, nodes: [string, number, number][]): void {
    const dir = dev.inode as TmpfsDir;
    const now = timeNow(this.k);
    for (const [name, mode, rdev] of nodes) dir.mknod(dev, name, new CharDevInode(this.tmpfs, this.tmpfs.allocIno(), mode, rdev, now));
  }

  /**
   * Put a regular file with `bytes` at the absolute tmpfs path `path` from kernel code (the
   * machine's initial files), creating missing parent directories with mode 0755. An existing
   * file there is replaced. Returns null if the path lies on another mount (/proc/...); throws
   * if a component is not a tmpfs directory or memory runs out.
   */
  installFile(path: string, bytes: Uint8Array, mode = 0o755): TmpfsFile | null {
    const parts = path.split("/").filter((s) => s.length > 0 && s !== ".");
    if (!path.startsWith("/") || parts.length === 0 || parts.includes("..")) throw new Error(`installFile: bad path ${path}`);
    let dir = this.rootMount.root;
    for (const name of parts.slice(0, -1)) {
      const inode = dir.inode;
      if (!(inode instanceof TmpfsDir)) throw new Error(`installFile: ${path}: not a tmpfs directory`);
      dir = inode.lookup(NO_CTX, dir, name) ?? inode.mkdir(null, dir, name, 0o755);
      if (this.isMountpoint(dir)) return null;
    }
    const d = dir.inode;
    if (!(d instanceof TmpfsDir)) throw new Error(`installFile: ${path}: not a tmpfs directory`);
    const name = parts[parts.length - 1];
    const old = d.lookup(NO_CTX, dir, name);
    if (old !== null) {
      if (!(old.inode instanceof TmpfsFile)) throw new Error(`installFile: ${path} exists and is not a regular file`);
      old.inode.truncate(0);
      old.inode.mode = (old.inode.mode & ~0o7777) | mode;
    }
    const file = (old ?? d.create(null, dir, name, mode)).inode as TmpfsFile;
    for (let off = 0; off < bytes.length; off += PAGE_SIZE) {
      const page = file.cache.findOrCreate(off / PAGE_SIZE);
      if (page === null) throw new Error(`installFile: ${path}: out of memory`);
      page.data.set(bytes.subarray(off, Math.min(off + PAGE_SIZE, bytes.length)));
    }
    file.growTo(bytes.length);
    return file;
  }

  /** mkfifo(path) from outside the guest, as an administrator would (the parent must exist). */
  installFifo(path: string, mode = 0o600): PipeInode {
    const parts = path.split("/").filter((s) => s.length > 0 && s !== ".");
    if (!path.startsWith("/") || parts.length === 0 || parts.includes("..")) throw new Error(`installFifo: bad path ${path}`);
    let dir = this.rootMount.root;
    for (const name of parts.slice(0, -1)) {
      const next = dir.inode instanceof TmpfsDir ? dir.inode.lookup(NO_CTX, dir, name) : null;
      if (next === null) throw new Error(`installFifo: ${path}: no tmpfs directory ${name}`);
      dir = next;
    }
    const d = dir.inode;
    const name = parts[parts.length - 1];
    if (!(d instanceof TmpfsDir) || d.lookup(NO_CTX, dir, name) !== null) throw new Error(`installFifo: ${path} exists or its parent is not a tmpfs directory`);
    const inode = new PipeInode(this.tmpfs, this.tmpfs.allocIno(), this.k, 0, 0, true, mode);
    d.mknod(dir, name, inode);
    return inode;
  }

  /** Mount a file system whose root is `root` on `at`. */
  mount(at: Path, sb: SuperBlock, root: Dentry): Mount {
    const m = new Mount(this.nextMountId++, sb, root, at.mnt, at.dentry);
    this.mounts.set(at.dentry, m);
    return m;
  }

  /** The mounts of the tree, the root's first, in the order they were made (/proc/<pid>/mountinfo). */
  treeMounts(): Mount[] {
    return [this.rootMount, ...[...this.mounts.values()].sort((a, b) => a.id - b.id)];
  }

  /** A dentry something is mounted on (rmdir and rename refuse it: EBUSY). */
  isMountpoint(d: Dentry): boolean {
    return this.mounts.has(d);
  }

  /** If something is mounted on p, the root of what is mounted (follow_mount), repeatedly. */
  crossMount(p: Path): Path {
    let cur = p;
    for (;;) {
      const m = this.mounts.get(cur.dentry);
      if (m === undefined || m.parent !== cur.mnt) return cur;
      cur = { mnt: m, dentry: m.root };
    }
  }

  /**
   * The file /proc/<pid>/exe opens for a program started from bytes outside the VFS: made once
   * per image (the mount too, on first use, so machines that never follow such a link number
   * their mounts as before).
   */
  exeImagePath(e: ExeFile): Path | null {
    if (e.image !== undefined) return e.image;
    if (e.bytes === undefined) return null;
    if (this.imageMount === null) {
      const sb: SuperBlock = { type: "exeimage", dev: DEV_EXEIMAGE, magic: EXEIMAGE_MAGIC, nextIno: 2 };
      const root = new Dentry("/", null, new PseudoRoot(sb, 1, S_IFDIR | 0o755, timeNow(this.k)));
      this.imageMount = new Mount(this.nextMountId++, sb, root, null, null);
    }
    const m = this.imageMount;
    const inode = new ExeImageInode(m.sb, m.sb.nextIno++, e.bytes, timeNow(this.k));
    e.image = { mnt: m, dentry: new Dentry(e.name, m.root, inode) };
    return e.image;
  }

  /**
   * After shutdown, when nothing will read the machine's files again: give the pages of the files
   * still in its tmpfs mounts back to the host's frame pool (frame-pool.ts), so the next machine
   * reuses that memory instead of taking it fresh from the host.
   */
  releaseFileMemory(): void {
    for (const m of [...this.treeMounts(), ...(this.shm === null ? [] : [this.shm])]) {
      if (m.sb instanceof Tmpfs) releaseTmpfsTree(m.root);
    }
  }

  /** A new pipe's inode on pipefs, named pipe:[ino] (its number from get_next_ino). */
  newPipe(c: FsCtx): Path {
    const ino = this.k.frames.nextIno++;
    const inode = new PipeInode(this.pipeMount.sb, ino, this.k, c.t.cred.fsuid, c.t.cred.fsgid);
    inode.nlink = 0;
    return { mnt: this.pipeMount, dentry: new Dentry(`pipe:[${ino}]`, this.pipeMount.root, inode) };
  }
}
