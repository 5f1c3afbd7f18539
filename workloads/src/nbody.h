/* nbody.h - shared body of nbody-float.c and nbody-double.c. Define REAL (float
 * or double), SQRT, BITS_T and NAME before including. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpt.h"

#define PI 3.141592653589793
#define SOLAR_MASS ((REAL)(4 * PI * PI))
#define DAYS_PER_YEAR ((REAL)365.24)

struct body { REAL x, y, z, vx, vy, vz, mass; };

static struct body bodies[5] = {
	{ 0, 0, 0, 0, 0, 0, 0 }, /* sun; mass set in main */
	{ (REAL)4.84143144246472090e+00, (REAL)-1.16032004402742839e+00, (REAL)-1.03622044471123109e-01,
	  (REAL)1.66007664274403694e-03, (REAL)7.69901118419740425e-03, (REAL)-6.90460016972063023e-05,
	  (REAL)9.54791938424326609e-04 },
	{ (REAL)8.34336671824457987e+00, (REAL)4.12479856412430479e+00, (REAL)-4.03523417114321381e-01,
	  (REAL)-2.76742510726862411e-03, (REAL)4.99852801234917238e-03, (REAL)2.30417297573763929e-05,
	  (REAL)2.85885980666130812e-04 },
	{ (REAL)1.28943695621391310e+01, (REAL)-1.51111514016986312e+01, (REAL)-2.23307578892655734e-01,
	  (REAL)2.96460137564761618e-03, (REAL)2.37847173959480950e-03, (REAL)-2.96589568540237556e-05,
	  (REAL)4.36624404335156298e-05 },
	{ (REAL)1.53796971148509165e+01, (REAL)-2.59193146099879641e+01, (REAL)1.79258772950371181e-01,
	  (REAL)2.68067772490389322e-03, (REAL)1.62824170038242295e-03, (REAL)-9.51592254519715870e-05,
	  (REAL)5.15138902046611451e-05 },
};

static void scale_units(void)
{
	bodies[0].mass = SOLAR_MASS;
	for (int i = 1; i < 5; i++) {
		bodies[i].vx *= DAYS_PER_YEAR;
		bodies[i].vy *= DAYS_PER_YEAR;
		bodies[i].vz *= DAYS_PER_YEAR;
		bodies[i].mass *= SOLAR_MASS;
	}
}

static void offset_momentum(void)
{
	REAL px = 0, py = 0, pz = 0;
	for (int i = 0; i < 5; i++) {
		px += bodies[i].vx * bodies[i].mass;
		py += bodies[i].vy * bodies[i].mass;
		pz += bodies[i].vz * bodies[i].mass;
	}
	bodies[0].vx = -px / SOLAR_MASS;
	bodies[0].vy = -py / SOLAR_MASS;
	bodies[0].vz = -pz / SOLAR_MASS;
}

static REAL energy(void)
{
	REAL e = 0;
	for (int i = 0; i < 5; i++) {
		struct body *b = &bodies[i];
		e += (REAL)0.5 * b->mass * (b->vx * b->vx + b->vy * b->vy + b->vz * b->vz);
		for (int j = i + 1; j < 5; j++) {
			struct body *c = &bodies[j];
			REAL dx = b->x - c->x, dy = b->y - c->y, dz = b->z - c->z;
			e -= (b->mass * c->mass) / SQRT(dx * dx + dy * dy + dz * dz);
		}
	}
	return e;
}

static void advance(REAL dt)
{
	for (int i = 0; i < 5; i++) {
		struct body *b = &bodies[i];
		for (int j = i + 1; j < 5; j++) {
			struct body *c = &bodies[j];
			REAL dx = b->x - c->x, dy = b->y - c->y, dz = b->z - c->z;
			REAL d2 = dx * dx + dy * dy + dz * dz;
			REAL mag = dt / (d2 * SQRT(d2));
			b->vx -= dx * c->mass * mag;
			b->vy -= dy * c->mass * mag;
			b->vz -= dz * c->mass * mag;
			c->vx += dx * b->mass * mag;
			c->vy += dy * b->mass * mag;
			c->vz += dz * b->mass * mag;
		}
	}
	for (int i = 0; i < 5; i++) {
		bodies[i].x += dt * bodies[i].vx;
		bodies[i].y += dt * bodies[i].vy;
		bodies[i].z += dt * bodies[i].vz;
	}
}

