/* fpu-edge: the F and D extensions, instruction by instruction, as the oracle
 * for an FPU implementation. Every operation runs in inline asm with its
 * operands loaded by fld from memory (bit-exact, NaN-boxing visible), fflags
 * cleared just before and read just after, and the whole 64-bit destination
 * register stored by fsd. Covers: add/sub/mul/div/sqrt and the fused
 * multiply-adds in every static rounding mode (rne rtz rdn rup rmm) and in
 * dyn with frm set to each mode, on inexact, tie, overflow and underflow
 * inputs; special-value grids (zeros, infinities, qNaN/sNaN, subnormals) for
 * arithmetic, fmin/fmax, compares and sign injection; fclass; every
 * int<->fp conversion with saturation on NaN/inf/out-of-range per rounding
 * mode; fcvt.s.d/fcvt.d.s; fmv.x.w/fmv.w.x; NaN-boxing (what single ops do
 * with a register holding a non-boxed double); fcsr/frm/fflags CSR
 * semantics and flag accumulation. Output: hex bits and fflags (NV DZ OF UF
 * NX = 10 08 04 02 01). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "cpt.h"

typedef void (*opfn)(uint64_t *io, uint32_t ii, uint32_t frm, uint32_t *ir, uint32_t *fl);

/* io[0..2] = fp sources (ft0..ft2), io[3] = fp result (ft3); ii = int source; ir = int result. */
#define OPFN(cname, text)                                                                          \
	__attribute__((noinline)) static void cname(uint64_t *io, uint32_t ii, uint32_t frm, uint32_t *ir, \
						    uint32_t *fl)                                  \
	{                                                                                          \
		uint32_t _ir, _fl;                                                                 \
		__asm__ volatile("fld ft0, 0(%[io])\n\t"                                            \
				 "fld ft1, 8(%[io])\n\t"                                            \
				 "fld ft2, 16(%[io])\n\t"                                           \
				 "fmv.d ft3, ft2\n\t"                                               \
				 "li %[ir], 0\n\t"                                                  \
				 "fsrm %[frm]\n\t"                                                  \
				 "fsflags zero\n\t" text "\n\t"                                     \
				 "frflags %[fl]\n\t"                                                \
				 "fsrm zero\n\t"                                                    \
				 "fsd ft3, 24(%[io])"                                               \
				 : [ir] "=&r"(_ir), [fl] "=&r"(_fl)                                 \
				 : [io] "r"(io), [ii] "r"(ii), [frm] "r"(frm)                       \
				 : "ft0", "ft1", "ft2", "ft3", "t2", "memory");                           \
		*ir = _ir;                                                                         \
		*fl = _fl;                                                                         \
	}

