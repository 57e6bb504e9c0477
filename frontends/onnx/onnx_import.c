/*
 * onnx_import.c - ModelProto -> IR: file reading, graph inputs, initializers,
 * and the walk over nodes that hands each one to its lowering (onnx_ops.c)
 * or to the constant folder (onnx_fold.c).
 *
 * Before lowering anything, every node's op type is checked against the
 * supported list so an unsupported model gets one message naming all of its
 * unsupported op types with their counts.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define HASH_NONFATAL_OOM 1
#include <uthash.h>

#include "frontends/onnx/onnx_internal.h"
#include "frontends/onnx/onnx_ops.h"

struct vmap {
	const char *name;
	cv_value *v;
	int half; /* CV_F16/CV_BF16: v is the float32 carrier of a value of that
		   * ONNX dtype (onnx_half.c); -1 otherwise */
	UT_hash_handle hh;
};

struct used_name {
	const char *name;
	UT_hash_handle hh;
};

cv_status imp_error(imp *im, cv_status st, const char *fmt, ...)
{
	char what[CV_DIAG_MSG_MAX - 256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (!im->node)
		return cv_diag_error(im->d, st, "%s", what);
	return cv_diag_error(im->d, st, "%s '%s': %s", im->node->op_type ? im->node->op_type : "?",
			     im->node_name, what);
}

cv_value *imp_lookup(imp *im, const char *name)
{
	struct vmap *e;

	HASH_FIND_STR(im->map, name, e);
	return e ? e->v : NULL;
}

cv_status imp_bind(imp *im, const char *name, cv_value *v)
{
	struct vmap *e;

	HASH_FIND_STR(im->map, name, e);
	if (e) {
		/* SSA: ONNX requires every name to be assigned once. */
		return imp_error(im, CV_ERR_INPUT, "value '%s' is defined more than once", name);
	}
	e = cv_alloc(im->m, sizeof *e);
	if (!e || !(e->name = cv_strdup(im->m, name)))
		return imp_error(im, CV_ERR_NOMEM, "out of memory");
	e->v = v;
	e->half = -1;
	HASH_ADD_KEYPTR(hh, im->map, e->name, strlen(e->name), e);
	if (!imp_lookup(im, name))
		return imp_error(im, CV_ERR_NOMEM, "out of memory");
	return CV_OK;
}

int imp_half(imp *im, const char *name)
{
	struct vmap *e;

	if (!name)
		return -1;
	HASH_FIND_STR(im->map, name, e);
	return e ? e->half : -1;
}

void imp_rebind(imp *im, const char *name, cv_value *v, int half)
{
	struct vmap *e;

	HASH_FIND_STR(im->map, name, e);
	if (!e)
		return;
	if (v)
		e->v = v;
	e->half = half;
}

static void vmap_free(imp *im)
{
	struct vmap *e, *tmp;
	struct used_name *u, *utmp;

	HASH_ITER(hh, im->map, e, tmp) {
		HASH_DEL(im->map, e);
	}
	HASH_ITER(hh, im->used, u, utmp) {
		HASH_DEL(im->used, u);
	}
}

/* Operand i names no value bound so far. ONNX lists nodes in topological
 * order, so when a node further on computes it the graph is out of order or
 * has a cycle: say which node (one scan, on the error path only). */
static cv_status undefined_operand(imp *im, int i, const char *name)
{
	const Onnx__GraphProto *g = im->gp;
	size_t j, k;

	for (j = 0; j < g->n_node; j++)
		for (k = 0; k < g->node[j]->n_output; k++)
			if (g->node[j]->output[k] && !strcmp(g->node[j]->output[k], name))
				return imp_error(im, CV_ERR_INPUT,
						 "operand %d '%s' is computed by node %zu '%s', which comes later: "
						 "the graph has a cycle or is not in topological order",
						 i, name, j, g->node[j]->name && g->node[j]->name[0] ? g->node[j]->name : "?");
	return imp_error(im, CV_ERR_INPUT, "operand %d '%s' is not defined before its use", i, name);
}

cv_value *imp_input(imp *im, int i, cv_status *st)
{
	const Onnx__NodeProto *n = im->node;
	cv_value *v;

	if ((size_t)i >= n->n_input || !n->input[i] || !n->input[i][0])
		return NULL;
	v = imp_lookup(im, n->input[i]);
	if (!v)
		*st = undefined_operand(im, i, n->input[i]);
	return v;
}

/* The set of names read by a node or listed as graph outputs, built on the
 * first question (only multi-result nodes ask), so n questions cost
 * O(nodes + n) rather than O(nodes · n). */
static cv_status build_used(imp *im)
{
	const Onnx__GraphProto *g = im->gp;
	struct used_name *e;
	size_t i, k;

	im->used_built = 1;
	for (i = 0; i <= g->n_node; i++) {
		size_t count = i < g->n_node ? g->node[i]->n_input : g->n_output;
		for (k = 0; k < count; k++) {
			const char *name = i < g->n_node ? g->node[i]->input[k] : g->output[k]->name;
			if (!name || !name[0])
				continue;
			HASH_FIND_STR(im->used, name, e);
			if (e)
				continue;
			if (!(e = cv_alloc(im->m, sizeof *e)))
				return CV_ERR_NOMEM;
			e->name = name; /* the ModelProto outlives the import */
			HASH_ADD_KEYPTR(hh, im->used, e->name, strlen(e->name), e);
			HASH_FIND_STR(im->used, name, e);
			if (!e)
				return CV_ERR_NOMEM;
		}
	}
	return CV_OK;
}

int imp_name_used(imp *im, const char *name, cv_status *st)
{
	struct used_name *e;

	if (!im->used_built && (*st = build_used(im)))
		return 0;
	HASH_FIND_STR(im->used, name, e);
	return e != NULL;
}

long imp_first_reader(const imp *im, const char *name, int *operand)
{
	const Onnx__GraphProto *g = im->gp;
	size_t j, k;

	for (j = 0; j < g->n_node; j++)
		for (k = 0; k < g->node[j]->n_input; k++)
			if (g->node[j]->input[k] && !strcmp(g->node[j]->input[k], name)) {
				*operand = (int)k;
				return (long)j;
			}
	return -1;
}

/* Whether operand i of op sets a shape, axes, sizes or a bound: what a
 * compile-time value (--input-value) makes convc able to lower. */
static int sets_shape(const char *op, int i)
{
	static const struct {
		const char *op;
		int first, last;
	} list[] = {
		{"Reshape", 1, 1}, {"Slice", 1, 4}, {"Resize", 1, 3}, {"Upsample", 1, 1},
		{"Pad", 1, 3}, {"Split", 1, 1}, {"Unsqueeze", 1, 1}, {"Squeeze", 1, 1},
		{"Tile", 1, 2}, {"Expand", 1, 1}, {"ConstantOfShape", 0, 0}, {"Dropout", 1, 2}, {"ReduceMean", 1, 1}, {"ReduceSum", 1, 1}, {"ReduceMax", 1, 1},
		{"ReduceMin", 1, 1}, {"ReduceL2", 1, 1}, {"ReduceSumSquare", 1, 1},
	};
	size_t k;

	for (k = 0; op && k < sizeof list / sizeof list[0]; k++)
		if (!strcmp(op, list[k].op))
			return i >= list[k].first && i <= list[k].last;
	return 0;
}

/* Whether graph input `name` of ONNX type onnx_type cannot be fed at run
 * time: an element type convc lacks (string, uint16, ...), or a non-float
 * tensor that sets a shape (int64 shapes, int32 axes...). */
static int input_refused(imp *im, const char *name, int32_t onnx_type)
{
	int operand = 0;
	long j = imp_first_reader(im, name, &operand);

	if (onnx_dtype(onnx_type) < 0)
		return 1;
	/* Clip's bounds, of any dtype, may come at run time (lower_clip_runtime,
	 * lower_clip_typed); float16 and bfloat16 ones are widened to float32
	 * like the rest (onnx_half.c) */
	return onnx_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT &&
	       onnx_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16 &&
	       onnx_type != ONNX__TENSOR_PROTO__DATA_TYPE__BFLOAT16 && j >= 0 &&
	       sets_shape(im->gp->node[j]->op_type, operand);
}

/* A graph input convc cannot feed at run time: say who reads it, and when
 * it sets a shape, how to fix its value at compile time instead. */
static cv_status refused_input(imp *im, const char *name, int32_t onnx_type)
{
	char reader[160] = "";
	int operand = 0;
	long j = imp_first_reader(im, name, &operand);
	const Onnx__NodeProto *n = j >= 0 ? im->gp->node[j] : NULL;

	if (n)
		snprintf(reader, sizeof reader, " (operand %d of %s '%s')", operand,
			 n->op_type ? n->op_type : "?", n->name && n->name[0] ? n->name : "?");
	if (onnx_dtype(onnx_type) < 0)
		return cv_diag_error(im->d, CV_ERR_UNSUPPORTED,
				     "graph input '%s'%s is %s; convc runs float32, float64, float16, "
				     "bfloat16, int64, int32, int16, int8, uint64, uint32, uint16, uint8 and "
				     "bool tensors only",
				     name, reader, onnx_dtype_name(onnx_type));
	return cv_diag_error(im->d, CV_ERR_UNSUPPORTED,
			     "graph input '%s'%s is %s and sets a shape, axes or a bound at run time; "
			     "convc needs it at compile time: if its value is known, fix it with "
			     "--input-value %s=FILE.npy",
			     name, reader, onnx_dtype_name(onnx_type), name);
}

/* ---- graph inputs fixed at compile time (cv_input_value) ---- */

static const cv_input_value *find_value(const imp *im, const char *name)
{
	int i;

	for (i = 0; i < im->num_values; i++)
		if (!strcmp(im->values[i].name, name))
			return &im->values[i];
	return NULL;
}

/* Each value names a graph input, once, and is not also pinned. */
static cv_status check_values(imp *im, const Onnx__GraphProto *g, const cv_input_shape *pins,
			      int num_pins)
{
	int v, p;
	size_t i;

	for (v = 0; v < im->num_values; v++) {
		const char *name = im->values[v].name;
		for (i = 0; i < g->n_input; i++)
			if (g->input[i]->name && !strcmp(g->input[i]->name, name))
				break;
		if (i == g->n_input)
			return cv_diag_error(im->d, CV_ERR_INPUT,
					     "--input-value names '%s', which is not a graph input", name);
		if (find_value(im, name) != &im->values[v])
			return cv_diag_error(im->d, CV_ERR_INPUT, "--input-value names '%s' twice", name);
		for (p = 0; p < num_pins; p++)
			if (!strcmp(pins[p].name, name))
				return cv_diag_error(im->d, CV_ERR_INPUT,
						     "'%s' has both --input-value and --input-shape; its value sets its shape",
						     name);
	}
	return CV_OK;
}

/* The value's rank and every dim the model fixes must match. */
static cv_status value_shape_fits(imp *im, const char *name, const Onnx__TensorShapeProto *shape,
				  const cv_input_value *val)
{
	size_t k;

	if (!shape)
		return CV_OK;
	if (shape->n_dim != (size_t)val->rank)
		return cv_diag_error(im->d, CV_ERR_INPUT,
				     "--input-value %s: the value has rank %d, the graph input has rank %zu",
				     name, val->rank, shape->n_dim);
	for (k = 0; k < shape->n_dim; k++) {
		const Onnx__TensorShapeProto__Dimension *dim = shape->dim[k];
		if (dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE &&
		    dim->dim_value >= 0 && dim->dim_value != val->dims[k])
			return cv_diag_error(im->d, CV_ERR_INPUT,
					     "--input-value %s: dim %zu of the value is %lld, the model fixes it to %lld",
					     name, k, (long long)val->dims[k], (long long)dim->dim_value);
	}
	return CV_OK;
}

/* Copy val into the arena as the input's dtype (int32 <-> int64 converted). */
static cv_status value_copy(imp *im, const char *name, const cv_input_value *val, cv_value *v,
			    int64_t numel)
{
	int64_t i;

	if (v->type.dtype == val->dtype) {
		if (numel)
			memcpy(v->data, val->data, v->nbytes);
		return CV_OK;
	}
	for (i = 0; i < numel; i++) {
		if (v->type.dtype == CV_I64) {
			((int64_t *)v->data)[i] = ((const int32_t *)val->data)[i];
			continue;
		}
		if (((const int64_t *)val->data)[i] < INT32_MIN || ((const int64_t *)val->data)[i] > INT32_MAX)
			return cv_diag_error(im->d, CV_ERR_INPUT,
					     "--input-value %s: element %lld (%lld) does not fit the input's int32",
					     name, (long long)i, (long long)((const int64_t *)val->data)[i]);
		((int32_t *)v->data)[i] = (int32_t)((const int64_t *)val->data)[i];
	}
	return CV_OK;
}

/* Graph input vi, fixed to val: a constant of the input's dtype. */
static cv_status value_to_const(imp *im, const Onnx__ValueInfoProto *vi, const cv_input_value *val,
				cv_value **out)
{
	const Onnx__TypeProto *tp = vi->type;
	const char *name = vi->name ? vi->name : "";
	cv_type t;
	int64_t numel;
	cv_status st;
	cv_value *v;
	int dt;

	if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type)
		return cv_diag_error(im->d, CV_ERR_UNSUPPORTED, "graph input '%s' is not a tensor", name);
	dt = onnx_dtype(tp->tensor_type->elem_type);
	if (dt != CV_F32 && dt != CV_I64 && dt != CV_I32)
		return cv_diag_error(im->d, CV_ERR_UNSUPPORTED,
				     "--input-value %s: the graph input is %s; convc fixes float32, int64 and int32 inputs",
				     name, onnx_dtype_name(tp->tensor_type->elem_type));
	if ((dt == CV_F32) != (val->dtype == CV_F32))
		return cv_diag_error(im->d, CV_ERR_INPUT,
				     "--input-value %s: the value is %s, the graph input is %s", name,
				     cv_dtype_name(val->dtype), onnx_dtype_name(tp->tensor_type->elem_type));
	if ((st = value_shape_fits(im, name, tp->tensor_type->shape, val)))
		return st;
	memset(&t, 0, sizeof t);
	t.dtype = (cv_dtype)dt;
	t.rank = val->rank;
	memcpy(t.dims, val->dims, sizeof t.dims);
	numel = cv_type_numel(&t);
	if (numel < 0 || (uint64_t)numel > SIZE_MAX / 8)
		return cv_diag_error(im->d, CV_ERR_INPUT, "--input-value %s: the value is too large", name);
	if (!(v = cv_graph_add_const(im->g, name, &t, NULL, 0)))
		return cv_diag_error(im->d, CV_ERR_NOMEM, "out of memory");
	v->nbytes = (size_t)numel * cv_dtype_size(t.dtype);
	if (!(v->data = cv_alloc(im->m, v->nbytes ? v->nbytes : 1)))
		return cv_diag_error(im->d, CV_ERR_NOMEM, "out of memory for --input-value %s", name);
	if ((st = value_copy(im, name, val, v, numel)))
		return st;
	*out = v;
	return CV_OK;
}

