/* pass_cli.c - pass manager flags (see pass_cli.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "convc/target.h"
#include "tools/pass_cli.h"

const char pass_cli_usage[] =
	"  -passes=P1,P2{key=value},...\n"
	"                            run this pipeline instead of the -O level's\n"
	"  --load-pass-plugin=PATH   load a pass plugin (repeatable)\n"
	"  --disable-pass=NAME       drop NAME from the pipeline (repeatable)\n"
	"  --print-pipeline          print the pipeline that would run (as -passes= text)\n"
	"  --list-passes             list built-in and plugin passes with summaries;\n"
	"                            with -v also each pass's options and their defaults\n"
	"  --verify-each             verify the IR after every pass\n"
	"  --print-after-all         print the IR after every pass (to stderr)\n"
	"  --print-after=NAME        print the IR after pass NAME (repeatable)\n"
	"  --print-changed[=diff]    print the IR (or a unified diff of it) after each\n"
	"                            pass that changed it\n"
	"  --color=auto|always|never colour diffs (auto: when stderr is a terminal)\n"
	"  --dump-dir=DIR            write DIR/NN-PASS.cir and DIR/NN-PASS.diff per pass\n"
	"  --time-passes             print a table of time per pass (ms)\n"
	"  --stats                   print pass statistics (pass.counter = value)\n"
	"  --target=NAME|FILE.xml    the machine passes and the report compile for: host\n"
	"                            (default: detected now), wormhole_b0, blackhole, or a\n"
	"                            target file (docs/targets.md)\n"
	"  --check-numerics          run the reference interpreter on seeded inputs\n"
	"                            after each pass; fail on the first pass that\n"
	"                            changes outputs beyond 1e-4*max|ref|+1e-5\n";

static int usage_error(const struct pass_cli *c, const char *what, const char *arg)
{
	fprintf(stderr, "%s: error: %s '%s' (see --help)\n", c->prog, what, arg);
	return 2;
}

/* "--flag=VALUE" or "--flag VALUE"; NULL when a < flag > mismatch. */
static const char *value_of(const char *flag, int argc, char **argv, int *i, int *matched)
{
	size_t n = strlen(flag);
	const char *a = argv[*i];

	*matched = 0;
	if (strncmp(a, flag, n))
		return NULL;
	if (a[n] == '=') {
		*matched = 1;
		return a + n + 1;
	}
	if (a[n] || *i + 1 >= argc)
		return NULL;
	*matched = 1;
	return argv[++*i];
}

static int add_print_after(struct pass_cli *c, const char *name)
{
	size_t old = c->print_after ? strlen(c->print_after) : 0;
	char *p = realloc(c->print_after, old + strlen(name) + 2);

	if (!p)
		return usage_error(c, "out of memory at", name);
	if (old)
		p[old++] = ',';
	strcpy(p + old, name);
	c->print_after = p;
	c->run.print_after = p;
	return 0;
}

static int parse_flag(struct pass_cli *c, const char *a)
{
	if (!strcmp(a, "--print-pipeline"))
		c->print_pipeline = 1;
	else if (!strcmp(a, "--list-passes"))
		c->list_passes = 1;
	else if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
		c->verbose = 1;
	else if (!strcmp(a, "--verify-each"))
		c->run.verify_each = 1;
	else if (!strcmp(a, "--print-after-all"))
		c->run.print_after_all = 1;
	else if (!strcmp(a, "--print-changed"))
		c->run.print_changed = CV_CHANGED_FULL;
	else if (!strcmp(a, "--print-changed=diff"))
		c->run.print_changed = CV_CHANGED_DIFF;
	else if (!strcmp(a, "--time-passes"))
		c->run.time_passes = 1;
	else if (!strcmp(a, "--stats"))
		c->run.print_stats = 1;
	else if (!strcmp(a, "--check-numerics"))
		c->run.check_numerics = 1;
	else if (!strcmp(a, "--color=auto"))
		c->color = -1;
	else if (!strcmp(a, "--color=always"))
		c->color = 1;
	else if (!strcmp(a, "--color=never"))
		c->color = 0;
	else
		return PASS_CLI_NOT_MINE;
	return 0;
}

void pass_cli_init(struct pass_cli *c, const char *prog, int level)
{
	memset(c, 0, sizeof *c);
	c->prog = prog;
	c->level = level;
	c->color = -1;
	c->target = "host";
}

cv_status pass_cli_target(const struct pass_cli *c, cv_module *m, cv_target *t, cv_diag *d)
{
	const char *file = d->file;
	cv_status st = cv_target_load(c->target, t, d);

	if (st)
		return st;
	d->file = file;
	return m ? cv_module_set_target(m, t, d) : CV_OK;
}

const char *pass_cli_pipeline(const struct pass_cli *c)
{
	if (c->pipeline)
		return c->pipeline;
	return c->level < 0 ? "" : cv_pipeline_for_level(c->level);
}

