/* nocompress: built with -march=rv32imafd (no C extension), runtime included,
 * so every instruction is 4 bytes. A bytecode stack-machine interpreter
 * (switch -> jump table -> jalr, data-dependent branches) runs Collatz and
 * GCD programs; then integer and double matrix multiplies, and a
 * Horner-evaluated polynomial in double with fmadd.d. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "cpt.h"

#if defined(__riscv_compressed)
#error "nocompress must be built without the C extension"
#endif

enum { OP_PUSH, OP_LOAD, OP_STORE, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD, OP_AND, OP_SHR,
       OP_JMP, OP_JZ, OP_JNZ, OP_LT, OP_DUP, OP_DROP, OP_HALT };

static int32_t run_vm(const int32_t *code, int32_t *vars, uint32_t *steps)
{
	int32_t stack[64];
	int sp = 0, pc = 0;
	uint32_t n = 0;
	for (;;) {
		n++;
		int32_t op = code[pc++];
		switch (op) {
		case OP_PUSH: stack[sp++] = code[pc++]; break;
		case OP_LOAD: stack[sp++] = vars[code[pc++]]; break;
		case OP_STORE: vars[code[pc++]] = stack[--sp]; break;
		case OP_ADD: sp--; stack[sp - 1] += stack[sp]; break;
		case OP_SUB: sp--; stack[sp - 1] -= stack[sp]; break;
		case OP_MUL: sp--; stack[sp - 1] *= stack[sp]; break;
		case OP_DIV: sp--; stack[sp - 1] /= stack[sp]; break;
		case OP_MOD: sp--; stack[sp - 1] %= stack[sp]; break;
		case OP_AND: sp--; stack[sp - 1] &= stack[sp]; break;
		case OP_SHR: sp--; stack[sp - 1] >>= stack[sp]; break;
		case OP_JMP: pc = code[pc]; break;
		case OP_JZ: pc = stack[--sp] == 0 ? code[pc] : pc + 1; break;
		case OP_JNZ: pc = stack[--sp] != 0 ? code[pc] : pc + 1; break;
		case OP_LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
		case OP_DUP: stack[sp] = stack[sp - 1]; sp++; break;
		case OP_DROP: sp--; break;
		case OP_HALT: *steps = n; return sp ? stack[sp - 1] : 0;
		default: *steps = n; return -1;
		}
	}
}

/* vars: 0 = a, 1 = b. Euclid by repeated modulo. */
static const int32_t gcd_prog[] = {
	/* 0 */ OP_LOAD, 1, OP_JZ, 17,                   /* while (b != 0) */
	/* 4 */ OP_LOAD, 0, OP_LOAD, 1, OP_MOD,          /*   t = a % b */
	/* 9 */ OP_LOAD, 1, OP_STORE, 0,                 /*   a = b */
	/* 13 */ OP_STORE, 1, OP_JMP, 0,                 /*   b = t */
	/* 17 */ OP_LOAD, 0, OP_HALT,                    /* return a */
};

#define MN 24