/* ---- reading the file ---- */

static cv_status read_file(const char *path, unsigned char **buf, size_t *len, cv_diag *d)
{
	FILE *f = fopen(path, "rb");
	struct stat sb;
	size_t size;

	*buf = NULL;
	if (!f)
		return cv_diag_error(d, CV_ERR_IO, "cannot open: %s", strerror(errno));
	if (fstat(fileno(f), &sb) || !S_ISREG(sb.st_mode)) {
		fclose(f);
		return cv_diag_error(d, CV_ERR_IO, "cannot read: not a regular file");
	}
	/* protobuf messages are limited to 2 GiB (protobuf-c takes a size_t but
	 * its lengths are 32-bit); refuse bigger files before reading them. */
	if ((uint64_t)sb.st_size > (uint64_t)INT32_MAX) {
		fclose(f);
		return cv_diag_error(d, CV_ERR_INPUT,
				     "the file is %lld bytes; an ONNX protobuf holds at most 2 GiB (%lld bytes), "
				     "and convc does not read external data",
				     (long long)sb.st_size, (long long)INT32_MAX);
	}
	size = (size_t)sb.st_size;
	*buf = malloc(size ? size : 1);
	if (!*buf) {
		fclose(f);
		return cv_diag_error(d, CV_ERR_NOMEM, "cannot allocate %zu bytes to read the model", size);
	}
	*len = fread(*buf, 1, size, f);
	if (ferror(f) || *len != size) {
		fclose(f);
		free(*buf);
		*buf = NULL;
		return cv_diag_error(d, CV_ERR_IO, "cannot read: %s", strerror(errno ? errno : EIO));
	}
	fclose(f);
	return CV_OK;
}

