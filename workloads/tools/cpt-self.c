/* cpt-self.c: the self-checkpoint shim for programs built against musl (cptbench's "self"
 * initiator, Oren Laadan's linux-cr design: the process checkpoints its own container). It is
 * linked into every ZDTM test (scripts/build-zdtm.sh) and every libc workload (workloads/build.sh);
 * neither is edited for it. Like the library DMTCP preloads, it adds one thing at start-up, from a
 * constructor: with CPTBENCH_CKPT=<absolute image path> in the environment (cptbench-ctl run
 * --self sets it) it installs a handler for CPT_SIGNAL that opens the image and calls
 * checkpoint(0, fd, flags), the flags being the value the signal was queued with. Without the
 * variable it does nothing at all, so under qemu-riscv32, `cptbench exec` and the external
 * initiator a program behaves exactly as it was written.
 *
 * It also defines cpt_mark(label) (workloads/libc/cptbench.h declares it), the same protocol as the
 * mini runtime's (workloads/runtime/cpt.c): syscall 802 returns 0, or 1 + the checkpoint flags
 * where the scenario runner wants a self checkpoint at this marked point; qemu-riscv32 and Linux
 * answer ENOSYS. The syscalls are issued with a bare ecall, not musl's syscall(), so errno is left
 * as the program had it everywhere, under qemu too: a mark changes nothing the program can see.
 *
 * The handler runs with every signal blocked (the program's own handlers cannot interleave with
 * the checkpoint) and SA_RESTART (a syscall it interrupts goes on where Linux restarts it: not
 * poll, select, epoll_wait, nanosleep... which return EINTR after any handler; see docs/zdtm.md),
 * and keeps errno: a program that reads errno right after a failed call must not see the
 * checkpoint's. The image is unlinked and created anew rather than truncated: a test's umask
 * (umask00's) may have left the last one without write permission for its owner. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SYS_checkpoint 800   /* cptbench's checkpoint(pid, fd, flags); ENOSYS elsewhere */
#define SYS_cpt_mark 802     /* cptbench's mark: 0, or 1 + flags for a self checkpoint here */
#define CPT_SIGNAL 63        /* SIGRTMAX - 1, as cptbench's runtime (workloads/runtime/cpt.h) */
#define CPT_RESTARTED 1      /* what checkpoint() returns in the restored copy */

static char cpt_image[256];

/* A syscall without errno: the raw return (-errno on failure). */
static long cpt_raw_syscall3(long n, long a, long b, long c)
{
	register long a7 __asm__("a7") = n;
	register long a0 __asm__("a0") = a;
	register long a1 __asm__("a1") = b;
	register long a2 __asm__("a2") = c;
	__asm__ volatile("ecall" : "+r"(a0) : "r"(a7), "r"(a1), "r"(a2) : "memory");
	return a0;
}

/* checkpoint(0, image, flags) on the caller's own container: 0 in the original (or -errno),
 * CPT_RESTARTED in the restored copy. errno is kept. */
static long cpt_self_checkpoint(long flags)
{
	int saved = errno;
	long r = -EBADF;
	(void)unlink(cpt_image);
	int fd = open(cpt_image, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		r = cpt_raw_syscall3(SYS_checkpoint, 0, fd, flags);
		/* After a restart the image fd is not in the restored table: it was not in the image. */
		if (r != CPT_RESTARTED) close(fd);
	}
	errno = saved;
	return r;
}

static void cpt_self_on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	(void)cpt_self_checkpoint((long)si->si_value.sival_int);
}

/* Never inlined, a real symbol: a scenario can also stop a program at the call by its address. */
__attribute__((noinline, used)) void cpt_mark(const char *label)
{
	long r = cpt_raw_syscall3(SYS_cpt_mark, (long)label, 0, 0);
	if (r >= 1 && cpt_image[0] == '/') (void)cpt_self_checkpoint(r - 1);
}

__attribute__((constructor)) static void cpt_self_init(void)
{
	const char *v = getenv("CPTBENCH_CKPT");
	if (v == NULL || v[0] != '/' || strlen(v) >= sizeof cpt_image) return;
	strcpy(cpt_image, v);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = cpt_self_on_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigfillset(&sa.sa_mask);
	(void)sigaction(CPT_SIGNAL, &sa, NULL);
}
