/*
 * convc-interp - run an ONNX model through convc's reference interpreter
 * (a test tool; not installed).
 *
 *   convc-interp MODEL.onnx [--input-shape NAME=D0,D1,...] [-O LEVEL | -OLEVEL]
 *                [--input-value NAME=FILE.npy]
 *                [--pipeline TEXT] -i in.npy ... -o out.npy ...
 *
 * Imports the model, runs the -O LEVEL pipeline (default -O0: none) or the
 * given pipeline text, evaluates the graph with cv_interp_run_typed on the
 * inputs (one .npy per graph input, in order, of exactly the input's dtype
 * and dims: '<f4' float32, '<i8' int64, '|b1' bool, ..., bfloat16 as '<u2'
 * bit patterns) and writes one .npy per graph output (its dtype and dims).
 *
 * Exit status: 0 ok, 1 bad input or I/O error, 2 usage error, 3 unsupported.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convc/interp.h"
#include "convc/onnx.h"
#include "convc/pass.h"
#include "tools/npy.h"

#define EXIT_USAGE 2
#define MAX_FILES 64

static const char usage[] =
	"usage: convc-interp MODEL.onnx [--input-shape NAME=D0,D1,...] [-O LEVEL]\n"
	"                    [--input-value NAME=FILE.npy]\n"
	"                    [--pipeline TEXT] -i IN.npy ... -o OUT.npy ...\n";

struct options {
	const char *model, *pipeline;
	int level;
	cv_input_shape pins[MAX_FILES];
	char *pin_names[MAX_FILES]; /* owned copies of the names pins[] borrow */
	int num_pins;
	char *value_names[MAX_FILES]; /* --input-value NAME=FILE: owned NAME */
	const char *value_files[MAX_FILES];
	int num_values;
	const char *ins[MAX_FILES], *outs[MAX_FILES];
	int num_ins, num_outs;
};

static int usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "convc-interp: error: %s '%s'\n%s", what, arg, usage);
	return EXIT_USAGE;
}

/* NAME=d0,d1,... : the name is everything before the last '='. */
static int parse_pin(const char *arg, struct options *o)
{
	const char *eq = strrchr(arg, '='), *s;
	cv_input_shape *pin = &o->pins[o->num_pins];
	char *end;

	if (!eq || eq == arg || o->num_pins == MAX_FILES)
		return usage_error("bad or too many --input-shape", arg);
	pin->rank = 0;
	for (s = eq + 1; *s; s = *end ? end + 1 : end) {
		long long v;
		errno = 0;
		v = strtoll(s, &end, 10);
		if (pin->rank == CV_MAX_RANK || end == s || errno || v < 0 || (*end && *end != ','))
			return usage_error("--input-shape dims must be up to 8 non-negative integers", arg);
		pin->dims[pin->rank++] = v;
	}
	o->pin_names[o->num_pins] = malloc((size_t)(eq - arg) + 1);
	if (!o->pin_names[o->num_pins])
		return usage_error("out of memory for", arg);
	memcpy(o->pin_names[o->num_pins], arg, (size_t)(eq - arg));
	o->pin_names[o->num_pins][eq - arg] = '\0';
	pin->name = o->pin_names[o->num_pins++];
	return 0;
}

