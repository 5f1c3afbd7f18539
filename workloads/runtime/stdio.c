/* stdio.c - buffered stdout, unbuffered stderr, and a printf family.
 *
 * Formatting is done entirely in the guest (no host help), so it is
 * deterministic by construction. Floating point conversions (%f %e %g %F %E %G)
 * are exact: the binary value is expanded to its exact decimal digits with a
 * small bignum and rounded half-to-even, which is what glibc prints in the
 * default rounding mode.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "syscall.h"

struct rt_file {
	int fd;
	int unbuffered;
	size_t len;
	char *buf;
};

static char stdout_buf[BUFSIZ];
static struct rt_file f_stdout = { 1, 0, 0, stdout_buf };
static struct rt_file f_stderr = { 2, 1, 0, NULL };
FILE *const stdout = &f_stdout;
FILE *const stderr = &f_stderr;

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		long r = sys_write(fd, p, n);
		if (r <= 0) return;   /* nothing sensible to do on error */
		p += r; n -= (size_t)r;
	}
}

int fflush(FILE *f)
{
	if (!f) f = stdout;
	if (f->len) {
		write_all(f->fd, f->buf, f->len);
		f->len = 0;
	}
	return 0;
}

void __stdio_flush_all(void)
{
	fflush(stdout);
}

static void file_write(FILE *f, const char *p, size_t n)
{
	if (f->unbuffered) { write_all(f->fd, p, n); return; }
	while (n) {
		size_t room = BUFSIZ - f->len;
		size_t k = n < room ? n : room;
		memcpy(f->buf + f->len, p, k);
		f->len += k; p += k; n -= k;
		if (f->len == BUFSIZ) fflush(f);
	}
}

size_t fwrite(const void *p, size_t sz, size_t n, FILE *f)
{
	file_write(f, p, sz * n);
	return n;
}

int fputc(int c, FILE *f)
{
	char ch = (char)c;
	file_write(f, &ch, 1);
	return (unsigned char)c;
}

int putc(int c, FILE *f) { return fputc(c, f); }
int putchar(int c) { return fputc(c, stdout); }

int fputs(const char *s, FILE *f)
{
	file_write(f, s, strlen(s));
	return 0;
}

int puts(const char *s)
{
	fputs(s, stdout);
	fputc('\n', stdout);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* The formatter writes through a sink. */

struct sink {
	void (*put)(struct sink *, const char *, size_t);
	FILE *f;               /* file sink */
	char *buf; size_t cap; /* string sink: cap includes the NUL */
	size_t count;          /* characters produced (what printf returns) */
};

static void put_file(struct sink *s, const char *p, size_t n)
{
	file_write(s->f, p, n);
	s->count += n;
}

static void put_str(struct sink *s, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++, s->count++)
		if (s->cap && s->count < s->cap - 1)
			s->buf[s->count] = p[i];
}

static void pad(struct sink *s, char c, int n)
{
	char tmp[32];
	if (n <= 0) return;
	memset(tmp, c, sizeof tmp);
	while (n > 0) {
		int k = n < (int)sizeof tmp ? n : (int)sizeof tmp;
		s->put(s, tmp, (size_t)k);
		n -= k;
	}
}

enum { F_MINUS = 1, F_PLUS = 2, F_SPACE = 4, F_HASH = 8, F_ZERO = 16 };

/* Emit prefix (sign / 0x) + zero padding + body, honouring width and flags. */
static void emit(struct sink *s, int flags, int width, const char *prefix, int zeros,
		 const char *body, int blen)
{
	int plen = (int)strlen(prefix);
	int total = plen + zeros + blen;
	if (!(flags & F_MINUS) && !(flags & F_ZERO)) pad(s, ' ', width - total);
	s->put(s, prefix, (size_t)plen);
	if (!(flags & F_MINUS) && (flags & F_ZERO)) pad(s, '0', width - total);
	pad(s, '0', zeros);
	s->put(s, body, (size_t)blen);
	if (flags & F_MINUS) pad(s, ' ', width - total);
}

