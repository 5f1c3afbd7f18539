// The floating-point register file as the hart keeps it, and the contract fpExec works to.
//
// f0..f31 are 64 bits wide (D extension). They are stored as raw bits, two little-endian u32
// words per register (f[2*i] low, f[2*i+1] high), so NaN payloads and NaN-boxing survive
// moves, loads, stores and checkpoints bit for bit. fd is a Float64Array over the same buffer
// for arithmetic on doubles (the host is little-endian, as every Node platform is).
//
// A single-precision value lives NaN-boxed: high word 0xffffffff, low word the binary32 bits.
// A single read from a register whose high word is not all ones is the canonical NaN.
export interface FpContext {
  /** x0..x31 plus x[32], the sink that decoded rd=0 writes go to. */
  readonly x: Int32Array;
  readonly f: Uint32Array;
  readonly fd: Float64Array;
  /** fcsr.fflags: NV=16 DZ=8 OF=4 UF=2 NX=1, accumulated. */
  fflags: number;
  /** fcsr.frm: RNE=0 RTZ=1 RDN=2 RUP=3 RMM=4. */
  frm: number;
}

export const FFLAG_NV = 16;
export const FFLAG_DZ = 8;
export const FFLAG_OF = 4;
export const FFLAG_UF = 2;
export const FFLAG_NX = 1;

export const RM_RNE = 0;
export const RM_RTZ = 1;
export const RM_RDN = 2;
export const RM_RUP = 3;
export const RM_RMM = 4;
export const RM_DYN = 7;

export function newFpRegisterFile(): { f: Uint32Array; fd: Float64Array } {
  const buf = new ArrayBuffer(32 * 8);
  return { f: new Uint32Array(buf), fd: new Float64Array(buf) };
}

/**
 * A hart's registers are cut from 16 KiB slabs (zero-filled, never reused): an ArrayBuffer of its
 * own for each file cost a fork about 5 µs of allocation (a fork bomb forks about 1,000 times in
 * one slice; issue 17). A slab stays alive while any hart cut from it does (at most 41 of them).
 */
const REG_SLAB_BYTES = 16 * 1024;
/** x0..x32 (33 words, padded to 8 bytes), then f0..f31 (64 bits each). */
const X_BYTES = 136;
const REGS_BYTES = X_BYTES + 32 * 8;
let regSlab = new ArrayBuffer(0);
let regSlabUsed = 0;

/** Fresh (zero) integer and floating-point register files for a hart. */
export function newRegisterFiles(): { x: Int32Array; f: Uint32Array; fd: Float64Array } {
  if (regSlabUsed + REGS_BYTES > regSlab.byteLength) {
    regSlab = new ArrayBuffer(REG_SLAB_BYTES);
    regSlabUsed = 0;
  }
  const at = regSlabUsed;
  regSlabUsed += REGS_BYTES;
  return {
    x: new Int32Array(regSlab, at, 33),
    f: new Uint32Array(regSlab, at + X_BYTES, 64),
    fd: new Float64Array(regSlab, at + X_BYTES, 32),
  };
}
