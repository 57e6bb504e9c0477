/* emit_internal.h - state shared by the C backend's files (private). */
#ifndef CONVC_EMIT_INTERNAL_H
#define CONVC_EMIT_INTERNAL_H

#include <stdint.h>
#include <stdio.h>

#define HASH_NONFATAL_OOM 1
#include <uthash.h>

#include "backends/c/memplan.h"
#include "convc/ir.h"

/* A constant in one form in weights.bin (uthash by key, insertion order =
 * offset order). */
struct wkey {
	const cv_value *v;
	int64_t form;
};

struct wslot {
	struct wkey key;
	size_t off, bytes;
	size_t goff; /* offset in the guarded layout (GUARD=1) */
	UT_hash_handle hh;
};

/*
 * The layout a constant is written in to weights.bin for one use (see
 * cvrt.h, "Weight panels"). A constant gets one copy per distinct form its
 * uses need: a weight used by one NHWC conv is stored only packed, one also
 * read by another op (or by convs with another group count) gets a plain
 * copy (or another packed one) too.
 *   W_PLAIN      dense C order, as in the IR
 *   W_GEMM_KN    a gemm B [k, n], packed into panels of the [k, n] matrix
 *   W_GEMM_NK    a gemm B [n, k] (trans_b), packed likewise (transposed)
 *   W_WINOGRAD2  an NHWC conv weight HWIO [3, 3, c, m] run as Winograd
 *                F(2x2, 3x3): the 16 transformed [c, m] matrices in panels
 *                (cvrt_pack_winograd with tile 2)
 *   W_WINOGRAD4  the same run as F(4x4, 3x3): 36 transformed matrices
 *                (tile 4)
 *   g >= 1       an NHWC conv weight, HWIO [kh, kw, c/g, m], packed per
 *                group into panels of [kh*kw*(c/g), m/g] (g = group count)
 *   W_CONVT(g)   an NHWC conv_transpose2d weight, IOHW [c, m/g, kh, kw], in
 *                the transposed-conv packing (cvrt_pack_conv_transpose2d):
 *                per group and kernel row, panels of [c/g, kw*(m/g)]
 */
enum { W_PLAIN = 0, W_GEMM_KN = -1, W_GEMM_NK = -2, W_WINOGRAD2 = -3, W_WINOGRAD4 = -4 };
#define W_CONVT_BASE (-16)
#define W_CONVT(g) (W_CONVT_BASE - (int)(g))           /* g >= 1 groups */
#define W_CONVT_GROUPS(form) (W_CONVT_BASE - (form))  /* > 0 for a W_CONVT form */

/* B_g(kk, j) = data[kk * rs + (g * gcol + j) * cs] for g < groups, kk < k,
 * j < n: the matrices a packed form stores, one after another. W_WINOGRAD2
 * and W_WINOGRAD4 set groups (16 or 36), k (c) and n (m) only: their
 * matrices are transforms; W_CONVT sets groups (g*kh), k (c/g) and n
 * (kw*m/g) only: its columns interleave two dims. */
typedef struct wpack {
	int64_t groups, k, n, rs, cs, gcol;
} wpack;

/* Activations of unary/binary/gemm nodes are file-scope constants act_<i>,
 * one per distinct value (a static per node made gcc's identical-constant
 * merging quadratic: 20,000 copies took half of model.o's compile time). */
#define EMIT_MAX_ACTS 64