static void fmt_int(struct sink *s, unsigned long long v, int neg, int base, int upper,
		    int flags, int width, int prec, char conv)
{
	char buf[72];
	int n = 0;
	const char *digs = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char prefix[4] = "";
	unsigned long long orig = v;
	while (v) { buf[sizeof buf - 1 - n++] = digs[v % (unsigned)base]; v /= (unsigned)base; }
	if (prec < 0) {
		prec = 1;
	} else {
		flags &= ~F_ZERO;          /* a precision disables the 0 flag for integers */
	}
	int zeros = prec > n ? prec - n : 0;
	if (conv == 'o' && (flags & F_HASH) && zeros == 0 && (n == 0 || buf[sizeof buf - n] != '0'))
		zeros = 1;
	if (neg) strcpy(prefix, "-");
	else if (conv == 'd' || conv == 'i') {
		if (flags & F_PLUS) strcpy(prefix, "+");
		else if (flags & F_SPACE) strcpy(prefix, " ");
	}
	if ((flags & F_HASH) && orig && (conv == 'x' || conv == 'X'))
		strcpy(prefix, conv == 'x' ? "0x" : "0X");
	if (conv == 'p') strcpy(prefix, "0x");
	if ((flags & F_ZERO) && !(flags & F_MINUS)) {
		int total = (int)strlen(prefix) + zeros + n;
		if (width > total) zeros += width - total;
	}
	emit(s, flags & ~F_ZERO, width, prefix, zeros, buf + sizeof buf - n, n);
}

/* ---- exact decimal expansion of a double ---- */

#define FR_LIMBS 36   /* 1074 fraction bits + headroom, in 32-bit limbs */

struct dstream {
	char idig[320];        /* integer part, decimal, no leading zeros */
	int ni, pi;
	uint32_t fr[FR_LIMBS]; /* fraction numerator F < 2^k, little-endian limbs */
	int k, nl;             /* fraction bits; limbs in use */
};

static void ds_init(struct dstream *d, uint64_t mant, int e)
{
	/* value = mant * 2^e, mant < 2^53 */
	d->ni = d->pi = 0;
	d->k = 0; d->nl = 0;
	uint32_t ib[36];
	int inl = 0;
	if (e >= 0) {
		/* integer = mant << e */
		memset(ib, 0, sizeof ib);
		int w = e / 32, b = e % 32;
		uint32_t lo = (uint32_t)mant, hi = (uint32_t)(mant >> 32);
		uint64_t t0 = (uint64_t)lo << b, t1 = (uint64_t)hi << b;
		ib[w] = (uint32_t)t0;
		ib[w + 1] = (uint32_t)(t0 >> 32) | (uint32_t)t1;
		ib[w + 2] = (uint32_t)(t1 >> 32);
		inl = w + 3;
	} else {
		int k = -e;
		uint64_t ipart = k >= 64 ? 0 : mant >> k;
		uint64_t fpart = k >= 64 ? mant : mant & ((1ull << k) - 1);
		ib[0] = (uint32_t)ipart; ib[1] = (uint32_t)(ipart >> 32);
		inl = 2;
		d->k = k;
		d->nl = k / 32 + 2;
		memset(d->fr, 0, sizeof d->fr);
		d->fr[0] = (uint32_t)fpart; d->fr[1] = (uint32_t)(fpart >> 32);
	}
	/* integer bignum -> decimal, 9 digits at a time */
	char rev[320];
	int nr = 0;
	while (inl > 0 && ib[inl - 1] == 0) inl--;
	while (inl > 0) {
		uint64_t rem = 0;
		for (int i = inl - 1; i >= 0; i--) {
			uint64_t cur = (rem << 32) | ib[i];
			ib[i] = (uint32_t)(cur / 1000000000u);
			rem = cur % 1000000000u;
		}
		while (inl > 0 && ib[inl - 1] == 0) inl--;
		for (int j = 0; j < 9; j++) { rev[nr++] = (char)('0' + rem % 10); rem /= 10; }
	}
	while (nr > 0 && rev[nr - 1] == '0') nr--;
	for (int i = 0; i < nr; i++) d->idig[i] = rev[nr - 1 - i];
	d->ni = nr;
}

