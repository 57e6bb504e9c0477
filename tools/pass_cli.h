/*
 * pass_cli.h - the pass manager's command-line flags, shared by convc and
 * convc-opt so both tools take exactly the same ones.
 */
#ifndef CONVC_PASS_CLI_H
#define CONVC_PASS_CLI_H

#include "convc/pass.h"

#define PASS_CLI_NOT_MINE (-1)
#define PASS_CLI_MAX 32

struct pass_cli {
	const char *prog;              /* tool name for messages: "convc" */
	const char *pipeline;          /* -passes=, or NULL for the -O level's */
	int level;                     /* -O0..-O3; -1: none given and none by default */
	cv_pipeline_opts run;          /* instruments for cv_pipeline_run */
	const char *plugins[PASS_CLI_MAX];
	int num_plugins;
	const char *disabled[PASS_CLI_MAX];
	char *print_after;             /* --print-after names joined by ',' (malloc'd) */
	int print_pipeline, list_passes;
	int verbose;                   /* -v: --list-passes shows options and defaults */
	int color;                     /* -1 auto, 0 never, 1 always */
	const char *target;            /* --target=NAME|FILE.xml, default "host" */
};

/* The flags' help text, for the tools' usage. */
extern const char pass_cli_usage[];

/* Defaults: no instruments, colour auto, -O level `level` (-1: no pipeline
 * unless one is given); prog names the tool in errors. */
void pass_cli_init(struct pass_cli *c, const char *prog, int level);

/* The pipeline to run: -passes= if given, else the -O level's ("" when
 * there is none). Static or borrowed from argv. */
const char *pass_cli_pipeline(const struct pass_cli *c);

/*
 * If argv[*i] is a pass manager flag, consume it (and a separate value,
 * advancing *i) and return 0, or 2 after printing a usage error. Returns
 * PASS_CLI_NOT_MINE for any other argument.
 */
int pass_cli_parse(struct pass_cli *c, int argc, char **argv, int *i);

/* Make the registry (*reg, caller frees), load the plugins and check the
 * pipeline text, printing the error of a failing one. Returns an exit code
 * (0 ok, 1 plugin error, 2 a usage error in the pipeline, --disable-pass or
 * --print-after). */
int pass_cli_setup(struct pass_cli *c, cv_pass_registry **reg);

/* --print-pipeline / --list-passes: the tool prints and exits. */
int pass_cli_exits_early(const struct pass_cli *c);
/* Do that. Returns an exit code. */
int pass_cli_early(const struct pass_cli *c, const cv_pass_registry *reg);

/* Load --target (convc/target.h: cv_target_load's errors) into *t and give
 * the module a copy, so passes (shard, channels-last) compile for it. m may be
 * NULL (only load). */
cv_status pass_cli_target(const struct pass_cli *c, cv_module *m, struct cv_target *t, cv_diag *d);

void pass_cli_free(struct pass_cli *c);

#endif
