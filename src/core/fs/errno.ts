// Errno values the VFS returns that src/core/kernel/errno.ts does not list yet (asm-generic
// values). Re-exports the rest so fs code imports errnos from one place.
export * from "../kernel/errno.ts";

export const EXDEV = 18;
export const ENODEV = 19;
export const ETXTBSY = 26;
export const EFBIG = 27;
export const EROFS = 30;
export const EMLINK = 31;
export const ELOOP = 40;
export const EOPNOTSUPP = 95;
