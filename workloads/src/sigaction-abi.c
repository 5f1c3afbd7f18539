/* sigaction-abi: the riscv rt_sigaction ABI and the order of signal delivery.
 *
 * EXPECTED OUTPUT WRITTEN BY HAND (manifest "oracle": "hand"). qemu-riscv32
 * 7.2 reads a riscv struct sigaction as {handler, flags, restorer, mask} and
 * writes 20 bytes of old action; Linux's riscv layout is {handler, flags,
 * mask} (16 bytes, no sa_restorer: arch/riscv has no SA_RESTORER, the kernel
 * returns through the vDSO). qemu also delivers several simultaneously
 * pending signals in another order than Linux. The expectation follows
 * kernel/signal.c (do_sigaction, next_signal, get_signal) and
 * arch/riscv/kernel/signal.c (setup_rt_frame); the delivery orders were
 * checked natively on x86-64 Linux 6.18, which shares that code.
 *
 * Raw rt_sigaction with the kernel layout: the old action is 16 bytes (a
 * sentinel after it survives); the mask at offset 8 applies in the handler,
 * also when it names only real-time signals; SIGKILL/SIGSTOP are dropped from
 * a stored mask; flag bits unknown to the kernel (SA_UNSUPPORTED, and
 * SA_RESTORER, which riscv does not have) read back as 0; an rt_sigaction
 * with sigsetsize 4 is EINVAL. A handler without SA_SIGINFO still gets
 * &siginfo and &ucontext in a1/a2 on riscv. The ucontext: uc_flags 0, uc_link
 * NULL, uc_stack SS_DISABLE, uc_sigmask the mask before delivery. Delivery
 * order when four signals become deliverable at once: lowest number first
 * when each handler blocks everything; the reverse when handlers block
 * nothing (each delivery stacks a frame on the previous one before any
 * handler runs).
 */
#include <stdio.h>
#include <string.h>
#include "cpt.h"
#include "os.h"

static const char *yn(int b) { return b ? "yes" : "no"; }

struct ksa { unsigned long handler, flags, mask[2], sentinel; };

static sigset_t inside;
static volatile int order[8], norder;
static void h_record(int sig)
{
	if (sig == SIGUSR1) {
		raise(SIGUSR2);   /* in sa_mask: stays pending */
		raise(40);        /* in sa_mask too (the rt half) */
		sigprocmask(SIG_BLOCK, NULL, &inside);
	}
	if (norder < 8) order[norder++] = sig;
}

static volatile unsigned long a1_info, a2_uc;
static volatile int info_signo, uc_ok;
static sigset_t uc_mask_seen;
static void h_nosiginfo(int sig)
{
	register unsigned long a1 __asm__("a1");
	register unsigned long a2 __asm__("a2");
	__asm__ volatile("" : "=r"(a1), "=r"(a2));   /* as the kernel left them on entry */
	a1_info = a1;
	a2_uc = a2;
}

static void h_siginfo(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	info_signo = si->si_signo;
	uc_ok = uc->uc_flags == 0 && uc->uc_link == NULL && uc->uc_stack.ss_flags == SS_DISABLE;
	uc_mask_seen = uc->uc_sigmask;
}

static void set_raw(int sig, void (*fn)(int), unsigned long flags, unsigned long m0, unsigned long m1)
{
	struct ksa k = { (unsigned long)fn, flags, { m0, m1 }, 0 };
	sys_rt_sigaction(sig, &k, NULL, 8);
}

