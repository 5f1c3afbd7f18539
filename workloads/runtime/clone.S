/*
 * clone.S - clone(2) with a function to run on a new stack, and vfork(2).
 *
 * int os_clone(int (*fn)(void *) a0, void *stack_top a1, unsigned long flags a2,
 *              void *arg a3, int *ptid a4, void *tls a5, int *ctid a6)
 *
 * fn and arg are stored on the child's stack before the call, so the child
 * needs no memory shared with the parent to find them. riscv clone(2) takes
 * flags, newsp, parent_tid, tls, child_tid.
 */
	.section .text.os_clone, "ax", @progbits
	.globl	os_clone
	.type	os_clone, @function
os_clone:
	andi	a1, a1, -16		/* ABI: 16-byte aligned stack */
	addi	a1, a1, -16
	sw	a0, 0(a1)		/* fn */
	sw	a3, 4(a1)		/* arg */
	mv	a0, a2			/* flags */
	mv	a2, a4			/* parent_tid */
	mv	a3, a5			/* tls */
	mv	a4, a6			/* child_tid */
	li	a7, 220			/* SYS_clone */
	ecall
	beqz	a0, 1f
	ret				/* parent: tid or -errno */
1:	/* child, on the new stack */
	li	ra, 0
	li	s0, 0
	lw	t0, 0(sp)
	lw	a0, 4(sp)
	jalr	t0
	li	a7, 93			/* SYS_exit: this thread only */
	ecall
2:	j	2b
	.size	os_clone, . - os_clone

/*
 * pid_t vfork(void): clone(CLONE_VM | CLONE_VFORK | SIGCHLD, 0). A leaf that
 * touches no stack, so the child (running on the parent's stack until it
 * execs or exits) returns into the caller's frame without clobbering anything
 * the parent will need.
 */
	.section .text.vfork, "ax", @progbits
	.globl	vfork
	.type	vfork, @function
vfork:
	li	a0, 0x4111		/* CLONE_VM 0x100 | CLONE_VFORK 0x4000 | SIGCHLD 17 */
	li	a1, 0
	li	a2, 0
	li	a3, 0
	li	a4, 0
	li	a7, 220
	ecall
	ret
	.size	vfork, . - vfork
