/*
 * interp.c - the reference interpreter's driver: one buffer per value, the
 * nodes run in graph order, each buffer freed after its last reader.
 *
 * Values have no index of their own, so the driver keeps a table of slots
 * sorted by value address and finds a value's slot by binary search. Use
 * counts are taken from the node list itself rather than value->uses, so a
 * pass that forgot to update a use list cannot make the reference free a
 * buffer early.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convc/interp.h"
#include "ir/interp_ops.h"

/* Operands and results of one node; ops.def caps concat at 64 operands. */
#define MAX_NODE_VALUES 64

typedef struct slot {
	const cv_value *v;
	void *data;     /* the value's elements (its dtype), or NULL before they exist */
	int owned;      /* data was allocated here (results only) */
	int uses_left;  /* operand slots of later nodes that still read it */
} slot;

typedef struct interp {
	const cv_graph *g;
	slot *slots;
	size_t num_slots;
	cv_diag *d;
} interp;

static int slot_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const slot *)a)->v, y = (uintptr_t)((const slot *)b)->v;

	return x < y ? -1 : x > y;
}

static slot *slot_find(const interp *it, const cv_value *v)
{
	slot key;

	key.v = v;
	return bsearch(&key, it->slots, it->num_slots, sizeof key, slot_cmp);
}

static size_t count_values(const cv_graph *g)
{
	const cv_node *n;
	size_t count = (size_t)g->num_inputs + (size_t)g->num_consts;

	cv_graph_for_each_node(g, n)
		count += (size_t)n->num_outputs;
	return count;
}

static cv_status slots_build(interp *it)
{
	const cv_graph *g = it->g;
	const cv_node *n;
	size_t count = count_values(g), k = 0;
	int i;

	it->slots = calloc(count ? count : 1, sizeof *it->slots);
	if (!it->slots)
		return cv_diag_error(it->d, CV_ERR_NOMEM, "interp: out of memory for %zu values", count);
	for (i = 0; i < g->num_inputs; i++)
		it->slots[k++].v = g->inputs[i];
	for (i = 0; i < g->num_consts; i++)
		it->slots[k++].v = g->consts[i];
	cv_graph_for_each_node(g, n)
		for (i = 0; i < n->num_outputs; i++)
			it->slots[k++].v = n->outputs[i];
	it->num_slots = count;
	qsort(it->slots, count, sizeof *it->slots, slot_cmp);
	return CV_OK;
}

/* Count every operand slot that reads each value; an operand that is not a
 * value of this graph is a broken IR. */
static cv_status uses_count(interp *it)
{
	const cv_node *n;
	int i;

	cv_graph_for_each_node(it->g, n)
		for (i = 0; i < n->num_inputs; i++) {
			slot *s;
			if (!n->inputs[i])
				continue;
			s = slot_find(it, n->inputs[i]);
			if (!s)
				return cv_diag_error(it->d, CV_ERR_INTERNAL,
						     "%s '%s': operand %d ('%s') is not a value of the graph",
						     cv_op_name(n->op), n->name, i, n->inputs[i]->name);
			s->uses_left++;
		}
	return CV_OK;
}

/* Bytes of t's elements in its dtype; -1 on overflow. */
static int buffer_bytes(const cv_type *t, size_t *nbytes)
{
	int64_t numel = cv_type_numel(t);

	if (numel < 0 || (uint64_t)numel > SIZE_MAX / 8)
		return -1;
	*nbytes = (size_t)numel * cv_dtype_size(t->dtype);
	return 0;
}

/* Point a constant's slot at its data; `who` names the reader for errors. */
static cv_status const_bind(interp *it, slot *s, const char *who)
{
	const cv_value *v = s->v;
	size_t nbytes;

	if (buffer_bytes(&v->type, &nbytes))
		return cv_diag_error(it->d, CV_ERR_NOMEM, "%s: constant '%s' is too large", who, v->name);
	if (v->nbytes != nbytes || (nbytes && !v->data))
		return cv_diag_error(it->d, CV_ERR_INTERNAL,
				     "%s: constant '%s' holds %zu bytes, its type needs %zu", who, v->name,
				     v->nbytes, nbytes);
	/* Never written: operands are passed on as const pointers. */
	s->data = v->data;
	return CV_OK;
}

static cv_status inputs_bind(interp *it, const void *const *inputs)
{
	int i;

	for (i = 0; i < it->g->num_inputs; i++)
		slot_find(it, it->g->inputs[i])->data = (void *)(uintptr_t)inputs[i];
	return CV_OK;
}

/* Gather node n's operand buffers into in[]. */
static cv_status operands_get(interp *it, const cv_node *n, const void **in)
{
	char who[256];
	cv_status st;
	int i;

	snprintf(who, sizeof who, "%s '%s'", cv_op_name(n->op), n->name);
	for (i = 0; i < n->num_inputs; i++) {
		slot *s;
		in[i] = NULL;
		if (!n->inputs[i])
			continue;
		s = slot_find(it, n->inputs[i]);
		if (!s->data && s->v->kind == CV_VALUE_CONST && (st = const_bind(it, s, who)))
			return st;
		if (!s->data && cv_type_numel(&s->v->type) != 0)
			return cv_diag_error(it->d, CV_ERR_INTERNAL,
					     "%s: operand %d ('%s') is read before it is computed", who, i,
					     s->v->name);
		in[i] = s->data;
	}
	return CV_OK;
}