int main(void)
{
	cpt_mark("sigaction-abi:start");
	/* 1. the old action is 16 bytes */
	set_raw(SIGUSR1, h_record, SA_RESTART, 0x800, 0x80);   /* mask: SIGUSR2 and signal 40 */
	struct ksa old;
	memset(&old, 0xa5, sizeof old);
	long r = sys_rt_sigaction(SIGUSR1, NULL, &old, 8);
	printf("rt_sigaction(SIGUSR1, NULL, &old) = %ld: handler ok %s, flags %08lx, mask %08lx %08lx, byte 16 untouched %s\n",
	       r, yn(old.handler == (unsigned long)h_record), old.flags, old.mask[1], old.mask[0],
	       yn(old.sentinel == 0xa5a5a5a5ul));

	/* 2. the mask at offset 8 applies, including its rt half */
	set_raw(SIGUSR2, h_record, 0, 0, 0);
	set_raw(40, h_record, 0, 0, 0);
	norder = 0;
	raise(SIGUSR1);
	printf("inside the SIGUSR1 handler the mask was %08lx %08lx; handlers ran:", (unsigned long)inside.bits[1],
	       (unsigned long)inside.bits[0]);
	for (int i = 0; i < norder; i++) printf(" %d", order[i]);
	printf("\n");

	/* 3. SIGKILL and SIGSTOP are dropped from a stored mask; unknown flags read back as 0 */
	set_raw(SIGHUP, h_record, SA_RESTART | 0x400 /* SA_UNSUPPORTED */ | 0x04000000 /* SA_RESTORER */, 0xffffffff,
		0xffffffff);
	memset(&old, 0xa5, sizeof old);
	sys_rt_sigaction(SIGHUP, NULL, &old, 8);
	printf("SIGHUP stored with a full mask and flags SA_RESTART|0x400|0x04000000: flags %08lx, mask %08lx %08lx\n",
	       old.flags, old.mask[1], old.mask[0]);
	printf("rt_sigaction with sigsetsize 4 = %ld, 16 = %ld\n", sys_rt_sigaction(SIGHUP, NULL, &old, 4),
	       sys_rt_sigaction(SIGHUP, NULL, &old, 16));

	/* 4. a1/a2 without SA_SIGINFO, and the ucontext */
	set_raw(SIGUSR2, h_nosiginfo, 0, 0, 0);
	raise(SIGUSR2);
	printf("handler without SA_SIGINFO: a1 -> a siginfo for SIGUSR2 %s, a2 -> 128 bytes after it %s\n",
	       yn(a1_info != 0 && ((siginfo_t *)a1_info)->si_signo == SIGUSR2), yn(a2_uc == a1_info + 128));
	set_raw(SIGUSR2, (void (*)(int))(void (*)(void))h_siginfo, SA_SIGINFO, 0, 0);
	sigset_t blk;
	sigemptyset(&blk);
	sigaddset(&blk, SIGTERM);
	sigaddset(&blk, 50);
	sigprocmask(SIG_BLOCK, &blk, NULL);
	raise(SIGUSR2);
	printf("ucontext: uc_flags 0, uc_link NULL, uc_stack SS_DISABLE: %s; uc_sigmask %08lx %08lx\n", yn(uc_ok),
	       (unsigned long)uc_mask_seen.bits[1], (unsigned long)uc_mask_seen.bits[0]);
	sigprocmask(SIG_UNBLOCK, &blk, NULL);

	/* 5. delivery order of four signals unblocked together */
	cpt_mark("sigaction-abi:order");
	static const int sigs[4] = { 40, SIGTERM, SIGUSR2, SIGWINCH };
	for (int full = 1; full >= 0; full--) {
		for (int i = 0; i < 4; i++) set_raw(sigs[i], h_record, 0, full ? 0xffffffff : 0, full ? 0xffffffff : 0);
		sigset_t all;
		sigemptyset(&all);
		for (int i = 0; i < 4; i++) sigaddset(&all, sigs[i]);
		sigprocmask(SIG_BLOCK, &all, NULL);
		for (int i = 0; i < 4; i++) raise(sigs[i]);
		norder = 0;
		sigprocmask(SIG_UNBLOCK, &all, NULL);
		printf("handlers %s: order of entry", full ? "blocking everything" : "blocking nothing");
		for (int i = 0; i < norder; i++) printf(" %d", order[i]);
		printf("\n");
	}
	cpt_mark("sigaction-abi:end");
	return 0;
}
