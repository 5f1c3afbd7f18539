/*
 * crt0.S - process entry point for cptbench guest programs (RV32GC, Linux ABI).
 *
 * The kernel (Linux, qemu-user or the cptbench emulator) enters _start with
 *   sp -> argc, argv[0..argc-1], NULL, envp[0..], NULL, auxv pairs ...
 * Every other register is unspecified (Linux zeroes them; do not rely on it).
 *
 * We set gp first (before any global access; relaxation must not turn this la
 * into a gp-relative addi), derive argc/argv/envp, keep sp 16-byte aligned,
 * call __cpt_init (runtime/cpt.c), then
 * call main(argc, argv, envp) and hand its return value to exit(), which
 * flushes stdout and calls exit_group.
 */
	.section .text._start, "ax", @progbits
	.globl	_start
	.type	_start, @function
_start:
	.option push
	.option norelax
	la	gp, __global_pointer$
	.option pop
	lw	a0, 0(sp)		/* argc */
	addi	a1, sp, 4		/* argv */
	slli	t0, a0, 2
	add	a2, a1, t0
	addi	a2, a2, 4		/* envp = &argv[argc + 1] */
	andi	sp, sp, -16		/* ABI: sp 16-byte aligned at calls */
	li	ra, 0			/* terminate backtraces here */
	li	s0, 0
	la	t1, environ
	sw	a2, 0(t1)
	mv	s1, a0			/* callee-saved across __cpt_init */
	mv	s2, a1
	mv	s3, a2
	call	__cpt_init		/* self-checkpoint set-up (runtime/cpt.c); nothing without CPTBENCH_CKPT */
	mv	a0, s1
	mv	a1, s2
	mv	a2, s3
	call	main
	call	exit			/* never returns */
1:	j	1b
	.size	_start, . - _start
