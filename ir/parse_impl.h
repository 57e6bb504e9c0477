/*
 * parse_impl.h - private to the text IR reader (ir/parse.c, ir/parse_attrs.c):
 * the cursor over the current line, a node line being parsed, and the token
 * helpers both files use. The cursor never leaves [line, eol): every byte is
 * read through peek(), which says -1 at the end of the line.
 */
#ifndef CONVC_PARSE_IMPL_H
#define CONVC_PARSE_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "convc/parse.h"

/* Bound on |dim| and |integer attribute|: the products shape inference forms
 * (dilation * kernel, (in - 1) * stride) then stay far inside int64. */
#define INT_LIMIT ((int64_t)1 << 30)
#define MAX_OPERANDS 64
#define MAX_RESULTS 64 /* cv_node_infer's limit */

typedef struct parser {
	const char *text, *end;     /* the whole input */
	const char *line, *eol, *p; /* the current line and the cursor in it */
	long long lineno;
	cv_module *m;               /* NULL until the `module` line */
	struct sym *syms;           /* defined values by name (parse.c) */
	char *scratch;              /* decoded names of the current line */
	size_t scratch_cap, scratch_used;
	unsigned char *data;        /* inline constant elements */
	size_t data_cap;
	cv_diag *d;
} parser;

/* One node line, parsed before the node is built. */
typedef struct node_text {
	cv_op op;
	const char *op_at;
	cv_value *inputs[MAX_OPERANDS];
	int num_inputs;
	const char *out_names[MAX_RESULTS];
	const char *out_at[MAX_RESULTS], *out_end[MAX_RESULTS];
	cv_type out_types[MAX_RESULTS];
	int num_outputs;
	int rank; /* operand 0's rank: sizes perm, slice and pad lists */
	cv_attrs attrs;
	cv_placement place; /* !shard(...), kind CV_SHARD_NONE when absent */
	const char *name;
} node_text;

static inline int is_digit(int c) { return c >= '0' && c <= '9'; }
static inline int is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static inline int is_word_char(int c) { return is_alpha(c) || is_digit(c) || c == '_'; }
static inline int is_name_char(int c) { return is_word_char(c) || c == '.'; }

static inline int peek_at(const parser *ps, size_t k)
{
	return (size_t)(ps->eol - ps->p) > k ? (unsigned char)ps->p[k] : -1;
}

static inline int peek(const parser *ps)
{
	return peek_at(ps, 0);
}

/* Blanks, and a `//` comment to the end of the line. */
static inline void skip_ws(parser *ps)
{
	while (ps->p < ps->eol && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r'))
		ps->p++;
	if (peek(ps) == '/' && peek_at(ps, 1) == '/')
		ps->p = ps->eol;
}

static inline int accept(parser *ps, int c)
{
	skip_ws(ps);
	if (peek(ps) != c)
		return 0;
	ps->p++;
	return 1;
}

/* CV_ERR_INPUT "line N, col M: ..." with M the column of `at`. */
cv_status cvp_fail_at(parser *ps, const char *at, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;
/* What the cursor is on ("'x'", "end of line"), for "expected X, found Y". */
const char *cvp_found(const parser *ps, char *buf, size_t size);
cv_status cvp_expect(parser *ps, int c);
/* A keyword [A-Za-z_][A-Za-z0-9_]* into buf (truncated to fit); its length,
 * 0 when there is none. */
size_t cvp_word(parser *ps, char *buf, size_t size);
/* A decimal integer in [lo, hi]; `what` names it in the range message. */
cv_status cvp_parse_int(parser *ps, int64_t lo, int64_t hi, const char *what, int64_t *v);
cv_status cvp_parse_f32(parser *ps, float *v);

/* A placement, kind[k] or block[RxC] (parse_attrs.c); mem is set to 0. */
cv_status cvp_parse_placement(parser *ps, cv_placement *out);

/* The attributes of nt (parse_attrs.c): defaults, then an optional
 * {key=value, ...}. nt->op and the operands are already parsed. */
cv_status cvp_parse_node_attrs(parser *ps, node_text *nt);

#endif
