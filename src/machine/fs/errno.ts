// The VFS imports errno values from here; they are the kernel's (asm-generic) values.
export * from "../kernel/errno.ts";
