/*
 * onnx_internal.h - shared state of the ONNX frontend (private).
 *
 * onnx_import.c walks the graph and lowers each node; onnx_attrs.c reads
 * attributes and tensors; onnx_fold.c evaluates nodes whose operands are all
 * constants (the shape chains exporters emit).
 */
#ifndef CONVC_ONNX_INTERNAL_H
#define CONVC_ONNX_INTERNAL_H

#include <onnx.pb-c.h>

#include "convc/ir.h"
#include "convc/onnx.h"

struct vmap;
struct used_name;

typedef struct imp {
	cv_module *m;
	cv_graph *g;
	cv_diag *d;
	int64_t opset;
	struct vmap *map;            /* ONNX value name -> cv_value */
	const Onnx__NodeProto *node; /* the node being lowered */
	const char *node_name;       /* its name, or "<OpType>_<index>" if unnamed */
	const Onnx__GraphProto *gp;  /* the graph being imported */
	struct used_name *used;      /* names nodes read or the graph outputs */
	int used_built;
	const cv_input_value *values; /* graph inputs fixed at compile time */
	int num_values;
} imp;

/* Whether ONNX value `name` is read by any node or is a graph output. When
 * out of memory, returns 0 with *st = CV_ERR_NOMEM. */
int imp_name_used(imp *im, const char *name, cv_status *st);

/* The first node that reads graph value `name`: its index, and the operand
 * index in *operand; -1 when no node reads it. */
long imp_first_reader(const imp *im, const char *name, int *operand);

/* Errors about the current node: "<op> '<name>': <fact>". */
cv_status imp_error(imp *im, cv_status st, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

/* ---- values ---- */

/* Operand i of the current node: NULL when absent (index past the end or an
 * empty name). Unknown names are an error, reported through *st. */
cv_value *imp_input(imp *im, int i, cv_status *st);
/* Bind ONNX name -> value. */
cv_status imp_bind(imp *im, const char *name, cv_value *v);
cv_value *imp_lookup(imp *im, const char *name);

/* The ONNX dtype (CV_F16 or CV_BF16) of the value bound to `name` when convc
 * carries it in float32 (onnx_half.c), else -1. */
int imp_half(imp *im, const char *name);
/* Rebind an already bound `name` to v (v NULL: keep the value) and set its
 * carried ONNX dtype (-1: none). Unknown names are ignored. */
void imp_rebind(imp *im, const char *name, cv_value *v, int half);

/* ---- float16 and bfloat16 computed in float32 (onnx_half.c) ---- */

/* Before the current node is folded or lowered: widen its f16/bf16 operands
 * to float32 where it computes in float (see onnx_half.c). *half gets the
 * ONNX dtype its float32 results carry (-1: none) for half_finish; *done is
 * 1 when a Cast was fully handled here. Errors: CV_ERR_NOMEM, and the cast
 * errors of lower_cast (unsupported target dtype). */
cv_status half_prepare(imp *im, int *half, int *done);
/* After the current node: its float32 results carry ONNX dtype half. */
void half_finish(imp *im, int half);
/* Graph output vi bound to *v: when *v carries a float16/bfloat16 value in
 * float32, *v becomes a cast back to that dtype (round to nearest even)
 * that takes the output's name. CV_ERR_NOMEM. */
cv_status half_output(imp *im, const Onnx__ValueInfoProto *vi, cv_value **v);

/* ---- attributes (onnx_attrs.c) ---- */

const Onnx__AttributeProto *attr_find(const Onnx__NodeProto *n, const char *name);
int64_t attr_int(const Onnx__NodeProto *n, const char *name, int64_t dflt);
float attr_float(const Onnx__NodeProto *n, const char *name, float dflt);
/* Copies the string (NUL-terminated, truncated to size) or dflt into buf. */
const char *attr_string(const Onnx__NodeProto *n, const char *name, const char *dflt,
			char *buf, size_t size);
/* Fills out[] with up to max ints; returns the count, -1 when absent, -2
 * when there are more than max. */
int attr_ints(const Onnx__NodeProto *n, const char *name, int64_t *out, int max);

/* Cast's target ONNX type: the int attribute, or (Cast-1..5) the type's
 * name as a string; 0 when unknown. */
int64_t cast_to(const imp *im, const Onnx__NodeProto *n);
/* Concat's axis attribute with its per-opset default (1 before opset 4). */
int64_t concat_axis(const imp *im, const Onnx__NodeProto *n);

/* ONNX TensorProto data type -> its name ("float64"); static storage. */
const char *onnx_dtype_name(int32_t onnx_type);
/* ONNX TensorProto data type -> cv_dtype; -1 when convc has no such dtype. */
int onnx_dtype(int32_t onnx_type);

/*
 * Turn a TensorProto into a constant of g named `name`: dense C-order data in
 * the arena. Errors: unsupported dtype or external data (UNSUPPORTED), a data
 * field whose size disagrees with the dims (INPUT).
 */
cv_status tensor_to_const(imp *im, const Onnx__TensorProto *t, const char *name,
			  cv_value **out);

/* ---- constants ---- */

/* Read a constant integer tensor (any integer dtype) into out[max]; returns
 * the count, or -1 if v is not a constant integer tensor or has > max items. */
int const_ints(const cv_value *v, int64_t *out, int max);
/* Read a constant float tensor (f32/f64) element i; 0 if out of range. */
double const_float_at(const cv_value *v, int64_t i);

/* ---- constant folding (onnx_fold.c) ---- */

/* If the current node can be evaluated at compile time (all operands
 * constants, or Shape of a typed value), do it and bind its outputs;
 * *folded tells whether it did. */
cv_status fold_node(imp *im, int *folded);
/* A new constant of type t named name (made unique), its bytes allocated
 * but not set: CV_ERR_INPUT when it would exceed the folder's 256 MiB
 * (onnx_fold.c, docs/limits.md), CV_ERR_NOMEM. */
cv_status imp_new_const(imp *im, const char *name, const cv_type *t, cv_value **out);

/* Ops onnx_fold.c evaluates when all their operands are constant. */
int fold_supports(const char *op_type);

/* ---- shape helpers shared by lowering and folding (onnx_ops.c) ---- */

/* ONNX Reshape target resolution (0 copies a dim unless allowzero, one -1 is
 * inferred) into out[rank]; -1 when the shape does not fit x. */
int resolve_reshape(const cv_type *x, const int64_t *shape, int rank, int allowzero, int64_t *out);
/* Dims after Squeeze (n < 0: all 1-dims) or Unsqueeze of axes[n]; -1 on bad axes. */
int squeeze_shape(const cv_type *x, const int64_t *axes, int n, int unsqueeze, int64_t *dims,
		  int *rank);

#endif
