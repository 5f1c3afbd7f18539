/* cpt-self.c: the self-checkpoint shim linked into every ZDTM test (cptbench's "self" initiator,
 * Oren Laadan's linux-cr design: the process checkpoints its own container). The tests are not
 * edited; like the library DMTCP preloads, this object adds one thing at start-up, from a
 * constructor: with CPTBENCH_CKPT=<absolute image path> in the environment (cptbench-ctl run
 * --self sets it) it installs a handler for CPT_SIGNAL that opens the image and calls
 * checkpoint(0, fd, flags), the flags being the value the signal was queued with. Without the
 * variable it does nothing at all, so under qemu-riscv32, `cptbench zdtm --exec` and the external
 * initiator a test behaves exactly as CRIU built it.
 *
 * The handler runs with every signal blocked (a test's own handlers cannot interleave with the
 * checkpoint) and SA_RESTART (the syscall it interrupted goes on as the test expects), and keeps
 * errno: a test that reads errno right after a failed call must not see the checkpoint's. The
 * image is unlinked and created anew rather than truncated: a test's umask (umask00's) may have
 * left the last one without write permission for its owner. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SYS_checkpoint 800   /* cptbench's checkpoint(pid, fd, flags); ENOSYS elsewhere */
#define CPT_SIGNAL 63        /* SIGRTMAX - 1, as cptbench's runtime (workloads/runtime/cpt.h) */
#define CPT_RESTARTED 1      /* what checkpoint() returns in the restored copy */

static char cpt_image[256];

static void cpt_self_on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	int saved = errno;
	(void)unlink(cpt_image);
	int fd = open(cpt_image, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		long r = syscall(SYS_checkpoint, 0, fd, (long)si->si_value.sival_int);
		/* After a restart the image fd is not in the restored table: it was not in the image. */
		if (r != CPT_RESTARTED) close(fd);
	}
	errno = saved;
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
