/* edgecases: RV32IM corner cases, each computed by the exact instruction in
 * inline asm and compared with the value the RISC-V spec defines. Division by
 * zero and INT_MIN/-1 for div/divu/rem/remu, mulh/mulhsu/mulhu corners, shift
 * amounts masked to 5 bits, signed vs unsigned compares and branches,
 * lb/lh/lbu/lhu extension, lui/auipc, jalr clearing bit 0, x0 as destination,
 * RVC encodings (c.li/c.lui negative immediates, c.srai/c.andi, c.addi16sp,
 * c.addi4spn, c.jal/c.jalr link = pc+2), 64-bit arithmetic through libgcc.
 * Exit code = number of failures. */
#include <stdint.h>
#include <stdio.h>
#include "cpt.h"

static int failures, checks;

static void chk(const char *what, uint32_t a, uint32_t b, uint32_t got, uint32_t want)
{
	int ok = got == want;
	failures += !ok;
	checks++;
	printf("%-10s %08x %08x -> %08x expect %08x %s\n", what, (unsigned)a, (unsigned)b, (unsigned)got,
	       (unsigned)want, ok ? "PASS" : "FAIL");
}

static void chk64(const char *what, uint64_t got, uint64_t want)
{
	int ok = got == want;
	failures += !ok;
	checks++;
	printf("%-28s -> %016llx expect %016llx %s\n", what, (unsigned long long)got, (unsigned long long)want,
	       ok ? "PASS" : "FAIL");
}