/* Allocate node n's result buffers into out[] (and their slots). */
static cv_status results_alloc(interp *it, const cv_node *n, void **out)
{
	int i;

	for (i = 0; i < n->num_outputs; i++) {
		const cv_value *v = n->outputs[i];
		slot *s = slot_find(it, v);
		size_t nbytes;
		if (buffer_bytes(&v->type, &nbytes))
			return cv_diag_error(it->d, CV_ERR_NOMEM, "%s '%s': result %d is too large",
					     cv_op_name(n->op), n->name, i);
		/* malloc(0) may return NULL; one spare element keeps "no data" unambiguous */
		s->data = malloc(nbytes ? nbytes : 8);
		if (!s->data)
			return cv_diag_error(it->d, CV_ERR_NOMEM, "%s '%s': out of memory for %zu bytes",
					     cv_op_name(n->op), n->name, nbytes);
		s->owned = 1;
		out[i] = s->data;
	}
	return CV_OK;
}

static void slot_release(slot *s)
{
	if (s->uses_left > 0 || s->v->is_output || !s->owned)
		return;
	free(s->data);
	s->data = NULL;
	s->owned = 0;
}

/* After n ran: its operands lose a reader, its unread results go at once. */
static void node_retire(interp *it, const cv_node *n)
{
	int i;

	for (i = 0; i < n->num_inputs; i++)
		if (n->inputs[i]) {
			slot *s = slot_find(it, n->inputs[i]);
			s->uses_left--;
			slot_release(s);
		}
	for (i = 0; i < n->num_outputs; i++)
		slot_release(slot_find(it, n->outputs[i]));
}

static cv_status node_run(interp *it, const cv_node *n)
{
	const void *in[MAX_NODE_VALUES];
	void *out[MAX_NODE_VALUES];
	cv_status st;

	if (n->num_inputs > MAX_NODE_VALUES || n->num_outputs > MAX_NODE_VALUES)
		return cv_diag_error(it->d, CV_ERR_UNSUPPORTED, "%s '%s': more than %d operands or results",
				     cv_op_name(n->op), n->name, MAX_NODE_VALUES);
	if ((st = operands_get(it, n, in)) || (st = results_alloc(it, n, out)))
		return st;
	/* float32 nodes keep the float kernels; anything else runs typed */
	st = cv_node_is_typed(n) ? interp_typed_node(n, in, out, it->d)
				: interp_node(n, (const float *const *)in, (float *const *)out, it->d);
	if (st)
		return st;
	node_retire(it, n);
	return CV_OK;
}

static cv_status outputs_copy(interp *it, void *const *outputs)
{
	cv_status st;
	int i;

	for (i = 0; i < it->g->num_outputs; i++) {
		const cv_value *v = it->g->outputs[i];
		slot *s = slot_find(it, v);
		size_t nbytes;
		if (!s)
			return cv_diag_error(it->d, CV_ERR_INTERNAL, "graph output '%s' is not a value of the graph",
					     v->name);
		if (!s->data && v->kind == CV_VALUE_CONST && (st = const_bind(it, s, "graph output")))
			return st;
		if (buffer_bytes(&v->type, &nbytes))
			return cv_diag_error(it->d, CV_ERR_NOMEM, "graph output '%s' is too large", v->name);
		if (nbytes)
			memcpy(outputs[i], s->data, nbytes);
	}
	return CV_OK;
}

static void slots_free(interp *it)
{
	size_t k;

	for (k = 0; k < it->num_slots; k++)
		if (it->slots[k].owned)
			free(it->slots[k].data);
	free(it->slots);
}

cv_status cv_interp_run(const cv_module *m, const float *const *inputs, float *const *outputs,
			cv_diag *d)
{
	const cv_graph *g = &m->graph;
	int i;

	for (i = 0; i < g->num_inputs; i++)
		if (g->inputs[i]->type.dtype != CV_F32)
			return cv_diag_error(d, CV_ERR_UNSUPPORTED,
					     "graph input '%s' is %s; cv_interp_run feeds float32 only "
					     "(cv_interp_run_typed takes every dtype)",
					     g->inputs[i]->name, cv_dtype_name(g->inputs[i]->type.dtype));
	for (i = 0; i < g->num_outputs; i++)
		if (g->outputs[i]->type.dtype != CV_F32)
			return cv_diag_error(d, CV_ERR_UNSUPPORTED,
					     "graph output '%s' is %s; cv_interp_run returns float32 only "
					     "(cv_interp_run_typed takes every dtype)",
					     g->outputs[i]->name, cv_dtype_name(g->outputs[i]->type.dtype));
	return cv_interp_run_typed(m, (const void *const *)inputs, (void *const *)outputs, d);
}

cv_status cv_interp_run_typed(const cv_module *m, const void *const *inputs, void *const *outputs,
			      cv_diag *d)
{
	interp it;
	const cv_node *n;
	cv_status st;

	memset(&it, 0, sizeof it);
	it.g = &m->graph;
	it.d = d;
	if ((st = slots_build(&it)) || (st = uses_count(&it)) || (st = inputs_bind(&it, inputs)))
		goto done;
	cv_graph_for_each_node(it.g, n)
		if ((st = node_run(&it, n)))
			goto done;
	st = outputs_copy(&it, outputs);
done:
	slots_free(&it);
	return st;
}
