/*
 * convc - compile an ONNX model into C.
 *
 *   convc MODEL.onnx [-O0..-O3] [-o OUT] [--input-shape NAME=d0,d1,...]
 *         [--input-value NAME=FILE.npy]
 *         [--emit=c|ir] [-passes=LIST] [--target=NAME|FILE.xml]
 *         [pass manager options, see usage]
 *   convc --print-target [--target=NAME|FILE.xml]
 *   convc --calibrate[=OUT.xml]
 *
 * Exit status: 0 success, 1 bad input or I/O error, 2 command-line usage
 * error, 3 the model uses something convc does not support.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "convc/backend_c.h"
#include "convc/onnx.h"
#include "convc/pass.h"
#include "convc/report.h"
#include "convc/target.h"
#include "tools/ir_out.h"
#include "tools/npy.h"
#include "tools/pass_cli.h"

#define EXIT_USAGE 2
#define MAX_PINS 32
#define MAX_VALUES 32
#define MAX_REPORTS 8

static const char usage[] =
	"usage: convc MODEL.onnx [options]\n"
	"\n"
	"Compile an ONNX model (opsets 1-21) into self-contained C: model.c, model.h,\n"
	"cvrt*.c/.h (kernels), main.c (runner), weights.bin and a Makefile. `make -C OUT`\n"
	"builds OUT/model: OUT/model -i in.npy -o out.npy [--threads T] [--bench N]\n"
	"[--profile FILE.json] (per-node times, Chrome trace format). It runs on any\n"
	"CPU of its architecture, with the best kernels the CPU has (x86: avx512,\n"
	"avx2 or portable; CVRT_ISA=NAME in the environment forces one).\n"
	"\n"
	"Half-precision models (float16 or bfloat16 weights, inputs and ops, as model\n"
	"zoos ship them) compute in float32: weights are widened at import (exactly),\n"
	"inputs keep their dtype and are widened when read, outputs keep theirs and are\n"
	"rounded to it (nearest even) once, at the end. Data movement and arithmetic\n"
	"between half tensors that never meet a float op run in their own dtype.\n"
	"\n"
	"options:\n"
	"  -O0 | -O1 | -O2 | -O3     optimization level (default -O2); --print-pipeline\n"
	"                            shows the passes each one runs\n"
	"  -o PATH                   output directory (--emit=c; default: the model's\n"
	"                            name without .onnx, in the current directory) or\n"
	"                            file (--emit=ir; default or -: standard output)\n"
	"  --emit=c | --emit=ir      write C (default) or the IR after the pipeline as text\n"
	"  --input-shape NAME=D0,D1,...\n"
	"                            fix the dims of graph input NAME (repeatable); needed\n"
	"                            for every input with a dynamic dim\n"
	"  --input-value NAME=FILE.npy\n"
	"                            fix the value of graph input NAME at compile time\n"
	"                            (repeatable): it becomes a constant and leaves the\n"
	"                            model's inputs, so shapes it sets (Reshape's shape,\n"
	"                            Slice's starts, Resize's scales, Pad's pads, ...) are\n"
	"                            known. FILE.npy: float32, int64 or int32, C order,\n"
	"                            of the input's dtype (int32 and int64 convert) and\n"
	"                            shape\n"
	"  --report=FILE.md|FILE.json|FILE.html\n"
	"                            write the performance report (format by extension;\n"
	"                            repeatable): per-op roofline, bottlenecks, passes\n"
	"  --profile-from=FILE.json  merge a runner profile (OUT/model --profile) into the\n"
	"                            report, matching nodes by name\n"
	"  --print-target            print the target as `key = value` lines and exit\n"
	"  --calibrate[=OUT.xml]     measure this host's peak FLOP/s and memory bandwidth\n"
	"                            (one core, ~1-3 s), write them as a target file (default\n"
	"                            host.xml), print them and exit\n"
	"%s"
	"  -h, --help                this help\n"
	"  --version                 print the version\n"
	"\n"
	"exit status: 0 ok, 1 bad input or I/O error, 2 usage error, 3 unsupported model\n";

struct options {
	const char *model, *out;
	int emit_ir;
	cv_input_shape pins[MAX_PINS];
	int num_pins;
	struct {
		char *name;       /* owned */
		const char *path; /* in argv */
	} values[MAX_VALUES];
	int num_values;
	const char *reports[MAX_REPORTS];
	int num_reports;
	const char *profile_from;
	const char *calibrate;   /* --calibrate output file, or NULL */
	int print_target;
	struct pass_cli pm; /* pass manager flags shared with convc-opt */
};

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "convc: error: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see convc --help)\n");
	return EXIT_USAGE;
}

