// The three extension points of a C/R design, as tsyringe injection tokens and the interfaces
// plugins implement (ARCHITECTURE.md, "The three extension points"):
//   CheckpointInitiator  who starts a checkpoint and how the target comes to a consistent stop
//   ProcessCreator       how restored tasks come to exist
//   ImageCodec           how the CheckpointModel becomes bytes and back
// The kernel side reaches them through the C/R module (cr-module.ts): sys_checkpoint goes to the
// initiator, sys_restart to the creator, and both use the codec.
import type { Kernel } from "../../machine/kernel/kernel.ts";
import type { Module } from "../../machine/kernel/module.ts";
import type { Task } from "../../machine/kernel/task.ts";
import type { BugSwitch } from "./bugs.ts";
import type { CheckpointModel } from "./model.ts";
import type { ImageBytes } from "./paged-image.ts";
import type { Faults } from "./faults.ts";
import type { CrTrace } from "./trace.ts";

export const CHECKPOINT_INITIATOR = "CheckpointInitiator";
export const PROCESS_CREATOR = "ProcessCreator";
export const IMAGE_CODEC = "ImageCodec";
/** The name of the kernel module that carries the C/R operations ("cptrst" for OpenVZ). */
export const CR_MODULE_NAME = "CrModuleName";

export type Axis = "initiator" | "creator" | "codec";
export const AXIS_TOKENS: Record<Axis, string> = {
  initiator: CHECKPOINT_INITIATOR,
  creator: PROCESS_CREATOR,
  codec: IMAGE_CODEC,
};

/** What the C/R module gives a plugin while it serves a syscall. */
export interface CrContext {
  readonly k: Kernel;
  /** The module whose code is running (kthreads it spawns belong to it). */
  readonly module: Module;
  readonly codec: ImageCodec;
  /** Steps and counters of every checkpoint and restart on this machine. */
  readonly trace: CrTrace;
  /** Deliberate bugs this module was built with (bugs.ts); absent or empty for the correct code. */
  readonly bugs?: ReadonlySet<BugSwitch>;
  /** Steps to fail on purpose, with their errno (faults.ts, --fault); absent or empty normally. */
  readonly faults?: Faults;
}

// sys_checkpoint flags.
/** Kill the container after a successful dump (else thaw it and let it go on). */
export const CPT_KILL = 1;
/** Fault injection for tests: fail the named step (bits 8..15 = step number, 1..5). */
export const CPT_FAIL_STEP_SHIFT = 8;
/** Every flag bit sys_checkpoint knows; any other is EINVAL. */
export const CPT_FLAGS_MASK = CPT_KILL | (0xff << CPT_FAIL_STEP_SHIFT);
/**
 * What sys_checkpoint returns in a self-checkpointed program after a restart (the original call
 * returns 0): like fork's two returns, the program learns which side it is on.
 */
export const CPT_RESTARTED = 1;

/**
 * Who asks for a checkpoint in a scenario: "controller" — cptbench-ctl outside the container,
 * told by SIGUSR1; "self" — the program's own runtime, at a cpt_mark the runner picks (the call
 * returns 1) or on CPT_SIGNAL (run --self gives the workload CPTBENCH_CKPT in its environment).
 */
export type CheckpointTrigger = "controller" | "self";
/** The signal a self-checkpointing runtime handles by checkpointing (workloads/runtime/cpt.h). */
export const CPT_SIGNAL = 63;

export interface CheckpointInitiator {
  readonly name: string;
  readonly trigger: CheckpointTrigger;
  /** Whether a checkpoint can be taken at an arbitrary instruction (seeded random points). */
  readonly randomPoints: boolean;
  /** sys_checkpoint(pid, fd, flags) in this design: 0 or -errno, or a restart code while it waits. */
  checkpoint(cr: CrContext, caller: Task, pid: number, fd: number, flags: number): number;
}

export interface ProcessCreator {
  readonly name: string;
  /**
   * The guest program a scenario runs to restart (it is given --log, --image and --flags, then
   * these args): cptbench-ctl's `restart` for a creator that does everything in sys_restart, a
   * restarter that forks the tree itself for one that works from user space.
   */
  readonly restarter: { program: string; args: string[] };
  /**
   * sys_restart(ctid, fd, flags[, arg, argLen]): the pid of the container's init (caller's
   * namespace) or -errno; a creator driven from user space uses flags to tell its operations apart.
   */
  restart(cr: CrContext, caller: Task, ctid: number, fd: number, flags: number, arg: number, argLen: number): number;
}