static BITS_T bits(REAL v)
{
	BITS_T u;
	memcpy(&u, &v, sizeof u);
	return u;
}

/* Midpoint rule for the integral of 4/(1+x^2) over [0,1] = pi. */
static REAL integrate_pi(int n)
{
	REAL h = (REAL)1 / n, s = 0;
	for (int i = 0; i < n; i++) {
		REAL x = (i + (REAL)0.5) * h;
		s += (REAL)4 / (1 + x * x);
	}
	return s * h;
}

/* Newton iteration for sqrt, compared with the fsqrt instruction. */
static REAL newton_sqrt(REAL a)
{
	REAL x = a > 1 ? a : 1;
	for (int i = 0; i < 60; i++) x = (x + a / x) * (REAL)0.5;
	return x;
}

/* Simpson's rule for the integral of x^3 - 2x + 1 over [0,2] (exactly 2). */
static REAL simpson(int n)
{
	REAL a = 0, b = 2, h = (b - a) / n, s = 0;
	for (int i = 0; i <= n; i++) {
		REAL x = a + i * h;
		REAL f = x * x * x - 2 * x + 1;
		s += f * (i == 0 || i == n ? 1 : (i & 1) ? 4 : 2);
	}
	return s * h / 3;
}

static unsigned read_fflags(void)
{
	unsigned f;
	__asm__ volatile("frflags %0" : "=r"(f));
	return f;
}

int main(int argc, char **argv)
{
	int steps = argc > 1 ? atoi(argv[1]) : STEPS_DEFAULT;
	scale_units();
	offset_momentum();
	REAL e0 = energy();
	printf("%s: %d steps\n", NAME, steps);
	printf("energy before: %.9f %e %g bits %0*llx\n", (double)e0, (double)e0, (double)e0,
	       (int)(2 * sizeof(REAL)), (unsigned long long)bits(e0));
	cpt_mark("nbody:start");
	for (int i = 0; i < steps; i++) {
		advance((REAL)0.01);
		if (i == steps / 2) cpt_mark("nbody:half");
	}
	REAL e1 = energy();
	printf("energy after:  %.9f %e %g bits %0*llx\n", (double)e1, (double)e1, (double)e1,
	       (int)(2 * sizeof(REAL)), (unsigned long long)bits(e1));
	for (int i = 0; i < 5; i++)
		printf("body %d: x=%.6f y=%.6f z=%.6f bits %0*llx %0*llx %0*llx\n", i, (double)bodies[i].x,
		       (double)bodies[i].y, (double)bodies[i].z, (int)(2 * sizeof(REAL)),
		       (unsigned long long)bits(bodies[i].x), (int)(2 * sizeof(REAL)),
		       (unsigned long long)bits(bodies[i].y), (int)(2 * sizeof(REAL)),
		       (unsigned long long)bits(bodies[i].z));
	REAL p = integrate_pi(20000);
	printf("pi (midpoint, 20000): %.15g bits %0*llx\n", (double)p, (int)(2 * sizeof(REAL)), (unsigned long long)bits(p));
	REAL si = simpson(1000);
	printf("simpson x^3-2x+1 on [0,2]: %.12f (exact 2)\n", (double)si);
	static const REAL roots[] = { 2, 3, 0.5, 1e10, 1e-10, 12345.678 };
	for (unsigned i = 0; i < sizeof roots / sizeof *roots; i++) {
		REAL a = SQRT(roots[i]), b = newton_sqrt(roots[i]);
		printf("sqrt(%g) = %.17g fsqrt bits %0*llx newton %s\n", (double)roots[i], (double)a,
		       (int)(2 * sizeof(REAL)), (unsigned long long)bits(a), a == b ? "equal" : "differs");
	}
	printf("fflags accumulated: 0x%02x\n", read_fflags());
	return 0;
}
