/*
 * const_fold.c - `const-fold`: evaluate nodes whose operands are all
 * constants.
 *
 * Matches: a node whose every operand is a float32 constant and whose
 * results hold at most 4M elements each (so folding never bloats the
 * weights: e.g. a transpose or scale of a weight, or a chain left behind by
 * other passes). Shape chains on integers are already folded at import.
 * Rewrites: each result becomes a constant holding what the reference
 * interpreter (ir/interp.c) computes for it; the node is removed.
 * Stats: folded.
 */
#include <stdlib.h>

#include "convc/interp.h"
#include "passes/passes.h"

#define MAX_FOLD_ELEMS (4 << 20)

static int foldable(const cv_node *n)
{
	int i;

	for (i = 0; i < n->num_inputs; i++)
		if (n->inputs[i] && (n->inputs[i]->kind != CV_VALUE_CONST || n->inputs[i]->type.dtype != CV_F32))
			return 0;
	for (i = 0; i < n->num_outputs; i++) {
		int64_t e = cv_type_numel(&n->outputs[i]->type);
		if (e < 0 || e > MAX_FOLD_ELEMS || n->outputs[i]->type.dtype != CV_F32)
			return 0;
	}
	return n->num_inputs > 0;
}

/* A one-node module computing n from copies of its constant operands. */
static cv_module *single_node_module(const cv_node *n, cv_diag *d)
{
	cv_module *t = cv_module_new("const-fold");
	cv_value *ins[64];
	cv_node *c;
	int i;

	if (!t || n->num_inputs > 64 || n->num_outputs > 64)
		goto fail;
	for (i = 0; i < n->num_inputs; i++) {
		const cv_value *v = n->inputs[i];
		ins[i] = v ? cv_graph_add_const(&t->graph, v->name, &v->type, v->data, v->nbytes) : NULL;
		if (v && !ins[i])
			goto fail;
	}
	if (!(c = cv_graph_add_node(&t->graph, n->op, n->name, ins, n->num_inputs, NULL, n->num_outputs)))
		goto fail;
	c->attrs = n->attrs;
	for (i = 0; i < n->num_outputs; i++) {
		c->outputs[i]->type = n->outputs[i]->type;
		if (cv_graph_add_output(&t->graph, c->outputs[i]))
			goto fail;
	}
	return t;
fail:
	cv_module_free(t);
	cv_diag_error(d, CV_ERR_NOMEM, "const-fold: out of memory");
	return NULL;
}

/* Replace n's results by constants; *done tells whether it was folded. */
static cv_status fold(cv_module *m, cv_node *n, int *done, cv_diag *d)
{
	cv_module *t = single_node_module(n, d);
	cv_value *res[64];
	float *out[64] = {0};
	cv_diag quiet;
	cv_status st = CV_OK;
	int i;

	*done = 0;
	if (!t)
		return d->status;
	for (i = 0; i < n->num_outputs; i++)
		if (!(out[i] = malloc((size_t)cv_type_numel(&n->outputs[i]->type) * sizeof(float) + 1))) {
			st = cv_diag_error(d, CV_ERR_NOMEM, "const-fold: out of memory");
			goto done;
		}
	/* An op the interpreter cannot evaluate simply stays a node. */
	cv_diag_init(&quiet, NULL);
	if (cv_interp_run(t, NULL, out, &quiet))
		goto done;
	for (i = 0; i < n->num_outputs; i++) {
		const cv_value *r = n->outputs[i];
		res[i] = cv_graph_add_const(&m->graph, r->name, &r->type, out[i],
					    (size_t)cv_type_numel(&r->type) * sizeof(float));
		if (!res[i]) {
			st = cv_diag_error(d, CV_ERR_NOMEM, "const-fold: out of memory");
			goto done;
		}
	}
	for (i = 0; i < n->num_outputs; i++)
		cv_value_replace_uses(&m->graph, n->outputs[i], res[i]);
	cv_graph_remove_node(&m->graph, n);
	*done = 1;
done:
	for (i = 0; i < n->num_outputs; i++)
		free(out[i]);
	cv_module_free(t);
	return st;
}

static cv_status run_const_fold(cv_module *m, const cv_pass_options *opts, cv_pass_stats *stats,
				cv_diag *d)
{
	cv_node *n, *next;
	cv_status st;
	int done;

	(void)opts;
	for (n = m->graph.first; n; n = next) {
		next = n->next;
		if (!foldable(n))
			continue;
		if ((st = fold(m, n, &done, d)))
			return st;
		if (done)
			cv_stat_add(stats, "folded", 1);
	}
	return CV_OK;
}

const cv_pass cv_pass_const_fold = {
	"const-fold", "evaluate nodes whose operands are all constants (with the reference interpreter)",
	NULL, run_const_fold, NULL};
