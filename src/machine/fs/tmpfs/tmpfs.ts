// tmpfs: the root file system. Directories hold their entries as dentries (the tree *is* the
// file system, as Linux's tmpfs lives in the dcache); regular files keep their data in a page
// cache of machine frames; symlinks keep their target text. Sizes and link counts follow
// Linux's shmem: a directory's size is 20 bytes (BOGO_DIRENT_SIZE) per entry plus two, and its
// nlink is 2 plus its subdirectories.
import type { FrameAllocator } from "../../mm/frame.ts";
import { PAGE_SIZE } from "../../mm/frame.ts";
import type { Frame } from "../../mm/frame.ts";
import { isDir, S_IFDIR, S_IFLNK, S_IFREG, S_ISGID } from "../constants.ts";
import { Dentry, DirInode, Inode, SymlinkInode, type DirEntry, type FsCtx, type SuperBlock } from "../inode.ts";
import type { File } from "../file.ts";
import { PageCache } from "../page-cache.ts";
import { dirFileOps } from "../readdir.ts";
import { regFileOps } from "./file-ops.ts";

export const TMPFS_MAGIC = 0x01021994;
const BOGO_DIRENT_SIZE = 20;

/** What tmpfs needs from the machine: frames for file data and the clock for timestamps. */
export interface TmpfsEnv {
  readonly frames: FrameAllocator;
  nowNs(): bigint;
}

export class Tmpfs implements SuperBlock {
  readonly type = "tmpfs";
  readonly magic = TMPFS_MAGIC;
  nextIno = 1;

  constructor(
    readonly dev: number,
    readonly env: TmpfsEnv,
  ) {}

  /** A new directory tree: the root directory's dentry. */
  makeRoot(mode: number): Dentry {
    return new Dentry("/", null, new TmpfsDir(this, this.nextIno++, S_IFDIR | mode, this.env.nowNs()));
  }

  allocIno(): number {
    return this.nextIno++;
  }
}

/** Owner of a new inode: the caller's fsuid, and the directory's group if it is setgid. */
function initOwner(c: FsCtx | null, dir: Inode, inode: Inode): void {
  inode.uid = c?.t.cred.fsuid ?? 0;
  if ((dir.mode & S_ISGID) !== 0) {
    inode.gid = dir.gid;
    if (isDir(inode.mode)) inode.mode |= S_ISGID;
  } else inode.gid = c?.t.cred.fsgid ?? 0;
}

export class TmpfsDir extends DirInode {
  /** Entries in creation order; listings show the newest first, as Linux's dcache_readdir. */
  readonly children = new Map<string, Dentry>();
  declare readonly sb: Tmpfs;

  constructor(sb: Tmpfs, ino: number, mode: number, now: bigint) {
    super(sb, ino, mode, now);
    this.nlink = 2;
  }

  override get size(): number {
    return (this.children.size + 2) * BOGO_DIRENT_SIZE;
  }

  open(_c: FsCtx, f: File): number {
    f.ops = dirFileOps;
    return 0;
  }

  lookup(_c: FsCtx, _dir: Dentry, name: string): Dentry | null {
    return this.children.get(name) ?? null;
  }

  list(): DirEntry[] {
    const out: DirEntry[] = [];
    for (const d of this.children.values()) out.push({ name: d.name, ino: d.inode.ino, type: d.inode.type >>> 12 });
    return out.reverse();
  }

  override isEmpty(): boolean {
    return this.children.size === 0;
  }

  private touch(): void {
    this.mtimeNs = this.ctimeNs = this.sb.env.nowNs();
  }

  /** Add a new inode under name (the caller checked that name is free). */
  add(c: FsCtx | null, dir: Dentry, name: string, inode: Inode): Dentry {
    initOwner(c, this, inode);
    const d = new Dentry(name, dir, inode);
    this.children.set(name, d);
    if (isDir(inode.mode)) this.nlink++;
    this.touch();
    return d;
  }

  override create(c: FsCtx | null, dir: Dentry, name: string, mode: number): Dentry {
    return this.add(c, dir, name, new TmpfsFile(this.sb, this.sb.allocIno(), S_IFREG | mode, this.sb.env.nowNs()));
  }

