/*
 * cse.c - `cse`: common subexpression elimination.
 *
 * Matches: two nodes with the same op, the same operands (the same values,
 * in order) and the same attributes; exporters repeat shape and elementwise
 * computations (e.g. one Relu or Transpose per consumer).
 * Rewrites: the later node's results are replaced by the earlier node's and
 * the later node is removed. Nodes are in topological order, so the earlier
 * one is defined before every use of the later one.
 * Must not fire: different operands, attributes or results types (split
 * sizes live in result types).
 * Stats: eliminated.
 */
#include <stdlib.h>
#include <string.h>

#define HASH_NONFATAL_OOM 1
#include <uthash.h>

#include "passes/passes.h"

struct seen {
	char *key; /* op, operand addresses, attribute text, result types */
	cv_node *node;
	UT_hash_handle hh;
};

/* The node's identity as a string (malloc'd), NULL when out of memory. */
static char *node_key(const cv_node *n)
{
	char *buf = NULL, ty[256];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int i;

	if (!f)
		return NULL;
	fprintf(f, "%d", (int)n->op);
	for (i = 0; i < n->num_inputs; i++)
		fprintf(f, ",%p", (void *)n->inputs[i]);
	cv_node_print_attrs(n, f);
	for (i = 0; i < n->num_outputs; i++)
		fprintf(f, ";%s/%d", cv_type_str(&n->outputs[i]->type, ty, sizeof ty),
			(int)n->outputs[i]->type.layout);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void free_seen(struct seen **set)
{
	struct seen *e, *tmp;

	HASH_ITER(hh, *set, e, tmp) {
		HASH_DEL(*set, e);
		free(e->key);
		free(e);
	}
}

static cv_status run_cse(cv_module *m, const cv_pass_options *opts, cv_pass_stats *stats, cv_diag *d)
{
	struct seen *set = NULL, *e;
	cv_node *n, *next;
	int i;

	(void)opts;
	for (n = m->graph.first; n; n = next) {
		char *key = node_key(n);
		next = n->next;
		if (!key)
			goto nomem;
		HASH_FIND_STR(set, key, e);
		if (e) {
			for (i = 0; i < n->num_outputs; i++)
				cv_value_replace_uses(&m->graph, n->outputs[i], e->node->outputs[i]);
			cv_graph_remove_node(&m->graph, n);
			cv_stat_add(stats, "eliminated", 1);
			free(key);
			continue;
		}
		if (!(e = malloc(sizeof *e))) {
			free(key);
			goto nomem;
		}
		e->key = key;
		e->node = n;
		HASH_ADD_KEYPTR(hh, set, e->key, strlen(e->key), e);
	}
	free_seen(&set);
	return CV_OK;
nomem:
	free_seen(&set);
	return cv_diag_error(d, CV_ERR_NOMEM, "cse: out of memory");
}

const cv_pass cv_pass_cse = {
	"cse", "merge nodes with the same op, operands and attributes", NULL, run_cse, NULL};
