/*
 * memplan.c - liveness-based offsets in the activation arena.
 *
 * Values are placed in definition order, each at the lowest 64-byte-aligned
 * offset where it overlaps no live block (first fit). Simple and good on
 * CNN chains, where the working set is two or three activations.
 *
 * Aliases take no block of their own: a reshape or reshard result is its
 * operand's bytes, and a concat operand written in place (below) is its
 * channel slice of the concat's result.
 *
 * Concat in place. A concat on the channel axis of NHWC tensors [n, h, w, c]
 * copies each operand's pixels into a slice of every output pixel. An
 * operand X can instead be written there by its producer when
 *   - the concat is on the last axis of a rank-4 NHWC result (its rows are
 *     the n*h*w pixels, the channels contiguous), and
 *   - X is the result of an NHWC conv2d (cvrt_conv2d_nhwc, whose output
 *     pixels may be any ldy floats apart: emit_nodes.c passes the concat's
 *     channels), and
 *   - X has no use but this one operand of the concat and is not a graph
 *     output (nothing else reads X's dense layout, and no reshape aliases
 *     it).
 * X is then an alias of the concat's result Y at the slice's byte offset,
 * and Y's block is live from the first such producer on: from X's
 * definition nothing else may take those bytes, and the producer's own
 * operands, live at its definition, get other bytes. The concat copies
 * only its other operands. Y itself may be anything: aliased by a later
 * reshape, a graph output.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define HASH_NONFATAL_OOM 1
#include <uthash.h>

#include "backends/c/memplan.h"

#define ALIGN 64

struct mp_slot {
	const cv_value *v;
	struct mp_slot *root; /* itself, or the slot whose bytes it aliases */
	size_t sub;           /* bytes into root's block where it starts */
	size_t off, size;
	size_t bytes, goff;   /* exact bytes; offset in the guarded layout */
	int def, last;        /* node indices: defined at, last used at */
	int in_place;         /* a concat operand living in the concat's result */
	int io;               /* root: -1 arena, else the caller's buffer k
			       * (cv_memplan_io); claims counts graph inputs
			       * and outputs whose bytes are this block */
	int claims;
	UT_hash_handle hh;
};

static struct mp_slot *find(const cv_memplan *p, const cv_value *v)
{
	struct mp_slot *s;

	HASH_FIND_PTR(p->slots, &v, s);
	return s;
}

size_t cv_memplan_offset(const cv_memplan *p, const cv_value *v)
{
	struct mp_slot *s = find(p, v);

	return s ? s->root->off + s->sub : (size_t)-1;
}

int cv_memplan_io(const cv_memplan *p, const cv_value *v)
{
	struct mp_slot *s = find(p, v);

	return s ? s->root->io : -1;
}

size_t cv_memplan_guard_offset(const cv_memplan *p, const cv_value *v)
{
	struct mp_slot *s = find(p, v);

	return s ? s->root->goff + s->sub : (size_t)-1;
}

/* Whether operand `i` of concat node c can be written in place (above). */
static int concat_in_place(const cv_node *c, int i)
{
	const cv_value *x = c->inputs[i], *y = c->outputs[0];
	const cv_node *pr = x->producer;
	int j;

	if (c->op != CV_OP_CONCAT || y->type.layout != CV_LAYOUT_NHWC || y->type.rank != 4 ||
	    c->attrs.axis != 3)
		return 0;
	if (x->kind != CV_VALUE_RESULT || !pr || pr->op != CV_OP_CONV2D ||
	    pr->inputs[0]->type.layout != CV_LAYOUT_NHWC || x->type.layout != CV_LAYOUT_NHWC)
		return 0;
	if (x->num_uses != 1 || x->is_output)
		return 0;
	for (j = 0; j < c->num_inputs; j++)
		if (j != i && c->inputs[j] == x)
			return 0;
	return 1;
}

int cv_memplan_in_place(const cv_memplan *p, const cv_value *v)
{
	struct mp_slot *s = find(p, v);

	return s && s->in_place;
}

