/*
 * fuzz_onnx.c - ONNX bytes -> cv_onnx_import -> the -O2 pipeline -> C
 * emission into memory (emit_c_streams: model.c and weights.bin into
 * open_memstream buffers; no files).
 *
 * Bad models must be refused with a status; a model the importer accepts
 * must survive -O2 (a pass that leaves invalid IR fails with
 * CV_ERR_INTERNAL: a bug, so it aborts) and emit or be refused as
 * unsupported.
 *
 * LLVMFuzzerCustomMutator is structure-aware: it decodes the input with
 * protobuf-c, changes one thing that matters to the importer (a dim, an
 * attribute, an op type, a tensor's length against its dims, a node edge
 * renamed so that names dangle or form cycles, a node dropped or
 * duplicated) and encodes it again. Inputs that do not decode, or come out
 * too large, get libFuzzer's byte mutations.
 */
#include "tests/fuzz/fuzz_common.h"

#include <onnx.pb-c.h>

#include "backends/c/emit_internal.h"
#include "convc/onnx.h"
#include "convc/pass.h"
#include "convc/target.h"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

static cv_pass_registry *reg;
static cv_target target;

static void setup(void)
{
	cv_diag d;

	cv_diag_init(&d, NULL);
	/* a fixed target: the same input behaves the same on every machine */
	if (!(reg = cv_pass_registry_new()) || cv_target_load("wormhole_b0", &target, &d))
		abort();
}

static void emit(const cv_module *m, cv_diag *d)
{
	char *mc = NULL, *wb = NULL;
	size_t mcn = 0, wbn = 0;
	FILE *fm = open_memstream(&mc, &mcn), *fw = open_memstream(&wb, &wbn);
	cv_status st;

	if (!fm || !fw)
		abort();
	st = emit_c_streams(m, fm, fw, d);
	fclose(fm);
	fclose(fw);
	FUZZ_CHECK(st != CV_ERR_INTERNAL && st != CV_ERR_INPUT, "emit: %s", d->msg);
	free(mc);
	free(wb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cv_module *m = NULL;
	cv_diag d;
	cv_status st;

	if (!reg)
		setup();
	cv_diag_init(&d, "fuzz.onnx");
	if (cv_onnx_import(fuzz_file(data, size), NULL, 0, &m, &d))
		return 0;
	if (!(st = cv_module_set_target(m, &target, &d)))
		st = cv_pipeline_run(reg, m, cv_pipeline_for_level(2), NULL, &d);
	FUZZ_CHECK(st != CV_ERR_INTERNAL, "-O2: %s", d.msg);
	if (!st)
		emit(m, &d);
	cv_module_free(m);
	return 0;
}

/* ---- the structure-aware mutator ---- */

static uint64_t rng;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (unsigned)(rng % n) : 0;
}

/* An interesting integer: small, boundary or random. */
static int64_t pick_int(int64_t old)
{
	static const int64_t special[] = {0, 1, -1, 2, 3, 4, 7, 8, 16, 255, 65536, 1 << 30,
					  (int64_t)1 << 31, INT32_MAX, INT64_MAX, INT64_MIN};
	switch (rnd(4)) {
	case 0: return special[rnd(sizeof special / sizeof special[0])];
	/* wrapping arithmetic: the mutator itself must not overflow */
	case 1: return (int64_t)((uint64_t)old + rnd(5) - 2);
	case 2: return (int64_t)((uint64_t)old * 2);
	default: return (int64_t)rnd(64) - 8;
	}
}

static void set_str(char **dst, const char *src)
{
	char *s = strdup(src);

	if (!s)
		return;
	/* protobuf-c frees strings unless they are its shared empty default */
	if (*dst && *dst != protobuf_c_empty_string)
		free(*dst);
	*dst = s;
}

static Onnx__NodeProto *pick_node(Onnx__GraphProto *g)
{
	return g->n_node ? g->node[rnd((unsigned)g->n_node)] : NULL;
}

/* Any value name in the graph: an input, an initializer, a node output. */
static const char *pick_name(Onnx__GraphProto *g)
{
	for (int tries = 0; tries < 4; tries++) {
		switch (rnd(3)) {
		case 0:
			if (g->n_input)
				return g->input[rnd((unsigned)g->n_input)]->name;
			break;
		case 1:
			if (g->n_initializer)
				return g->initializer[rnd((unsigned)g->n_initializer)]->name;
			break;
		default: {
			Onnx__NodeProto *n = pick_node(g);
			if (n && n->n_output)
				return n->output[rnd((unsigned)n->n_output)];
		}
		}
	}
	return "dangling";
}

static void mutate_edge(Onnx__GraphProto *g)
{
	Onnx__NodeProto *n = pick_node(g);
	const char *name = pick_name(g);

	if (!n || !name)
		return;
	if (rnd(3) && n->n_input)
		set_str(&n->input[rnd((unsigned)n->n_input)], name);
	else if (n->n_output)
		set_str(&n->output[rnd((unsigned)n->n_output)], name); /* redefinition or cycle */
}

/* The op types the importer lowers or folds (frontends/onnx), and a few
 * neighbours it does not. */
static const char *const op_types[] = {
	"Conv", "ConvTranspose", "BatchNormalization", "Relu", "Clip", "LeakyRelu", "Sigmoid",
	"HardSigmoid", "HardSwish", "Add", "Sub", "Mul", "Div", "MaxPool", "AveragePool",
	"GlobalAveragePool", "ReduceMean", "Gemm", "MatMul", "Flatten", "Reshape", "Squeeze",
	"Unsqueeze", "Transpose", "Concat", "Split", "Slice", "Pad", "Resize", "Softmax",
	"Identity", "Dropout", "Cast", "Constant", "Shape", "Gather", "Expand", "Loop", ""};