typedef struct emitter {
	const cv_module *m;
	cv_diag *d;
	cv_memplan plan;
	struct wslot *weights; /* constant -> offset in weights.bin (uthash) */
	size_t weights_bytes;
	size_t guard_weights_bytes; /* the weights in the guarded layout (GUARD=1):
				     * each entry CV_GUARD_REDZONE bytes apart */
	uint64_t weights_hash;
	const cv_node *node;   /* node being emitted */
	int conv3d_id;         /* index of the next conv3d's parameter struct */
	int conv_id;           /* index of the next conv's parameter struct */
	int host_cores;        /* placements were chosen for the host's this many
				* cores (docs/sharding.md); 0: ignore them */
	int cur_threads;       /* thread cap of the node emitted last; 0 (no cap)
				* before the first, as model_run starts uncapped */
	char pbuf[8][96];      /* rotating buffers for emit_ptr results */
	int pi;
	char fbuf[8][32];      /* rotating buffers for float literals */
	int fi;
	cv_act acts[EMIT_MAX_ACTS]; /* distinct activations, emitted once as act_<i> */
	int num_acts;
} emitter;

/* C expression for a value's data: a weights or arena pointer,
 * "(float *)(a + AOFF(plain, guarded))" (model.c's AOFF and WOFF pick the
 * offset of the normal or the guarded layout, GUARD=1). The string lives in
 * one of 8 rotating buffers: valid for the next 7 calls. Constants are given
 * in W_PLAIN form. */
const char *emit_ptr(emitter *e, const cv_value *v);
/* The same for constant v in `form` (planned by plan_weights). */
const char *emit_wptr(emitter *e, const cv_value *v, int form);

/* Write s as a C string literal, quotes included: printable ASCII as is,
 * everything else (quotes, backslashes, '?', control and non-ASCII bytes) as
 * 3-digit octal escapes, so any byte string round-trips. */
void emit_c_string(FILE *f, const char *s);

/* The thread cap node n runs under: 0 for the whole team (no host
 * placement, or one over all the host's cores), else its placement's
 * cores. And the enum cvrt_split its conv kernel divides the output by. */
int emit_threads_of(const emitter *e, const cv_node *n);
int emit_split_of(const emitter *e, const cv_node *n);

/*
 * model.c and weights.bin as cv_emit_c writes them, into two open streams
 * (e.g. open_memstream buffers) instead of a directory: no runtime files, no
 * Makefile. For the fuzzers (tests/fuzz) and tests. The streams are written,
 * not closed; on an error their contents are partial. Errors: those of
 * cv_emit_c except CV_ERR_IO (the caller checks its streams).
 */
cv_status emit_c_streams(const cv_module *m, FILE *model_c, FILE *weights, cv_diag *d);

/* emit_guard.c: model.c's "Guarded tensors" section (the GUARD=1 build's
 * layout tables and poisoning), after emit_params' scratch_floats.
 * CV_ERR_NOMEM when out of memory; a layout that overflows size_t becomes an
 * #error of the GUARD=1 build only. */
cv_status emit_guard(emitter *e, FILE *f);
/* The guarded build's part of the Makefile (GUARD=1). */
extern const char emit_guard_makefile[];

/* emit_typed.c: the nodes cv_node_is_typed() picks (values that are not
 * float32, and CV_CASE_TYPED_OPS). emit_typed_is_moved: data movement, which emit_nodes.c emits for every
 * dtype; emit_typed_supports: whether the backend has kernels for typed n;
 * emit_typed: the statements that run typed e->node. */
int emit_typed_is_moved(cv_op op);
int emit_typed_supports(const cv_node *n);
void emit_typed(emitter *e, FILE *f);

/* emit_nodes.c */
/* "static const int64_t NAME[] = {v...};" (a 0 for n == 0). */
void emit_i64s(FILE *f, const char *name, const int64_t *v, int n);
/* Strides (elements) of operand t broadcast to out: 0 on broadcast dims. */
void emit_bcast_strides(const cv_type *t, const cv_type *out, int64_t *s);
/* Check every node can be emitted (CV_ERR_UNSUPPORTED naming it if not). */
cv_status emit_check(emitter *e);
/* The form in which node n reads its constant operand `operand`. */
int emit_weight_form(const cv_node *n, int operand);
/* The matrices of constant v in a packed form (form != W_PLAIN). */
wpack emit_weight_pack(const cv_value *v, int form);
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
