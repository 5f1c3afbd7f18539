/* ucontext: SA_SIGINFO handlers that read and change the interrupted
 * registers through the riscv32 ucontext (uc_mcontext at offset 160: pc, then
 * x1..x31, then f0..f31 and fcsr).
 *
 * Faults, each at a 4-byte instruction (`.option norvc`, so the handler can
 * step over it with pc += 4):
 *  - a load from address 16 (nothing mapped): SIGSEGV, SEGV_MAPERR, si_addr 16;
 *    the handler writes 1234 into the load's destination register;
 *  - a store into our own text: SIGSEGV, SEGV_ACCERR, si_addr = the target;
 *  - an illegal instruction (csrw to the read-only `cycle` CSR): SIGILL,
 *    ILL_ILLOPC, si_addr = its pc;
 *  - ebreak: SIGTRAP, TRAP_BRKPT, si_addr = its pc.
 * In each, registers loaded just before the fault (t3..t6, s2, fa0) are read
 * back from the ucontext, and the pc there is the faulting instruction.
 * A handler that changes an FP register and fcsr's flags sees the change
 * survive rt_sigreturn; one that changes a0 of an interrupted tgkill makes the
 * call appear to return another value; one that redirects pc makes the
 * program resume in another function.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpt.h"
#include "os.h"

static const char *yn(int b) { return b ? "yes" : "no"; }

static struct {
	int sig, code;
	unsigned long addr, pc;
	unsigned long t3, t4, t5, t6, s2;
	uint64_t fa0;
	int count;
} seen;

static volatile unsigned long fix_reg = 0;   /* register index the SIGSEGV handler patches (0 = none) */

static void on_fault(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	seen.sig = sig;
	seen.code = si->si_code;
	seen.addr = (unsigned long)si->si_addr;
	seen.pc = uc->uc_regs[REG_PC];
	seen.t3 = uc->uc_regs[28];
	seen.t4 = uc->uc_regs[29];
	seen.t5 = uc->uc_regs[30];
	seen.t6 = uc->uc_regs[31];
	seen.s2 = uc->uc_regs[18];
	seen.fa0 = uc->uc_fpregs[10];
	seen.count++;
	if (fix_reg) uc->uc_regs[fix_reg] = 1234;
	uc->uc_regs[REG_PC] += 4;   /* every faulting instruction here is 4 bytes */
}

static void report(const char *what, unsigned long want_addr, unsigned long want_pc)
{
	printf("%s: signal %d, si_code %d, si_addr as expected %s, uc pc at the instruction %s\n", what, seen.sig,
	       seen.code, yn(seen.addr == want_addr), yn(seen.pc == want_pc));
	printf("  registers in the ucontext: t3 %lx t4 %lx t5 %lx t6 %lx s2 %lx, fa0 = 2.5: %s\n", seen.t3, seen.t4,
	       seen.t5, seen.t6, seen.s2, yn(seen.fa0 == 0x4004000000000000ull));
}

/* Loads recognisable values into t3..t6, s2 and fa0, then runs the faulting
 * instruction at label `at`; *pc_out receives its address. */
#define FAULT_WITH_REGS(insn, pc_out, result)                                                   \
	__asm__ volatile(".option push\n.option norvc\n"                                        \
			 "li t3, 0x11111111\nli t4, 0x22222222\nli t5, 0x33333333\n"           \
			 "li t6, 0x44444444\nli s2, 0x55555555\n"                              \
			 "la a5, 1f\nsw a5, 0(%[pcp])\n"                                       \
			 "lui a5, %%hi(two_and_half)\nfld fa0, %%lo(two_and_half)(a5)\n"        \
			 "li a0, 0\n"                                                          \
			 "1: " insn "\n"                                                       \
			 "mv %[res], a0\n"                                                     \
			 ".option pop\n"                                                       \
			 : [res] "=r"(result)                                                  \
			 : [pcp] "r"(pc_out)                                                   \
			 : "t3", "t4", "t5", "t6", "s2", "a0", "a5", "fa0", "memory")

const double two_and_half = 2.5;

static void target_function(void) {}