/* NAME=d0,d1,... : the name is everything before the last '='. */
static int parse_pin(const char *arg, cv_input_shape *pin)
{
	const char *eq = strrchr(arg, '='), *s;
	char *end;

	if (!eq || eq == arg)
		return usage_error("--input-shape '%s': expected NAME=D0,D1,...", arg);
	pin->rank = 0;
	for (s = eq + 1; *s;) {
		long long v;
		if (pin->rank == CV_MAX_RANK)
			return usage_error("--input-shape '%s': more than 8 dims", arg);
		errno = 0;
		v = strtoll(s, &end, 10);
		if (end == s || errno || v < 0 || (*end && *end != ','))
			return usage_error("--input-shape '%s': dims must be non-negative integers", arg);
		pin->dims[pin->rank++] = v;
		s = *end ? end + 1 : end;
		if (*end == ',' && !*s)
			return usage_error("--input-shape '%s': trailing comma", arg);
	}
	if (!pin->rank)
		return usage_error("--input-shape '%s': no dims", arg);
	/* The name stays in argv; cut it off at '=' in a copy. */
	pin->name = strndup(arg, (size_t)(eq - arg));
	return pin->name ? 0 : usage_error("%s", "out of memory");
}

/* NAME=FILE.npy : the name is everything before the first '='. */
static int parse_value(const char *arg, struct options *o)
{
	const char *eq = strchr(arg, '=');

	if (!eq || eq == arg || !eq[1])
		return usage_error("--input-value '%s': expected NAME=FILE.npy", arg);
	if (o->num_values == MAX_VALUES)
		return usage_error("%s", "too many --input-value options");
	o->values[o->num_values].path = eq + 1;
	if (!(o->values[o->num_values].name = strndup(arg, (size_t)(eq - arg))))
		return usage_error("%s", "out of memory");
	o->num_values++;
	return 0;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	int i, rc;

	memset(o, 0, sizeof *o);
	pass_cli_init(&o->pm, "convc", 2);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			printf(usage, pass_cli_usage);
			exit(0);
		} else if (!strcmp(a, "--version")) {
			puts("convc 0.1.0");
			exit(0);
		} else if (!strcmp(a, "-o")) {
			if (++i == argc)
				return usage_error("%s needs a path", a);
			o->out = argv[i];
		} else if (!strcmp(a, "--emit=c") || !strcmp(a, "--emit=ir")) {
			o->emit_ir = !strcmp(a, "--emit=ir");
		} else if (!strcmp(a, "--input-shape") || !strncmp(a, "--input-shape=", 14)) {
			const char *v = a[13] == '=' ? a + 14 : (++i < argc ? argv[i] : NULL);
			if (!v)
				return usage_error("%s needs NAME=D0,D1,...", a);
			if (o->num_pins == MAX_PINS)
				return usage_error("%s", "too many --input-shape options");
			if ((rc = parse_pin(v, &o->pins[o->num_pins])))
				return rc;
			o->num_pins++;
		} else if (!strcmp(a, "--input-value") || !strncmp(a, "--input-value=", 14)) {
			const char *v = a[13] == '=' ? a + 14 : (++i < argc ? argv[i] : NULL);
			if (!v)
				return usage_error("%s needs NAME=FILE.npy", a);
			if ((rc = parse_value(v, o)))
				return rc;
		} else if (!strncmp(a, "--report=", 9) && a[9]) {
			if (o->num_reports == MAX_REPORTS)
				return usage_error("%s", "too many --report options");
			o->reports[o->num_reports++] = a + 9;
		} else if (!strncmp(a, "--profile-from=", 15) && a[15]) {
			o->profile_from = a + 15;
		} else if (!strcmp(a, "--print-target")) {
			o->print_target = 1;
		} else if (!strcmp(a, "--calibrate") || (!strncmp(a, "--calibrate=", 12) && a[12])) {
			o->calibrate = a[11] == '=' ? a + 12 : "host.xml";
		} else if ((rc = pass_cli_parse(&o->pm, argc, argv, &i)) != PASS_CLI_NOT_MINE) {
			if (rc)
				return rc;
		} else if (a[0] == '-' && a[1]) {
			return usage_error("unknown option '%s'", a);
		} else if (o->model) {
			return usage_error("more than one model given ('%s')", a);
		} else {
			o->model = a;
		}
	}
	if (!o->model && !pass_cli_exits_early(&o->pm) && !o->print_target && !o->calibrate)
		return usage_error("%s", "no model given");
	return 0;
}