/* ---- op type check ---- */

struct op_count {
	const char *op;
	int count;
	UT_hash_handle hh;
};

static int by_op_name(const void *a, const void *b)
{
	return strcmp(((const struct op_count *)a)->op, ((const struct op_count *)b)->op);
}

static int op_supported(const char *op)
{
	return lower_find(op) != NULL || fold_supports(op);
}

/* One message for all unsupported op types (sorted by name, with counts). */
static cv_status check_op_types(imp *im, const Onnx__GraphProto *g)
{
	struct op_count *set = NULL, *e, *tmp;
	char list[CV_DIAG_MSG_MAX - 256];
	size_t off = 0, i;
	int kinds = 0, oom = 0;

	for (i = 0; i < g->n_node; i++) {
		const Onnx__NodeProto *n = g->node[i];
		const char *op = n->op_type ? n->op_type : "";
		int foreign = n->domain && n->domain[0] && strcmp(n->domain, "ai.onnx");
		if (!foreign && op_supported(op))
			continue;
		HASH_FIND_STR(set, op, e);
		if (!e) {
			e = calloc(1, sizeof *e);
			if (!e) {
				oom = 1;
				break;
			}
			e->op = op;
			HASH_ADD_KEYPTR(hh, set, e->op, strlen(e->op), e);
			kinds++;
		}
		e->count++;
	}
	HASH_SRT(hh, set, by_op_name);
	list[0] = '\0';
	HASH_ITER(hh, set, e, tmp) {
		if (off < sizeof list)
			off += (size_t)snprintf(list + off, sizeof list - off, "%s%s x%d",
						off ? ", " : "", e->op[0] ? e->op : "(empty)", e->count);
		HASH_DEL(set, e);
		free(e);
	}
	if (oom)
		return cv_diag_error(im->d, CV_ERR_NOMEM, "out of memory");
	if (kinds)
		return cv_diag_error(im->d, CV_ERR_UNSUPPORTED,
				     "unsupported op type%s: %s", kinds > 1 ? "s" : "", list);
	return CV_OK;
}