/* Alias the in-place operands of concat c to their slices of its result. */
static void concat_alias(cv_memplan *p, const cv_node *c)
{
	struct mp_slot *y = find(p, c->outputs[0]);
	size_t off = 0, esize = cv_dtype_size(c->outputs[0]->type.dtype);
	int i;

	for (i = 0; i < c->num_inputs; i++) {
		struct mp_slot *x = find(p, c->inputs[i]);
		if (concat_in_place(c, i) && x && x->root == x) {
			x->root = y->root;
			x->sub = y->sub + off;
			x->in_place = 1;
			if (x->def < y->root->def)
				y->root->def = x->def;
		}
		off += (size_t)c->inputs[i]->type.dims[3] * esize;
	}
}

static struct mp_slot *add(cv_memplan *p, const cv_value *v, int def, cv_diag *d)
{
	struct mp_slot *s = calloc(1, sizeof *s);
	int64_t numel = cv_type_numel(&v->type);

	if (!s || numel < 0 || (uint64_t)numel > (SIZE_MAX - ALIGN) / 8) {
		free(s);
		cv_diag_error(d, CV_ERR_NOMEM, "value %%%s: cannot plan its memory", v->name);
		return NULL;
	}
	s->v = v;
	s->root = s;
	s->io = -1;
	s->bytes = (size_t)numel * cv_dtype_size(v->type.dtype);
	s->size = (s->bytes + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	s->def = s->last = def;
	HASH_ADD_PTR(p->slots, v, s);
	if (!find(p, v)) {
		free(s);
		cv_diag_error(d, CV_ERR_NOMEM, "out of memory");
		return NULL;
	}
	return s;
}

static void touch(cv_memplan *p, const cv_value *v, int at)
{
	struct mp_slot *s = v ? find(p, v) : NULL;

	if (s && s->root->last < at)
		s->root->last = at;
}

/* Lifetimes: definitions and uses, with reshape results aliasing. */
static cv_status liveness(const cv_graph *g, cv_memplan *p, int *count, cv_diag *d)
{
	const cv_node *n;
	int i, at = 0;

	for (i = 0; i < g->num_inputs; i++)
		if (!add(p, g->inputs[i], 0, d))
			return d->status;
	cv_graph_for_each_node(g, n) {
		at++;
		for (i = 0; i < n->num_inputs; i++)
			touch(p, n->inputs[i], at);
		for (i = 0; i < n->num_outputs; i++) {
			struct mp_slot *s = add(p, n->outputs[i], at, d);
			if (!s)
				return d->status;
			if ((n->op == CV_OP_RESHAPE || n->op == CV_OP_RESHARD) && n->inputs[0]->kind != CV_VALUE_CONST) {
				s->root = find(p, n->inputs[0])->root;
				s->sub = find(p, n->inputs[0])->sub;
			}
		}
		if (n->op == CV_OP_CONCAT)
			concat_alias(p, n);
	}
	*count = at + 1;
	for (i = 0; i < g->num_outputs; i++)
		touch(p, g->outputs[i], *count);
	return CV_OK;
}

/*
 * The caller's-buffer blocks (memplan.h): each graph input's own block, and
 * the block of a graph output that starts at its first byte and is exactly
 * its size, when no other input or output claims that block.
 */
static void io_blocks(const cv_graph *g, cv_memplan *p)
{
	struct mp_slot *s;
	int i;

	for (i = 0; i < g->num_inputs + g->num_outputs; i++) {
		s = find(p, i < g->num_inputs ? g->inputs[i] : g->outputs[i - g->num_inputs]);
		if (s) {
			s->root->claims++;
			if (s->sub == 0 && s->bytes == s->root->bytes)
				s->root->io = i;
			else
				s->root->claims++; /* a part of a block: never the caller's */
		}
	}
	for (s = p->slots; s; s = s->hh.next)
		if (s->root == s && s->claims != 1)
			s->io = -1;
}

static int overlaps(const struct mp_slot *a, const struct mp_slot *b)
{
	return a->def <= b->last && b->def <= a->last;
}

/* First fit of root slot s against the placed blocks live with it. */
static size_t first_fit(const struct mp_slot *s, struct mp_slot *const *placed, size_t nplaced)
{
	size_t off = 0, n;
	int moved = 1;

	while (moved) { /* bump past every overlapping block */
		moved = 0;
		for (n = 0; n < nplaced; n++) {
			const struct mp_slot *q = placed[n];
			if (overlaps(q, s) && off < q->off + q->size && q->off < off + s->size) {
				off = q->off + q->size;
				moved = 1;
			}
		}
	}
	return off;
}

/*
 * The guarded layout (memplan.h): the roots in definition order, each in a
 * slot of its own, CV_GUARD_REDZONE bytes apart and before the first. The
 * blocks get their lifetimes for the emitted code's poisoning. Leaves
 * p->blocks NULL (and guard_bytes 0) when out of memory or when the layout
 * would overflow: only the GUARD=1 build needs it.
 */
static void guard_layout(cv_memplan *p, struct mp_slot *const *roots, size_t nroots)
{
	size_t off = CV_GUARD_REDZONE, i;

	p->blocks = malloc((nroots ? nroots : 1) * sizeof *p->blocks);
	if (!p->blocks)
		return;
	for (i = 0; i < nroots; i++) {
		struct mp_slot *s = roots[i];
		s->goff = off;
		if (s->size > SIZE_MAX - CV_GUARD_REDZONE || off > SIZE_MAX - CV_GUARD_REDZONE - s->size) {
			free(p->blocks);
			p->blocks = NULL;
			return;
		}
		off += s->size + CV_GUARD_REDZONE;
		p->blocks[i].guard_off = s->goff;
		p->blocks[i].bytes = s->bytes;
		p->blocks[i].def = s->def;
		p->blocks[i].last = s->last;
	}
	p->num_blocks = nroots;
	p->guard_bytes = off;
}

/*
 * Roots are placed in definition order (the hash's insertion order), each
 * checked only against the placed blocks that can still overlap a root to
 * come: a block whose last use precedes every later root's definition is
 * dropped from the list. Defs are almost monotone (a concat's result may
 * start earlier, at its first in-place producer), so min_def[i], the
 * smallest def of roots i.., decides. Dropping such blocks changes no
 * offset; it keeps a chain of N nodes O(N · live blocks) instead of O(N²).
 */
cv_status cv_memplan_build(const cv_graph *g, cv_memplan *p, cv_diag *d)
{
	struct mp_slot *s, **roots = NULL, **placed = NULL;
	size_t nroots = 0, nplaced = 0, i, k, keep;
	int count, *min_def = NULL;
	cv_status st;

	memset(p, 0, sizeof *p);
	if ((st = liveness(g, p, &count, d)))
		return st;
	io_blocks(g, p);
	roots = malloc((HASH_COUNT(p->slots) + 1) * sizeof *roots);
	placed = malloc((HASH_COUNT(p->slots) + 1) * sizeof *placed);
	min_def = malloc((HASH_COUNT(p->slots) + 1) * sizeof *min_def);
	if (!roots || !placed || !min_def) {
		st = cv_diag_error(d, CV_ERR_NOMEM, "out of memory");
		goto done;
	}
	for (s = p->slots; s; s = s->hh.next) /* insertion = definition order */
		if (s->root == s)
			roots[nroots++] = s;
	for (i = nroots; i-- > 0;)
		min_def[i] = i + 1 < nroots && min_def[i + 1] < roots[i]->def ? min_def[i + 1] : roots[i]->def;
	for (i = 0; i < nroots; i++) {
		s = roots[i];
		for (k = keep = 0; k < nplaced; k++) /* in order: first fit sees the same list */
			if (placed[k]->last >= min_def[i])
				placed[keep++] = placed[k];
		nplaced = keep;
		if (s->io >= 0)
			continue; /* the caller's buffer: no arena bytes */
		p->naive_bytes += s->size;
		s->off = first_fit(s, placed, nplaced);
		if (s->off > SIZE_MAX - s->size) {
			/* as the weights' (emit_c.c): a size no machine can hold */
			st = cv_diag_error(d, CV_ERR_NOMEM, "value %%%s: the activations exceed the address space",
					   s->v->name);
			goto done;
		}
		placed[nplaced++] = s;
		if (s->off + s->size > p->arena_bytes)
			p->arena_bytes = s->off + s->size;
	}
	guard_layout(p, roots, nroots);
done:
	free(roots);
	free(placed);
	free(min_def);
	return st;
}

void cv_memplan_free(cv_memplan *p)
{
	struct mp_slot *s, *tmp;

	free(p->blocks);
	p->blocks = NULL;
	HASH_ITER(hh, p->slots, s, tmp) {
		HASH_DEL(p->slots, s);
		free(s);
	}
}