static int ds_next(struct dstream *d)
{
	if (d->pi < d->ni) return d->idig[d->pi++] - '0';
	if (!d->k) return 0;
	uint32_t carry = 0;
	for (int i = 0; i < d->nl; i++) {
		uint64_t t = (uint64_t)d->fr[i] * 10u + carry;
		d->fr[i] = (uint32_t)t;
		carry = (uint32_t)(t >> 32);
	}
	int w = d->k / 32, b = d->k % 32;
	uint64_t top = ((uint64_t)d->fr[w + 1] << 32) | d->fr[w];
	int digit = (int)(top >> b);
	d->fr[w] &= b ? (uint32_t)((1ull << b) - 1) : 0u;
	d->fr[w + 1] = 0;
	return digit;
}

static int ds_rest_nonzero(struct dstream *d)
{
	for (int i = d->pi; i < d->ni; i++)
		if (d->idig[i] != '0') return 1;
	for (int i = 0; i < d->nl; i++)
		if (d->fr[i]) return 1;
	return 0;
}

/* Round the digit string dig[0..n) given the next digit and a sticky bit, half to even.
 * Returns 1 if the carry ran out of the top (dig becomes 1000...0). */
static int round_digits(char *dig, int n, int next, int sticky)
{
	int last = n ? dig[n - 1] - '0' : 0;
	if (!(next > 5 || (next == 5 && (sticky || (last & 1)))))
		return 0;
	for (int i = n - 1; i >= 0; i--) {
		if (dig[i] != '9') { dig[i]++; return 0; }
		dig[i] = '0';
	}
	return 1;
}

#define FBUF 900
#define PREC_MAX 400

/* Produce p+1 significant digits of |v| (v finite, nonzero) in dig; returns the decimal exponent. */
static int sig_digits(struct dstream *ds, char *dig, int p)
{
	int x, first;
	if (ds->ni > 0) {
		x = ds->ni - 1;
		first = ds_next(ds);
	} else {
		int z = 0;
		while ((first = ds_next(ds)) == 0) z++;
		x = -(z + 1);
	}
	dig[0] = (char)('0' + first);
	for (int i = 1; i <= p; i++) dig[i] = (char)('0' + ds_next(ds));
	int next = ds_next(ds);
	if (round_digits(dig, p + 1, next, ds_rest_nonzero(ds))) {
		dig[0] = '1';
		x++;
	}
	return x;
}