/* ---- graph inputs ---- */

static const cv_input_shape *find_pin(const cv_input_shape *pins, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(pins[i].name, name))
			return &pins[i];
	return NULL;
}

/* "input 'x': dim 0 ('N') is dynamic; pin it, e.g. --input-shape x=1,3,224,224"
 * with every dynamic dim shown as 1. */
static cv_status dynamic_dim_error(imp *im, const char *name, const Onnx__TensorShapeProto *shape,
				   size_t k)
{
	const Onnx__TensorShapeProto__Dimension *dim = shape->dim[k];
	int param = dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM && dim->dim_param;
	char hint[256];
	size_t off = 0, i;

	hint[0] = '\0';
	for (i = 0; i < shape->n_dim && off < sizeof hint; i++) {
		const Onnx__TensorShapeProto__Dimension *q = shape->dim[i];
		long long v = q->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE &&
				      q->dim_value >= 0 ? (long long)q->dim_value : 1;
		off += (size_t)snprintf(hint + off, sizeof hint - off, "%s%lld", i ? "," : "", v);
	}
	return cv_diag_error(im->d, CV_ERR_INPUT,
			     "graph input '%s': dim %zu%s%s%s is dynamic; pin it with --input-shape, e.g. --input-shape %s=%s",
			     name, k, param ? " ('" : "", param ? dim->dim_param : "", param ? "')" : "", name, hint);
}