int pass_cli_parse(struct pass_cli *c, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *v;
	int matched, rc;

	if (a[0] == '-' && a[1] == 'O' && a[2] >= '0' && a[2] <= '3' && !a[3]) {
		c->level = a[2] - '0';
		return 0;
	}
	if (!strncmp(a, "-passes=", 8) || !strncmp(a, "--passes=", 9)) {
		c->pipeline = strchr(a, '=') + 1;
		return 0;
	}
	if ((rc = parse_flag(c, a)) != PASS_CLI_NOT_MINE)
		return rc;
	if (!strncmp(a, "--target=", 9)) {
		if (!a[9])
			return usage_error(c, "--target needs a name or a file:", a);
		c->target = a + 9;
		return 0;
	}
	if ((v = value_of("--load-pass-plugin", argc, argv, i, &matched)) || matched) {
		/* "--load-pass-plugin -passes=x" would otherwise load a file named "-passes=x" */
		if (!v || !*v || *v == '-')
			return usage_error(c, "--load-pass-plugin needs the path of a plugin, got",
					   v ? v : "");
		if (c->num_plugins == PASS_CLI_MAX)
			return usage_error(c, "too many plugins at", a);
		c->plugins[c->num_plugins++] = v;
		return 0;
	}
	if ((v = value_of("--disable-pass", argc, argv, i, &matched)) || matched) {
		if (c->run.num_disabled == PASS_CLI_MAX)
			return usage_error(c, "too many disabled passes at", a);
		c->disabled[c->run.num_disabled++] = v;
		c->run.disabled = c->disabled;
		return 0;
	}
	if ((v = value_of("--print-after", argc, argv, i, &matched)) || matched)
		return add_print_after(c, v);
	if ((v = value_of("--dump-dir", argc, argv, i, &matched)) || matched) {
		c->run.dump_dir = v;
		return 0;
	}
	if (!strncmp(a, "--load-pass-plugin", 18) || !strncmp(a, "--disable-pass", 14) ||
	    !strncmp(a, "--print-after", 13) || !strncmp(a, "--dump-dir", 10))
		return usage_error(c, "missing value for", a);
	return PASS_CLI_NOT_MINE;
}

/* The pipeline text, --disable-pass and --print-after are command-line
 * arguments: a mistake in them is a usage error (exit 2), found before any
 * input is read. */
static int check_pipeline(const struct pass_cli *c, const cv_pass_registry *reg)
{
	char text[4096];
	cv_diag d;

	cv_diag_init(&d, c->prog);
	if (cv_pipeline_normalize(reg, pass_cli_pipeline(c), &c->run, text, sizeof text, &d)) {
		if (d.status != CV_ERR_INPUT) {
			cv_diag_print(&d);
			return cv_status_exit_code(d.status);
		}
		fprintf(stderr, "%s: error: %s\n", c->prog, d.msg);
		return 2;
	}
	return 0;
}

/* --list-passes -v: a pass's options, one a line, with their defaults. */
static void list_options(const cv_pass *p)
{
	int i;

	if (!p->options || !p->options[0])
		printf("%21s(no options)\n", "");
	for (i = 0; p->options && p->options[i]; i++) {
		const char *dflt = p->option_defaults ? p->option_defaults[i] : NULL;
		if (dflt)
			printf("%21s%s=%s (default)\n", "", p->options[i], dflt);
		else
			printf("%21s%s (no default)\n", "", p->options[i]);
	}
}

int pass_cli_setup(struct pass_cli *c, cv_pass_registry **reg)
{
	cv_diag d;
	int i;

	if (c->color < 0)
		c->run.color = isatty(STDERR_FILENO);
	else
		c->run.color = c->color;
	*reg = cv_pass_registry_new();
	if (!*reg) {
		fprintf(stderr, "%s: error: out of memory\n", c->prog);
		return 1;
	}
	for (i = 0; i < c->num_plugins; i++) {
		cv_diag_init(&d, c->plugins[i]);
		if (cv_pass_registry_load_plugin(*reg, c->plugins[i], &d)) {
			cv_diag_print(&d);
			return cv_status_exit_code(d.status);
		}
	}
	return check_pipeline(c, *reg);
}

int pass_cli_exits_early(const struct pass_cli *c)
{
	return c->print_pipeline || c->list_passes;
}

int pass_cli_early(const struct pass_cli *c, const cv_pass_registry *reg)
{
	char text[4096];
	cv_diag d;
	int i;

	if (c->list_passes) {
		for (i = 0; i < cv_pass_registry_count(reg); i++) {
			const char *origin;
			const cv_pass *p = cv_pass_registry_at(reg, i, &origin);
			printf("  %-18s %s%s%s%s\n", p->name, p->summary ? p->summary : "",
			       strcmp(origin, "built-in") ? " [" : "", strcmp(origin, "built-in") ? origin : "",
			       strcmp(origin, "built-in") ? "]" : "");
			if (c->verbose)
				list_options(p);
		}
	}
	if (c->print_pipeline) {
		cv_diag_init(&d, c->prog);
		if (cv_pipeline_normalize(reg, pass_cli_pipeline(c), &c->run, text,
					  sizeof text, &d)) {
			cv_diag_print(&d);
			return cv_status_exit_code(d.status);
		}
		puts(text);
	}
	return 0;
}

void pass_cli_free(struct pass_cli *c)
{
	free(c->print_after);
	c->print_after = NULL;
}