static volatile int resumed_elsewhere;
static void landing(void)
{
	resumed_elsewhere = 1;
	printf("resumed in landing(): yes\n");
	fflush(stdout);
	exit(0);
}

static void on_usr1_set_a0(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	uc->uc_regs[10] = 4321;   /* a0: the interrupted call's return value */
}

static void on_usr2_fp(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	double d = 7.75;
	memcpy(&uc->uc_fpregs[9], &d, 8);   /* fs1 */
	uc->uc_fcsr |= 0x1;                 /* NX */
}

static void on_usr1_redirect(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	uc->uc_regs[REG_PC] = (unsigned long)landing;
	uc->uc_regs[2] &= ~15ul;   /* keep sp aligned for the call-free landing */
}

int main(void)
{
	cpt_mark("ucontext:start");
	unsigned long pc = 0, res = 0;
	os_sigaction(SIGSEGV, on_fault, 0, NULL);
	os_sigaction(SIGILL, on_fault, 0, NULL);
	os_sigaction(SIGTRAP, on_fault, 0, NULL);

	/* 1. load from an unmapped address; the handler supplies the loaded value */
	fix_reg = 10;   /* a0 */
	FAULT_WITH_REGS("lw a0, 16(zero)", &pc, res);
	report("load from 16", 16, pc);
	printf("  the load \"returned\" %lu (set by the handler)\n", res);
	fix_reg = 0;

	/* 2. store into text */
	unsigned long tgt = (unsigned long)target_function;
	__asm__ volatile("" ::: "memory");
	{
		register unsigned long a4 __asm__("a4") = tgt;
		__asm__ volatile(".option push\n.option norvc\n"
				 "li t3, 0x11111111\nli t4, 0x22222222\nli t5, 0x33333333\n"
				 "li t6, 0x44444444\nli s2, 0x55555555\n"
				 "la a5, 1f\nsw a5, 0(%[pcp])\n"
				 "lui a5, %%hi(two_and_half)\nfld fa0, %%lo(two_and_half)(a5)\n"
				 "1: sw zero, 0(a4)\n"
				 ".option pop\n"
				 :
				 : [pcp] "r"(&pc), "r"(a4)
				 : "t3", "t4", "t5", "t6", "s2", "a5", "fa0", "memory");
	}
	report("store into text", tgt, pc);

	/* 3. illegal instruction */
	FAULT_WITH_REGS("csrw cycle, zero", &pc, res);
	report("csrw cycle (illegal)", pc, pc);

	/* 4. ebreak */
	FAULT_WITH_REGS("ebreak", &pc, res);
	report("ebreak", pc, pc);
	printf("fault handler ran %d times\n", seen.count);

	/* 5. a handler changes a0 of the interrupted tgkill */
	cpt_mark("ucontext:regs");
	os_sigaction(SIGUSR1, on_usr1_set_a0, 0, NULL);
	long r = raise(SIGUSR1);
	printf("raise() returned %ld after the handler set a0 = 4321\n", r);

	/* 6. FP register and fcsr changed through the ucontext */
	os_sigaction(SIGUSR2, on_usr2_fp, 0, NULL);
	double out;
	unsigned long flags;
	__asm__ volatile("csrw fflags, zero\n"
			 "lui t0, %%hi(two_and_half)\nfld fs1, %%lo(two_and_half)(t0)\n"
			 "mv a0, %[me]\n"
			 "mv a1, %[me]\n"
			 "li a2, 12\n"
			 "li a7, %[nr]\n"
			 "ecall\n"          /* tgkill(me, me, SIGUSR2) */
			 "fmv.d %[out], fs1\n"
			 "frflags %[fl]\n"
			 : [out] "=f"(out), [fl] "=r"(flags)
			 : [nr] "i"(SYS_tgkill), [me] "r"((long)getpid())
			 : "t0", "a0", "a1", "a2", "a7", "fs1", "memory");
	printf("fs1 after the handler: %g (was 2.5), fflags NX set by the handler: %s\n", out, yn(flags & 1));

	/* 7. a handler sends execution somewhere else */
	os_sigaction(SIGUSR1, on_usr1_redirect, 0, NULL);
	fflush(stdout);
	raise(SIGUSR1);
	printf("not reached\n");
	return 1;
}