static cv_status input_type(imp *im, const Onnx__ValueInfoProto *vi, const cv_input_shape *pin,
			    cv_type *t)
{
	const Onnx__TypeProto *tp = vi->type;
	const Onnx__TensorShapeProto *shape;
	const char *name = vi->name ? vi->name : "";
	int dt;
	size_t k;

	if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type)
		return cv_diag_error(im->d, CV_ERR_UNSUPPORTED, "graph input '%s' is not a tensor", name);
	dt = onnx_dtype(tp->tensor_type->elem_type);
	if (input_refused(im, name, tp->tensor_type->elem_type))
		return refused_input(im, name, tp->tensor_type->elem_type);
	shape = tp->tensor_type->shape;
	if (!shape && !pin)
		return cv_diag_error(im->d, CV_ERR_INPUT,
				     "graph input '%s' has no shape; pin it with --input-shape %s=...", name, name);
	memset(t, 0, sizeof *t);
	t->dtype = (cv_dtype)dt;
	if (pin) {
		if (shape && shape->n_dim != (size_t)pin->rank)
			return cv_diag_error(im->d, CV_ERR_INPUT,
					     "--input-shape %s has %d dims, the model's input has %zu", name,
					     pin->rank, shape->n_dim);
		t->rank = pin->rank;
		memcpy(t->dims, pin->dims, sizeof t->dims);
	} else {
		if (shape->n_dim > CV_MAX_RANK)
			return cv_diag_error(im->d, CV_ERR_UNSUPPORTED, "graph input '%s' has rank %zu > %d",
					     name, shape->n_dim, CV_MAX_RANK);
		t->rank = (int)shape->n_dim;
	}
	for (k = 0; shape && k < shape->n_dim; k++) {
		const Onnx__TensorShapeProto__Dimension *dim = shape->dim[k];
		int known = dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE &&
			    dim->dim_value >= 0;
		if (pin && known && dim->dim_value != pin->dims[k])
			return cv_diag_error(im->d, CV_ERR_INPUT,
					     "--input-shape %s: dim %zu is %lld, the model fixes it to %lld", name,
					     k, (long long)pin->dims[k], (long long)dim->dim_value);
		if (pin)
			continue;
		if (!known)
			return dynamic_dim_error(im, name, shape, k);
		t->dims[k] = dim->dim_value;
	}
	t->layout = t->rank == 4 ? CV_LAYOUT_NCHW : CV_LAYOUT_PLAIN;
	if (cv_type_numel(t) < 0)
		return cv_diag_error(im->d, CV_ERR_INPUT,
				     "graph input '%s' is too large: the product of its dims overflows 64 bits", name);
	return CV_OK;
}

