/* fsys.h - raw riscv32 (asm-generic) file-system system calls for the file-system workloads
 * (fs-basic, pipes, ... and cptbench-ctl). The runtime has no file calls; these wrap them the
 * way syscall.h wraps the rest: every call returns its result or -errno. */
#ifndef FSYS_H
#define FSYS_H

#include <stdint.h>
#include "syscall.h"

#define SYS_getcwd       17
#define SYS_dup          23
#define SYS_dup3         24
#define SYS_fcntl64      25
#define SYS_ioctl        29
#define SYS_mkdirat      34
#define SYS_unlinkat     35
#define SYS_symlinkat    36
#define SYS_linkat       37
#define SYS_statfs64     43
#define SYS_fstatfs64    44
#define SYS_truncate64   45
#define SYS_ftruncate64  46
#define SYS_faccessat    48
#define SYS_chdir        49
#define SYS_fchdir       50
#define SYS_fchmod       52
#define SYS_fchmodat     53
#define SYS_fchownat     54
#define SYS_openat       56
#define SYS_close        57
#define SYS_pipe2        59
#define SYS_getdents64   61
#define SYS_llseek       62
#define SYS_readv        65
#define SYS_pread64      67
#define SYS_pwrite64     68
#define SYS_preadv       69
#define SYS_pwritev      70
#define SYS_readlinkat   78
#define SYS_fsync        82
#define SYS_umask       166
#define SYS_fadvise64_64 223
#define SYS_utimensat_time64 412
#define SYS_renameat2   276
#define SYS_statx       291
#define SYS_close_range 436
#define SYS_faccessat2  439

#define AT_FDCWD            (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR        0x200
#define AT_SYMLINK_FOLLOW   0x400
#define AT_EACCESS          0x200
#define AT_EMPTY_PATH       0x1000

#define O_RDONLY    00
#define O_WRONLY    01
#define O_RDWR      02
#define O_CREAT     0100
#define O_EXCL      0200
#define O_NOCTTY    0400
#define O_TRUNC     01000
#define O_APPEND    02000
#define O_NONBLOCK  04000
#define O_LARGEFILE 0100000
#define O_DIRECTORY 0200000
#define O_NOFOLLOW  0400000
#define O_CLOEXEC   02000000
#define O_PATH      010000000

#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_DUPFD_CLOEXEC 1030
#define FD_CLOEXEC 1

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE  2

#define F_OK 0
#define X_OK 1
#define W_OK 2
#define R_OK 4

#define TCGETS 0x5401

#define ENOTDIR 20
#define EISDIR 21
#define EMFILE 24
#define ENOTTY 25
#define ESPIPE 29
#define EPIPE 32
#define ENAMETOOLONG 36
#define ENOTEMPTY 39
#define ELOOP 40
#define EXDEV 18

struct statx_timestamp { int64_t tv_sec; uint32_t tv_nsec; int32_t __reserved; };
struct statx {
	uint32_t stx_mask, stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink, stx_uid, stx_gid;
	uint16_t stx_mode, __spare0;
	uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
	struct statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
	uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
	uint64_t __spare2[14];
};
#define STATX_BASIC_STATS 0x7ff

#define S_IFMT   0170000
#define S_IFIFO  0010000
#define S_IFCHR  0020000
#define S_IFDIR  0040000
#define S_IFREG  0100000
#define S_IFLNK  0120000

