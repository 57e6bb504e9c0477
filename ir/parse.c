/*
 * parse.c - the text IR reader (docs/ir.md), the inverse of print.c.
 *
 * Line-oriented recursive descent. Each line is `module`, `input`, `const`,
 * a node (`%r: TYPE = op ...`) or `output`; blank lines and `//` comments
 * (outside quoted names) are skipped. The cursor never leaves the current
 * line and every byte is read through peek(), so arbitrary input (NULs,
 * truncation) only ever produces a "line N, col M" error.
 *
 * Names are decoded into a per-line scratch buffer (a decoded name is never
 * longer than its source text, so one line-sized buffer holds them all);
 * defined values go into a name table private to the parse.
 *
 * Attributes are in parse_attrs.c; dims and integer attributes are bounded
 * by 2^30 in magnitude (INT_LIMIT in parse_impl.h).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HASH_NONFATAL_OOM 1
#include <uthash.h>

#include "ir/parse_impl.h"

/* Every error names the line and column of `at`; `ps` is always in scope. */
#define FAIL(at, ...) cvp_fail_at(ps, (at), __VA_ARGS__)
#define CONST_BYTES_MAX ((int64_t)1 << 29) /* a digest constant's data: 512 MiB (docs/ir.md) */
#define CONST_NUMEL_MAX ((int64_t)1 << 27) /* and its elements: 134,217,728 */
#define NUM_MAX 64                         /* longest number token */
#define SPAN_MAX 80                        /* longest source quote in a message */

struct sym {
	const char *name; /* the value's own name (arena) */
	cv_value *v;
	long long line;   /* where it was defined */
	UT_hash_handle hh;
};