  /** shmem_tmpfile + d_tmpfile: the dentry is named "#<ino>" and is unhashed from the start. */
  override tmpfile(c: FsCtx, dir: Dentry, mode: number): Dentry {
    const inode = new TmpfsFile(this.sb, this.sb.allocIno(), S_IFREG | mode, this.sb.env.nowNs());
    initOwner(c, this, inode);
    inode.nlink = 0;
    const d = new Dentry(`#${inode.ino}`, dir, inode);
    d.deleted = true;
    return d;
  }

  override mkdir(c: FsCtx | null, dir: Dentry, name: string, mode: number): Dentry {
    return this.add(c, dir, name, new TmpfsDir(this.sb, this.sb.allocIno(), S_IFDIR | mode, this.sb.env.nowNs()));
  }

  override symlink(c: FsCtx | null, dir: Dentry, name: string, target: string): Dentry {
    return this.add(c, dir, name, new TmpfsSymlink(this.sb, this.sb.allocIno(), target, this.sb.env.nowNs()));
  }

  /** Insert an inode made elsewhere (device nodes at boot). */
  mknod(dir: Dentry, name: string, inode: Inode): Dentry {
    return this.add(null, dir, name, inode);
  }

  override link(_c: FsCtx, dir: Dentry, name: string, old: Dentry): Dentry {
    const inode = old.inode;
    inode.nlink++;
    inode.ctimeNs = this.sb.env.nowNs();
    const d = new Dentry(name, dir, inode);
    this.children.set(name, d);
    this.touch();
    return d;
  }

  /** Take victim out of this directory, leaving the dentry usable by whoever still holds it. */
  private detach(victim: Dentry): void {
    this.children.delete(victim.name);
    victim.deleted = true;
    const inode = victim.inode;
    inode.ctimeNs = this.sb.env.nowNs();
    if (isDir(inode.mode)) {
      this.nlink--;
      inode.nlink = 1; // shmem_rmdir drops the "." link; dropLink drops the last one
    }
    inode.dropLink();
    this.touch();
  }

  override unlink(_c: FsCtx, _dir: Dentry, victim: Dentry): number {
    this.detach(victim);
    return 0;
  }

  override rename(_c: FsCtx, from: Dentry, newDir: Dentry, name: string, exchange: Dentry | null): number {
    const to = newDir.inode as TmpfsDir;
    const movedDir = isDir(from.inode.mode);
    if (exchange !== null) {
      const otherDir = isDir(exchange.inode.mode);
      const oldName = from.name;
      this.children.delete(oldName);
      to.children.delete(name);
      exchange.name = oldName;
      exchange.parent = from.parent;
      this.children.set(oldName, exchange);
      from.name = name;
      from.parent = newDir;
      to.children.set(name, from);
      if (this !== to && movedDir !== otherDir) {
        if (movedDir) { this.nlink--; to.nlink++; } else { this.nlink++; to.nlink--; }
      }
    } else {
      const target = to.children.get(name);
      if (target !== undefined) to.detach(target);
      this.children.delete(from.name);
      from.name = name;
      from.parent = newDir;
      to.children.set(name, from);
      if (movedDir && this !== to) {
        this.nlink--;
        to.nlink++;
      }
    }
    from.inode.ctimeNs = this.sb.env.nowNs();
    this.touch();
    to.touch();
    return 0;
  }
}

export class TmpfsFile extends Inode {
  readonly cache: PageCache;
  declare readonly sb: Tmpfs;
  private bytes = 0;

  constructor(sb: Tmpfs, ino: number, mode: number, now: bigint) {
    super(sb, ino, mode, now);
    this.cache = new PageCache(sb.env.frames);
  }

  override get size(): number {
    return this.bytes;
  }

  /** Extend i_size after a write (never shrinks: truncate does that). */
  growTo(size: number): void {
    if (size > this.bytes) this.bytes = size;
  }

  override get blocks(): number {
    return this.cache.nrPages * (PAGE_SIZE / 512);
  }