static void fmt_float(struct sink *s, double v, int flags, int width, int prec, char conv)
{
	union { double d; uint64_t u; } un = { v };
	int neg = (int)(un.u >> 63);
	int bexp = (int)((un.u >> 52) & 0x7ff);
	uint64_t frac = un.u & ((1ull << 52) - 1);
	int upper = (conv == 'F' || conv == 'E' || conv == 'G');
	char lc = (char)(conv | 0x20);
	char prefix[2] = { 0, 0 };
	if (neg) prefix[0] = '-';
	else if (flags & F_PLUS) prefix[0] = '+';
	else if (flags & F_SPACE) prefix[0] = ' ';

	if (bexp == 0x7ff) {
		const char *t = frac ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf");
		emit(s, flags & ~F_ZERO, width, prefix, 0, t, 3);
		return;
	}
	if (prec < 0) prec = 6;
	if (prec > PREC_MAX) prec = PREC_MAX;

	uint64_t mant;
	int e;
	if (bexp == 0) { mant = frac; e = -1074; }
	else { mant = frac | (1ull << 52); e = bexp - 1075; }

	static struct dstream ds;   /* large: keep it off the stack */
	char dig[FBUF];             /* digits without the point */
	char out[FBUF + 16];
	int n = 0;

	if (lc == 'g') {
		int P = prec == 0 ? 1 : prec;
		int x = 0;
		if (mant) {
			ds_init(&ds, mant, e);
			x = sig_digits(&ds, dig, P - 1);
		} else {
			memset(dig, '0', (size_t)P);
		}
		int nd = P;
		if (!(flags & F_HASH))
			while (nd > 1 && dig[nd - 1] == '0') nd--;
		if (P > x && x >= -4) {
			/* style f with precision P-1-x */
			if (x >= 0) {
				for (int i = 0; i <= x; i++) out[n++] = i < nd ? dig[i] : '0';
				if (nd > x + 1 || (flags & F_HASH)) out[n++] = '.';
				for (int i = x + 1; i < nd; i++) out[n++] = dig[i];
				if (flags & F_HASH) for (int i = nd; i < P; i++) out[n++] = dig[i];
			} else {
				out[n++] = '0';
				out[n++] = '.';
				for (int i = 0; i < -x - 1; i++) out[n++] = '0';
				for (int i = 0; i < nd; i++) out[n++] = dig[i];
			}
			if (!mant && !(flags & F_HASH)) { n = 1; out[0] = '0'; }
			if (!mant && (flags & F_HASH)) {
				n = 0; out[n++] = '0'; out[n++] = '.';
				for (int i = 1; i < P; i++) out[n++] = '0';
			}
		} else {
			out[n++] = dig[0];
			if (nd > 1 || (flags & F_HASH)) out[n++] = '.';
			for (int i = 1; i < nd; i++) out[n++] = dig[i];
			out[n++] = upper ? 'E' : 'e';
			out[n++] = x < 0 ? '-' : '+';
			int ax = x < 0 ? -x : x;
			if (ax >= 100) out[n++] = (char)('0' + ax / 100);
			out[n++] = (char)('0' + ax / 10 % 10);
			out[n++] = (char)('0' + ax % 10);
		}
	} else if (lc == 'e') {
		int x = 0;
		if (mant) {
			ds_init(&ds, mant, e);
			x = sig_digits(&ds, dig, prec);
		} else {
			memset(dig, '0', (size_t)prec + 1);
		}
		out[n++] = dig[0];
		if (prec || (flags & F_HASH)) out[n++] = '.';
		for (int i = 1; i <= prec; i++) out[n++] = dig[i];
		out[n++] = upper ? 'E' : 'e';
		out[n++] = x < 0 ? '-' : '+';
		int ax = x < 0 ? -x : x;
		if (ax >= 100) out[n++] = (char)('0' + ax / 100);
		out[n++] = (char)('0' + ax / 10 % 10);
		out[n++] = (char)('0' + ax % 10);
	} else {
		/* %f: integer digits then prec fraction digits, rounded at 10^-prec */
		int ni;
		ds_init(&ds, mant, e);
		if (ds.ni > 0) {
			ni = ds.ni;
			for (int i = 0; i < ni; i++) dig[i] = (char)('0' + ds_next(&ds));
		} else {
			ni = 1;
			dig[0] = '0';
		}
		for (int i = 0; i < prec; i++) dig[ni + i] = (char)('0' + ds_next(&ds));
		int next = ds_next(&ds);
		if (round_digits(dig, ni + prec, next, ds_rest_nonzero(&ds))) {
			memmove(dig + 1, dig, (size_t)(ni + prec));
			dig[0] = '1';
			ni++;
		}
		for (int i = 0; i < ni; i++) out[n++] = dig[i];
		if (prec || (flags & F_HASH)) out[n++] = '.';
		for (int i = 0; i < prec; i++) out[n++] = dig[ni + i];
	}

	int zeros = 0;
	if ((flags & F_ZERO) && !(flags & F_MINUS)) {
		int total = (prefix[0] ? 1 : 0) + n;
		if (width > total) zeros = width - total;
	}
	emit(s, flags & ~F_ZERO, width, prefix, zeros, out, n);
}