static cv_status import_inputs(imp *im, const Onnx__GraphProto *g, const cv_input_shape *pins,
			       int num_pins)
{
	cv_status st;
	size_t i;
	int p;

	for (p = 0; p < num_pins; p++) {
		for (i = 0; i < g->n_input; i++)
			if (g->input[i]->name && !strcmp(g->input[i]->name, pins[p].name))
				break;
		if (i == g->n_input)
			return cv_diag_error(im->d, CV_ERR_INPUT, "--input-shape names '%s', which is not a graph input",
					     pins[p].name);
	}
	if ((st = check_values(im, g, pins, num_pins)))
		return st;
	for (i = 0; i < g->n_initializer; i++) {
		const Onnx__TensorProto *t = g->initializer[i];
		const char *name = t->name ? t->name : "";
		cv_value *v;
		if (find_value(im, name))
			continue; /* a graph input's default, overridden */
		if ((st = tensor_to_const(im, t, name, &v)) || (st = imp_bind(im, name, v)))
			return st;
	}
	for (i = 0; i < g->n_input; i++) {
		const Onnx__ValueInfoProto *vi = g->input[i];
		const char *name = vi->name ? vi->name : "";
		const cv_input_value *val = find_value(im, name);
		cv_type t;
		cv_value *v = NULL;
		if (val) {
			if ((st = value_to_const(im, vi, val, &v)) || (st = imp_bind(im, name, v)))
				return st;
			continue;
		}
		if (imp_lookup(im, name))
			continue; /* an initializer: a constant, not a runtime input */
		if ((st = input_type(im, vi, find_pin(pins, num_pins, name), &t)))
			return st;
		v = cv_graph_add_input(im->g, name, &t);
		if (!v)
			return cv_diag_error(im->d, CV_ERR_NOMEM, "out of memory");
		if ((st = imp_bind(im, name, v)))
			return st;
	}
	return CV_OK;
}