static int hex_val(int c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* ---- characters and errors ---- */

static int span(const char *a, const char *b)
{
	return b - a > SPAN_MAX ? SPAN_MAX : (int)(b - a);
}

cv_status cvp_fail_at(parser *ps, const char *at, const char *fmt, ...)
{
	char msg[CV_DIAG_MSG_MAX / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return cv_diag_error(ps->d, CV_ERR_INPUT, "line %lld, col %lld: %s", ps->lineno,
			     (long long)(at - ps->line) + 1, msg);
}

static cv_status nomem(parser *ps)
{
	return cv_diag_error(ps->d, CV_ERR_NOMEM, "line %lld: out of memory", ps->lineno);
}

const char *cvp_found(const parser *ps, char *buf, size_t size)
{
	int c = peek(ps);

	if (c < 0)
		return "end of line";
	if (c > ' ' && c < 0x7f)
		snprintf(buf, size, "'%c'", c);
	else
		snprintf(buf, size, "byte 0x%02x", (unsigned)c);
	return buf;
}

/* ---- tokens ---- */

cv_status cvp_expect(parser *ps, int c)
{
	char buf[16];

	if (accept(ps, c))
		return CV_OK;
	return FAIL(ps->p, "expected '%c', found %s", c, cvp_found(ps, buf, sizeof buf));
}

static cv_status expect_eol(parser *ps)
{
	char buf[16];

	skip_ws(ps);
	if (ps->p == ps->eol)
		return CV_OK;
	return FAIL(ps->p, "expected end of line, found %s", cvp_found(ps, buf, sizeof buf));
}

size_t cvp_word(parser *ps, char *buf, size_t size)
{
	const char *start;
	size_t n;

	skip_ws(ps);
	start = ps->p;
	if (is_alpha(peek(ps)) || peek(ps) == '_')
		while (is_word_char(peek(ps)))
			ps->p++;
	n = (size_t)(ps->p - start);
	memcpy(buf, start, n < size ? n : size - 1);
	buf[n < size ? n : size - 1] = '\0';
	return n;
}

static cv_status expect_word(parser *ps, const char *want)
{
	const char *at;
	char w[32];

	skip_ws(ps);
	at = ps->p;
	if (cvp_word(ps, w, sizeof w) && !strcmp(w, want))
		return CV_OK;
	return FAIL(at, "expected '%s'", want);
}

static cv_status parse_escape(parser *ps, const char *at, int *c)
{
	int e = peek(ps), hi, lo;

	if (e >= 0)
		ps->p++;
	if (e == '"' || e == '\\') {
		*c = e;
		return CV_OK;
	}
	if (e == 'x' && (hi = hex_val(peek(ps))) >= 0 && (lo = hex_val(peek_at(ps, 1))) >= 0) {
		ps->p += 2;
		*c = hi * 16 + lo;
		/* Names are C strings. */
		return *c ? CV_OK : FAIL(at, "\\x00 cannot appear in a name");
	}
	return FAIL(at, "bad escape in a quoted name (only \\\", \\\\ and \\xNN)");
}

static cv_status parse_quoted(parser *ps, char *dst, size_t *n)
{
	cv_status st;

	ps->p++; /* the opening quote */
	for (;;) {
		const char *at = ps->p;
		int c = peek(ps);
		if (c < 0)
			return FAIL(at, "unterminated quoted name");
		ps->p++;
		if (c == '"')
			return CV_OK;
		if (c < ' ')
			return FAIL(at, "control byte 0x%02x in a quoted name (write \\x%02x)",
				    (unsigned)c, (unsigned)c);
		if (c == '\\' && (st = parse_escape(ps, at, &c)))
			return st;
		dst[(*n)++] = (char)c;
	}
}

/* The name right after '%' or '@', plain ([A-Za-z0-9_.]+) or quoted,
 * decoded into the line's scratch buffer. */
static cv_status parse_name(parser *ps, const char **out)
{
	char *dst = ps->scratch + ps->scratch_used;
	size_t n = 0;
	cv_status st;

	/* Holds by construction (see the file comment); checked anyway. */
	if (ps->scratch_used + (size_t)(ps->eol - ps->p) + 1 > ps->scratch_cap)
		return nomem(ps);
	if (peek(ps) == '"') {
		if ((st = parse_quoted(ps, dst, &n)))
			return st;
	} else {
		while (is_name_char(peek(ps)))
			dst[n++] = *ps->p++;
		if (!n)
			return FAIL(ps->p, "expected a name");
	}
	dst[n] = '\0';
	ps->scratch_used += n + 1;
	*out = dst;
	return CV_OK;
}

cv_status cvp_parse_int(parser *ps, int64_t lo, int64_t hi, const char *what, int64_t *v)
{
	const char *at;
	uint64_t mag = 0, limit;
	int neg, big = 0;

	skip_ws(ps);
	at = ps->p;
	neg = peek(ps) == '-';
	ps->p += neg;
	if (!is_digit(peek(ps)))
		return FAIL(at, "expected an integer");
	for (; is_digit(peek(ps)); ps->p++) {
		unsigned dig = (unsigned)(*ps->p - '0');
		big |= mag > (UINT64_MAX - dig) / 10;
		mag = mag * 10 + dig;
	}
	if (is_name_char(peek(ps)))
		return FAIL(at, "expected an integer");
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (big || mag > limit)
		return FAIL(at, "%s %.*s is out of range", what, span(at, ps->p), at);
	*v = neg ? (int64_t)(0 - mag) : (int64_t)mag; /* 0 - mag: INT64_MIN too */
	if (*v < lo || *v > hi)
		return FAIL(at, "%s %" PRId64 " is out of range [%" PRId64 ", %" PRId64 "]", what,
			    *v, lo, hi);
	return CV_OK;
}

/* A number token [0-9A-Za-z.+-]+ (strtof/strtod syntax, inf, nan) into buf. */
static cv_status number_token(parser *ps, char *buf, const char **at)
{
	size_t n;

	skip_ws(ps);
	*at = ps->p;
	while (is_name_char(peek(ps)) || peek(ps) == '+' || peek(ps) == '-')
		ps->p++;
	n = (size_t)(ps->p - *at);
	if (!n || n >= NUM_MAX)
		return FAIL(*at, "expected a number");
	memcpy(buf, *at, n);
	buf[n] = '\0';
	return CV_OK;
}

cv_status cvp_parse_f32(parser *ps, float *v)
{
	char buf[NUM_MAX], *end;
	const char *at;
	cv_status st;

	if ((st = number_token(ps, buf, &at)))
		return st;
	/* strtof, not strtod: a %.9g float must round once to come back exact */
	*v = strtof(buf, &end);
	return *end ? FAIL(at, "expected a number") : CV_OK;
}

static cv_status parse_f64(parser *ps, double *v)
{
	char buf[NUM_MAX], *end;
	const char *at;
	cv_status st;

	if ((st = number_token(ps, buf, &at)))
		return st;
	*v = strtod(buf, &end);
	return *end ? FAIL(at, "expected a number") : CV_OK;
}

/* An f16 element: its bit pattern, 0xNNNN as printed (or decimal). */
static cv_status parse_bits16(parser *ps, uint16_t *v)
{
	const char *at;
	int64_t x = 0;
	int n = 0, h;
	cv_status st;

	skip_ws(ps);
	at = ps->p;
	if (peek(ps) != '0' || (peek_at(ps, 1) != 'x' && peek_at(ps, 1) != 'X')) {
		if ((st = cvp_parse_int(ps, 0, 0xffff, "f16 bit pattern", &x)))
			return st;
		*v = (uint16_t)x;
		return CV_OK;
	}
	for (ps->p += 2; (h = hex_val(peek(ps))) >= 0 && n < 5; ps->p++, n++)
		x = x * 16 + h;
	if (!n || n > 4 || is_name_char(peek(ps)))
		return FAIL(at, "an f16 element is 0x and 1 to 4 hex digits");
	*v = (uint16_t)x;
	return CV_OK;
}

/* ---- types and values ---- */

static cv_status parse_dims(parser *ps, cv_type *t)
{
	cv_status st;

	if ((st = cvp_expect(ps, '[')))
		return st;
	if (accept(ps, ']'))
		return CV_OK;
	do {
		skip_ws(ps);
		if (t->rank == CV_MAX_RANK)
			return FAIL(ps->p, "more than %d dims", CV_MAX_RANK);
		if ((st = cvp_parse_int(ps, 0, INT_LIMIT, "dim", &t->dims[t->rank])))
			return st;
		t->rank++;
	} while (accept(ps, ','));
	return cvp_expect(ps, ']');
}

/* dtype[d0,d1,...] and an optional layout. */
static cv_status parse_type(parser *ps, cv_type *t)
{
	const char *at, *lat;
	char w[32];
	int i;
	int64_t numel;
	cv_status st;

	memset(t, 0, sizeof *t);
	skip_ws(ps);
	at = ps->p;
	if (!cvp_word(ps, w, sizeof w))
		return FAIL(at, "expected a type (f32[1,3,224,224])");
	for (i = 0; i < CV_DTYPE_COUNT && strcmp(w, cv_dtype_name((cv_dtype)i)); i++)
		;
	if (i == CV_DTYPE_COUNT)
		return FAIL(at, "unknown dtype '%s'", w);
	t->dtype = (cv_dtype)i;
	if ((st = parse_dims(ps, t)))
		return st;
	skip_ws(ps);
	lat = ps->p;
	if (is_alpha(peek(ps))) {
		cvp_word(ps, w, sizeof w);
		for (i = 0; i < CV_LAYOUT_COUNT && strcmp(w, cv_layout_name((cv_layout)i)); i++)
			;
		if (i == CV_LAYOUT_COUNT)
			return FAIL(lat, "unknown layout '%s'", w);
		t->layout = (cv_layout)i;
	}
	numel = cv_type_numel(t);
	if (numel < 0 || numel > INT64_MAX / (int64_t)cv_dtype_size(t->dtype))
		return FAIL(at, "type %.*s has too many elements", span(at, lat), at);
	return CV_OK;
}

/* An operand: %name of a defined value, or `_` (absent) when allowed. */
static cv_status parse_ref(parser *ps, int allow_absent, cv_value **v)
{
	const char *at, *name;
	struct sym *s;
	cv_status st;

	skip_ws(ps);
	at = ps->p;
	if (allow_absent && peek(ps) == '_' && !is_name_char(peek_at(ps, 1))) {
		ps->p++;
		*v = NULL;
		return CV_OK;
	}
	if (peek(ps) != '%')
		return FAIL(at, allow_absent ? "expected a value (%%name) or _" :
			    "expected a value (%%name)");
	ps->p++;
	if ((st = parse_name(ps, &name)))
		return st;
	HASH_FIND_STR(ps->syms, name, s);
	if (!s)
		return FAIL(at, "unknown value %.*s", span(at, ps->p), at);
	*v = s->v;
	return CV_OK;
}

/* `%name` that the line defines: not empty, not defined before. */
static cv_status parse_def(parser *ps, const char **at, const char **end, const char **name)
{
	struct sym *s;
	cv_status st;

	skip_ws(ps);
	*at = ps->p;
	if ((st = cvp_expect(ps, '%')) || (st = parse_name(ps, name)))
		return st;
	*end = ps->p;
	if (!**name)
		return FAIL(*at, "empty value name");
	HASH_FIND_STR(ps->syms, *name, s);
	if (s)
		return FAIL(*at, "%.*s is already defined on line %lld", span(*at, *end), *at,
			    s->line);
	return CV_OK;
}

/* Record v (just added to the graph) under its name. */
static cv_status define(parser *ps, const char *at, cv_value *v, const char *want)
{
	struct sym *s, *check;

	if (!v)
		return nomem(ps);
	/* cv_graph_add_* renames only a taken name, and parse_def rejected those. */
	if (strcmp(v->name, want))
		return FAIL(at, "cannot keep the name %s", want);
	if (!(s = calloc(1, sizeof *s)))
		return nomem(ps);
	s->name = v->name;
	s->v = v;
	s->line = ps->lineno;
	HASH_ADD_KEYPTR(hh, ps->syms, s->name, strlen(s->name), s);
	HASH_FIND_STR(ps->syms, s->name, check);
	if (check != s) { /* HASH_NONFATAL_OOM: the add failed */
		free(s);
		return nomem(ps);
	}
	return CV_OK;
}

/* ---- constants ---- */

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Element i from one 64-bit draw x (docs/ir.md, "Digest constants"). */
/* Fill data (numel elements of dt) from the splitmix64 stream seeded with
 * state: element i takes the i-th draw x (docs/ir.md). One loop per dtype, so
 * a 1 GiB constant fills at memory speed rather than one switch per element. */
static void fill_random(void *data, int64_t numel, cv_dtype dt, uint64_t state)
{
	int64_t i;

#define FILL(T, EXPR)                                          \
	for (i = 0; i < numel; i++) {                           \
		uint64_t x = splitmix64(&state);                \
		((T *)data)[i] = (EXPR);                        \
	}                                                       \
	break
	switch (dt) {
	case CV_F32: FILL(float, (float)(x >> 40) * 0x1p-24f - 0.5f);
	case CV_F64: FILL(double, (double)(x >> 11) * 0x1p-53 - 0.5);
	case CV_F16: /* sign, exponent 0..13 (|v| < 0.5), mantissa */
		FILL(uint16_t, (uint16_t)((x >> 63) << 15 | ((x >> 10) % 14) << 10 | (x & 0x3ff)));
	case CV_I64: FILL(int64_t, (int64_t)(x >> 60) - 8);
	case CV_I32: FILL(int32_t, (int32_t)(x >> 60) - 8);
	case CV_I8: FILL(int8_t, (int8_t)((int)(x >> 60) - 8));
	case CV_U8: FILL(uint8_t, (uint8_t)(x >> 60));
	case CV_BOOL: FILL(uint8_t, (uint8_t)(x >> 63));
	case CV_BF16: /* sign, exponent 113..126 (|v| < 1), mantissa */
		FILL(uint16_t, (uint16_t)((x >> 63) << 15 | (113 + (x >> 10) % 14) << 7 | (x & 0x7f)));
	case CV_I16: FILL(int16_t, (int16_t)((int)(x >> 60) - 8));
	case CV_U16: FILL(uint16_t, (uint16_t)(x >> 60));
	case CV_U32: FILL(uint32_t, (uint32_t)(x >> 60));
	case CV_U64: FILL(uint64_t, x >> 60);
	case CV_DTYPE_COUNT: break;
	}
#undef FILL
}

static cv_status parse_digest_const(parser *ps, const char *at, const char *name, const cv_type *t)
{
	const char *hat = ps->p;
	int64_t numel = cv_type_numel(t);
	int64_t nbytes = numel * (int64_t)cv_dtype_size(t->dtype);
	uint64_t h = 0;
	cv_value *v;
	int n, x;
	cv_status st;

	for (n = 0; n < 16 && (x = hex_val(peek(ps))) >= 0; n++, ps->p++)
		h = h << 4 | (uint64_t)x;
	if (n < 16 || is_name_char(peek(ps)))
		return FAIL(hat, "a digest is 16 hex digits");
	if ((st = expect_eol(ps)))
		return st;
	if (nbytes > CONST_BYTES_MAX)
		return FAIL(at, "digest constant of %" PRId64 " bytes; the limit is %" PRId64,
			    nbytes, CONST_BYTES_MAX);
	if (numel > CONST_NUMEL_MAX)
		return FAIL(at, "digest constant of %" PRId64 " elements; the limit is %" PRId64,
			    numel, CONST_NUMEL_MAX);
	v = cv_graph_add_const(&ps->m->graph, name, t, NULL, (size_t)nbytes);
	if ((st = define(ps, at, v, name)))
		return st;
	fill_random(v->data, numel, t->dtype, h);
	v->has_digest = 1;
	v->digest = h;
	return CV_OK;
}

/* A u64 element: decimal digits up to 2^64 - 1 (beyond cvp_parse_int's int64). */
static cv_status parse_u64(parser *ps, uint64_t *v)
{
	const char *at;
	uint64_t mag = 0;

	skip_ws(ps);
	at = ps->p;
	if (!is_digit(peek(ps)))
		return FAIL(at, "expected an integer");
	for (; is_digit(peek(ps)); ps->p++) {
		unsigned dig = (unsigned)(*ps->p - '0');
		if (mag > (UINT64_MAX - dig) / 10)
			return FAIL(at, "u64 element is out of range");
		mag = mag * 10 + dig;
	}
	if (is_name_char(peek(ps)))
		return FAIL(at, "expected an integer");
	*v = mag;
	return CV_OK;
}

static cv_status parse_element(parser *ps, cv_dtype dt, unsigned char *dst)
{
	union {
		float f32;
		double f64;
		uint16_t f16;
		int64_t i64;
		int32_t i32;
		int8_t i8;
		uint8_t u8;
		int16_t i16;
		uint16_t u16;
		uint32_t u32;
		uint64_t u64;
	} e;
	int64_t x = 0;
	cv_status st;

	memset(&e, 0, sizeof e);
	switch (dt) {
	case CV_F32: st = cvp_parse_f32(ps, &e.f32); break;
	case CV_F64: st = parse_f64(ps, &e.f64); break;
	case CV_F16:
	case CV_BF16: st = parse_bits16(ps, &e.f16); break;
	case CV_I64: st = cvp_parse_int(ps, INT64_MIN, INT64_MAX, "i64 element", &e.i64); break;
	case CV_I32:
		st = cvp_parse_int(ps, INT32_MIN, INT32_MAX, "i32 element", &x);
		e.i32 = (int32_t)x;
		break;
	case CV_I8:
		st = cvp_parse_int(ps, INT8_MIN, INT8_MAX, "i8 element", &x);
		e.i8 = (int8_t)x;
		break;
	case CV_U8:
	case CV_BOOL:
		st = cvp_parse_int(ps, 0, UINT8_MAX, "element", &x);
		e.u8 = (uint8_t)x;
		break;
	case CV_I16:
		st = cvp_parse_int(ps, INT16_MIN, INT16_MAX, "i16 element", &x);
		e.i16 = (int16_t)x;
		break;
	case CV_U16:
		st = cvp_parse_int(ps, 0, UINT16_MAX, "u16 element", &x);
		e.u16 = (uint16_t)x;
		break;
	case CV_U32:
		st = cvp_parse_int(ps, 0, UINT32_MAX, "u32 element", &x);
		e.u32 = (uint32_t)x;
		break;
	case CV_U64: st = parse_u64(ps, &e.u64); break;
	default: return FAIL(ps->p, "bad dtype");
	}
	if (!st) /* every member starts at offset 0 */
		memcpy(dst, &e, cv_dtype_size(dt));
	return st;
}

static int data_reserve(parser *ps, size_t need)
{
	size_t cap = ps->data_cap ? ps->data_cap : 256;
	unsigned char *p;

	if (need <= ps->data_cap)
		return 0;
	while (cap < need)
		cap *= 2;
	if (!(p = realloc(ps->data, cap)))
		return -1;
	ps->data = p;
	ps->data_cap = cap;
	return 0;
}

/* = [v, v, ...]: exactly numel elements, C order. */
static cv_status parse_inline_const(parser *ps, const char *at, const char *name, const cv_type *t)
{
	int64_t numel = cv_type_numel(t), count = 0;
	size_t size = cv_dtype_size(t->dtype);
	const char *lat;
	cv_value *v;
	cv_status st;

	skip_ws(ps);
	lat = ps->p;
	if ((st = cvp_expect(ps, '[')))
		return st;
	if (!accept(ps, ']')) {
		do {
			skip_ws(ps);
			if (count == numel)
				return FAIL(ps->p, "more than the %" PRId64 " values of the type",
					    numel);
			if (data_reserve(ps, (size_t)(count + 1) * size))
				return nomem(ps);
			if ((st = parse_element(ps, t->dtype, ps->data + (size_t)count * size)))
				return st;
			count++;
		} while (accept(ps, ','));
		if ((st = cvp_expect(ps, ']')))
			return st;
	}
	if (count != numel)
		return FAIL(lat, "%" PRId64 " values given, the type has %" PRId64 " elements",
			    count, numel);
	if ((st = expect_eol(ps)))
		return st;
	v = cv_graph_add_const(&ps->m->graph, name, t, ps->data, (size_t)count * size);
	return define(ps, at, v, name);
}

/* ---- lines ---- */

static cv_status parse_results(parser *ps, node_text *nt)
{
	cv_status st;
	int i;

	do {
		int k = nt->num_outputs;
		if (k == MAX_RESULTS)
			return FAIL(ps->p, "more than %d results", MAX_RESULTS);
		if ((st = parse_def(ps, &nt->out_at[k], &nt->out_end[k], &nt->out_names[k])))
			return st;
		for (i = 0; i < k; i++)
			if (!strcmp(nt->out_names[i], nt->out_names[k]))
				return FAIL(nt->out_at[k], "%.*s is defined twice on this line",
					    span(nt->out_at[k], nt->out_end[k]), nt->out_at[k]);
		if ((st = cvp_expect(ps, ':')) || (st = parse_type(ps, &nt->out_types[k])))
			return st;
		nt->num_outputs++;
	} while (accept(ps, ','));
	return CV_OK;
}

static cv_status check_arity(parser *ps, const node_text *nt)
{
	int min = cv_op_min_inputs(nt->op), max = cv_op_max_inputs(nt->op);
	int outs = cv_op_num_outputs(nt->op), i;
	const char *name = cv_op_name(nt->op);

	if (nt->num_inputs < min || nt->num_inputs > max)
		return min == max ? FAIL(nt->op_at, "%s takes %d operand%s, got %d", name, min,
					 min == 1 ? "" : "s", nt->num_inputs)
				  : FAIL(nt->op_at, "%s takes %d to %d operands, got %d", name, min,
					 max, nt->num_inputs);
	for (i = 0; i < min; i++)
		if (!nt->inputs[i])
			return FAIL(nt->op_at, "%s: operand %d cannot be absent", name, i);
	if (outs && nt->num_outputs != outs)
		return FAIL(nt->op_at, "%s has %d result%s, %d declared", name, outs,
			    outs == 1 ? "" : "s", nt->num_outputs);
	return CV_OK;
}

/* = op %a, %b, _  : the op and its operands. */
static cv_status parse_op_operands(parser *ps, node_text *nt)
{
	char w[32];
	cv_status st;

	if ((st = cvp_expect(ps, '=')))
		return st;
	skip_ws(ps);
	nt->op_at = ps->p;
	if (!cvp_word(ps, w, sizeof w))
		return FAIL(nt->op_at, "expected an op name");
	if ((nt->op = cv_op_from_name(w)) == CV_OP_COUNT)
		return FAIL(nt->op_at, "unknown op '%s'", w);
	skip_ws(ps);
	if (peek(ps) == '%' || peek(ps) == '_') {
		do {
			skip_ws(ps);
			if (nt->num_inputs == MAX_OPERANDS)
				return FAIL(ps->p, "more than %d operands", MAX_OPERANDS);
			if ((st = parse_ref(ps, 1, &nt->inputs[nt->num_inputs])))
				return st;
			nt->num_inputs++;
		} while (accept(ps, ','));
	}
	if ((st = check_arity(ps, nt)))
		return st;
	nt->rank = nt->inputs[0] ? nt->inputs[0]->type.rank : 0;
	return CV_OK;
}

/* The declared result types must be what shape inference computes; layout
 * is a pass's choice (as in cv_verify), so it is taken as declared. */
static cv_status check_inferred(parser *ps, const node_text *nt, const cv_node *n)
{
	cv_type want[MAX_RESULTS];
	char a[160], b[160];
	cv_diag local;
	int i;

	cv_diag_init(&local, NULL);
	if (cv_node_infer(n, want, &local))
		return FAIL(nt->op_at, "%s", local.msg);
	for (i = 0; i < n->num_outputs; i++) {
		want[i].layout = nt->out_types[i].layout;
		if (!cv_type_equal(&want[i], &nt->out_types[i]))
			return FAIL(nt->out_at[i],
				    "result %.*s is declared %s, shape inference says %s",
				    span(nt->out_at[i], nt->out_end[i]), nt->out_at[i],
				    cv_type_str(&nt->out_types[i], a, sizeof a),
				    cv_type_str(&want[i], b, sizeof b));
	}
	return CV_OK;
}

/* !shard(PLACEMENT, mem=BYTES), optional. */
static cv_status parse_annotation(parser *ps, node_text *nt)
{
	const char *at;
	char w[16];
	cv_status st;

	if (!accept(ps, '!'))
		return CV_OK;
	at = ps->p;
	if (!cvp_word(ps, w, sizeof w) || strcmp(w, "shard"))
		return FAIL(at, "unknown annotation (convc knows !shard(...))");
	if ((st = cvp_expect(ps, '(')) || (st = cvp_parse_placement(ps, &nt->place)) ||
	    (st = cvp_expect(ps, ',')) || (st = expect_word(ps, "mem")) ||
	    (st = cvp_expect(ps, '=')) ||
	    (st = cvp_parse_int(ps, 0, INT64_MAX, "mem (bytes per core)", &nt->place.mem)))
		return st;
	return cvp_expect(ps, ')');
}

static cv_status parse_node_line(parser *ps)
{
	node_text nt;
	cv_node *n;
	cv_status st;
	int i;

	memset(&nt, 0, sizeof nt);
	if ((st = parse_results(ps, &nt)) || (st = parse_op_operands(ps, &nt)) ||
	    (st = cvp_parse_node_attrs(ps, &nt)) || (st = parse_annotation(ps, &nt)))
		return st;
	if (accept(ps, '@') && (st = parse_name(ps, &nt.name)))
		return st;
	if ((st = expect_eol(ps)))
		return st;
	n = cv_graph_add_node(&ps->m->graph, nt.op, nt.name ? nt.name : "", nt.inputs,
			      nt.num_inputs, nt.out_names, nt.num_outputs);
	if (!n)
		return nomem(ps);
	n->attrs = nt.attrs;
	n->place = nt.place;
	/* reshape and split read their declared result dims */
	for (i = 0; i < nt.num_outputs; i++)
		n->outputs[i]->type = nt.out_types[i];
	if ((st = check_inferred(ps, &nt, n)))
		return st;
	for (i = 0; i < nt.num_outputs && !st; i++)
		st = define(ps, nt.out_at[i], n->outputs[i], nt.out_names[i]);
	return st;
}

static cv_status parse_module_line(parser *ps)
{
	const char *name;
	int64_t opset;
	cv_status st;

	if ((st = cvp_expect(ps, '@')) || (st = parse_name(ps, &name)) ||
	    (st = expect_word(ps, "opset")) ||
	    (st = cvp_parse_int(ps, 0, INT64_MAX, "opset", &opset)) || (st = expect_eol(ps)))
		return st;
	if (!(ps->m = cv_module_new(name)))
		return nomem(ps);
	ps->m->opset = opset;
	return CV_OK;
}

static cv_status parse_input_line(parser *ps)
{
	const char *at, *end, *name;
	cv_type t;
	cv_status st;

	if ((st = parse_def(ps, &at, &end, &name)) || (st = cvp_expect(ps, ':')) ||
	    (st = parse_type(ps, &t)) || (st = expect_eol(ps)))
		return st;
	return define(ps, at, cv_graph_add_input(&ps->m->graph, name, &t), name);
}

static cv_status parse_const_line(parser *ps)
{
	const char *at, *end, *name;
	char buf[16];
	cv_type t;
	cv_status st;

	if ((st = parse_def(ps, &at, &end, &name)) || (st = cvp_expect(ps, ':')) ||
	    (st = parse_type(ps, &t)))
		return st;
	if (accept(ps, '#'))
		return parse_digest_const(ps, at, name, &t);
	if (accept(ps, '='))
		return parse_inline_const(ps, at, name, &t);
	return FAIL(ps->p, "expected '#DIGEST' or '= [values]', found %s",
		    cvp_found(ps, buf, sizeof buf));
}

static cv_status parse_output_line(parser *ps)
{
	cv_value *v;
	cv_status st;

	if ((st = parse_ref(ps, 0, &v)) || (st = expect_eol(ps)))
		return st;
	return cv_graph_add_output(&ps->m->graph, v) ? nomem(ps) : CV_OK;
}

static cv_status parse_line(parser *ps)
{
	const char *at;
	char w[32];

	skip_ws(ps);
	if (ps->p == ps->eol)
		return CV_OK;
	at = ps->p;
	if (ps->m && peek(ps) == '%')
		return parse_node_line(ps);
	cvp_word(ps, w, sizeof w);
	if (!ps->m)
		return strcmp(w, "module") ? FAIL(at, "expected 'module @NAME opset N' first")
					   : parse_module_line(ps);
	if (!strcmp(w, "input"))
		return parse_input_line(ps);
	if (!strcmp(w, "const"))
		return parse_const_line(ps);
	if (!strcmp(w, "output"))
		return parse_output_line(ps);
	if (!strcmp(w, "module"))
		return FAIL(at, "a second 'module' line");
	return FAIL(at, "expected 'input', 'const', 'output' or a node (%%name: TYPE = op ...)");
}

static cv_status start_line(parser *ps, const char *start)
{
	const char *nl = memchr(start, '\n', (size_t)(ps->end - start));
	size_t need;

	ps->line = ps->p = start;
	ps->eol = nl ? nl : ps->end;
	ps->lineno++;
	need = (size_t)(ps->eol - ps->line) + 1;
	if (need > ps->scratch_cap) {
		char *s = realloc(ps->scratch, need);
		if (!s)
			return nomem(ps);
		ps->scratch = s;
		ps->scratch_cap = need;
	}
	ps->scratch_used = 0;
	return CV_OK;
}

cv_status cv_module_parse(const char *text, size_t len, const char *filename, cv_module **out,
			  cv_diag *d)
{
	parser ps;
	struct sym *s, *tmp;
	const char *cur;
	cv_status st = CV_OK;

	memset(&ps, 0, sizeof ps);
	*out = NULL;
	if (d && filename)
		d->file = filename;
	ps.d = d;
	ps.text = text ? text : "";
	ps.end = ps.text + (text ? len : 0);
	for (cur = ps.text; cur < ps.end; cur = ps.eol < ps.end ? ps.eol + 1 : ps.end) {
		if ((st = start_line(&ps, cur)) || (st = parse_line(&ps)))
			goto fail;
	}
	if (!ps.m) {
		ps.lineno = 1;
		ps.line = ps.p = ps.text;
		st = cvp_fail_at(&ps, ps.p, "expected 'module @NAME opset N'");
		goto fail;
	}
	*out = ps.m;
	ps.m = NULL;
fail:
	HASH_ITER(hh, ps.syms, s, tmp) {
		HASH_DEL(ps.syms, s);
		free(s);
	}
	free(ps.scratch);
	free(ps.data);
	cv_module_free(ps.m);
	return st;
}
