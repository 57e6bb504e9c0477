/*
 * module.c - module arena, graph construction and use lists.
 *
 * The arena is a list of chunks; small allocations bump inside a 64 KiB
 * chunk, large ones (constant tensors) get a chunk of their own, so a 100 MB
 * weight costs one malloc and no copy of the rest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HASH_NONFATAL_OOM 1
#include <uthash.h>

#include "convc/ir.h"
#include "convc/target.h"

#define CHUNK_SIZE (64 * 1024)
#define ALIGN 64

struct cv_arena_chunk {
	struct cv_arena_chunk *next;
	size_t used, size;
	max_align_t data[];
};

struct cv_arena {
	struct cv_arena_chunk *chunks;
};

struct cv_name_entry {
	const char *name;
	UT_hash_handle hh;
};

static struct cv_arena_chunk *chunk_new(size_t size)
{
	struct cv_arena_chunk *c = malloc(sizeof *c + size);

	if (!c)
		return NULL;
	c->next = NULL;
	c->used = 0;
	c->size = size;
	return c;
}

void *cv_alloc(cv_module *m, size_t nbytes)
{
	struct cv_arena *a = m->arena;
	struct cv_arena_chunk *c = a->chunks;
	size_t need = (nbytes + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	void *p;

	if (need < nbytes)
		return NULL;
	if (need > CHUNK_SIZE / 4) {
		/* Large block: its own chunk, linked behind the current one. */
		struct cv_arena_chunk *big = chunk_new(need);
		if (!big)
			return NULL;
		big->used = need;
		if (c) {
			big->next = c->next;
			c->next = big;
		} else {
			a->chunks = big;
		}
		memset(big->data, 0, need);
		return big->data;
	}
	if (!c || c->size - c->used < need) {
		c = chunk_new(CHUNK_SIZE);
		if (!c)
			return NULL;
		c->next = a->chunks;
		a->chunks = c;
	}
	p = (char *)c->data + c->used;
	c->used += need;
	memset(p, 0, need);
	return p;
}

char *cv_strdup(cv_module *m, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = cv_alloc(m, n);

	if (p)
		memcpy(p, s, n);
	return p;
}

cv_module *cv_module_new(const char *name)
{
	cv_module *m = calloc(1, sizeof *m);

	if (!m)
		return NULL;
	m->arena = calloc(1, sizeof *m->arena);
	if (!m->arena) {
		free(m);
		return NULL;
	}
	m->graph.module = m;
	m->name = cv_strdup(m, name ? name : "model");
	if (!m->name) {
		cv_module_free(m);
		return NULL;
	}
	return m;
}

cv_status cv_module_set_target(cv_module *m, const cv_target *t, cv_diag *d)
{
	cv_target *copy = cv_alloc(m, sizeof *copy);

	if (!copy)
		return cv_diag_error(d, CV_ERR_NOMEM, "out of memory copying target '%s'", t->name);
	*copy = *t;
	m->target = copy;
	return CV_OK;
}

const cv_target *cv_module_target(const cv_module *m)
{
	return m->target;
}

void cv_module_free(cv_module *m)
{
	struct cv_arena_chunk *c, *next;
	struct cv_name_entry *e, *tmp;

	if (!m)
		return;
	/* Name entries live in the arena; only the hash buckets are malloc'd. */
	HASH_ITER(hh, m->graph.name_table, e, tmp) {
		HASH_DEL(m->graph.name_table, e);
	}
	for (c = m->arena->chunks; c; c = next) {
		next = c->next;
		free(c);
	}
	free(m->arena);
	free(m);
}

/* Grow an arena array of pointers; old storage is left in the arena. */
static int grow(cv_module *m, void ***arr, int *cap, int need)
{
	int ncap = *cap ? *cap : 4;
	void **p;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	p = cv_alloc(m, (size_t)ncap * sizeof *p);
	if (!p)
		return -1;
	if (*arr)
		memcpy(p, *arr, (size_t)*cap * sizeof *p);
	*arr = p;
	*cap = ncap;
	return 0;
}

static int name_taken(cv_graph *g, const char *name)
{
	struct cv_name_entry *e;

	HASH_FIND_STR(g->name_table, name, e);
	return e != NULL;
}

/* Claim `base` if free, else "<base>.<k>" for the first free k. */
static const char *claim_name(cv_graph *g, const char *base)
{
	struct cv_name_entry *e;
	const char *name = NULL;
	size_t len = strlen(base);
	char *buf;

	if (!name_taken(g, base) && len) {
		name = cv_strdup(g->module, base);
	} else {
		buf = cv_alloc(g->module, len + 24);
		if (!buf)
			return NULL;
		do
			snprintf(buf, len + 24, "%s.%d", len ? base : "v", g->name_counter++);
		while (name_taken(g, buf));
		name = buf;
	}
	if (!name)
		return NULL;
	e = cv_alloc(g->module, sizeof *e);
	if (!e)
		return NULL;
	e->name = name;
	HASH_ADD_KEYPTR(hh, g->name_table, e->name, strlen(e->name), e);
	if (!name_taken(g, name)) /* HASH_NONFATAL_OOM: the add may have failed */
		return NULL;
	return name;
}

