// fd tables (Linux's files_struct): fd → open file plus the close-on-exec bit. Shared by
// CLONE_FILES (threads, and clone callers who ask for it), copied by fork, unshared by
// unshare(CLONE_FILES) and execve. Each occupied slot holds one reference on its file.
import { KObject, type KObjectRegistry } from "../kernel/kref.ts";
import { EBADF, EMFILE } from "./errno.ts";
import { NR_OPEN_DEFAULT_LIMIT } from "./constants.ts";
import type { File } from "./file.ts";
import { locksRemovePosix } from "./locks.ts";

/** Linux's NR_OPEN_DEFAULT on a 32-bit kernel (BITS_PER_LONG): the table's first size. */
const NR_OPEN_DEFAULT = 32;
/** A grown table is a multiple of this many slots (1024 bytes of 4-byte pointers). */
const FDTABLE_GRAIN = 256;

export class FilesStruct extends KObject {
  private files: (File | undefined)[] = [];
  private cloexec: boolean[] = [];
  /** Slots allocated (max_fds): what /proc/<pid>/status reports as FDSize. Only grows. */
  maxFds = NR_OPEN_DEFAULT;
  /**
   * RLIMIT_NOFILE of the process using the table: fds at or above it are refused. setrlimit
   * updates it (kernel/rlimit.ts); a copy (fork, execve, unshare) keeps it.
   */
  limit = NR_OPEN_DEFAULT_LIMIT;

  constructor(registry: KObjectRegistry, createdAt: string) {
    super(registry, "files_struct", createdAt);
  }

  /** dup_fd: a copy holding its own reference on every open file. */
  copy(createdAt: string): FilesStruct {
    const n = new FilesStruct(this.kobjRegistry, createdAt);
    n.limit = this.limit;
    // Copies of exactly this size: filled slot by slot, the two arrays grew to 17 slots each on
    // every fork (a fork bomb makes 1,000 tables in one slice). A free slot's close-on-exec bit
    // is never read, so copying it as it stands changes nothing. An indexed loop: for-of made an
    // iterator result per slot until V8 optimised this.
    const files = (n.files = this.files.slice());
    n.cloexec = this.cloexec.slice(0, files.length);
    for (let fd = 0; fd < files.length; fd++) {
      const f = files[fd];
      if (f !== undefined) this.kobjRegistry.get(f, "dup_fd");
    }
    n.grow(this.files.length - 1);
    return n;
  }

  /** The open file at fd (no reference taken: valid for the current syscall), or undefined. */
  get(fd: number): File | undefined {
    return fd >= 0 && fd < this.files.length ? this.files[fd] : undefined;
  }

  getCloexec(fd: number): boolean {
    return this.cloexec[fd] ?? false;
  }

  setCloexec(fd: number, on: boolean): void {
    if (this.files[fd] !== undefined) this.cloexec[fd] = on;
  }

  /** The lowest free fd at or above min, or -EMFILE. */
  allocFd(min = 0): number {
    for (let fd = min; fd < this.limit; fd++) if (this.files[fd] === undefined) return fd;
    return -EMFILE;
  }

  /**
   * Put file in slot fd, taking over the caller's reference. Returns the file it replaced (the
   * caller puts that one), or undefined.
   */
  install(fd: number, file: File, cloexec: boolean): File | undefined {
    const old = this.files[fd];
    this.files[fd] = file;
    this.cloexec[fd] = cloexec;
    this.grow(fd);
    return old;
  }

  /** Allocate the lowest fd ≥ min and install file there (its reference moves in). */
  installNew(file: File, cloexec: boolean, min = 0): number {
    const fd = this.allocFd(min);
    if (fd >= 0) this.install(fd, file, cloexec);
    return fd;
  }

  /** Empty slot fd. Returns the file whose reference the caller must now put, or -EBADF. */
  remove(fd: number): File | number {
    const f = this.get(fd);
    if (f === undefined) return -EBADF;
    this.files[fd] = undefined;
    this.cloexec[fd] = false;
    while (this.files.length > 0 && this.files[this.files.length - 1] === undefined) this.files.length--;
    return f;
  }

  /** Close fd: drop the slot's reference. 0 or -EBADF. */
  close(fd: number): number {
    const f = this.remove(fd);
    if (typeof f === "number") return f;
    this.putClosed(f, "close");
    return 0;
  }

  /**
   * filp_close: a file leaves this table (close, dup2 over it, exec, exit). This table's POSIX
   * locks on its inode go, whichever fd took them; then the slot's reference is put.
   */
  putClosed(f: File, why: string): void {
    if (f.inode.flctx !== null) locksRemovePosix(f, this);
    this.kobjRegistry.put(f, why);
  }

  /** Occupied fds in increasing order. */
  fds(): number[] {
    const out: number[] = [];
    this.files.forEach((f, fd) => {
      if (f !== undefined) out.push(fd);
    });
    return out;
  }

  /** execve: close every close-on-exec fd. */
  closeOnExec(): void {
    for (const fd of this.fds()) if (this.cloexec[fd]) this.close(fd);
  }

  /** expand_files: the slot count grows in Linux's steps to cover fd. */
  private grow(fd: number): void {
    if (fd < this.maxFds) return;
    const grains = 2 ** Math.ceil(Math.log2(Math.floor(fd / FDTABLE_GRAIN) + 1));
    this.maxFds = Math.min(Math.max(this.maxFds, grains * FDTABLE_GRAIN), this.limit);
  }

  protected override release(): void {
    for (const fd of this.fds()) this.close(fd);
  }
}
