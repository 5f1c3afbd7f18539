/* sigjmp: recovering from SIGSEGV with siglongjmp, and the alternate signal
 * stack.
 *
 * A SIGSEGV handler leaves by siglongjmp to a sigsetjmp point; 300 faults at
 * different addresses (unmapped low pages, the top of the address space, a
 * store into text) are each recovered, with the handler's si_addr checked.
 * sigsetjmp(env, 1) restores the signal mask (SIGSEGV unblocked again);
 * sigsetjmp(env, 0) leaves SIGSEGV blocked after the jump, as the handler
 * had it. Callee-saved integer and FP registers come back as they were at
 * sigsetjmp.
 *
 * sigaltstack: the initial state is SS_DISABLE; a stack below MINSIGSTKSZ is
 * ENOMEM; bad flags are EINVAL; an SA_ONSTACK handler runs inside the
 * alternate stack and sees SS_ONSTACK, and changing the stack from there is
 * EPERM; a nested SA_ONSTACK signal stays on it, lower down; a handler
 * without SA_ONSTACK runs on the normal stack; a fork child inherits the
 * alternate stack, a new thread does not; a stack set inside a handler is
 * undone by rt_sigreturn (it restores uc_stack); SS_DISABLE turns it off.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpt.h"
#include "os.h"

static const char *yn(int b) { return b ? "yes" : "no"; }

static sigjmp_buf env;
const double the_constant = 6.25;
static volatile unsigned long fault_addr;
static volatile int faults;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	fault_addr = (unsigned long)si->si_addr;
	faults++;
	siglongjmp(env, 7);
}

static void text_target(void) {}

/* regs_across_jump(env, &s5, &fs3): sets s5 and fs3, calls sigsetjmp(env, 1), changes both
 * and faults; the SIGSEGV handler's siglongjmp brings back the values from sigsetjmp time,
 * which are stored through the pointers. Written in asm so no compiler code touches s5/fs3. */
void regs_across_jump(sigjmp_buf env, long *s5_out, double *fs3_out);
__asm__(".section .text.regs_across_jump, \"ax\", @progbits\n"
	".globl regs_across_jump\n"
	"regs_across_jump:\n"
	"	addi sp, sp, -32\n"
	"	sw ra, 28(sp)\n"
	"	sw s5, 24(sp)\n"
	"	fsd fs3, 16(sp)\n"
	"	sw a1, 12(sp)\n"
	"	sw a2, 8(sp)\n"
	"	li s5, 0x5a5a5a5a\n"
	"	lui t0, %hi(the_constant)\n"
	"	fld fs3, %lo(the_constant)(t0)\n"
	"	li a1, 1\n"
	"	call sigsetjmp\n"
	"	bnez a0, 1f\n"
	"	li s5, 1\n"
	"	fcvt.d.w fs3, zero\n"
	"	lw t1, 8(zero)\n"
	"1:	lw a1, 12(sp)\n"
	"	lw a2, 8(sp)\n"
	"	sw s5, 0(a1)\n"
	"	fsd fs3, 0(a2)\n"
	"	lw ra, 28(sp)\n"
	"	lw s5, 24(sp)\n"
	"	fld fs3, 16(sp)\n"
	"	addi sp, sp, 32\n"
	"	ret\n"
	".text\n");

static volatile unsigned long addr_holder;
static void peek(unsigned long a) { addr_holder = a; (void)*(volatile int *)addr_holder; }

static int segv_blocked(void)
{
	sigset_t m;
	sigprocmask(SIG_BLOCK, NULL, &m);
	return sigismember(&m, SIGSEGV);
}

/* --- alternate stack --- */
static char altstack[65536] __attribute__((aligned(16)));
static char altstack2[16384] __attribute__((aligned(16)));

struct obs { int ran; int on_alt; int flags; long set_inside; unsigned long local; };
static struct obs o_usr1, o_usr2, o_term;

static int in_alt(unsigned long a) { return a >= (unsigned long)altstack && a < (unsigned long)altstack + sizeof altstack; }

static void observe(struct obs *o)
{
	volatile int local;
	stack_t cur;
	sigaltstack(NULL, &cur);
	o->ran = 1;
	o->local = (unsigned long)&local;
	o->on_alt = in_alt(o->local);
	o->flags = cur.ss_flags;
	stack_t other = { altstack2, 0, sizeof altstack2 };
	o->set_inside = sigaltstack(&other, NULL);
}

static void on_usr1(int sig)
{
	observe(&o_usr1);
	raise(SIGUSR2);   /* SA_ONSTACK too, and not blocked: nests at once */
}
static void on_usr2(int sig) { observe(&o_usr2); }
static void on_term(int sig) { observe(&o_term); }

static volatile int thread_flags = -1;
static int thread_fn(void *arg)
{
	stack_t cur;
	sigaltstack(NULL, &cur);
	thread_flags = cur.ss_flags;
	return 0;
}
static char thread_stack[16384] __attribute__((aligned(16)));