static void mutate_op_type(Onnx__GraphProto *g)
{
	Onnx__NodeProto *n = pick_node(g);

	if (n)
		set_str(&n->op_type, op_types[rnd(sizeof op_types / sizeof op_types[0])]);
}

static void mutate_attribute(Onnx__GraphProto *g)
{
	Onnx__NodeProto *n = pick_node(g);
	Onnx__AttributeProto *a;

	if (!n || !n->n_attribute)
		return;
	a = n->attribute[rnd((unsigned)n->n_attribute)];
	switch (rnd(5)) {
	case 0:
		a->i = pick_int(a->i);
		a->has_i = 1;
		break;
	case 1:
		if (a->n_ints)
			a->ints[rnd((unsigned)a->n_ints)] = pick_int(a->ints[0]);
		else
			a->i = pick_int(a->i);
		break;
	case 2:
		if (a->n_ints)
			a->n_ints = rnd((unsigned)a->n_ints + 1); /* shorter list */
		break;
	case 3:
		a->f = (float[]){0.0f, -1.0f, 1e30f, -1e-30f, 1.0f / 0.0f, 0.0f / 0.0f}[rnd(6)];
		a->has_f = 1;
		break;
	default:
		a->type = (Onnx__AttributeProto__AttributeType)rnd(15);
		a->has_type = 1;
		break;
	}
}

static void mutate_tensor(Onnx__GraphProto *g)
{
	Onnx__TensorProto *t;

	if (!g->n_initializer)
		return;
	t = g->initializer[rnd((unsigned)g->n_initializer)];
	switch (rnd(4)) {
	case 0:
		if (t->n_dims)
			t->dims[rnd((unsigned)t->n_dims)] = pick_int(t->dims[0]);
		break;
	case 1: /* raw_data shorter than the dims say */
		if (t->has_raw_data && t->raw_data.len)
			t->raw_data.len = rnd((unsigned)t->raw_data.len);
		break;
	case 2: { /* or longer */
		size_t add = 1 + rnd(64);
		uint8_t *p = realloc(t->raw_data.data, t->raw_data.len + add);
		if (p) {
			memset(p + t->raw_data.len, 0x41, add);
			t->raw_data.data = p;
			t->raw_data.len += add;
			t->has_raw_data = 1;
		}
		break;
	}
	default:
		t->data_type = (int32_t)rnd(17);
		t->has_data_type = 1;
		break;
	}
}

/* A dim of a graph input's declared shape. */
static void mutate_input_shape(Onnx__GraphProto *g)
{
	Onnx__ValueInfoProto *v;
	Onnx__TensorShapeProto *s;
	Onnx__TensorShapeProto__Dimension *dim;

	if (!g->n_input)
		return;
	v = g->input[rnd((unsigned)g->n_input)];
	if (!v->type || v->type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE ||
	    !v->type->tensor_type || !(s = v->type->tensor_type->shape) || !s->n_dim)
		return;
	dim = s->dim[rnd((unsigned)s->n_dim)];
	if (rnd(4) == 0) { /* lower rank; free what protobuf-c will not see */
		size_t keep = rnd((unsigned)s->n_dim);
		while (s->n_dim > keep)
			protobuf_c_message_free_unpacked(&s->dim[--s->n_dim]->base, NULL);
		return;
	}
	if (dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM)
		free(dim->dim_param);
	dim->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
	dim->dim_value = pick_int(dim->dim_value);
}

/* Drop a node, or copy one over another (a second definition). */
static void mutate_nodes(Onnx__GraphProto *g)
{
	size_t i;

	if (!g->n_node)
		return;
	i = rnd((unsigned)g->n_node);
	if (rnd(2)) {
		onnx__node_proto__free_unpacked(g->node[i], NULL);
		memmove(&g->node[i], &g->node[i + 1], (g->n_node - i - 1) * sizeof g->node[0]);
		g->n_node--;
	} else {
		/* swap two nodes: breaks topological order */
		size_t j = rnd((unsigned)g->n_node);
		Onnx__NodeProto *t = g->node[i];
		g->node[i] = g->node[j];
		g->node[j] = t;
	}
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	Onnx__ModelProto *mp;
	size_t n;

	rng = seed * 0x9e3779b97f4a7c15ull + 1;
	if (rnd(8) == 0 || !(mp = onnx__model_proto__unpack(NULL, size, data)))
		return LLVMFuzzerMutate(data, size, max_size);
	if (mp->graph) {
		int k, rounds = 1 + (int)rnd(3);
		for (k = 0; k < rounds; k++) {
			switch (rnd(7)) {
			case 0: mutate_edge(mp->graph); break;
			case 1: mutate_op_type(mp->graph); break;
			case 2: mutate_attribute(mp->graph); break;
			case 3: mutate_tensor(mp->graph); break;
			case 4: mutate_input_shape(mp->graph); break;
			case 5: mutate_nodes(mp->graph); break;
			default:
				if (mp->n_opset_import)
					mp->opset_import[0]->version = 6 + (int64_t)rnd(13);
				break;
			}
		}
	}
	n = onnx__model_proto__get_packed_size(mp);
	if (n > max_size) {
		onnx__model_proto__free_unpacked(mp, NULL);
		return LLVMFuzzerMutate(data, size, max_size);
	}
	onnx__model_proto__pack(mp, data);
	onnx__model_proto__free_unpacked(mp, NULL);
	return n;
}
