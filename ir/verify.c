/*
 * verify.c - the IR invariants of convc/ir.h, checked after import and
 * after every pass.
 */
#define HASH_NONFATAL_OOM 1
#include <uthash.h>

#include <stdlib.h>

#include "convc/ir.h"

#define BAD(...) cv_diag_error(d, CV_ERR_INTERNAL, __VA_ARGS__)

struct seen {
	const cv_value *v;
	UT_hash_handle hh;
};

static int seen_has(struct seen *set, const cv_value *v)
{
	struct seen *e;

	HASH_FIND_PTR(set, &v, e);
	return e != NULL;
}

static int seen_add(struct seen **set, struct seen *slot, const cv_value *v)
{
	slot->v = v;
	HASH_ADD_PTR(*set, v, slot);
	return seen_has(*set, v) ? 0 : -1;
}

static int placement_ok(const cv_placement *p, int may_be_none)
{
	if (p->kind == CV_SHARD_NONE)
		return may_be_none && !p->grid[0] && !p->grid[1] && !p->mem;
	if ((unsigned)p->kind >= CV_SHARD_KIND_COUNT || p->grid[0] < 1 || p->grid[1] < 1 || p->mem < 0)
		return 0;
	if (p->kind == CV_SHARD_WIDTH)
		return p->grid[0] == 1;
	return p->kind == CV_SHARD_BLOCK || p->grid[1] == 1;
}

/* Placements are well-formed, and a reshard moves between two of them. */
static cv_status check_placements(const cv_node *n, cv_diag *d)
{
	char a[48], b[48];

	if (!placement_ok(&n->place, 1))
		return BAD("%s '%s': malformed placement (kind %d, grid %dx%d, mem %lld)",
			   cv_op_name(n->op), n->name, (int)n->place.kind, n->place.grid[0],
			   n->place.grid[1], (long long)n->place.mem);
	if (n->op != CV_OP_RESHARD)
		return CV_OK;
	if (!placement_ok(&n->attrs.reshard.from, 0) || !placement_ok(&n->attrs.reshard.to, 0))
		return BAD("reshard '%s': malformed from/to placement", n->name);
	if (cv_placement_equal(&n->attrs.reshard.from, &n->attrs.reshard.to))
		return BAD("reshard '%s': from and to are both %s", n->name,
			   cv_placement_str(&n->attrs.reshard.to, a, sizeof a));
	if (n->inputs[0]->producer && n->inputs[0]->producer->place.kind != CV_SHARD_NONE &&
	    !cv_placement_equal(&n->inputs[0]->producer->place, &n->attrs.reshard.from))
		return BAD("reshard '%s': moves from %s, but its operand is placed %s", n->name,
			   cv_placement_str(&n->attrs.reshard.from, a, sizeof a),
			   cv_placement_str(&n->inputs[0]->producer->place, b, sizeof b));
	return CV_OK;
}

/* Whether node p is in the graph after n (a removed node is in no list). */
static int comes_later(const cv_node *n, const cv_node *p)
{
	for (n = n->next; n; n = n->next)
		if (n == p)
			return 1;
	return 0;
}

/* Operand i of n is not defined above n: out of order, or its producer is gone. */
static cv_status undefined_operand(const cv_node *n, int i, cv_diag *d)
{
	const cv_value *v = n->inputs[i];
	char name[160];

	cv_value_name_str(v, name, sizeof name);
	if (v->kind == CV_VALUE_RESULT && v->producer && comes_later(n, v->producer))
		return BAD("%s '%s': operand %d (%s) is used before it is defined (by %s '%s', "
			   "which comes later: the nodes are out of topological order)",
			   cv_op_name(n->op), n->name, i, name, cv_op_name(v->producer->op),
			   v->producer->name);
	if (v->kind == CV_VALUE_RESULT && v->producer)
		return BAD("%s is used by %s '%s' (operand %d) but no longer defined: its producer "
			   "%s '%s' was removed from the graph",
			   name, cv_op_name(n->op), n->name, i, cv_op_name(v->producer->op),
			   v->producer->name);
	return BAD("%s is used by %s '%s' (operand %d) but is not defined in this graph", name,
		   cv_op_name(n->op), n->name, i);
}

static cv_status check_node(const cv_node *n, struct seen *defined, cv_diag *d)
{
	cv_type want[64];
	char a[160], b[160];
	int i;

	for (i = 0; i < n->num_inputs; i++) {
		const cv_value *v = n->inputs[i];
		if (v && !seen_has(defined, v))
			return undefined_operand(n, i, d);
	}
	if (n->num_outputs > 64)
		return BAD("%s '%s': too many results", cv_op_name(n->op), n->name);
	if (cv_node_infer(n, want, d) || check_placements(n, d))
		return d->status;
	for (i = 0; i < n->num_outputs; i++) {
		const cv_value *v = n->outputs[i];
		char name[160];
		if (v->producer != n || v->result_index != i || v->kind != CV_VALUE_RESULT)
			return BAD("%s '%s': result %d is not linked to its node", cv_op_name(n->op),
				   n->name, i);
		/* Layout is a pass's choice; dims and dtype are not. */
		want[i].layout = v->type.layout;
		if (!cv_type_equal(&want[i], &v->type))
			return BAD("%s '%s': result %s has type %s, shape inference says %s",
				   cv_op_name(n->op), n->name, cv_value_name_str(v, name, sizeof name),
				   cv_type_str(&v->type, a, sizeof a),
				   cv_type_str(&want[i], b, sizeof b));
	}
	return CV_OK;
}

static void seen_free(struct seen **set)
{
	struct seen *e, *tmp;

	HASH_ITER(hh, *set, e, tmp) {
		HASH_DEL(*set, e);
		free(e);
	}
}

static cv_status define(struct seen **set, const cv_value *v, cv_diag *d)
{
	struct seen *slot;
	char name[160];

	if (seen_has(*set, v))
		return BAD("value %s is defined twice", cv_value_name_str(v, name, sizeof name));
	slot = malloc(sizeof *slot);
	if (!slot || seen_add(set, slot, v)) {
		free(slot);
		return cv_diag_error(d, CV_ERR_NOMEM, "out of memory while verifying");
	}
	return CV_OK;
}

cv_status cv_verify(const cv_module *m, cv_diag *d)
{
	const cv_graph *g = &m->graph;
	struct seen *defined = NULL;
	const cv_node *n;
	cv_status st = CV_OK;
	char name[160];
	int i;

	for (i = 0; i < g->num_inputs && !st; i++)
		st = define(&defined, g->inputs[i], d);
	for (i = 0; i < g->num_consts && !st; i++) {
		const cv_value *c = g->consts[i];
		int64_t numel = cv_type_numel(&c->type);
		if (numel < 0 || (size_t)numel * cv_dtype_size(c->type.dtype) != c->nbytes)
			st = BAD("constant %s holds %zu bytes, its type needs %lld elements",
				 cv_value_name_str(c, name, sizeof name),
				 c->nbytes, (long long)numel);
		else
			st = define(&defined, c, d);
	}
	for (n = g->first; n && !st; n = n->next) {
		st = check_node(n, defined, d);
		for (i = 0; i < n->num_outputs && !st; i++)
			st = define(&defined, n->outputs[i], d);
	}
	for (i = 0; i < g->num_outputs && !st; i++)
		if (!seen_has(defined, g->outputs[i]))
			st = BAD("graph output %s is not defined%s",
				 cv_value_name_str(g->outputs[i], name, sizeof name),
				 g->outputs[i]->producer ? " (its producer was removed from the graph)" : "");
	seen_free(&defined);
	return st;
}
