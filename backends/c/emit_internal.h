/* emit_internal.h - state shared by the C backend's files (private). */
#ifndef CONVC_EMIT_INTERNAL_H
#define CONVC_EMIT_INTERNAL_H

#include <stdint.h>
#include <stdio.h>

#include "backends/c/memplan.h"
#include "convc/ir.h"

struct wslot;

typedef struct emitter {
	const cv_module *m;
	cv_diag *d;
	cv_memplan plan;
	struct wslot *weights; /* constant -> offset in weights.bin (uthash) */
	size_t weights_bytes;
	uint64_t weights_hash;
	const cv_node *node;   /* node being emitted */
	int conv_id;           /* index of the next conv's parameter struct */
	char pbuf[8][64];      /* rotating buffers for emit_ptr results */
	int pi;
	char fbuf[8][32];      /* rotating buffers for float literals */
	int fi;
} emitter;

/* C expression for a value's data: a weights or arena pointer. The string
 * lives in one of 8 rotating buffers: valid for the next 7 calls. */
const char *emit_ptr(emitter *e, const cv_value *v);

/* Write s as a C string literal, quotes included: printable ASCII as is,
 * everything else (quotes, backslashes, '?', control and non-ASCII bytes) as
 * 3-digit octal escapes, so any byte string round-trips. */
void emit_c_string(FILE *f, const char *s);

/* emit_nodes.c */
/* Check every node can be emitted (CV_ERR_UNSUPPORTED naming it if not). */
cv_status emit_check(emitter *e);
/* File-scope parameter structs that the workspace size depends on, and
 * `static size_t scratch_floats(void)`. */
void emit_params(emitter *e, FILE *f);
/* The statements that run e->node. */
void emit_node(emitter *e, FILE *f);
/* model_workspace_bytes, model_create, model_run, model_free and the node
 * table / profiling functions (uses NUM_NODES, node_labels, node_ops,
 * prof_now and run_nodes from emit_c.c). */
extern const char emit_api_source[];

#endif
