/*
 * setjmp.S - sigsetjmp / siglongjmp for ilp32d.
 *
 * Buffer layout (see os.h): regs[14] = ra, sp, s0..s11 at 0..52; fregs[12] =
 * fs0..fs11 (64-bit) at 56..144; savemask at 152; mask (8 bytes) at 156.
 * The mask is saved and restored with rt_sigprocmask directly (no C helpers),
 * so siglongjmp is safe from a signal handler, including one on the
 * alternate signal stack.
 */
	.section .text.sigsetjmp, "ax", @progbits
	.globl	sigsetjmp
	.type	sigsetjmp, @function
sigsetjmp:
	sw	ra, 0(a0)
	sw	sp, 4(a0)
	sw	s0, 8(a0)
	sw	s1, 12(a0)
	sw	s2, 16(a0)
	sw	s3, 20(a0)
	sw	s4, 24(a0)
	sw	s5, 28(a0)
	sw	s6, 32(a0)
	sw	s7, 36(a0)
	sw	s8, 40(a0)
	sw	s9, 44(a0)
	sw	s10, 48(a0)
	sw	s11, 52(a0)
	fsd	fs0, 56(a0)
	fsd	fs1, 64(a0)
	fsd	fs2, 72(a0)
	fsd	fs3, 80(a0)
	fsd	fs4, 88(a0)
	fsd	fs5, 96(a0)
	fsd	fs6, 104(a0)
	fsd	fs7, 112(a0)
	fsd	fs8, 120(a0)
	fsd	fs9, 128(a0)
	fsd	fs10, 136(a0)
	fsd	fs11, 144(a0)
	sw	a1, 152(a0)
	beqz	a1, 1f
	/* rt_sigprocmask(SIG_BLOCK, NULL, &env->mask, 8) */
	addi	a2, a0, 156
	li	a0, 0
	li	a1, 0
	li	a3, 8
	li	a7, 135
	ecall
1:	li	a0, 0
	ret
	.size	sigsetjmp, . - sigsetjmp

	.section .text.siglongjmp, "ax", @progbits
	.globl	siglongjmp
	.type	siglongjmp, @function
siglongjmp:
	mv	t0, a0
	mv	t1, a1
	lw	t2, 152(t0)
	beqz	t2, 1f
	/* rt_sigprocmask(SIG_SETMASK, &env->mask, NULL, 8) */
	li	a0, 2
	addi	a1, t0, 156
	li	a2, 0
	li	a3, 8
	li	a7, 135
	ecall
1:	lw	ra, 0(t0)
	lw	sp, 4(t0)
	lw	s0, 8(t0)
	lw	s1, 12(t0)
	lw	s2, 16(t0)
	lw	s3, 20(t0)
	lw	s4, 24(t0)
	lw	s5, 28(t0)
	lw	s6, 32(t0)
	lw	s7, 36(t0)
	lw	s8, 40(t0)
	lw	s9, 44(t0)
	lw	s10, 48(t0)
	lw	s11, 52(t0)
	fld	fs0, 56(t0)
	fld	fs1, 64(t0)
	fld	fs2, 72(t0)
	fld	fs3, 80(t0)
	fld	fs4, 88(t0)
	fld	fs5, 96(t0)
	fld	fs6, 104(t0)
	fld	fs7, 112(t0)
	fld	fs8, 120(t0)
	fld	fs9, 128(t0)
	fld	fs10, 136(t0)
	fld	fs11, 144(t0)
	seqz	a0, t1			/* val == 0 -> 1 */
	add	a0, a0, t1
	ret
	.size	siglongjmp, . - siglongjmp
