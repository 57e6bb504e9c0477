/*
 * convc-opt - text IR in, a pass pipeline, text IR out (docs/ir.md).
 *
 *   convc-opt FILE.cir|- [-passes=LIST] [-O0..-O3] [-o OUT] [pass manager options]
 *
 * The tool pass tests run: `convc-opt %s -passes=fold-bn | FileCheck %s`.
 * Exit status: 0 success, 1 bad input or I/O error, 2 command-line usage
 * error, 3 the IR uses something convc does not support.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "convc/parse.h"
#include "convc/pass.h"
#include "convc/target.h"
#include "tools/ir_out.h"
#include "tools/pass_cli.h"

#define EXIT_USAGE 2

static const char usage[] =
	"usage: convc-opt FILE.cir [options]\n"
	"\n"
	"Read convc's text IR (docs/ir.md) from FILE.cir, or standard input for '-',\n"
	"run a pass pipeline over it and write the resulting IR as text. Without\n"
	"-passes= or -O the IR is printed back unchanged (print -> parse -> print is\n"
	"the identity).\n"
	"\n"
	"options:\n"
	"  -o FILE                   write the IR to FILE (default: standard output);\n"
	"                            nothing is written when anything fails\n"
	"  -O0 | -O1 | -O2 | -O3     run that level's pipeline (as convc does); the\n"
	"                            default is none\n"
	"%s"
	"  -h, --help                this help\n"
	"  --version                 print the version\n"
	"\n"
	"exit status: 0 ok, 1 bad input or I/O error, 2 usage error, 3 unsupported\n";

struct options {
	const char *input, *out;
	struct pass_cli pm;
};

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "convc-opt: error: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see convc-opt --help)\n");
	return EXIT_USAGE;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	int i, rc;

	memset(o, 0, sizeof *o);
	pass_cli_init(&o->pm, "convc-opt", -1);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			printf(usage, pass_cli_usage);
			exit(0);
		} else if (!strcmp(a, "--version")) {
			puts("convc-opt 0.1.0");
			exit(0);
		} else if (!strcmp(a, "-o")) {
			if (++i == argc)
				return usage_error("%s needs a path", a);
			o->out = argv[i];
		} else if ((rc = pass_cli_parse(&o->pm, argc, argv, &i)) != PASS_CLI_NOT_MINE) {
			if (rc)
				return rc;
		} else if (a[0] == '-' && a[1]) {
			return usage_error("unknown option '%s'", a);
		} else if (o->input) {
			return usage_error("more than one input given ('%s')", a);
		} else {
			o->input = a;
		}
	}
	if (!o->input && !pass_cli_exits_early(&o->pm))
		return usage_error("%s", "no input given (a .cir file, or - for standard input)");
	return 0;
}

/* The whole of f into a malloc'd buffer (*len bytes). */
static cv_status read_all(FILE *f, char **text, size_t *len, cv_diag *d)
{
	size_t cap = 1 << 16, n = 0, got;
	char *buf = malloc(cap), *p;

	if (!buf)
		return cv_diag_error(d, CV_ERR_NOMEM, "out of memory reading the input");
	while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n < cap)
			continue;
		if (!(p = realloc(buf, cap * 2))) {
			free(buf);
			return cv_diag_error(d, CV_ERR_NOMEM, "out of memory reading the input");
		}
		buf = p;
		cap *= 2;
	}
	if (ferror(f)) {
		free(buf);
		return cv_diag_error(d, CV_ERR_IO, "cannot read: %s", strerror(errno));
	}
	*text = buf;
	*len = n;
	return CV_OK;
}

static cv_status read_input(const char *path, char **text, size_t *len, cv_diag *d)
{
	FILE *f;
	cv_status st;

	if (!strcmp(path, "-"))
		return read_all(stdin, text, len, d);
	if (!(f = fopen(path, "r")))
		return cv_diag_error(d, CV_ERR_IO, "cannot open: %s", strerror(errno));
	st = read_all(f, text, len, d);
	fclose(f);
	return st;
}

static int run(const struct options *o, const cv_pass_registry *reg)
{
	const char *file = strcmp(o->input, "-") ? o->input : "<stdin>";
	const char *pipeline = pass_cli_pipeline(&o->pm);
	cv_module *m = NULL;
	cv_target target;
	char *text = NULL;
	size_t len = 0;
	cv_diag d;
	cv_status st;

	cv_diag_init(&d, file);
	if ((st = read_input(o->input, &text, &len, &d)))
		goto done;
	if ((st = cv_module_parse(text, len, file, &m, &d)) ||
	    (st = pass_cli_target(&o->pm, m, &target, &d)))
		goto done;
	if ((st = cv_pipeline_run(reg, m, pipeline, &o->pm.run, &d)))
		goto done;
	d.file = o->out ? o->out : file;
	st = ir_out_write(m, o->out, &d);
done:
	if (st)
		cv_diag_print(&d);
	free(text);
	cv_module_free(m);
	return cv_status_exit_code(st);
}

int main(int argc, char **argv)
{
	struct options o;
	cv_pass_registry *reg = NULL;
	int rc = parse_args(argc, argv, &o);

	if (!rc && !(rc = pass_cli_setup(&o.pm, &reg))) {
		if (pass_cli_exits_early(&o.pm))
			rc = pass_cli_early(&o.pm, reg);
		else
			rc = run(&o, reg);
	}
	cv_pass_registry_free(reg);
	pass_cli_free(&o.pm);
	return rc;
}