int main(void)
{
	cpt_mark("sigjmp:start");
	os_sigaction(SIGSEGV, on_segv, 0, NULL);

	/* 300 faults, each recovered */
	int ok = 0;
	for (int i = 0; i < 300; i++) {
		volatile unsigned long want;
		int r = sigsetjmp(env, 1);
		if (r == 0) {
			switch (i % 3) {
			case 0: want = 64 + (unsigned long)i * 4; (void)*(volatile int *)want; break;
			case 1: want = 0xfffff000ul + (unsigned long)(i % 64) * 8; (void)*(volatile int *)want; break;
			default: want = (unsigned long)text_target; *(volatile int *)want = 0; break;
			}
			printf("fault %d did not fault\n", i);
		} else if (r == 7 && fault_addr == want && !segv_blocked()) {
			ok++;
		}
	}
	printf("300 faults recovered by siglongjmp with the right si_addr and SIGSEGV unblocked: %d, handler runs %d\n",
	       ok, faults);

	/* Callee-saved registers restored by siglongjmp */
	long s5_after = 0;
	double fs3_after = 0;
	regs_across_jump(env, &s5_after, &fs3_after);
	printf("after the jump: s5 = %lx (saved 5a5a5a5a, then set to 1), fs3 = %g (saved 6.25, then set to 0)\n",
	       (unsigned long)s5_after, fs3_after);

	/* savemask 0: the mask stays as the handler had it */
	if (sigsetjmp(env, 0) == 0) peek(32);
	printf("after siglongjmp to sigsetjmp(env, 0): SIGSEGV still blocked %s\n", yn(segv_blocked()));
	sigset_t segv;
	sigemptyset(&segv);
	sigaddset(&segv, SIGSEGV);
	sigprocmask(SIG_UNBLOCK, &segv, NULL);
	if (sigsetjmp(env, 1) == 0) peek(32);
	printf("after siglongjmp to sigsetjmp(env, 1): SIGSEGV still blocked %s\n", yn(segv_blocked()));

	/* --- sigaltstack --- */
	cpt_mark("sigjmp:altstack");
	stack_t cur;
	memset(&cur, 0x5a, sizeof cur);
	long r = sigaltstack(NULL, &cur);
	printf("initial sigaltstack = %ld: ss_flags %d (SS_DISABLE %d), ss_sp %p, ss_size %lu\n", r, cur.ss_flags,
	       SS_DISABLE, cur.ss_sp, (unsigned long)cur.ss_size);
	stack_t small = { altstack, 0, MINSIGSTKSZ - 1 };
	printf("size MINSIGSTKSZ-1: %ld (-ENOMEM = %d)\n", sigaltstack(&small, NULL), -ENOMEM);
	stack_t badflags = { altstack, 5, sizeof altstack };
	printf("ss_flags 5: %ld (-EINVAL = %d)\n", sigaltstack(&badflags, NULL), -EINVAL);
	stack_t ss = { altstack, 0, sizeof altstack };
	printf("set a 64 KiB alternate stack: %ld\n", sigaltstack(&ss, NULL));
	sigaltstack(NULL, &cur);
	printf("read back: sp ok %s, size %lu, flags %d\n", yn(cur.ss_sp == altstack), (unsigned long)cur.ss_size, cur.ss_flags);

	os_signal(SIGUSR1, on_usr1, SA_ONSTACK, NULL);
	os_signal(SIGUSR2, on_usr2, SA_ONSTACK, NULL);
	os_signal(SIGTERM, on_term, 0, NULL);
	raise(SIGUSR1);
	raise(SIGTERM);
	printf("SA_ONSTACK handler: on the alternate stack %s, ss_flags %d (SS_ONSTACK %d), sigaltstack() inside = %ld (-EPERM = %d)\n",
	       yn(o_usr1.on_alt), o_usr1.flags, SS_ONSTACK, o_usr1.set_inside, -EPERM);
	printf("nested SA_ONSTACK handler: ran %s, on the alternate stack %s, below the first %s, ss_flags %d\n",
	       yn(o_usr2.ran), yn(o_usr2.on_alt), yn(o_usr2.local < o_usr1.local), o_usr2.flags);
	printf("handler without SA_ONSTACK: on the alternate stack %s, ss_flags %d, sigaltstack() inside = %ld\n",
	       yn(o_term.on_alt), o_term.flags, o_term.set_inside);
	/* on_term's sigaltstack call succeeded, but rt_sigreturn restores uc_stack (restore_altstack) */
	sigaltstack(NULL, &cur);
	printf("stack set inside that handler undone by rt_sigreturn: %s\n", yn(cur.ss_sp == altstack));
	sigaltstack(&ss, NULL);

	pid_t c = fork();
	if (c == 0) {
		stack_t k;
		sigaltstack(NULL, &k);
		_exit(k.ss_sp == altstack && k.ss_size == sizeof altstack && k.ss_flags == 0 ? 0 : 1);
	}
	int st = -1;
	waitpid(c, &st, 0);
	printf("fork child inherits the alternate stack: %s\n", yn(WIFEXITED(st) && WEXITSTATUS(st) == 0));
	thread_t t;
	thread_create(&t, thread_fn, NULL, thread_stack, sizeof thread_stack);
	thread_join(&t);
	printf("a new thread starts with ss_flags %d (SS_DISABLE)\n", thread_flags);

	stack_t off = { NULL, SS_DISABLE, 0 };
	printf("SS_DISABLE: %ld\n", sigaltstack(&off, NULL));
	sigaltstack(NULL, &cur);
	printf("read back: flags %d\n", cur.ss_flags);
	o_usr1.ran = 0;
	raise(SIGUSR1);
	printf("SA_ONSTACK handler with the stack disabled: ran %s, on the alternate stack %s\n", yn(o_usr1.ran),
	       yn(o_usr1.on_alt));
	cpt_mark("sigjmp:end");
	return 0;
}