/* A node convc evaluates only on constants has a run-time operand: name a
 * graph input among its operands, which --input-value could fix. */
static cv_status fold_only_error(imp *im)
{
	const Onnx__NodeProto *n = im->node;
	size_t k;

	for (k = 0; k < n->n_input; k++) {
		cv_value *v = n->input[k] && n->input[k][0] ? imp_lookup(im, n->input[k]) : NULL;
		if (v && v->kind == CV_VALUE_INPUT)
			return imp_error(im, CV_ERR_UNSUPPORTED,
					 "operand %zu comes from graph input '%s' at run time and convc evaluates "
					 "this op only on constants: fix its value with --input-value %s=FILE.npy",
					 k, v->name, v->name);
	}
	return imp_error(im, CV_ERR_UNSUPPORTED,
			 "computes at run time on values convc only handles as constants");
}

static cv_status import_nodes(imp *im, const Onnx__GraphProto *g)
{
	char fallback[96];
	size_t i;
	cv_status st;

	for (i = 0; i < g->n_node; i++) {
		const Onnx__NodeProto *n = g->node[i];
		const struct lower_entry *le;
		int folded = 0, half = -1;

		im->node = n;
		if (n->name && n->name[0]) {
			im->node_name = n->name;
		} else {
			snprintf(fallback, sizeof fallback, "%s_%zu", n->op_type ? n->op_type : "node", i);
			im->node_name = fallback;
		}
		if ((st = half_prepare(im, &half, &folded)))
			return st;
		if (folded)
			continue;
		if ((st = fold_node(im, &folded)))
			return st;
		if (!folded) {
			le = lower_find(n->op_type);
			if (!le)
				return fold_only_error(im);
			if ((st = le->lower(im)))
				return st;
		}
		half_finish(im, half);
	}
	im->node = NULL;
	return CV_OK;
}

static cv_status import_outputs(imp *im, const Onnx__GraphProto *g)
{
	size_t i;

	for (i = 0; i < g->n_output; i++) {
		const char *name = g->output[i]->name ? g->output[i]->name : "";
		cv_value *v = imp_lookup(im, name);
		cv_status st;
		if (!v)
			return cv_diag_error(im->d, CV_ERR_INPUT, "graph output '%s' is never computed", name);
		if ((st = half_output(im, g->output[i], &v)))
			return st;
		/* A value forwarded to the output (a Cast to float32 of a half value
		 * convc already carries in float32) takes the output's ONNX name
		 * when it is free, so model.h shows the model's names. */
		if (v->kind == CV_VALUE_RESULT && !v->is_output && strcmp(v->name, name) && name[0]) {
			const char *claimed = cv_graph_fresh_name(im->g, name);
			if (!claimed)
				return cv_diag_error(im->d, CV_ERR_NOMEM, "out of memory");
			if (!strcmp(claimed, name))
				v->name = claimed;
		}
		if (cv_graph_add_output(im->g, v))
			return cv_diag_error(im->d, CV_ERR_NOMEM, "out of memory");
	}
	return CV_OK;
}

