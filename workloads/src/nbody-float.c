/* nbody-float: the same simulation in single precision (fadd.s, fmul.s,
 * fdiv.s, fsqrt.s, fmadd.s family, flw/fsw incl. c.flw/c.fsw, fcvt.d.s for
 * printing, NaN-boxed singles in the 64-bit f registers). argv[1] = steps. */
#define REAL float
#define SQRT __builtin_sqrtf
#define BITS_T uint32_t
#define NAME "nbody-float"
#define STEPS_DEFAULT 20000
#include "nbody.h"