/** A codec failed to read an image: the message says what is wrong and where. */
export class ImageError extends Error {
  constructor(
    message: string,
    /** Byte offset in the image where the problem was found, when known. */
    readonly offset?: number,
  ) {
    super(message);
    this.name = "ImageError";
  }
}

/**
 * An incremental reader of one image, for codecs that stream: the kernel feeds it the image as it
 * arrives (from a pipe, or a file page by page), so a restart never holds the whole image at once
 * and can start while the checkpoint is still writing it.
 */
export interface ImageDecoder {
  /**
   * The next bytes of the image, in order, in chunks of any size (down to one byte). The decoder
   * owns the chunk from here on (page data may stay views into it), unless `borrowed`: then the
   * bytes are someone else's (an image file's page cache, read in place) and the decoder copies
   * what it keeps before returning (page data into bulkMemory). Throws ImageError as soon as
   * what it has seen is malformed.
   */
  push(chunk: Uint8Array, borrowed?: boolean): void;
  /** The image ended: the model, or ImageError if it is incomplete (truncated, no trailer). */
  end(): CheckpointModel;
}

/** An image whose chunks are written before all of its bytes are known (ImageCodec.encodeLate). */
export interface LateImage {
  /**
   * Hands every chunk, in order, to `sink` in batches, as they are made (a codec may pass the
   * pages of one big object in several). A chunk stays as it is until the write is over. The sink
   * throws if the write failed: nothing more is to be made then.
   */
  write(sink: (batch: readonly Uint8Array[]) => void): void;
  /** Called once the chunks are written: the bytes to write over, by image offset. */
  patches(): { at: number; bytes: Uint8Array }[];
  /**
   * Optional: running checksums inside the image, taken from the file as it is written. Flat
   * pairs [before, at]: the CRC-32 of the image's first `before` bytes goes at `at` (4 bytes,
   * little-endian; the chunks carry zeros there), each counted in every later sum as the value it
   * holds. The array grows while write() runs; a pair is in it before the chunk that holds its
   * `before` is handed to the sink.
   */
  readonly crcMarks?: readonly number[];
}

export interface ImageCodec {
  readonly name: string;
  /**
   * Whether the format can be written and read strictly in order (a pipe, a socket). A codec that
   * needs to seek says false, and a restart from a non-seekable fd is refused with a clear error.
   */
  readonly streams: boolean;
  /**
   * The image as chunks in file order; pages are passed through as views, not copied twice. A
   * chunk handed out stays as it is until the iteration ends: the writer gathers many before it
   * copies them into the image file.
   */
  encode(model: CheckpointModel): Iterable<Uint8Array>;
  /**
   * Optional, for an image written to a regular file: as encode, but some bytes (a checksum still
   * being summed on another thread) may be written as zeros first and are given by `patches`
   * once every chunk is written: image offsets and their bytes. Patched, the image is encode's.
   */
  encodeLate?(model: CheckpointModel): LateImage;
  /** Parse a whole image. Throws ImageError for anything malformed; page data may be views into `image`. */
  decode(image: Uint8Array): CheckpointModel;
  /**
   * As decode, for an image lent for the call only (a file's pages read in place, PagedImage):
   * the model keeps no view into `image` (page data are copied into pageMemory, which the
   * restored frames adopt). Optional: a codec without it gets a buffer of its own, as decode
   * always has.
   */
  decodeLent?(image: ImageBytes): CheckpointModel;
  /** A fresh incremental decoder; present exactly when `streams` is true. */
  decoder?(): ImageDecoder;
  /**
   * The format version this codec writes, the only one it reads. An image directory's inventory
   * records it, so a restore can refuse an image from another version before decoding it.
   */
  readonly formatVersion?: number;
  /** Whether `head` (the first bytes of a file, up to 64) starts an image of this codec: its magic. */
  sniff?(head: Uint8Array): boolean;
  /**
   * The image's records in file order, for inspectors (`cptbench image show`): what the format
   * itself is made of (sections and objects, or typed records), not the model decoded from it.
   * Throws ImageError where the structure is broken.
   */
  records?(image: Uint8Array): ImageRecord[];
}

/** One record of an image as the format lays it out (ImageCodec.records). */
export interface ImageRecord {
  offset: number;
  /** Bytes the record takes, with its header and its nested records. */
  length: number;
  /** The format's type number and name (CPT_OBJ_TASK, CKPT_HDR_TASK...). */
  type: number;
  name: string;
  /** Nesting: 0 for top-level records (cpt sections, ckpt records), 1 and more inside them. */
  depth: number;
}