static cv_status check_opset(imp *im, const Onnx__ModelProto *mp)
{
	size_t i;

	im->opset = -1;
	for (i = 0; i < mp->n_opset_import; i++) {
		const Onnx__OperatorSetIdProto *o = mp->opset_import[i];
		if (!o->domain || !o->domain[0] || !strcmp(o->domain, "ai.onnx"))
			im->opset = o->has_version ? o->version : 1;
	}
	if (im->opset < 0) /* e.g. only ai.onnx.preview.training: valid, not ours */
		return cv_diag_error(im->d, CV_ERR_UNSUPPORTED,
				     "the model imports no opset of the default ONNX domain (only %s)",
				     mp->n_opset_import && mp->opset_import[0]->domain ? mp->opset_import[0]->domain : "none");
	/* Each lowering reads its op's attributes and operands per opset: the
	 * legacy forms of 1..8 (consumed_inputs, is_test, spatial, broadcast/axis
	 * on arithmetic, Reshape's shape attribute) and the operands that replace
	 * attributes from 18 on (reduce axes, Split's num_outputs, Pad's axes). */
	if (im->opset < CV_ONNX_OPSET_MIN || im->opset > CV_ONNX_OPSET_MAX)
		return cv_diag_error(im->d, CV_ERR_UNSUPPORTED, "opset %lld; convc supports opsets %d to %d",
				     (long long)im->opset, CV_ONNX_OPSET_MIN, CV_ONNX_OPSET_MAX);
	return CV_OK;
}

/* The model's name: the file's base name without ".onnx". */
static void model_name(const char *path, char *buf, size_t size)
{
	const char *base = strrchr(path, '/');
	size_t len;

	base = base ? base + 1 : path;
	len = strlen(base);
	if (len > 5 && !strcmp(base + len - 5, ".onnx"))
		len -= 5;
	if (len >= size)
		len = size - 1;
	memcpy(buf, base, len);
	buf[len] = '\0';
}

cv_status cv_onnx_import(const char *path, const cv_input_shape *pins, int num_pins,
			 cv_module **out, cv_diag *d)
{
	return cv_onnx_import_values(path, pins, num_pins, NULL, 0, out, d);
}

cv_status cv_onnx_import_values(const char *path, const cv_input_shape *pins, int num_pins,
				const cv_input_value *values, int num_values, cv_module **out,
				cv_diag *d)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	Onnx__ModelProto *mp = NULL;
	imp im = {0};
	char name[256];
	cv_status st;

	*out = NULL;
	im.d = d;
	im.values = values;
	im.num_values = values ? num_values : 0;
	if ((st = read_file(path, &buf, &len, d)))
		return st;
	if (len == 0) {
		free(buf);
		return cv_diag_error(d, CV_ERR_INPUT, "not a valid ONNX model: the file is empty");
	}
	mp = onnx__model_proto__unpack(NULL, len, buf);
	free(buf);
	if (!mp)
		return cv_diag_error(d, CV_ERR_INPUT,
				     "not a valid ONNX model: protobuf parsing failed (truncated or not an ONNX file)");
	if (!mp->graph) {
		st = cv_diag_error(d, CV_ERR_INPUT, "not a valid ONNX model: it has no graph");
		goto fail;
	}
	model_name(path, name, sizeof name);
	if ((st = check_opset(&im, mp)) || (st = check_op_types(&im, mp->graph)))
		goto fail;
	im.m = cv_module_new(name);
	if (!im.m) {
		st = cv_diag_error(d, CV_ERR_NOMEM, "out of memory");
		goto fail;
	}
	im.g = &im.m->graph;
	im.gp = mp->graph;
	im.m->opset = im.opset;
	if ((st = import_inputs(&im, mp->graph, pins, num_pins)) ||
	    (st = import_nodes(&im, mp->graph)) || (st = import_outputs(&im, mp->graph)))
		goto fail;
	drop_unit_h_views(&im);
	if ((st = cv_verify(im.m, d)))
		goto fail;
	vmap_free(&im);
	onnx__model_proto__free_unpacked(mp, NULL);
	*out = im.m;
	return CV_OK;
fail:
	if (im.m) {
		vmap_free(&im);
		cv_module_free(im.m);
	}
	onnx__model_proto__free_unpacked(mp, NULL);
	return st;
}
