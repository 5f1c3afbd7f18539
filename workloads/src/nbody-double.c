/* nbody-double: the 5-body planetary simulation in double precision (fadd.d,
 * fmul.d, fdiv.d, fsqrt.d, fused fmadd.d/fmsub.d/fnmsub.d from contraction,
 * fld/fsd incl. compressed c.fld/c.fsd/c.fldsp), midpoint pi, Simpson,
 * Newton vs fsqrt; prints with %f %e %g and raw bits. argv[1] = steps. */
#define REAL double
#define SQRT __builtin_sqrt
#define BITS_T uint64_t
#define NAME "nbody-double"
#define STEPS_DEFAULT 20000
#include "nbody.h"