  open(_c: FsCtx, f: File): number {
    f.ops = regFileOps;
    return 0;
  }

  /**
   * Pages fallocate allocated that nothing has written yet (shmem's fallocated, !uptodate
   * folios): they read as zeros and count in st_blocks, but SEEK_DATA/SEEK_HOLE see holes.
   * null while there are none.
   */
  unwritten: Set<number> | null = null;

  /** The page at pgoff now holds written data (a write, or a fault that maps it). */
  markWritten(pgoff: number): void {
    if (this.unwritten === null) return;
    this.unwritten.delete(pgoff);
    if (this.unwritten.size === 0) this.unwritten = null;
  }

  /** Writing [pos, pos+len) is allowed (memfd seals say otherwise: memfd.ts). */
  mayWrite(_pos: number, _len: number): boolean {
    return true;
  }

  /** Changing i_size to size is allowed (memfd seals). */
  mayResize(_size: number): boolean {
    return true;
  }

  /** fallocate may punch a hole (memfd's write seals forbid it). */
  mayPunch(): boolean {
    return true;
  }

  /** chmod to mode is allowed (memfd's F_SEAL_EXEC). */
  mayChmod(_mode: number): boolean {
    return true;
  }

  /** file_update_time: the data changed (a write, or a write fault on a shared mapping). */
  touchData(): void {
    this.mtimeNs = this.ctimeNs = this.sb.env.nowNs();
  }

  /** The whole contents (holes read as zeros), for kernel readers such as execve. */
  readBytes(): Uint8Array {
    const out = new Uint8Array(this.bytes);
    this.cache.pages.forEach((f, pgoff) => {
      const off = pgoff * PAGE_SIZE;
      if (off < this.bytes) out.set(f.data.subarray(0, Math.min(PAGE_SIZE, this.bytes - off)), off);
    });
    return out;
  }

  /** Set i_size; shrinking drops the pages past the end (truncate_setsize). */
  truncate(size: number): void {
    const old = this.bytes;
    this.bytes = size;
    if (size < old) {
      this.cache.truncate(size);
      if (this.unwritten !== null) for (const pg of [...this.unwritten]) if (this.cache.find(pg) === undefined) this.markWritten(pg);
    }
    this.mtimeNs = this.ctimeNs = this.sb.env.nowNs();
  }

  /**
   * The page at pgoff for a file mapping (shmem_fault): allocated zero-filled if it is a hole,
   * so every mapping of the file sees the same frame. forWrite marks the file modified.
   * Preconditions: pgoff * PAGE_SIZE < size (the caller raises SIGBUS past the end). Returns
   * null when memory is exhausted. The caller takes its own frame reference for a pte.
   */
  getPage(pgoff: number, forWrite: boolean): Frame | null {
    if (pgoff * PAGE_SIZE >= this.bytes) return null;
    const f = this.cache.findOrCreate(pgoff);
    if (f !== null) this.markWritten(pgoff);
    if (f !== null && forWrite) this.touchData();
    return f;
  }

  protected override evict(): void {
    this.cache.release();
  }
}

export class TmpfsSymlink extends SymlinkInode {
  constructor(
    sb: Tmpfs,
    ino: number,
    readonly target: string,
    now: bigint,
  ) {
    super(sb, ino, S_IFLNK | 0o777, now);
  }

  override get size(): number {
    return this.target.length;
  }

  readlink(): string {
    return this.target;
  }

  open(): number {
    return 0;
  }
}

/**
 * Free the pages of every regular file under `root` (the machine is powered off: its tmpfs is
 * gone, as RAM is at power-off). The frames go back to the host pool for the next machine. The
 * files read as holes afterwards, so the caller must be done reading them.
 */
export function releaseTmpfsTree(root: Dentry): void {
  const stack = [root];
  for (let d = stack.pop(); d !== undefined; d = stack.pop()) {
    const inode = d.inode;
    if (inode instanceof TmpfsFile) inode.cache.release();
    else if (inode instanceof TmpfsDir) for (const c of inode.children.values()) stack.push(c);
  }
}