/* Six variants: static rne rtz rdn rup rmm, and dyn (no rm operand: uses frm). */
#define RM6(cname, text)                         \
	OPFN(cname##_rne, text ", rne")          \
	OPFN(cname##_rtz, text ", rtz")          \
	OPFN(cname##_rdn, text ", rdn")          \
	OPFN(cname##_rup, text ", rup")          \
	OPFN(cname##_rmm, text ", rmm")          \
	OPFN(cname##_dyn, text)
#define FNS6(cname) { cname##_rne, cname##_rtz, cname##_rdn, cname##_rup, cname##_rmm, cname##_dyn }

enum kind { K_FF1, K_FF2, K_FF3, K_FI1, K_FI2, K_IF };

struct op {
	const char *name;
	enum kind kind;
	char in;       /* 's' or 'd': precision of the fp inputs */
	int has_rm;
	opfn fn[6];
};


/* ---- single ---- */
RM6(fadd_s, "fadd.s ft3, ft0, ft1")
RM6(fsub_s, "fsub.s ft3, ft0, ft1")
RM6(fmul_s, "fmul.s ft3, ft0, ft1")
RM6(fdiv_s, "fdiv.s ft3, ft0, ft1")
RM6(fsqrt_s, "fsqrt.s ft3, ft0")
RM6(fmadd_s, "fmadd.s ft3, ft0, ft1, ft2")
RM6(fmsub_s, "fmsub.s ft3, ft0, ft1, ft2")
RM6(fnmadd_s, "fnmadd.s ft3, ft0, ft1, ft2")
RM6(fnmsub_s, "fnmsub.s ft3, ft0, ft1, ft2")
RM6(fcvt_w_s, "fcvt.w.s %[ir], ft0")
RM6(fcvt_wu_s, "fcvt.wu.s %[ir], ft0")
RM6(fcvt_s_w, "fcvt.s.w ft3, %[ii]")
RM6(fcvt_s_wu, "fcvt.s.wu ft3, %[ii]")
OPFN(fmin_s, "fmin.s ft3, ft0, ft1")
OPFN(fmax_s, "fmax.s ft3, ft0, ft1")
OPFN(fsgnj_s, "fsgnj.s ft3, ft0, ft1")
OPFN(fsgnjn_s, "fsgnjn.s ft3, ft0, ft1")
OPFN(fsgnjx_s, "fsgnjx.s ft3, ft0, ft1")
OPFN(feq_s, "feq.s %[ir], ft0, ft1")
OPFN(flt_s, "flt.s %[ir], ft0, ft1")
OPFN(fle_s, "fle.s %[ir], ft0, ft1")
OPFN(fclass_s, "fclass.s %[ir], ft0")
OPFN(fmv_x_w, "fmv.x.w %[ir], ft0")
OPFN(fmv_w_x, "fmv.w.x ft3, %[ii]")
/* ---- double ---- */
RM6(fadd_d, "fadd.d ft3, ft0, ft1")
RM6(fsub_d, "fsub.d ft3, ft0, ft1")
RM6(fmul_d, "fmul.d ft3, ft0, ft1")
RM6(fdiv_d, "fdiv.d ft3, ft0, ft1")
RM6(fsqrt_d, "fsqrt.d ft3, ft0")
RM6(fmadd_d, "fmadd.d ft3, ft0, ft1, ft2")
RM6(fmsub_d, "fmsub.d ft3, ft0, ft1, ft2")
RM6(fnmadd_d, "fnmadd.d ft3, ft0, ft1, ft2")
RM6(fnmsub_d, "fnmsub.d ft3, ft0, ft1, ft2")
RM6(fcvt_w_d, "fcvt.w.d %[ir], ft0")
RM6(fcvt_wu_d, "fcvt.wu.d %[ir], ft0")
/* Exact conversions take no rounding mode in the assembler; the rm field must still be ignored
 * when set, so also run raw encodings with rm = rtz (1) and rm = dyn (7). */
OPFN(fcvt_d_w, "fcvt.d.w ft3, %[ii]")
OPFN(fcvt_d_wu, "fcvt.d.wu ft3, %[ii]")
OPFN(fcvt_d_w_rm1, "mv t2, %[ii]\n\t.word 0xd20391d3 /* fcvt.d.w ft3, t2, rtz */")
OPFN(fcvt_d_w_rm7, "mv t2, %[ii]\n\t.word 0xd203f1d3 /* fcvt.d.w ft3, t2, dyn */")
RM6(fcvt_s_d, "fcvt.s.d ft3, ft0")
OPFN(fcvt_d_s, "fcvt.d.s ft3, ft0")
OPFN(fcvt_d_s_rm1, ".word 0x420011d3 /* fcvt.d.s ft3, ft0, rtz */")
OPFN(fcvt_d_s_rm7, ".word 0x420071d3 /* fcvt.d.s ft3, ft0, dyn */")
OPFN(fmin_d, "fmin.d ft3, ft0, ft1")
OPFN(fmax_d, "fmax.d ft3, ft0, ft1")
OPFN(fsgnj_d, "fsgnj.d ft3, ft0, ft1")
OPFN(fsgnjn_d, "fsgnjn.d ft3, ft0, ft1")
OPFN(fsgnjx_d, "fsgnjx.d ft3, ft0, ft1")
OPFN(feq_d, "feq.d %[ir], ft0, ft1")
OPFN(flt_d, "flt.d %[ir], ft0, ft1")
OPFN(fle_d, "fle.d %[ir], ft0, ft1")
OPFN(fclass_d, "fclass.d %[ir], ft0")

#define NORM(f) { f, f, f, f, f, f }

static const char *const rm_names[6] = { "rne", "rtz", "rdn", "rup", "rmm", "dyn" };

#define BOX(x) (0xffffffff00000000ull | (uint32_t)(x))

static uint64_t io[4] __attribute__((aligned(8)));
static int lines;

/* Lines are built by hand (not printf): this program prints thousands of them. */
static char line[160];
static int lp;

static void put_s(const char *t)
{
	while (*t) line[lp++] = *t++;
}

static void put_hex(uint64_t v, int digits)
{
	for (int i = digits - 1; i >= 0; i--) line[lp++] = "0123456789abcdef"[(v >> (4 * i)) & 15];
}

static void print_in(char prec, uint64_t v)
{
	line[lp++] = ' ';
	if (prec == 's' && (v >> 32) == 0xffffffffu) put_hex(v, 8);
	else put_hex(v, 16);
}

/* Run op with rounding variant r (0..4 static, 5..9 = dyn with frm 0..4) and print one line. */
static void run(const struct op *op, int r, uint64_t a, uint64_t b, uint64_t c, uint32_t ii)
{
	uint32_t ir, fl;
	int slot = r < 5 ? r : 5;
	uint32_t frm = r < 5 ? 0 : (uint32_t)(r - 5);
	io[0] = a; io[1] = b; io[2] = c; io[3] = 0;
	op->fn[slot](io, ii, frm, &ir, &fl);
	lp = 0;
	put_s(op->name);
	while (lp < 13) line[lp++] = ' ';
	if (op->has_rm) {
		line[lp++] = ' ';
		if (r >= 5) put_s("dyn:");
		put_s(rm_names[r < 5 ? r : r - 5]);
	}
	switch (op->kind) {
	case K_FF1: case K_FI1: print_in(op->in, a); break;
	case K_FF2: case K_FI2: print_in(op->in, a); print_in(op->in, b); break;
	case K_FF3: print_in(op->in, a); print_in(op->in, b); print_in(op->in, c); break;
	case K_IF: line[lp++] = ' '; put_hex(ii, 8); break;
	}
	put_s(" -> ");
	if (op->kind == K_FI1 || op->kind == K_FI2) put_hex(ir, 8);
	else put_hex(io[3], 16);
	put_s(" fl=");
	put_hex(fl, 2);
	line[lp++] = '\n';
	fwrite(line, 1, (size_t)lp, stdout);
	lines++;
}

/* ---------------- values ---------------- */

static const uint32_t S_SPECIAL[] = {
	0x00000000, 0x80000000, 0x3f800000, 0xbfc00000, 0x7f7fffff, 0x00000001,
	0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001,
};
static const uint64_t D_SPECIAL[] = {
	0x0000000000000000ull, 0x8000000000000000ull, 0x3ff0000000000000ull, 0xbff8000000000000ull,
	0x7fefffffffffffffull, 0x0000000000000001ull, 0x7ff0000000000000ull, 0xfff0000000000000ull,
	0x7ff8000000000000ull, 0x7ff0000000000001ull,
};

/* Inexact / tie / overflow / underflow pairs for the rounding-mode sweep. */
static const uint32_t S_PAIRS[][2] = {
	{ 0x3f800000, 0x40400000 }, /* 1, 3 */
	{ 0xbf800000, 0x40400000 }, /* -1, 3 */
	{ 0x3f800000, 0x33800000 }, /* 1, 2^-24: add is an exact tie */
	{ 0x3f800001, 0x33800000 }, /* 1+ulp, 2^-24: tie, odd */
	{ 0xbf800000, 0xb3800000 }, /* -1, -2^-24 */
	{ 0x3dcccccd, 0x3e4ccccd }, /* 0.1, 0.2 */
	{ 0x7f7fffff, 0x7f7fffff }, /* max, max: overflow */
	{ 0x00800000, 0x3f000000 }, /* min normal, 0.5: subnormal result */
	{ 0x00800001, 0x3effffff }, /* underflow with rounding */
	{ 0x3f800000, 0x3f800000 }, /* exact: 1, 1 (sub gives zero: sign per mode) */
	{ 0x40490fdb, 0xc02df854 }, /* pi, -e */
	{ 0x00000003, 0x3e800000 }, /* tiny subnormal * 0.25 */
	{ 0x3f7ffffe, 0x00800001 }, /* mul: just below 2^-126, rounds up to it: tininess after rounding */
};
static const uint64_t D_PAIRS[][2] = {
	{ 0x3ff0000000000000ull, 0x4008000000000000ull },
	{ 0xbff0000000000000ull, 0x4008000000000000ull },
	{ 0x3ff0000000000000ull, 0x3ca0000000000000ull }, /* 1, 2^-53 */
	{ 0x3ff0000000000001ull, 0x3ca0000000000000ull },
	{ 0xbff0000000000000ull, 0xbca0000000000000ull },
	{ 0x3fb999999999999aull, 0x3fc999999999999aull }, /* 0.1, 0.2 */
	{ 0x7fefffffffffffffull, 0x7fefffffffffffffull },
	{ 0x0010000000000000ull, 0x3fe0000000000000ull },
	{ 0x0010000000000001ull, 0x3fdfffffffffffffull },
	{ 0x3ff0000000000000ull, 0x3ff0000000000000ull },
	{ 0x400921fb54442d18ull, 0xc005bf0a8b145769ull },
	{ 0x0000000000000003ull, 0x3fd0000000000000ull },
	{ 0x3feffffffffffffeull, 0x0010000000000001ull }, /* mul: tininess after rounding */
};

static const uint32_t S_SQRT[] = {
	0x40000000, 0x40400000, 0x40800000, 0x3f800001, 0x00000001, 0x007fffff, 0x7f7fffff,
	0x00000000, 0x80000000, 0xbf800000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001, 0xff812345,
};
static const uint64_t D_SQRT[] = {
	0x4000000000000000ull, 0x4008000000000000ull, 0x4010000000000000ull, 0x3ff0000000000001ull,
	0x0000000000000001ull, 0x000fffffffffffffull, 0x7fefffffffffffffull, 0x0000000000000000ull,
	0x8000000000000000ull, 0xbff0000000000000ull, 0x7ff0000000000000ull, 0xfff0000000000000ull,
	0x7ff8000000000000ull, 0x7ff0000000000001ull, 0xfff0000000012345ull,
};

static const uint32_t S_FMA[][3] = {
	{ 0x3f800001, 0x3f7ffffe, 0xbf800000 }, /* (1+u)(1-2u) - 1: only fused keeps the tiny result */
	{ 0x40400000, 0x3eaaaaab, 0xbf800000 }, /* 3 * (1/3) - 1 */
	{ 0x7f800000, 0x00000000, 0x7fc00000 }, /* inf * 0 + qNaN: invalid */
	{ 0x7f800000, 0x3f800000, 0xff800000 }, /* inf - inf: invalid */
	{ 0x00000000, 0x3f800000, 0x80000000 }, /* +0*1 + -0: sign of zero depends on mode */
	{ 0x3f800000, 0x3f800000, 0xbf800000 }, /* 1*1 - 1 = exact zero */
	{ 0x7f7fffff, 0x40000000, 0x00000000 }, /* overflow */
	{ 0x00800000, 0x3f000001, 0x80000000 }, /* underflow */
	{ 0x7f800001, 0x3f800000, 0x3f800000 }, /* sNaN operand */
	{ 0x3dcccccd, 0x41200000, 0xbf800000 }, /* 0.1*10 - 1 */
};
static const uint64_t D_FMA[][3] = {
	{ 0x3ff0000000000001ull, 0x3feffffffffffffeull, 0xbff0000000000000ull },
	{ 0x4008000000000000ull, 0x3fd5555555555555ull, 0xbff0000000000000ull },
	{ 0x7ff0000000000000ull, 0x0000000000000000ull, 0x7ff8000000000000ull },
	{ 0x7ff0000000000000ull, 0x3ff0000000000000ull, 0xfff0000000000000ull },
	{ 0x0000000000000000ull, 0x3ff0000000000000ull, 0x8000000000000000ull },
	{ 0x3ff0000000000000ull, 0x3ff0000000000000ull, 0xbff0000000000000ull },
	{ 0x7fefffffffffffffull, 0x4000000000000000ull, 0x0000000000000000ull },
	{ 0x0010000000000000ull, 0x3fe0000000000001ull, 0x8000000000000000ull },
	{ 0x7ff0000000000001ull, 0x3ff0000000000000ull, 0x3ff0000000000000ull },
	{ 0x3fb999999999999aull, 0x4024000000000000ull, 0xbff0000000000000ull },
};

/* fp -> int conversion inputs */
static const uint32_t S_TOINT[] = {
	0x00000000, 0x80000000, 0x3f000000, 0xbf000000, 0x3fc00000, 0xbfc00000, 0x40200000, 0xc0200000,
	0x3f7fffff, 0x4effffff, 0x4f000000, 0xcf000000, 0xcf000001, 0x4f7fffff, 0x4f800000, 0xbf800000,
	0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7f800001, 0x00000001,
};
static const uint64_t D_TOINT[] = {
	0x0000000000000000ull, 0x8000000000000000ull, 0x3fe0000000000000ull, 0xbfe0000000000000ull,
	0x3ff8000000000000ull, 0xbff8000000000000ull, 0x4004000000000000ull, 0xc004000000000000ull,
	0x41dfffffffc00000ull, /* 2^31-1 */ 0x41dfffffffe00000ull, /* 2^31-0.5 */ 0x41e0000000000000ull, /* 2^31 */
	0xc1e0000000000000ull, /* -2^31 */ 0xc1e0000000100000ull, /* -2^31-0.5 */ 0xc1e0000000200000ull, /* -2^31-1 */
	0x41efffffffe00000ull, /* 2^32-1 */ 0x41efffffffff0000ull, /* 2^32-1+0.5 */ 0x41f0000000000000ull, /* 2^32 */
	0xbff0000000000000ull, 0xbfefffffffffffffull, 0x7ff0000000000000ull, 0xfff0000000000000ull,
	0x7ff8000000000000ull, 0xfff8000000000000ull, 0x7ff0000000000001ull, 0x0000000000000001ull,
};
static const uint32_t I_TOFP[] = {
	0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 0x01000001, 0xfeffffff, 0x00ffffff, 0x01000003, 0x7fffffc0,
	0x12345677,
};
/* double -> single narrowing */
static const uint64_t D_NARROW[] = {
	0x3fd5555555555555ull, 0xbfd5555555555555ull, 0x47efffffe0000000ull, /* float max + half ulp */
	0x47effffff0000000ull, 0x7fefffffffffffffull, 0x3810000000000000ull, /* 2^-126 */
	0x380fffffffffffffull, 0x36a0000000000000ull, /* 2^-149 */ 0x3690000000000000ull, /* 2^-150 */
	0x3690000000000001ull, 0x7ff0000000000000ull, 0x7ff8000000000000ull, 0x7ff0000000000001ull,
	0xfff8000012345678ull, 0x8000000000000000ull, 0x3ff0000010000000ull, /* 1 + half single ulp: tie */
	0x3ff0000030000000ull, /* tie, odd */
};
static const uint32_t S_WIDEN[] = {
	0x3eaaaaab, 0x00000001, 0x007fffff, 0x7f7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001,
	0xffc12345, 0x80000000,
};
static const uint32_t S_CLASS[] = {
	0xff800000, 0xbf800000, 0x807fffff, 0x80000000, 0x00000000, 0x00000001, 0x3f800000, 0x7f800000,
	0x7f800001, 0x7fc00000, 0xffffffff, 0x7fbfffff,
};
static const uint64_t D_CLASS[] = {
	0xfff0000000000000ull, 0xbff0000000000000ull, 0x800fffffffffffffull, 0x8000000000000000ull,
	0x0000000000000000ull, 0x0000000000000001ull, 0x3ff0000000000000ull, 0x7ff0000000000000ull,
	0x7ff0000000000001ull, 0x7ff8000000000000ull, 0xffffffffffffffffull, 0x7ff7ffffffffffffull,
};

#define N(a) (sizeof(a) / sizeof *(a))

static const struct op OPS_GRID_S[] = {
	{ "fadd.s", K_FF2, 's', 0, FNS6(fadd_s) }, { "fsub.s", K_FF2, 's', 0, FNS6(fsub_s) },
	{ "fmul.s", K_FF2, 's', 0, FNS6(fmul_s) }, { "fdiv.s", K_FF2, 's', 0, FNS6(fdiv_s) },
	{ "fmin.s", K_FF2, 's', 0, NORM(fmin_s) }, { "fmax.s", K_FF2, 's', 0, NORM(fmax_s) },
	{ "feq.s", K_FI2, 's', 0, NORM(feq_s) }, { "flt.s", K_FI2, 's', 0, NORM(flt_s) },
	{ "fle.s", K_FI2, 's', 0, NORM(fle_s) }, { "fsgnj.s", K_FF2, 's', 0, NORM(fsgnj_s) },
	{ "fsgnjn.s", K_FF2, 's', 0, NORM(fsgnjn_s) }, { "fsgnjx.s", K_FF2, 's', 0, NORM(fsgnjx_s) },
};
static const struct op OPS_GRID_D[] = {
	{ "fadd.d", K_FF2, 'd', 0, FNS6(fadd_d) }, { "fsub.d", K_FF2, 'd', 0, FNS6(fsub_d) },
	{ "fmul.d", K_FF2, 'd', 0, FNS6(fmul_d) }, { "fdiv.d", K_FF2, 'd', 0, FNS6(fdiv_d) },
	{ "fmin.d", K_FF2, 'd', 0, NORM(fmin_d) }, { "fmax.d", K_FF2, 'd', 0, NORM(fmax_d) },
	{ "feq.d", K_FI2, 'd', 0, NORM(feq_d) }, { "flt.d", K_FI2, 'd', 0, NORM(flt_d) },
	{ "fle.d", K_FI2, 'd', 0, NORM(fle_d) }, { "fsgnj.d", K_FF2, 'd', 0, NORM(fsgnj_d) },
	{ "fsgnjn.d", K_FF2, 'd', 0, NORM(fsgnjn_d) }, { "fsgnjx.d", K_FF2, 'd', 0, NORM(fsgnjx_d) },
};
static const struct op OPS_RM2_S[] = {
	{ "fadd.s", K_FF2, 's', 1, FNS6(fadd_s) }, { "fsub.s", K_FF2, 's', 1, FNS6(fsub_s) },
	{ "fmul.s", K_FF2, 's', 1, FNS6(fmul_s) }, { "fdiv.s", K_FF2, 's', 1, FNS6(fdiv_s) },
};
static const struct op OPS_RM2_D[] = {
	{ "fadd.d", K_FF2, 'd', 1, FNS6(fadd_d) }, { "fsub.d", K_FF2, 'd', 1, FNS6(fsub_d) },
	{ "fmul.d", K_FF2, 'd', 1, FNS6(fmul_d) }, { "fdiv.d", K_FF2, 'd', 1, FNS6(fdiv_d) },
};
static const struct op OPS_FMA_S[] = {
	{ "fmadd.s", K_FF3, 's', 1, FNS6(fmadd_s) }, { "fmsub.s", K_FF3, 's', 1, FNS6(fmsub_s) },
	{ "fnmadd.s", K_FF3, 's', 1, FNS6(fnmadd_s) }, { "fnmsub.s", K_FF3, 's', 1, FNS6(fnmsub_s) },
};
static const struct op OPS_FMA_D[] = {
	{ "fmadd.d", K_FF3, 'd', 1, FNS6(fmadd_d) }, { "fmsub.d", K_FF3, 'd', 1, FNS6(fmsub_d) },
	{ "fnmadd.d", K_FF3, 'd', 1, FNS6(fnmadd_d) }, { "fnmsub.d", K_FF3, 'd', 1, FNS6(fnmsub_d) },
};
static const struct op OP_SQRT_S = { "fsqrt.s", K_FF1, 's', 1, FNS6(fsqrt_s) };
static const struct op OP_SQRT_D = { "fsqrt.d", K_FF1, 'd', 1, FNS6(fsqrt_d) };
static const struct op OPS_TOINT_S[] = {
	{ "fcvt.w.s", K_FI1, 's', 1, FNS6(fcvt_w_s) }, { "fcvt.wu.s", K_FI1, 's', 1, FNS6(fcvt_wu_s) },
};
static const struct op OPS_TOINT_D[] = {
	{ "fcvt.w.d", K_FI1, 'd', 1, FNS6(fcvt_w_d) }, { "fcvt.wu.d", K_FI1, 'd', 1, FNS6(fcvt_wu_d) },
};
static const struct op OPS_TOFP[] = {
	{ "fcvt.s.w", K_IF, 's', 1, FNS6(fcvt_s_w) }, { "fcvt.s.wu", K_IF, 's', 1, FNS6(fcvt_s_wu) },
};
static const struct op OPS_TOFP_EXACT[] = {
	{ "fcvt.d.w", K_IF, 'd', 0, NORM(fcvt_d_w) }, { "fcvt.d.wu", K_IF, 'd', 0, NORM(fcvt_d_wu) },
	{ "fcvt.d.w/rm=1", K_IF, 'd', 0, NORM(fcvt_d_w_rm1) }, { "fcvt.d.w/rm=7", K_IF, 'd', 0, NORM(fcvt_d_w_rm7) },
};
static const struct op OP_NARROW = { "fcvt.s.d", K_FF1, 'd', 1, FNS6(fcvt_s_d) };
static const struct op OP_WIDEN = { "fcvt.d.s", K_FF1, 's', 0, NORM(fcvt_d_s) };
static const struct op OP_WIDEN1 = { "fcvt.d.s/rm=1", K_FF1, 's', 0, NORM(fcvt_d_s_rm1) };
static const struct op OP_WIDEN7 = { "fcvt.d.s/rm=7", K_FF1, 's', 0, NORM(fcvt_d_s_rm7) };
static const struct op OP_CLASS_S = { "fclass.s", K_FI1, 's', 0, NORM(fclass_s) };
static const struct op OP_CLASS_D = { "fclass.d", K_FI1, 'd', 0, NORM(fclass_d) };
static const struct op OP_MVXW = { "fmv.x.w", K_FI1, 's', 0, NORM(fmv_x_w) };
static const struct op OP_MVWX = { "fmv.w.x", K_IF, 's', 0, NORM(fmv_w_x) };
static const struct op OP_ADD_S = { "fadd.s", K_FF2, 's', 0, FNS6(fadd_s) };
static const struct op OP_MUL_S = { "fmul.s", K_FF2, 's', 0, FNS6(fmul_s) };
static const struct op OP_SGNJ_S = { "fsgnj.s", K_FF2, 's', 0, NORM(fsgnj_s) };
static const struct op OP_SGNJX_S = { "fsgnjx.s", K_FF2, 's', 0, NORM(fsgnjx_s) };
static const struct op OP_MIN_S = { "fmin.s", K_FF2, 's', 0, NORM(fmin_s) };
static const struct op OP_EQ_S = { "feq.s", K_FI2, 's', 0, NORM(feq_s) };
static const struct op OP_FMA_S1 = { "fmadd.s", K_FF3, 's', 0, FNS6(fmadd_s) };
static const struct op OP_SQRT_S0 = { "fsqrt.s", K_FF1, 's', 0, FNS6(fsqrt_s) };
static const struct op OP_CVTWS = { "fcvt.w.s", K_FI1, 's', 0, FNS6(fcvt_w_s) };

static void section(const char *t)
{
	printf("== %s\n", t);
}

/* All rounding variants: 5 static modes and dyn with frm = each mode. */
#define ALL_RM(r) for (int r = 0; r < 10; r++)

static void csr_tests(void)
{
	uint32_t a, b, c, d;
	section("fcsr / frm / fflags");
	__asm__ volatile("fscsr %1, %2\n\tfrcsr %0" : "=r"(a), "=r"(b) : "r"(0xffffffffu));
	printf("fscsr 0xffffffff: old fcsr %02x, reads back %08x\n", (unsigned)b, (unsigned)a);
	__asm__ volatile("frrm %0\n\tfrflags %1" : "=r"(a), "=r"(b));
	printf("  frm %x fflags %02x\n", (unsigned)a, (unsigned)b);
	__asm__ volatile("fsrm %0, %2\n\tfsflags %1, %3" : "=r"(a), "=r"(b) : "r"(0x3u), "r"(0x15u));
	printf("fsrm 3 returned old %x, fsflags 0x15 returned old %02x\n", (unsigned)a, (unsigned)b);
	__asm__ volatile("frcsr %0" : "=r"(a));
	printf("  fcsr now %08x (frm<<5 | fflags)\n", (unsigned)a);
	__asm__ volatile("fsrmi %0, 4\n\tfrrm %1\n\tfsflagsi %2, 0x3\n\tfrflags %3" : "=r"(a), "=r"(b), "=r"(c), "=r"(d));
	printf("fsrmi 4: old %x now %x; fsflagsi 3: old %02x now %02x\n", (unsigned)a, (unsigned)b, (unsigned)c, (unsigned)d);
	__asm__ volatile("csrrsi %0, fflags, 0x10\n\tcsrrci %1, fflags, 0x1\n\tcsrr %2, fflags\n\tcsrr %3, fcsr"
			 : "=r"(a), "=r"(b), "=r"(c), "=r"(d));
	printf("csrrsi fflags 0x10: old %02x; csrrci 0x1: old %02x; fflags %02x fcsr %08x\n", (unsigned)a, (unsigned)b,
	       (unsigned)c, (unsigned)d);
	__asm__ volatile("csrw fcsr, %1\n\tcsrrs %0, frm, %2" : "=r"(a) : "r"(0x0u), "r"(0x2u));
	__asm__ volatile("csrr %0, fcsr" : "=r"(b));
	printf("csrrs frm 2 after fcsr=0: old %x, fcsr %08x\n", (unsigned)a, (unsigned)b);
	for (uint32_t v = 5; v <= 7; v++) {
		__asm__ volatile("fsrm %1\n\tfrrm %0\n\tfrcsr %2\n\tfsrm zero" : "=r"(a) : "r"(v), "r"(0) );
		printf("frm written %u reads %u\n", (unsigned)v, (unsigned)a);
	}
	__asm__ volatile("fsrm %1, %2\n\t" : "=r"(a) : "r"(0) , "r"(0x1fu));
	__asm__ volatile("frrm %0" : "=r"(a));
	printf("fsrm 0x1f (only 3 bits kept): frm %u\n", (unsigned)a);
	__asm__ volatile("fscsr zero");
	/* Flag accumulation across operations */
	double one = 1.0, three = 3.0, zero = 0.0, r;
	__asm__ volatile("fsflags zero\n\t"
			 "fdiv.d %0, %2, %3\n\t"   /* inexact */
			 "frflags %1" : "=&f"(r), "=&r"(a) : "f"(one), "f"(three));
	__asm__ volatile("fdiv.d %0, %2, %3\n\t"   /* divide by zero, keeps NX */
			 "frflags %1" : "=&f"(r), "=&r"(b) : "f"(one), "f"(zero));
	__asm__ volatile("fdiv.d %0, %2, %2\n\t"   /* 0/0 invalid */
			 "frflags %1\n\tfsflags zero" : "=&f"(r), "=&r"(c) : "f"(zero));
	printf("accumulate: after 1/3 %02x, after 1/0 %02x, after 0/0 %02x\n", (unsigned)a, (unsigned)b, (unsigned)c);
	/* Ops that never set flags: fsgnj, fmv, loads/stores, fclass, even on sNaN */
	uint64_t snan = 0x7ff0000000000001ull;
	__asm__ volatile("fsflags zero\n\tfld ft0, 0(%1)\n\tfsgnjn.d ft1, ft0, ft0\n\tfclass.d t0, ft1\n\t"
			 "fsd ft1, 0(%1)\n\tfmv.x.w t0, ft0\n\tfrflags %0"
			 : "=r"(a) : "r"(&snan) : "ft0", "ft1", "t0", "memory");
	printf("fld/fsgnjn/fclass/fsd/fmv.x.w on sNaN: fflags %02x, stored %016llx\n", (unsigned)a, (unsigned long long)snan);
}

static void boxing_tests(void)
{
	section("NaN-boxing");
	uint64_t d_one = 0x3ff0000000000000ull, d_pi = 0x400921fb54442d18ull;
	uint64_t halfbox = 0x7fffffff3f800000ull; /* upper word not all ones */
	/* single ops reading a non-boxed register see the canonical NaN */
	run(&OP_ADD_S, 0, d_one, d_one, 0, 0);
	run(&OP_ADD_S, 0, d_pi, BOX(0x3f800000), 0, 0);
	run(&OP_ADD_S, 0, halfbox, BOX(0x3f800000), 0, 0);
	run(&OP_MUL_S, 0, BOX(0x40000000), d_one, 0, 0);
	run(&OP_SGNJ_S, 0, d_one, BOX(0x80000000), 0, 0);
	run(&OP_SGNJ_S, 0, BOX(0x3f800000), d_one, 0, 0);
	run(&OP_SGNJX_S, 0, d_pi, d_pi, 0, 0);
	run(&OP_MIN_S, 0, d_one, BOX(0x40000000), 0, 0);
	run(&OP_EQ_S, 0, d_one, d_one, 0, 0);
	run(&OP_CLASS_S, 0, d_one, 0, 0, 0);
	run(&OP_CLASS_S, 0, halfbox, 0, 0, 0);
	run(&OP_FMA_S1, 0, BOX(0x3f800000), BOX(0x3f800000), d_one, 0);
	run(&OP_SQRT_S0, 0, d_one, 0, 0, 0);
	run(&OP_CVTWS, 1, d_one, 0, 0, 0);
	run(&OP_WIDEN, 0, d_one, 0, 0, 0);
	/* fmv.x.w does not check boxing: low word comes out as is */
	run(&OP_MVXW, 0, d_pi, 0, 0, 0);
	run(&OP_MVXW, 0, BOX(0xff812345), 0, 0, 0);
	/* results of single ops and fmv.w.x are boxed */
	run(&OP_MVWX, 0, 0, 0, 0, 0x7f812345);
	run(&OP_MVWX, 0, 0, 0, 0, 0x00000000);
	/* flw boxes; fsw stores the low word of anything; fld/fsd move 64 bits untouched */
	uint32_t w[2] = { 0x12345678, 0 };
	uint64_t out = 0, in = 0xfff0000000abcdefull, out2 = 0;
	__asm__ volatile("flw ft0, 0(%1)\n\tfsd ft0, 0(%2)\n\t"
			 "fld ft1, 0(%3)\n\tfsw ft1, 4(%1)\n\tfsd ft1, 0(%4)"
			 : "=m"(out)
			 : "r"(w), "r"(&out), "r"(&in), "r"(&out2)
			 : "ft0", "ft1", "memory");
	printf("flw %08x -> register %016llx\n", (unsigned)w[0], (unsigned long long)out);
	printf("fld %016llx; fsw stores %08x; fsd stores %016llx\n", (unsigned long long)in, (unsigned)w[1],
	       (unsigned long long)out2);
	/* compressed FP loads/stores */
	uint64_t cbuf[2] = { 0x7ff4000000000042ull, 0 };
	uint32_t cw[2] = { 0x7fa00001, 0 };
	__asm__ volatile(".option push\n\t.option rvc\n\t"
			 "mv a0, %0\n\tmv a1, %1\n\t"
			 "c.fld fa0, 0(a0)\n\tc.fsd fa0, 8(a0)\n\t"
			 "c.flw fa1, 0(a1)\n\tc.fsw fa1, 4(a1)\n\t"
			 ".option pop"
			 : : "r"(cbuf), "r"(cw) : "a0", "a1", "fa0", "fa1", "memory");
	printf("c.fld/c.fsd %016llx; c.flw/c.fsw %08x\n", (unsigned long long)cbuf[1], (unsigned)cw[1]);
}

int main(void)
{
	cpt_mark("fpu-edge:start");
	csr_tests();
	boxing_tests();

	section("special-value grid, single (rne)");
	for (unsigned o = 0; o < N(OPS_GRID_S); o++)
		for (unsigned i = 0; i < N(S_SPECIAL); i++)
			for (unsigned j = 0; j < N(S_SPECIAL); j++)
				run(&OPS_GRID_S[o], 0, BOX(S_SPECIAL[i]), BOX(S_SPECIAL[j]), 0, 0);
	cpt_mark("fpu-edge:grid-d");
	section("special-value grid, double (rne)");
	for (unsigned o = 0; o < N(OPS_GRID_D); o++)
		for (unsigned i = 0; i < N(D_SPECIAL); i++)
			for (unsigned j = 0; j < N(D_SPECIAL); j++)
				run(&OPS_GRID_D[o], 0, D_SPECIAL[i], D_SPECIAL[j], 0, 0);

	cpt_mark("fpu-edge:rounding");
	section("rounding modes, single");
	for (unsigned o = 0; o < N(OPS_RM2_S); o++)
		for (unsigned i = 0; i < N(S_PAIRS); i++)
			ALL_RM(r) run(&OPS_RM2_S[o], r, BOX(S_PAIRS[i][0]), BOX(S_PAIRS[i][1]), 0, 0);
	section("rounding modes, double");
	for (unsigned o = 0; o < N(OPS_RM2_D); o++)
		for (unsigned i = 0; i < N(D_PAIRS); i++)
			ALL_RM(r) run(&OPS_RM2_D[o], r, D_PAIRS[i][0], D_PAIRS[i][1], 0, 0);
	section("sqrt");
	for (unsigned i = 0; i < N(S_SQRT); i++)
		for (int r = 0; r < 5; r++) run(&OP_SQRT_S, r, BOX(S_SQRT[i]), 0, 0, 0);
	for (unsigned i = 0; i < N(D_SQRT); i++)
		for (int r = 0; r < 5; r++) run(&OP_SQRT_D, r, D_SQRT[i], 0, 0, 0);
	section("fused multiply-add");
	for (unsigned o = 0; o < N(OPS_FMA_S); o++)
		for (unsigned i = 0; i < N(S_FMA); i++)
			for (int r = 0; r < 5; r++)
				run(&OPS_FMA_S[o], r, BOX(S_FMA[i][0]), BOX(S_FMA[i][1]), BOX(S_FMA[i][2]), 0);
	for (unsigned o = 0; o < N(OPS_FMA_D); o++)
		for (unsigned i = 0; i < N(D_FMA); i++)
			for (int r = 0; r < 5; r++)
				run(&OPS_FMA_D[o], r, D_FMA[i][0], D_FMA[i][1], D_FMA[i][2], 0);

	cpt_mark("fpu-edge:convert");
	section("fp -> int (saturating)");
	for (unsigned o = 0; o < N(OPS_TOINT_S); o++)
		for (unsigned i = 0; i < N(S_TOINT); i++)
			ALL_RM(r) run(&OPS_TOINT_S[o], r, BOX(S_TOINT[i]), 0, 0, 0);
	for (unsigned o = 0; o < N(OPS_TOINT_D); o++)
		for (unsigned i = 0; i < N(D_TOINT); i++)
			ALL_RM(r) run(&OPS_TOINT_D[o], r, D_TOINT[i], 0, 0, 0);
	section("int -> fp");
	for (unsigned o = 0; o < N(OPS_TOFP); o++)
		for (unsigned i = 0; i < N(I_TOFP); i++)
			for (int r = 0; r < 5; r++) run(&OPS_TOFP[o], r, 0, 0, 0, I_TOFP[i]);
	for (unsigned o = 0; o < N(OPS_TOFP_EXACT); o++)
		for (unsigned i = 0; i < N(I_TOFP); i++) run(&OPS_TOFP_EXACT[o], 0, 0, 0, 0, I_TOFP[i]);
	section("double <-> single");
	for (unsigned i = 0; i < N(D_NARROW); i++)
		ALL_RM(r) run(&OP_NARROW, r, D_NARROW[i], 0, 0, 0);
	for (unsigned i = 0; i < N(S_WIDEN); i++) {
		run(&OP_WIDEN, 0, BOX(S_WIDEN[i]), 0, 0, 0);
		run(&OP_WIDEN1, 0, BOX(S_WIDEN[i]), 0, 0, 0);
		run(&OP_WIDEN7, 0, BOX(S_WIDEN[i]), 0, 0, 0);
	}
	section("fclass");
	for (unsigned i = 0; i < N(S_CLASS); i++) run(&OP_CLASS_S, 0, BOX(S_CLASS[i]), 0, 0, 0);
	for (unsigned i = 0; i < N(D_CLASS); i++) run(&OP_CLASS_D, 0, D_CLASS[i], 0, 0, 0);
	section("fmv");
	for (unsigned i = 0; i < N(S_CLASS); i++) run(&OP_MVXW, 0, BOX(S_CLASS[i]), 0, 0, 0);
	for (unsigned i = 0; i < N(I_TOFP); i++) run(&OP_MVWX, 0, 0, 0, 0, I_TOFP[i]);
	uint32_t fcsr;
	__asm__ volatile("frcsr %0" : "=r"(fcsr));
	printf("== done: %d operations, fcsr at end %08x\n", lines, (unsigned)fcsr);
	return 0;
}