static int parse_level(const char *s, struct options *o)
{
	if (s[0] < '0' || s[0] > '3' || s[1])
		return usage_error("-O takes 0 to 3, not", s);
	o->level = s[0] - '0';
	return 0;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	int i, rc = 0;

	for (i = 1; i < argc && !rc; i++) {
		const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage, stdout);
			exit(0);
		} else if (!strncmp(a, "-O", 2) && a[2]) {
			rc = parse_level(a + 2, o);
		} else if (a[0] == '-' && !next) {
			rc = usage_error("missing value after", a);
		} else if (!strcmp(a, "-O")) {
			rc = parse_level(argv[++i], o);
		} else if (!strcmp(a, "--input-shape")) {
			rc = parse_pin(argv[++i], o);
		} else if (!strcmp(a, "--input-value")) {
			const char *eq = strchr(next, '=');
			if (!eq || eq == next || !eq[1] || o->num_values == MAX_FILES)
				return usage_error("bad or too many --input-value (NAME=FILE.npy)", next);
			if (!(o->value_names[o->num_values] = strndup(next, (size_t)(eq - next))))
				return usage_error("out of memory for", next);
			o->value_files[o->num_values++] = eq + 1;
			i++;
		} else if (!strcmp(a, "--pipeline")) {
			o->pipeline = argv[++i];
		} else if (!strcmp(a, "-i") || !strcmp(a, "-o")) {
			int *count = a[1] == 'i' ? &o->num_ins : &o->num_outs;
			if (*count == MAX_FILES)
				return usage_error("too many files at", next);
			(a[1] == 'i' ? o->ins : o->outs)[(*count)++] = argv[++i];
		} else if (a[0] != '-' && !o->model) {
			o->model = a;
		} else {
			rc = usage_error("unexpected argument", a);
		}
	}
	if (!rc && !o->model)
		rc = usage_error("no model given", "");
	return rc;
}

/* The .npy dtype of each IR dtype (bfloat16 as its uint16 bit patterns). */
static const int npy_of[CV_DTYPE_COUNT] = {
	[CV_F32] = NPY_F32, [CV_F64] = NPY_F64, [CV_F16] = NPY_F16, [CV_I64] = NPY_I64,
	[CV_I32] = NPY_I32, [CV_I8] = NPY_I8,   [CV_U8] = NPY_U8,   [CV_BOOL] = NPY_BOOL,
	[CV_BF16] = NPY_U16, [CV_I16] = NPY_I16, [CV_U16] = NPY_U16, [CV_U32] = NPY_U32,
	[CV_U64] = NPY_U64,
};

/* Read the .npy for every graph input; its dtype and dims must be the input's. */
static int inputs_read(const cv_graph *g, const struct options *o, npy_array *arrays)
{
	char err[512];
	int i, k;

	if (o->num_ins != g->num_inputs) {
		fprintf(stderr, "convc-interp: error: the model has %d inputs, %d -i files given\n",
			g->num_inputs, o->num_ins);
		return EXIT_USAGE;
	}
	for (i = 0; i < g->num_inputs; i++) {
		const cv_type *t = &g->inputs[i]->type;
		int same;
		if (npy_read_dtype(o->ins[i], npy_of[t->dtype], &arrays[i], err, sizeof err)) {
			fprintf(stderr, "convc-interp: error: %s (input '%s' is %s)\n", err, g->inputs[i]->name,
				cv_dtype_name(t->dtype));
			return 1;
		}
		same = arrays[i].rank == t->rank;
		for (k = 0; same && k < t->rank; k++)
			same = arrays[i].dims[k] == t->dims[k];
		if (!same) {
			char buf[128];
			fprintf(stderr, "convc-interp: error: %s: dims differ from input '%s' %s\n", o->ins[i],
				g->inputs[i]->name, cv_type_str(t, buf, sizeof buf));
			return 1;
		}
	}
	return 0;
}

static int outputs_write(const cv_graph *g, const struct options *o, void *const *outputs)
{
	char err[512];
	int i;

	for (i = 0; i < g->num_outputs; i++) {
		const cv_type *t = &g->outputs[i]->type;
		if (npy_write_dtype(o->outs[i], outputs[i], npy_of[t->dtype], t->rank, t->dims, err, sizeof err)) {
			fprintf(stderr, "convc-interp: error: %s\n", err);
			return 1;
		}
	}
	return 0;
}