#define RR(fn, insn)                                                                       \
	__attribute__((noinline)) static uint32_t fn(uint32_t a, uint32_t b)               \
	{                                                                                  \
		uint32_t r;                                                                \
		__asm__ volatile(insn " %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));           \
		return r;                                                                  \
	}

RR(op_div, "div") RR(op_divu, "divu") RR(op_rem, "rem") RR(op_remu, "remu")
RR(op_mul, "mul") RR(op_mulh, "mulh") RR(op_mulhsu, "mulhsu") RR(op_mulhu, "mulhu")
RR(op_sll, "sll") RR(op_srl, "srl") RR(op_sra, "sra")
RR(op_slt, "slt") RR(op_sltu, "sltu") RR(op_add, "add") RR(op_sub, "sub")
RR(op_xor, "xor") RR(op_or, "or") RR(op_and, "and")

struct rr { const char *name; uint32_t (*fn)(uint32_t, uint32_t); uint32_t a, b, want; };

#define IMIN 0x80000000u
#define NEG1 0xffffffffu
#define IMAX 0x7fffffffu

static const struct rr rrs[] = {
	/* division: spec table 7.1 */
	{ "div", op_div, 7, 2, 3 }, { "div", op_div, (uint32_t)-7, 2, (uint32_t)-3 },
	{ "div", op_div, 7, (uint32_t)-2, (uint32_t)-3 }, { "div", op_div, (uint32_t)-7, (uint32_t)-2, 3 },
	{ "div", op_div, 12345, 0, NEG1 }, { "div", op_div, 0, 0, NEG1 }, { "div", op_div, IMIN, 0, NEG1 },
	{ "div", op_div, IMIN, NEG1, IMIN }, { "div", op_div, IMIN, 1, IMIN }, { "div", op_div, IMAX, NEG1, IMIN + 1 },
	{ "divu", op_divu, 7, 2, 3 }, { "divu", op_divu, 12345, 0, NEG1 }, { "divu", op_divu, 0, 0, NEG1 },
	{ "divu", op_divu, IMIN, NEG1, 0 }, { "divu", op_divu, NEG1, 1, NEG1 }, { "divu", op_divu, NEG1, 2, IMAX },
	{ "rem", op_rem, 7, 2, 1 }, { "rem", op_rem, (uint32_t)-7, 2, NEG1 }, { "rem", op_rem, 7, (uint32_t)-2, 1 },
	{ "rem", op_rem, (uint32_t)-7, (uint32_t)-2, NEG1 }, { "rem", op_rem, 12345, 0, 12345 },
	{ "rem", op_rem, (uint32_t)-5, 0, (uint32_t)-5 }, { "rem", op_rem, IMIN, NEG1, 0 }, { "rem", op_rem, IMIN, 0, IMIN },
	{ "remu", op_remu, 7, 2, 1 }, { "remu", op_remu, 12345, 0, 12345 }, { "remu", op_remu, NEG1, 0, NEG1 },
	{ "remu", op_remu, IMIN, NEG1, IMIN }, { "remu", op_remu, NEG1, 10, 5 },
	/* multiplication */
	{ "mul", op_mul, NEG1, NEG1, 1 }, { "mul", op_mul, IMIN, 2, 0 }, { "mul", op_mul, 0x10000, 0x10000, 0 },
	{ "mul", op_mul, 0x12345678, 0x9abcdef0, 0x242d2080 },
	{ "mulh", op_mulh, IMIN, IMIN, 0x40000000 }, { "mulh", op_mulh, NEG1, NEG1, 0 },
	{ "mulh", op_mulh, IMIN, NEG1, 0 }, { "mulh", op_mulh, IMAX, IMAX, 0x3fffffff },
	{ "mulh", op_mulh, NEG1, 1, NEG1 }, { "mulh", op_mulh, IMIN, IMAX, 0xc0000000 },
	{ "mulh", op_mulh, 0x12345678, 0x9abcdef0, 0xf8cc93d6 },
	{ "mulhu", op_mulhu, NEG1, NEG1, 0xfffffffe }, { "mulhu", op_mulhu, IMIN, 2, 1 },
	{ "mulhu", op_mulhu, IMIN, IMIN, 0x40000000 }, { "mulhu", op_mulhu, 0x12345678, 0x9abcdef0, 0x0b00ea4e },
	{ "mulhsu", op_mulhsu, NEG1, NEG1, NEG1 }, { "mulhsu", op_mulhsu, IMIN, NEG1, IMIN },
	{ "mulhsu", op_mulhsu, 1, NEG1, 0 }, { "mulhsu", op_mulhsu, IMAX, NEG1, 0x7ffffffe },
	{ "mulhsu", op_mulhsu, NEG1, 1, NEG1 }, { "mulhsu", op_mulhsu, IMIN, IMIN, 0xc0000000 },
	{ "mulhsu", op_mulhsu, 0x12345678, 0x9abcdef0, 0x0b00ea4e }, { "mulhsu", op_mulhsu, 0x9abcdef0, 0x12345678, 0xf8cc93d6 },
	/* shifts: only the low 5 bits of rs2 count */
	{ "sll", op_sll, 0x80000001, 0, 0x80000001 }, { "sll", op_sll, 1, 31, IMIN }, { "sll", op_sll, 1, 32, 1 },
	{ "sll", op_sll, 1, 33, 2 }, { "sll", op_sll, 1, NEG1, IMIN }, { "sll", op_sll, 3, 0xffffffe0, 3 },
	{ "srl", op_srl, IMIN, 31, 1 }, { "srl", op_srl, IMIN, 32, IMIN }, { "srl", op_srl, NEG1, 4, 0x0fffffff },
	{ "srl", op_srl, NEG1, 63, 1 },
	{ "sra", op_sra, IMIN, 31, NEG1 }, { "sra", op_sra, IMIN, 32, IMIN }, { "sra", op_sra, IMIN, 4, 0xf8000000 },
	{ "sra", op_sra, IMAX, 30, 1 }, { "sra", op_sra, 0xf0000000, NEG1, NEG1 },
	/* compares */
	{ "slt", op_slt, NEG1, 0, 1 }, { "slt", op_slt, 0, NEG1, 0 }, { "slt", op_slt, IMIN, IMAX, 1 },
	{ "slt", op_slt, IMAX, IMIN, 0 }, { "slt", op_slt, 5, 5, 0 },
	{ "sltu", op_sltu, NEG1, 0, 0 }, { "sltu", op_sltu, 0, NEG1, 1 }, { "sltu", op_sltu, IMIN, IMAX, 0 },
	{ "sltu", op_sltu, IMAX, IMIN, 1 }, { "sltu", op_sltu, 0, 0, 0 },
	/* wrap-around */
	{ "add", op_add, IMAX, 1, IMIN }, { "add", op_add, NEG1, 1, 0 }, { "sub", op_sub, IMIN, 1, IMAX },
	{ "sub", op_sub, 0, 1, NEG1 }, { "xor", op_xor, 0xf0f0f0f0, NEG1, 0x0f0f0f0f },
	{ "or", op_or, 0xf0f0f0f0, 0x0f0f0f0f, NEG1 }, { "and", op_and, 0xf0f0f0f0, 0x3c3c3c3c, 0x30303030 },
};

/* Immediate forms, one asm each (the immediate is part of the encoding). */
#define RI(insn, a, imm, want)                                                          \
	do {                                                                            \
		uint32_t _r, _a = (a);                                                  \
		__asm__ volatile(insn " %0, %1, " #imm : "=r"(_r) : "r"(_a));           \
		chk(insn " " #imm, _a, (uint32_t)(imm), _r, (want));                    \
	} while (0)

static void imm_tests(void)
{
	RI("slli", 1, 31, IMIN);
	RI("slli", 0x80000001, 0, 0x80000001);
	RI("srli", NEG1, 31, 1);
	RI("srai", IMIN, 31, NEG1);
	RI("srai", 0x40000000, 30, 1);
	RI("slti", NEG1, 0, 1);
	RI("slti", 0, -1, 0);
	RI("slti", IMIN, -2048, 1);
	RI("sltiu", 0, 1, 1);                    /* seqz */
	RI("sltiu", 5, 1, 0);
	RI("sltiu", 0xfffffffe, -1, 1);          /* imm sign-extended then compared unsigned */
	RI("sltiu", NEG1, -1, 0);
	RI("addi", IMAX, 1, IMIN);
	RI("addi", 0, -2048, 0xfffff800);
	RI("addi", 0, 2047, 0x7ff);
	RI("xori", 0x12345678, -1, 0xedcba987);  /* not */
	RI("ori", 0, -2048, 0xfffff800);
	RI("andi", NEG1, -16, 0xfffffff0);
	RI("andi", NEG1, 2047, 0x7ff);
}

static volatile uint8_t bytes[8] __attribute__((aligned(8))) = { 0x80, 0xff, 0x7f, 0x01, 0x00, 0x80, 0xff, 0xff };

#define LD(insn, off, want)                                                             \
	do {                                                                            \
		uint32_t _r;                                                            \
		__asm__ volatile(insn " %0, " #off "(%1)" : "=r"(_r) : "r"(bytes) : "memory"); \
		chk(insn " " #off, 0, off, _r, (want));                                 \
	} while (0)

static void load_tests(void)
{
	LD("lb", 0, 0xffffff80);
	LD("lb", 1, 0xffffffff);
	LD("lb", 2, 0x0000007f);
	LD("lbu", 0, 0x80);
	LD("lbu", 1, 0xff);
	LD("lh", 0, 0xffffff80);   /* bytes 80 ff -> 0xff80 */
	LD("lh", 2, 0x017f);
	LD("lh", 4, 0xffff8000);
	LD("lh", 6, 0xffffffff);
	LD("lhu", 4, 0x8000);
	LD("lhu", 6, 0xffff);
	LD("lw", 0, 0x017fff80);
	LD("lw", 4, 0xffff8000);
	/* stores write only their width */
	uint32_t w[2] = { 0x11111111, 0x22222222 };
	__asm__ volatile("sb %1, 1(%0)\n\tsh %2, 6(%0)" : : "r"(w), "r"(0xabcdefaa), "r"(0x12345678) : "memory");
	chk("sb/sh", 0, 0, w[0], 0x1111aa11);
	chk("sb/sh", 0, 0, w[1], 0x56782222);
}

static void branch_tests(void)
{
	static const struct { uint32_t a, b; } bv[] = {
		{ 0, 0 }, { 1, 2 }, { 2, 1 }, { NEG1, 0 }, { 0, NEG1 }, { IMIN, IMAX }, { IMAX, IMIN }, { IMIN, IMIN },
	};
	for (unsigned i = 0; i < sizeof bv / sizeof *bv; i++) {
		uint32_t a = bv[i].a, b = bv[i].b, m = 0;
		__asm__ volatile(
			"beq  %1, %2, 1f\n\t ori %0, %0, 0\n\t j 2f\n1: ori %0, %0, 1\n2:\n\t"
			"bne  %1, %2, 1f\n\t j 2f\n1: ori %0, %0, 2\n2:\n\t"
			"blt  %1, %2, 1f\n\t j 2f\n1: ori %0, %0, 4\n2:\n\t"
			"bge  %1, %2, 1f\n\t j 2f\n1: ori %0, %0, 8\n2:\n\t"
			"bltu %1, %2, 1f\n\t j 2f\n1: ori %0, %0, 16\n2:\n\t"
			"bgeu %1, %2, 1f\n\t j 2f\n1: ori %0, %0, 32\n2:\n\t"
			: "+r"(m)
			: "r"(a), "r"(b));
		uint32_t want = (a == b) | (a != b) << 1 | ((int32_t)a < (int32_t)b) << 2 |
				((int32_t)a >= (int32_t)b) << 3 | (a < b) << 4 | (a >= b) << 5;
		chk("branches", a, b, m, want);
	}
}

static void control_tests(void)
{
	uint32_t r, s;
	/* lui: upper 20 bits, low 12 zero */
	__asm__ volatile("lui %0, 0xfffff" : "=r"(r));
	chk("lui", 0, 0xfffff, r, 0xfffff000);
	__asm__ volatile("lui %0, 0x80000" : "=r"(r));
	chk("lui", 0, 0x80000, r, IMIN);
	/* auipc 0 gives the address of the auipc itself */
	__asm__ volatile(".option push\n\t.option norelax\n\t"
			 "1: auipc %0, 0\n\t la %1, 1b\n\t.option pop" : "=r"(r), "=r"(s));
	chk("auipc==la", 0, 0, r - s, 0);
	__asm__ volatile("1: auipc %0, 1\n\t auipc %1, 0\n\t" : "=r"(r), "=r"(s));
	chk("auipc 1", 0, 0, s - r, 4 - 4096);
	/* jalr clears bit 0 of the target */
	__asm__ volatile(".option push\n\t.option norvc\n\t"
			 "la t0, 1f\n\t addi t0, t0, 1\n\t li %0, 0\n\t jalr t1, t0, 0\n\t"
			 "li %0, 99\n"
			 "1: addi %0, %0, 7\n\t"
			 ".option pop"
			 : "=&r"(r) : : "t0", "t1");
	chk("jalr odd", 0, 0, r, 7);
	/* jalr with a negative offset, and rd == rs1 (target read before link written) */
	__asm__ volatile(".option push\n\t.option norvc\n\t"
			 "la t0, 2f + 8\n\t li %0, 0\n\t jalr t0, t0, -8\n\t"
			 "3: li %0, 99\n"
			 "2: addi %0, %0, 5\n\t"
			 "la %1, 3b\n\t sub %1, t0, %1\n\t"
			 ".option pop"
			 : "=&r"(r), "=&r"(s) : : "t0");
	chk("jalr neg", 0, 0, r, 5);
	chk("jalr rd=rs1 link", 0, 0, s, 0);    /* link = address after the jalr = label 3 */
	/* jal link = pc + 4 */
	__asm__ volatile(".option push\n\t.option norvc\n\t"
			 "jal t0, 1f\n 1: la %0, 1b\n\t sub %0, t0, %0\n\t.option pop"
			 : "=r"(r) : : "t0");
	chk("jal link", 0, 0, r, 0);
	/* c.jal / c.jalr link = pc + 2 */
	__asm__ volatile(".option push\n\t.option rvc\n\t.option norelax\n\t"
			 "mv t1, ra\n\t"
			 "1: c.jal 2f\n"
			 "2: la %0, 1b\n\t sub %0, ra, %0\n\t"
			 "la t0, 3f\n\t"
			 "4: c.jalr t0\n"
			 "3: la %1, 4b\n\t sub %1, ra, %1\n\t"
			 "mv ra, t1\n\t"
			 ".option pop"
			 : "=&r"(r), "=&r"(s) : : "t0", "t1", "ra");
	chk("c.jal link", 0, 0, r, 2);
	chk("c.jalr link", 0, 0, s, 2);
	/* x0 ignores writes */
	__asm__ volatile("li t0, 5\n\t add x0, t0, t0\n\t addi x0, x0, 7\n\t lw x0, 0(%1)\n\t mv %0, x0"
			 : "=r"(r) : "r"(bytes) : "t0", "memory");
	chk("x0", 0, 0, r, 0);
}

static void rvc_tests(void)
{
	uint32_t r, s;
	__asm__ volatile(".option push\n\t.option rvc\n\t c.li a0, -32\n\t mv %0, a0\n\t.option pop" : "=r"(r) : : "a0");
	chk("c.li -32", 0, 0, r, (uint32_t)-32);
	__asm__ volatile(".option push\n\t.option rvc\n\t c.lui a0, 0xfffe0\n\t mv %0, a0\n\t.option pop" : "=r"(r) : : "a0");
	chk("c.lui neg", 0, 0, r, 0xfffe0000);
	__asm__ volatile(".option push\n\t.option rvc\n\t c.lui a0, 1\n\t c.addi a0, -1\n\t mv %0, a0\n\t.option pop" : "=r"(r) : : "a0");
	chk("c.lui+c.addi", 0, 0, r, 0xfff);
	__asm__ volatile(".option push\n\t.option rvc\n\t mv a0, %1\n\t c.srai a0, 31\n\t mv %0, a0\n\t.option pop" : "=r"(r) : "r"(IMIN) : "a0");
	chk("c.srai 31", IMIN, 31, r, NEG1);
	__asm__ volatile(".option push\n\t.option rvc\n\t mv a0, %1\n\t c.srli a0, 1\n\t mv %0, a0\n\t.option pop" : "=r"(r) : "r"(IMIN) : "a0");
	chk("c.srli 1", IMIN, 1, r, 0x40000000);
	__asm__ volatile(".option push\n\t.option rvc\n\t mv a0, %1\n\t c.andi a0, -2\n\t mv %0, a0\n\t.option pop" : "=r"(r) : "r"(NEG1) : "a0");
	chk("c.andi -2", NEG1, (uint32_t)-2, r, 0xfffffffe);
	__asm__ volatile(".option push\n\t.option rvc\n\t mv a0, %1\n\t c.slli a0, 31\n\t mv %0, a0\n\t.option pop" : "=r"(r) : "r"(3) : "a0");
	chk("c.slli 31", 3, 31, r, IMIN);
	__asm__ volatile(".option push\n\t.option rvc\n\t mv a0, %1\n\t mv a1, %2\n\t c.sub a0, a1\n\t c.xor a1, a0\n\t"
			 " c.or a0, a1\n\t c.and a1, a0\n\t c.add a0, a1\n\t mv %0, a0\n\t.option pop"
			 : "=r"(r) : "r"(10), "r"(3) : "a0", "a1");
	/* a0=7; a1=3^7=4; a0=7|4=7; a1=4&7=4; a0=7+4=11 */
	chk("c.alu", 10, 3, r, 11);
	/* c.addi16sp / c.addi4spn / c.swsp / c.lwsp / c.sw / c.lw around sp */
	__asm__ volatile(".option push\n\t.option rvc\n\t"
			 "c.addi16sp sp, -64\n\t"
			 "c.addi4spn a0, sp, 16\n\t"
			 "li a1, 0x5a5a\n\t"
			 "c.swsp a1, 16(sp)\n\t"
			 "c.lw a2, 0(a0)\n\t"
			 "c.sw a2, 4(a0)\n\t"
			 "c.lwsp %0, 20(sp)\n\t"
			 "sub %1, a0, sp\n\t"
			 "c.addi16sp sp, 64\n\t"
			 ".option pop"
			 : "=r"(r), "=r"(s) : : "a0", "a1", "a2", "memory");
	chk("c.sp ops", 0, 0, r, 0x5a5a);
	chk("c.addi4spn", 0, 0, s, 16);
	/* c.beqz / c.bnez */
	__asm__ volatile(".option push\n\t.option rvc\n\t li %0, 0\n\t li a0, 0\n\t c.beqz a0, 1f\n\t addi %0, %0, 1\n"
			 "1: li a0, -1\n\t c.bnez a0, 2f\n\t addi %0, %0, 2\n2:\n\t.option pop" : "=&r"(r) : : "a0");
	chk("c.beqz/c.bnez", 0, 0, r, 0);
	/* c.mv copies, c.add adds */
	__asm__ volatile(".option push\n\t.option rvc\n\t li a0, 9\n\t c.mv a1, a0\n\t c.add a1, a0\n\t mv %0, a1\n\t.option pop" : "=r"(r) : : "a0", "a1");
	chk("c.mv/c.add", 0, 0, r, 18);
}

static void wide_tests(void)
{
	volatile int64_t a = -1234567890123456789ll, b = 987654321ll, z = 0x7fffffffffffffffll;
	volatile uint64_t ua = 0xfedcba9876543210ull, ub = 0x123456789ull;
	chk64("int64 div", (uint64_t)(a / b), (uint64_t)-1249999988ll);
	chk64("int64 rem", (uint64_t)(a % b), (uint64_t)-725308641ll);
	chk64("uint64 div", ua / ub, 0xe0000000ull);
	chk64("uint64 rem", ua % ub, 0x96543210ull);
	chk64("int64 mul", (uint64_t)(a * b), 0x3802dc1162e7387bull);
	chk64("uint64 mul", ua * ub, 0xcccccccce1833a90ull);
	chk64("int64 max+1 wraps", (uint64_t)z + 1, 0x8000000000000000ull);
	volatile int sh = 40;
	chk64("int64 >> 40", (uint64_t)(a >> sh), 0xffffffffffeeddefull);
	chk64("uint64 << 40", ua << sh, 0x5432100000000000ull);
	chk64("uint64 >> 40", ua >> sh, 0xfedcbaull);
}

int main(void)
{
	cpt_mark("edgecases:start");
	for (unsigned i = 0; i < sizeof rrs / sizeof *rrs; i++)
		chk(rrs[i].name, rrs[i].a, rrs[i].b, rrs[i].fn(rrs[i].a, rrs[i].b), rrs[i].want);
	imm_tests();
	load_tests();
	branch_tests();
	control_tests();
	rvc_tests();
	wide_tests();
	printf("checks: %d, failures: %d\n", checks, failures);
	return failures;
}