int main(int argc, char **argv)
{
	uint32_t steps;
	int32_t vars[8] = { 0 };
	int limit = argc > 1 ? atoi(argv[1]) : 700;
	cpt_mark("nocompress:start");

	/* Collatz program, vars: 0 = n, 1 = steps, 2 = total, 3 = limit, 4 = i.
	 * Sum of the stopping times of i in [1, limit). Jump targets patched as emitted. */
	int32_t prog[128];
	int n = 0;
#define E(x) (prog[n++] = (x))
	E(OP_PUSH); E(1); E(OP_STORE); E(4);
	int top = n;
	E(OP_LOAD); E(4); E(OP_LOAD); E(3); E(OP_LT); E(OP_JZ); int patch_end = n; E(0);
	E(OP_LOAD); E(4); E(OP_STORE); E(0); E(OP_PUSH); E(0); E(OP_STORE); E(1);
	int inner = n;
	E(OP_LOAD); E(0); E(OP_PUSH); E(1); E(OP_SUB); E(OP_JZ); int patch_next = n; E(0);
	E(OP_LOAD); E(0); E(OP_PUSH); E(1); E(OP_AND); E(OP_JZ); int patch_even = n; E(0);
	E(OP_LOAD); E(0); E(OP_PUSH); E(3); E(OP_MUL); E(OP_PUSH); E(1); E(OP_ADD); E(OP_JMP); int patch_store = n; E(0);
	prog[patch_even] = n;
	E(OP_LOAD); E(0); E(OP_PUSH); E(1); E(OP_SHR);
	prog[patch_store] = n;
	E(OP_STORE); E(0);
	E(OP_LOAD); E(1); E(OP_PUSH); E(1); E(OP_ADD); E(OP_STORE); E(1); E(OP_JMP); E(inner);
	prog[patch_next] = n;
	E(OP_LOAD); E(2); E(OP_LOAD); E(1); E(OP_ADD); E(OP_STORE); E(2);
	E(OP_LOAD); E(4); E(OP_PUSH); E(1); E(OP_ADD); E(OP_STORE); E(4); E(OP_JMP); E(top);
	prog[patch_end] = n;
	E(OP_LOAD); E(2); E(OP_HALT);
#undef E
	vars[3] = limit;
	int32_t total = run_vm(prog, vars, &steps);
	printf("collatz: sum of stopping times for n < %d = %d (%u vm steps)\n", limit, (int)total, (unsigned)steps);

	static const int32_t pairs[][2] = { { 1071, 462 }, { 270, 192 }, { 17, 5 }, { 1 << 30, 1 << 12 }, { 832040, 514229 } };
	for (unsigned i = 0; i < sizeof pairs / sizeof *pairs; i++) {
		vars[0] = pairs[i][0];
		vars[1] = pairs[i][1];
		int32_t g = run_vm(gcd_prog, vars, &steps);
		printf("gcd(%d, %d) = %d (%u vm steps)\n", (int)pairs[i][0], (int)pairs[i][1], (int)g, (unsigned)steps);
	}
	cpt_mark("nocompress:matrix");

	static int32_t A[MN][MN], B[MN][MN], C[MN][MN];
	static double DA[MN][MN], DB[MN][MN], DC[MN][MN];
	uint32_t seed = 12345;
	for (int i = 0; i < MN; i++)
		for (int j = 0; j < MN; j++) {
			seed = seed * 1103515245u + 12345u;
			A[i][j] = (int32_t)(seed >> 16) % 201 - 100;
			seed = seed * 1103515245u + 12345u;
			B[i][j] = (int32_t)(seed >> 16) % 201 - 100;
			DA[i][j] = A[i][j] / 7.0;
			DB[i][j] = B[i][j] / 3.0;
		}
	for (int i = 0; i < MN; i++)
		for (int j = 0; j < MN; j++) {
			int32_t s = 0;
			double d = 0;
			for (int k = 0; k < MN; k++) {
				s += A[i][k] * B[k][j];
				d += DA[i][k] * DB[k][j];
			}
			C[i][j] = s;
			DC[i][j] = d;
		}
	uint32_t h = 0;
	double trace = 0;
	for (int i = 0; i < MN; i++) {
		trace += DC[i][i];
		for (int j = 0; j < MN; j++) h = h * 31 + (uint32_t)C[i][j];
	}
	printf("int matrix %dx%d: hash %08x C[0][0]=%d C[%d][%d]=%d\n", MN, MN, (unsigned)h, (int)C[0][0], MN - 1,
	       MN - 1, (int)C[MN - 1][MN - 1]);
	printf("double matrix: trace %.12f DC[1][2] %.17g\n", trace, DC[1][2]);

	/* Horner: p(x) = sum c_k x^k, evaluated at 50 points */
	static const double coef[] = { 1.0, -0.5, 0.25, -0.125, 0.0625, -0.03125, 0.015625 };
	double acc = 0;
	for (int i = 0; i < 50; i++) {
		double x = -2.0 + i * 0.08, p = 0;
		for (int k = 6; k >= 0; k--) p = p * x + coef[k];
		acc += p;
	}
	printf("horner sum: %.15e\n", acc);
	return 0;
}