static inline long openat(int dfd, const char *p, int flags, int mode)
{ return __syscall4(SYS_openat, dfd, (long)p, flags, mode); }
static inline long open(const char *p, int flags, int mode) { return openat(AT_FDCWD, p, flags, mode); }
static inline long close(int fd) { return __syscall1(SYS_close, fd); }
static inline long read(int fd, void *b, long n) { return __syscall3(SYS_read, fd, (long)b, n); }
static inline long write(int fd, const void *b, long n) { return __syscall3(SYS_write, fd, (long)b, n); }
static inline long readv(int fd, const struct iovec *v, int n) { return __syscall3(SYS_readv, fd, (long)v, n); }
static inline long pread64(int fd, void *b, long n, int64_t off)
{ return __syscall5(SYS_pread64, fd, (long)b, n, (long)(uint32_t)off, (long)(off >> 32)); }
static inline long pwrite64(int fd, const void *b, long n, int64_t off)
{ return __syscall5(SYS_pwrite64, fd, (long)b, n, (long)(uint32_t)off, (long)(off >> 32)); }
/* _llseek(fd, offset_high, offset_low, &result, whence) */
static inline long llseek(int fd, int64_t off, int64_t *res, int whence)
{ return __syscall5(SYS_llseek, fd, (long)(off >> 32), (long)(uint32_t)off, (long)res, whence); }
static inline int64_t lseek(int fd, int64_t off, int whence)
{ int64_t r; long e = llseek(fd, off, &r, whence); return e < 0 ? e : r; }
static inline long dup(int fd) { return __syscall1(SYS_dup, fd); }
static inline long dup3(int a, int b, int f) { return __syscall3(SYS_dup3, a, b, f); }
static inline long fcntl(int fd, int cmd, long arg) { return __syscall3(SYS_fcntl64, fd, cmd, arg); }
static inline long ioctl(int fd, unsigned long req, void *arg) { return __syscall3(SYS_ioctl, fd, (long)req, (long)arg); }
static inline long ftruncate(int fd, int64_t len)
{ return __syscall3(SYS_ftruncate64, fd, (long)(uint32_t)len, (long)(len >> 32)); }
static inline long truncate(const char *p, int64_t len)
{ return __syscall3(SYS_truncate64, (long)p, (long)(uint32_t)len, (long)(len >> 32)); }
static inline long statx(int dfd, const char *p, int flags, unsigned mask, struct statx *s)
{ return __syscall5(SYS_statx, dfd, (long)p, flags, mask, (long)s); }
static inline long getdents64(int fd, void *b, long n) { return __syscall3(SYS_getdents64, fd, (long)b, n); }
static inline long mkdir(const char *p, int mode) { return __syscall3(SYS_mkdirat, AT_FDCWD, (long)p, mode); }
static inline long mkdirat(int d, const char *p, int mode) { return __syscall3(SYS_mkdirat, d, (long)p, mode); }
static inline long unlinkat(int d, const char *p, int f) { return __syscall3(SYS_unlinkat, d, (long)p, f); }
static inline long unlink(const char *p) { return unlinkat(AT_FDCWD, p, 0); }
static inline long rmdir(const char *p) { return unlinkat(AT_FDCWD, p, AT_REMOVEDIR); }
static inline long renameat2(int od, const char *o, int nd, const char *n, unsigned f)
{ return __syscall5(SYS_renameat2, od, (long)o, nd, (long)n, f); }
static inline long rename(const char *o, const char *n) { return renameat2(AT_FDCWD, o, AT_FDCWD, n, 0); }
static inline long link(const char *o, const char *n) { return __syscall5(SYS_linkat, AT_FDCWD, (long)o, AT_FDCWD, (long)n, 0); }
static inline long symlink(const char *t, const char *n) { return __syscall3(SYS_symlinkat, (long)t, AT_FDCWD, (long)n); }
static inline long readlink(const char *p, char *b, long n) { return __syscall4(SYS_readlinkat, AT_FDCWD, (long)p, (long)b, n); }
static inline long access(const char *p, int m) { return __syscall4(SYS_faccessat, AT_FDCWD, (long)p, m, 0); }
static inline long getcwd(char *b, long n) { return __syscall2(SYS_getcwd, (long)b, n); }
static inline long chdir(const char *p) { return __syscall1(SYS_chdir, (long)p); }
static inline long fchdir(int fd) { return __syscall1(SYS_fchdir, fd); }
static inline long umask(int m) { return __syscall1(SYS_umask, m); }
static inline long chmod(const char *p, int m) { return __syscall4(SYS_fchmodat, AT_FDCWD, (long)p, m, 0); }
#define UTIME_NOW  ((1l << 30) - 1l)
#define UTIME_OMIT ((1l << 30) - 2l)
static inline long utimensat(int dfd, const char *p, const struct timespec64 t[2], int flags)
{ return __syscall4(SYS_utimensat_time64, dfd, (long)p, (long)t, flags); }
static inline long fadvise(int fd, int64_t off, int64_t len, int advice)
{ return __syscall6(SYS_fadvise64_64, fd, (long)(uint32_t)off, (long)(off >> 32), (long)(uint32_t)len, (long)(len >> 32), advice); }
static inline long statfs64(const char *p, long size, void *buf) { return __syscall3(SYS_statfs64, (long)p, size, (long)buf); }
static inline long pipe2(int *fds, int flags) { return __syscall2(SYS_pipe2, (long)fds, flags); }

/* A result as the tests print it: the number, or the errno's name. */
static inline const char *ename(long r)
{
	static char buf[16];
	static const char *const names[] = {
		[1] = "EPERM", [2] = "ENOENT", [4] = "EINTR", [9] = "EBADF", [11] = "EAGAIN", [12] = "ENOMEM",
		[13] = "EACCES", [14] = "EFAULT", [16] = "EBUSY", [17] = "EEXIST", [18] = "EXDEV", [20] = "ENOTDIR",
		[21] = "EISDIR", [22] = "EINVAL", [24] = "EMFILE", [25] = "ENOTTY", [26] = "ETXTBSY", [27] = "EFBIG",
		[28] = "ENOSPC", [29] = "ESPIPE", [30] = "EROFS", [31] = "EMLINK", [32] = "EPIPE", [34] = "ERANGE",
		[36] = "ENAMETOOLONG", [38] = "ENOSYS", [39] = "ENOTEMPTY", [40] = "ELOOP", [75] = "EOVERFLOW",
	};
	if (r < 0 && -r < (long)(sizeof names / sizeof names[0]) && names[-r]) return names[-r];
	char *p = buf + sizeof buf - 1;
	int neg = r < 0;
	unsigned long u = neg ? -(unsigned long)r : (unsigned long)r;
	*p = 0;
	do { *--p = (char)('0' + u % 10); u /= 10; } while (u);
	if (neg) *--p = '-';
	return p;
}

#endif