static void free_pins(struct options *o)
{
	int i;

	for (i = 0; i < o->num_pins; i++)
		free((char *)o->pins[i].name);
	for (i = 0; i < o->num_values; i++)
		free(o->values[i].name);
}

/* Read every --input-value file; errors name the file. */
static cv_status read_values(const struct options *o, npy_array *arrays, cv_input_value *values,
			     cv_diag *d)
{
	static const cv_dtype dtypes[] = {[NPY_F32] = CV_F32, [NPY_I64] = CV_I64, [NPY_I32] = CV_I32};
	char err[CV_DIAG_MSG_MAX - 256];
	int i;

	for (i = 0; i < o->num_values; i++) {
		const char *path = o->values[i].path;
		d->file = path;
		/* npy_read_any's message starts with the path, which d names */
		if (npy_read_any(path, &arrays[i], err, sizeof err))
			return cv_diag_error(d, CV_ERR_INPUT, "--input-value %s: %s", o->values[i].name,
					     strncmp(err, path, strlen(path)) ? err : err + strlen(path) + 2);
		if (arrays[i].rank > CV_MAX_RANK)
			return cv_diag_error(d, CV_ERR_INPUT, "--input-value %s: rank %d > %d",
					     o->values[i].name, arrays[i].rank, CV_MAX_RANK);
		memset(&values[i], 0, sizeof values[i]);
		values[i].name = o->values[i].name;
		values[i].dtype = dtypes[arrays[i].dtype];
		values[i].rank = arrays[i].rank;
		memcpy(values[i].dims, arrays[i].dims, (size_t)arrays[i].rank * sizeof values[i].dims[0]);
		values[i].data = arrays[i].raw;
	}
	d->file = o->model;
	return CV_OK;
}

/* Default output directory: the model's base name without .onnx. */
static char *default_out(const char *model)
{
	const char *base = strrchr(model, '/');
	size_t len;
	char *s;

	base = base ? base + 1 : model;
	len = strlen(base);
	if (len > 5 && !strcmp(base + len - 5, ".onnx"))
		len -= 5;
	s = strndup(base, len ? len : 1);
	return s;
}

/* Each --report file, from the module after the pipeline and its history. */
static cv_status write_reports(const struct options *o, const cv_target *target, const cv_module *m,
			       const cv_pass_history *h, const char *pipeline, cv_diag *d)
{
	cv_report_input in;
	cv_profile prof = {0};
	cv_status st = CV_OK;
	int i;

	if (!o->num_reports)
		return CV_OK;
	if (o->profile_from) {
		d->file = o->profile_from;
		if ((st = cv_profile_read(o->profile_from, &prof, d)))
			return st;
	}
	memset(&in, 0, sizeof in);
	in.module = m;
	in.history = h;
	in.roofline = cv_target_roofline(target);
	in.profile = o->profile_from ? &prof : NULL;
	/* predict for the cores the profiled run could use */
	if (prof.threads > 0 && prof.threads < in.roofline.cores)
		in.roofline.cores = prof.threads;
	in.model_path = o->model;
	in.pipeline = pipeline;
	for (i = 0; i < o->num_reports && !st; i++) {
		d->file = o->reports[i];
		st = cv_report_write(&in, o->reports[i], d);
	}
	cv_profile_free(&prof);
	return st;
}