const char *cv_graph_fresh_name(cv_graph *g, const char *base)
{
	return claim_name(g, base);
}

static cv_value *value_new(cv_graph *g, const char *name, cv_value_kind kind)
{
	cv_value *v = cv_alloc(g->module, sizeof *v);

	if (!v)
		return NULL;
	v->name = claim_name(g, name ? name : "");
	if (!v->name)
		return NULL;
	v->kind = kind;
	return v;
}

cv_value *cv_graph_add_input(cv_graph *g, const char *name, const cv_type *t)
{
	cv_value *v = value_new(g, name, CV_VALUE_INPUT);

	if (!v || grow(g->module, (void ***)&g->inputs, &g->cap_inputs, g->num_inputs + 1))
		return NULL;
	v->type = *t;
	g->inputs[g->num_inputs++] = v;
	return v;
}

cv_value *cv_graph_add_const(cv_graph *g, const char *name, const cv_type *t,
			     const void *data, size_t nbytes)
{
	cv_value *v = value_new(g, name, CV_VALUE_CONST);

	if (!v || grow(g->module, (void ***)&g->consts, &g->cap_consts, g->num_consts + 1))
		return NULL;
	v->type = *t;
	v->nbytes = nbytes;
	v->data = cv_alloc(g->module, nbytes ? nbytes : 1);
	if (!v->data)
		return NULL;
	if (nbytes && data)
		memcpy(v->data, data, nbytes);
	g->consts[g->num_consts++] = v;
	return v;
}

int cv_graph_add_output(cv_graph *g, cv_value *v)
{
	if (grow(g->module, (void ***)&g->outputs, &g->cap_outputs, g->num_outputs + 1))
		return -1;
	g->outputs[g->num_outputs++] = v;
	v->is_output = 1;
	return 0;
}

static int use_add(cv_module *m, cv_value *v, cv_node *n, int operand)
{
	if (v->num_uses == v->cap_uses) {
		int ncap = v->cap_uses ? 2 * v->cap_uses : 4;
		cv_use *u = cv_alloc(m, (size_t)ncap * sizeof *u);
		if (!u)
			return -1;
		if (v->uses)
			memcpy(u, v->uses, (size_t)v->num_uses * sizeof *u);
		v->uses = u;
		v->cap_uses = ncap;
	}
	v->uses[v->num_uses].node = n;
	v->uses[v->num_uses].operand = operand;
	v->num_uses++;
	return 0;
}

static void use_drop(cv_value *v, cv_node *n, int operand)
{
	int i;

	for (i = 0; i < v->num_uses; i++) {
		if (v->uses[i].node == n && v->uses[i].operand == operand) {
			v->uses[i] = v->uses[--v->num_uses];
			return;
		}
	}
}

int cv_node_set_input(cv_node *n, int i, cv_value *v)
{
	cv_value *old = n->inputs[i];

	if (old == v)
		return 0;
	if (v && use_add(n->graph->module, v, n, i))
		return -1;
	if (old)
		use_drop(old, n, i);
	n->inputs[i] = v;
	return 0;
}

static cv_node *node_new(cv_graph *g, cv_op op, const char *node_name,
			 cv_value *const *inputs, int num_inputs,
			 const char *const *out_names, int num_outputs)
{
	cv_module *m = g->module;
	cv_node *n = cv_alloc(m, sizeof *n);
	int i;

	if (!n)
		return NULL;
	n->op = op;
	n->graph = g;
	n->name = cv_strdup(m, node_name ? node_name : "");
	n->inputs = cv_alloc(m, (size_t)(num_inputs ? num_inputs : 1) * sizeof *n->inputs);
	n->outputs = cv_alloc(m, (size_t)(num_outputs ? num_outputs : 1) * sizeof *n->outputs);
	if (!n->name || !n->inputs || !n->outputs)
		return NULL;
	n->num_inputs = num_inputs;
	n->num_outputs = num_outputs;
	for (i = 0; i < num_inputs; i++)
		if (cv_node_set_input(n, i, inputs[i]))
			return NULL;
	for (i = 0; i < num_outputs; i++) {
		cv_value *v = value_new(g, out_names ? out_names[i] : NULL, CV_VALUE_RESULT);
		if (!v)
			return NULL;
		v->producer = n;
		v->result_index = i;
		n->outputs[i] = v;
	}
	return n;
}

cv_node *cv_graph_insert_node(cv_graph *g, cv_node *before, cv_op op,
			      const char *node_name, cv_value *const *inputs,
			      int num_inputs, const char *const *out_names,
			      int num_outputs)
{
	cv_node *n = node_new(g, op, node_name, inputs, num_inputs, out_names, num_outputs);

	if (!n)
		return NULL;
	if (!before) {
		n->prev = g->last;
		if (g->last)
			g->last->next = n;
		else
			g->first = n;
		g->last = n;
	} else {
		n->next = before;
		n->prev = before->prev;
		if (before->prev)
			before->prev->next = n;
		else
			g->first = n;
		before->prev = n;
	}
	return n;
}