static cv_status pipeline_run(cv_module *m, const struct options *o, cv_diag *d)
{
	const char *text = o->pipeline ? o->pipeline : cv_pipeline_for_level(o->level);
	cv_pass_registry *r;
	cv_status st;

	if (!*text)
		return CV_OK;
	if (!(r = cv_pass_registry_new()))
		return cv_diag_error(d, CV_ERR_NOMEM, "out of memory");
	st = cv_pipeline_run(r, m, text, NULL, d);
	cv_pass_registry_free(r);
	return st;
}

/* Import, transform, interpret; every buffer freed on every path. */
static int run(const struct options *o)
{
	npy_array arrays[MAX_FILES], value_arrays[MAX_FILES];
	cv_input_value values[MAX_FILES];
	char err[512];
	const void *inputs[MAX_FILES];
	void *outputs[MAX_FILES];
	cv_module *m = NULL;
	cv_diag d;
	int i, rc = 1, num_out = 0;

	memset(arrays, 0, sizeof arrays);
	memset(value_arrays, 0, sizeof value_arrays);
	cv_diag_init(&d, o->model);
	for (i = 0; i < o->num_values; i++) {
		static const cv_dtype dtypes[] = {[NPY_F32] = CV_F32, [NPY_I64] = CV_I64, [NPY_I32] = CV_I32};
		if (npy_read_any(o->value_files[i], &value_arrays[i], err, sizeof err) ||
		    value_arrays[i].rank > CV_MAX_RANK) {
			fprintf(stderr, "convc-interp: error: --input-value %s: %s\n", o->value_names[i],
				value_arrays[i].rank > CV_MAX_RANK ? "rank above 8" : err);
			goto done;
		}
		memset(&values[i], 0, sizeof values[i]);
		values[i].name = o->value_names[i];
		values[i].dtype = dtypes[value_arrays[i].dtype];
		values[i].rank = value_arrays[i].rank;
		memcpy(values[i].dims, value_arrays[i].dims, (size_t)values[i].rank * sizeof values[i].dims[0]);
		values[i].data = value_arrays[i].raw;
	}
	if (cv_onnx_import_values(o->model, o->pins, o->num_pins, values, o->num_values, &m, &d) ||
	    pipeline_run(m, o, &d))
		goto diag;
	if (o->num_outs != m->graph.num_outputs) {
		fprintf(stderr, "convc-interp: error: the model has %d outputs, %d -o files given\n",
			m->graph.num_outputs, o->num_outs);
		rc = EXIT_USAGE;
		goto done;
	}
	if ((rc = inputs_read(&m->graph, o, arrays)))
		goto done;
	for (i = 0; i < m->graph.num_inputs; i++)
		inputs[i] = arrays[i].raw;
	for (num_out = 0; num_out < m->graph.num_outputs; num_out++) {
		int64_t n = cv_type_numel(&m->graph.outputs[num_out]->type);
		size_t es = cv_dtype_size(m->graph.outputs[num_out]->type.dtype);
		outputs[num_out] = n < 0 ? NULL : malloc(n ? (size_t)n * es : 1);
		if (!outputs[num_out]) {
			cv_diag_error(&d, CV_ERR_NOMEM, "out of memory for output %d", num_out);
			goto diag;
		}
	}
	if (cv_interp_run_typed(m, inputs, outputs, &d))
		goto diag;
	rc = outputs_write(&m->graph, o, outputs);
	goto done;
diag:
	cv_diag_print(&d);
	rc = cv_status_exit_code(d.status);
done:
	for (i = 0; i < num_out; i++)
		free(outputs[i]);
	for (i = 0; i < MAX_FILES; i++) {
		npy_free(&arrays[i]);
		npy_free(&value_arrays[i]);
	}
	cv_module_free(m);
	return rc;
}

int main(int argc, char **argv)
{
	struct options o;
	int i, rc;

	memset(&o, 0, sizeof o);
	rc = parse_args(argc, argv, &o);
	if (!rc)
		rc = run(&o);
	for (i = 0; i < o.num_pins; i++)
		free(o.pin_names[i]);
	for (i = 0; i < o.num_values; i++)
		free(o.value_names[i]);
	return rc;
}