static int compile(const struct options *o, const cv_pass_registry *reg)
{
	const char *pipeline = pass_cli_pipeline(&o->pm);
	cv_pipeline_opts run = o->pm.run;
	cv_pass_history history = {0};
	char text[4096];
	cv_module *m = NULL;
	char *out = NULL;
	cv_target target;
	npy_array arrays[MAX_VALUES] = {{0}};
	cv_input_value values[MAX_VALUES];
	cv_diag d;
	cv_status st;
	int i;

	cv_diag_init(&d, o->model);
	if ((st = pass_cli_target(&o->pm, NULL, &target, &d)))
		goto done;
	if (o->num_reports)
		run.history = &history;
	if ((st = read_values(o, arrays, values, &d)) ||
	    (st = cv_onnx_import_values(o->model, o->pins, o->num_pins, values, o->num_values, &m, &d)) ||
	    (st = cv_module_set_target(m, &target, &d)))
		goto done;
	if ((st = cv_pipeline_run(reg, m, pipeline, &run, &d)))
		goto done;
	if ((st = cv_pipeline_normalize(reg, pipeline, &run, text, sizeof text, &d)))
		goto done;
	if (o->emit_ir) {
		d.file = o->out ? o->out : o->model;
		st = ir_out_write(m, o->out, &d);
	} else if (!(out = o->out ? strdup(o->out) : default_out(o->model))) {
		st = cv_diag_error(&d, CV_ERR_NOMEM, "out of memory");
	} else {
		st = cv_emit_c(m, out, &d);
	}
	/* the report describes what was written, so only after it was */
	if (!st)
		st = write_reports(o, &target, m, &history, text, &d);
done:
	if (st)
		cv_diag_print(&d);
	free(out);
	for (i = 0; i < o->num_values; i++)
		npy_free(&arrays[i]);
	cv_pass_history_free(&history);
	cv_module_free(m);
	return cv_status_exit_code(st);
}

/* --print-target: the parsed target as `key = value` lines. */
static int print_target(const struct options *o)
{
	cv_target t;
	cv_diag d;
	cv_status st;

	cv_diag_init(&d, NULL);
	if ((st = pass_cli_target(&o->pm, NULL, &t, &d)))
		cv_diag_print(&d);
	else
		cv_target_print(&t, stdout);
	return cv_status_exit_code(st);
}

/* --calibrate: measure, write the target file, print what was measured. */
static int calibrate(const struct options *o)
{
	cv_target t;
	cv_diag d;
	cv_status st;

	cv_diag_init(&d, NULL);
	if ((st = cv_target_calibrate(o->calibrate, &t, &d))) {
		cv_diag_print(&d);
		return cv_status_exit_code(st);
	}
	printf("wrote %s\n", o->calibrate);
	cv_target_print(&t, stdout);
	return 0;
}

int main(int argc, char **argv)
{
	struct options o;
	cv_pass_registry *reg = NULL;
	int rc = parse_args(argc, argv, &o);

	if (!rc && !(rc = pass_cli_setup(&o.pm, &reg))) {
		if (o.calibrate)
			rc = calibrate(&o);
		else if (o.print_target)
			rc = print_target(&o);
		else if (pass_cli_exits_early(&o.pm))
			rc = pass_cli_early(&o.pm, reg);
		else
			rc = compile(&o, reg);
	}
	cv_pass_registry_free(reg);
	pass_cli_free(&o.pm);
	free_pins(&o);
	return rc;
}