cv_node *cv_graph_add_node(cv_graph *g, cv_op op, const char *node_name,
			   cv_value *const *inputs, int num_inputs,
			   const char *const *out_names, int num_outputs)
{
	return cv_graph_insert_node(g, NULL, op, node_name, inputs, num_inputs,
				    out_names, num_outputs);
}

void cv_graph_remove_node(cv_graph *g, cv_node *n)
{
	int i;

	for (i = 0; i < n->num_inputs; i++)
		cv_node_set_input(n, i, NULL);
	if (n->prev)
		n->prev->next = n->next;
	else
		g->first = n->next;
	if (n->next)
		n->next->prev = n->prev;
	else
		g->last = n->prev;
	n->prev = n->next = NULL;
}

void cv_value_replace_uses_except(cv_graph *g, cv_value *from, cv_value *to, const cv_node *except)
{
	int i = from->num_uses;

	/* set_input edits from->uses (swap-remove), so walk from the end. */
	while (i-- > 0) {
		cv_use u;
		if (i >= from->num_uses)
			continue;
		u = from->uses[i];
		if (u.node != except && cv_node_set_input(u.node, u.operand, to))
			break; /* out of memory: leave the rest; the verifier will say */
	}
	for (i = 0; i < g->num_outputs; i++) {
		if (g->outputs[i] != from)
			continue;
		g->outputs[i] = to;
		/* A graph output keeps its name (the model's API) when a node
		 * result takes its place; `from` takes the other. */
		if (to->kind == CV_VALUE_RESULT && !to->is_output) {
			const char *name = to->name;
			to->name = from->name;
			from->name = name;
		}
		to->is_output = 1;
		from->is_output = 0;
	}
}

void cv_value_replace_uses(cv_graph *g, cv_value *from, cv_value *to)
{
	cv_value_replace_uses_except(g, from, to, NULL);
}

int cv_graph_num_nodes(const cv_graph *g)
{
	const cv_node *n;
	int count = 0;

	for (n = g->first; n; n = n->next)
		count++;
	return count;
}

char *cv_node_label(const cv_graph *g, const cv_node *n, char *buf, size_t size)
{
	const cv_node *q;
	int k = 0, pos = -1, clash = 0;

	for (q = g->first; q; q = q->next, k++) {
		if (q == n)
			pos = k;
		else if (n->name[0] && !strcmp(q->name, n->name))
			clash = 1;
	}
	if (n->name[0] && !clash)
		snprintf(buf, size, "%s", n->name);
	else
		snprintf(buf, size, "%s#%d", n->name[0] ? n->name : cv_op_name(n->op), pos);
	return buf;
}

struct label_count {
	const char *name;
	int count;
	UT_hash_handle hh;
};

/* Count each non-empty node name once into a table of `slots` (one entry
 * per node, so no allocation inside the walk). Returns the table or NULL
 * when uthash ran out of memory. */
static struct label_count *count_names(const cv_graph *g, struct label_count *slots, int *oom)
{
	struct label_count *set = NULL, *e;
	const cv_node *n;
	int k = 0;

	*oom = 0;
	cv_graph_for_each_node(g, n) {
		if (!n->name[0])
			continue;
		HASH_FIND_STR(set, n->name, e);
		if (!e) {
			e = &slots[k++];
			e->name = n->name;
			e->count = 0;
			HASH_ADD_KEYPTR(hh, set, e->name, strlen(e->name), e);
			HASH_FIND_STR(set, n->name, e);
			if (!e) { /* HASH_NONFATAL_OOM: the add failed */
				*oom = 1;
				break;
			}
		}
		e->count++;
	}
	return set;
}

char **cv_graph_node_labels(const cv_graph *g)
{
	int num = cv_graph_num_nodes(g), k = 0, oom;
	struct label_count *slots = calloc((size_t)num + 1, sizeof *slots), *set, *e, *tmp;
	const cv_node *n;
	size_t bytes = ((size_t)num + 1) * sizeof(char *), off;
	char **labels = NULL;

	if (!slots)
		return NULL;
	set = count_names(g, slots, &oom);
	if (oom)
		goto done;
	/* "<name or op>#<k>" with k < 2^31 takes at most 12 bytes more. */
	cv_graph_for_each_node(g, n)
		bytes += strlen(n->name[0] ? n->name : cv_op_name(n->op)) + 13;
	labels = malloc(bytes);
	if (!labels)
		goto done;
	off = ((size_t)num + 1) * sizeof(char *);
	cv_graph_for_each_node(g, n) {
		char *buf = (char *)labels + off;
		size_t size = strlen(n->name[0] ? n->name : cv_op_name(n->op)) + 13;
		e = NULL;
		if (n->name[0])
			HASH_FIND_STR(set, n->name, e);
		if (e && e->count == 1)
			snprintf(buf, size, "%s", n->name);
		else
			snprintf(buf, size, "%s#%d", n->name[0] ? n->name : cv_op_name(n->op), k);
		labels[k++] = buf;
		off += size;
	}
	labels[k] = NULL;
done:
	HASH_ITER(hh, set, e, tmp) {
		HASH_DEL(set, e);
	}
	free(slots);
	return labels;
}