static int vformat(struct sink *s, const char *fmt, va_list ap)
{
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			const char *q = p;
			while (*q && *q != '%') q++;
			s->put(s, p, (size_t)(q - p));
			p = q - 1;
			continue;
		}
		p++;
		int flags = 0, width = 0, prec = -1, lng = 0;
		for (;; p++) {
			if (*p == '-') flags |= F_MINUS;
			else if (*p == '+') flags |= F_PLUS;
			else if (*p == ' ') flags |= F_SPACE;
			else if (*p == '#') flags |= F_HASH;
			else if (*p == '0') flags |= F_ZERO;
			else break;
		}
		if (*p == '*') {
			width = va_arg(ap, int);
			if (width < 0) { flags |= F_MINUS; width = -width; }
			p++;
		} else {
			while (*p >= '0' && *p <= '9') width = width * 10 + (*p++ - '0');
		}
		if (*p == '.') {
			p++;
			prec = 0;
			if (*p == '*') {
				prec = va_arg(ap, int);
				if (prec < 0) prec = -1;
				p++;
			} else {
				while (*p >= '0' && *p <= '9') prec = prec * 10 + (*p++ - '0');
			}
		}
		/* length: hh=-2 h=-1 l=1 ll=2 (z, t, j map onto l / ll on ilp32) */
		for (;; p++) {
			if (*p == 'h') lng--;
			else if (*p == 'l') lng++;
			else if (*p == 'z' || *p == 't') lng = 1;
			else if (*p == 'j') lng = 2;
			else break;
		}
		char conv = *p;
		switch (conv) {
		case 'd': case 'i': {
			long long v;
			if (lng >= 2) v = va_arg(ap, long long);
			else if (lng == 1) v = va_arg(ap, long);
			else v = va_arg(ap, int);
			if (lng == -1) v = (short)v;
			if (lng <= -2) v = (signed char)v;
			unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
			fmt_int(s, u, v < 0, 10, 0, flags, width, prec, 'd');
			break;
		}
		case 'u': case 'x': case 'X': case 'o': {
			unsigned long long v;
			if (lng >= 2) v = va_arg(ap, unsigned long long);
			else if (lng == 1) v = va_arg(ap, unsigned long);
			else v = va_arg(ap, unsigned);
			if (lng == -1) v = (unsigned short)v;
			if (lng <= -2) v = (unsigned char)v;
			int base = conv == 'u' ? 10 : conv == 'o' ? 8 : 16;
			fmt_int(s, v, 0, base, conv == 'X', flags, width, prec, conv);
			break;
		}
		case 'p': {
			void *v = va_arg(ap, void *);
			if (!v) emit(s, flags & F_MINUS, width, "", 0, "(nil)", 5);
			else fmt_int(s, (uintptr_t)v, 0, 16, 0, flags, width, prec, 'p');
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);
			emit(s, flags & F_MINUS, width, "", 0, &c, 1);
			break;
		}
		case 's': {
			const char *str = va_arg(ap, const char *);
			if (!str) str = (prec < 0 || prec >= 6) ? "(null)" : "";
			int len = (int)(prec < 0 ? strlen(str) : strnlen(str, (size_t)prec));
			emit(s, flags & F_MINUS, width, "", 0, str, len);
			break;
		}
		case 'f': case 'F': case 'e': case 'E': case 'g': case 'G':
			fmt_float(s, va_arg(ap, double), flags, width, prec, conv);
			break;
		case '%':
			s->put(s, "%", 1);
			break;
		case 0:
			p--;
			break;
		default:
			s->put(s, p - 1, 2);
			break;
		}
	}
	return (int)s->count;
}

int vfprintf(FILE *f, const char *fmt, va_list ap)
{
	struct sink s = { put_file, f, NULL, 0, 0 };
	return vformat(&s, fmt, ap);
}

int vprintf(const char *fmt, va_list ap) { return vfprintf(stdout, fmt, ap); }

int printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vfprintf(stdout, fmt, ap);
	va_end(ap);
	return r;
}

int fprintf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vfprintf(f, fmt, ap);
	va_end(ap);
	return r;
}

int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct sink s = { put_str, NULL, buf, n, 0 };
	int r = vformat(&s, fmt, ap);
	if (n) buf[s.count < n ? s.count : n - 1] = 0;
	return r;
}

int snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

int sprintf(char *buf, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(buf, (size_t)-1 / 2, fmt, ap);
	va_end(ap);
	return r;
}
