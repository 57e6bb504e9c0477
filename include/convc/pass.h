/*
 * convc/pass.h - passes, the pass registry and the pipeline runner.
 *
 * A pass is a constant descriptor: its flag name, a one-line summary, the
 * option keys it accepts and a run function over a module. It reports
 * failure through the diagnostic and counts what it did in statistics
 * ("fold-bn.folded = 52"). Built-in and plugin passes (convc/plugin.h) are
 * the same kind of object and are used alike in pipelines.
 *
 * Pipeline text: comma-separated pass names, each optionally followed by
 * options in braces: "fold-bn,fuse-epilogue,shard{solver=greedy,cores=8}".
 */
#ifndef CONVC_PASS_H
#define CONVC_PASS_H

#include <stdio.h>

#include "convc/diag.h"
#include "convc/ir.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CV_STAT_MAX 16
#define CV_PASS_OPTIONS_MAX 8

typedef struct cv_pass_stats {
	int count;
	const char *names[CV_STAT_MAX]; /* static strings, e.g. "folded" */
	long long values[CV_STAT_MAX];
} cv_pass_stats;

/* Add `delta` to counter `name` (static storage, e.g. a literal); more than
 * CV_STAT_MAX distinct counters are silently dropped. */
void cv_stat_add(cv_pass_stats *s, const char *name, long long delta);

/* A pass's options as written in the pipeline (strings borrowed from the
 * pipeline for the duration of run). */
typedef struct cv_pass_options {
	int count;
	const char *keys[CV_PASS_OPTIONS_MAX];
	const char *values[CV_PASS_OPTIONS_MAX];
} cv_pass_options;

/* The value of option `key`, or dflt when it was not given. */
const char *cv_pass_option(const cv_pass_options *o, const char *key, const char *dflt);

typedef struct cv_pass {
	const char *name;            /* the flag: "fold-bn" ([a-z0-9-]+) */
	const char *summary;         /* one line for --list-passes */
	const char *const *options;  /* accepted option keys, NULL-terminated; NULL: none */
	/*
	 * Transform m. Returns CV_OK, or an error with d filled; after an error
	 * the module may be half-transformed and must be discarded. opts holds
	 * only keys listed in `options`, each at most once (the runner rejects
	 * others). The runner prefixes the message with "pass 'NAME': " (an
	 * error without one reads "pass NAME failed without a message"), and
	 * verifies the module after every plugin pass: a pass that leaves it
	 * invalid fails there, naming itself.
	 */
	cv_status (*run)(cv_module *m, const cv_pass_options *opts, cv_pass_stats *stats,
			 cv_diag *d);
	/*
	 * What each option means when it is not given, for `--list-passes -v`:
	 * parallel to `options` (same length), each entry a short text such as
	 * "16", "auto" or "(the target's cores)", or NULL for none shown. The
	 * array itself may be NULL (and is, in a descriptor that leaves it out).
	 * Plugin ABI 7.
	 */
	const char *const *option_defaults;
} cv_pass;

/* ---- the registry: built-in passes plus those plugins register ---- */

typedef struct cv_pass_registry cv_pass_registry;

/* A registry holding the built-in passes; NULL when out of memory. Free
 * with cv_pass_registry_free(), which also unloads plugins: free it only
 * after the last use of a plugin pass (and of any module it touched). */
cv_pass_registry *cv_pass_registry_new(void);
void cv_pass_registry_free(cv_pass_registry *r);

/*
 * Add a pass (borrowed: it must outlive the registry; plugins pass static
 * descriptors). `origin` (borrowed) names where it came from, e.g. the
 * plugin. Errors: CV_ERR_INPUT for a duplicate or malformed name (naming both
 * origins), CV_ERR_NOMEM.
 */
cv_status cv_pass_registry_add(cv_pass_registry *r, const cv_pass *p, const char *origin,
			       cv_diag *d);
/* The pass named `name`, or NULL. */
const cv_pass *cv_pass_registry_find(const cv_pass_registry *r, const char *name);
/* Iterate: i in [0, count); origin is "built-in" or the plugin's name. */
int cv_pass_registry_count(const cv_pass_registry *r);
const cv_pass *cv_pass_registry_at(const cv_pass_registry *r, int i, const char **origin);

/*
 * Load a pass plugin (convc/plugin.h) from the shared object at `path` and
 * register its passes. Errors (CV_ERR_INPUT, message naming the file and the
 * reason): cannot be opened or is not a shared object (the loader's
 * reason), no `convc_plugin_info` symbol, a NULL or short descriptor, an ABI
 * version other than CV_PLUGIN_ABI_VERSION (both versions named), a failing
 * register function (its message), a duplicate pass name.
 */
cv_status cv_pass_registry_load_plugin(cv_pass_registry *r, const char *path, cv_diag *d);

/* The textual pipeline an -O level runs ("" for -O0); level is clamped to
 * 0..3. Static storage. */
const char *cv_pipeline_for_level(int level);

/* ---- running a pipeline ---- */

typedef enum cv_print_changed { CV_CHANGED_OFF = 0, CV_CHANGED_FULL, CV_CHANGED_DIFF } cv_print_changed;

typedef struct cv_pipeline_opts {
	int verify_each;           /* cv_verify after every pass */
	int print_stats;           /* "pass.counter = value" lines after each pass */
	int time_passes;           /* a table of wall time per pass (ms) at the end */
	int print_after_all;       /* the IR after every pass */
	const char *print_after;   /* comma-separated pass names to print the IR after, or NULL */
	cv_print_changed print_changed; /* IR (or its diff) after passes that changed it */
	int color;                 /* colour diffs (ANSI) */
	const char *dump_dir;      /* write NN-pass.cir and NN-pass.diff here, or NULL */
	int check_numerics;        /* reference interpreter before and after each pass */
	const char *const *disabled; /* pass names to drop from the pipeline */
	int num_disabled;
	FILE *out;                 /* where prints go; NULL means stderr */
	/* When set, one record per pass is appended (nodes and transposes
	 * before/after, time, stats, IR diff): the report's pass summary
	 * (convc/report.h). Owned by the caller. */
	struct cv_pass_history *history;
} cv_pipeline_opts;

/*
 * Normalize pipeline text: parse it, drop disabled passes, and write the
 * canonical text (accepted by -passes=) into buf. Errors (CV_ERR_INPUT):
 * malformed text, unknown pass (the message lists the known ones), an option
 * the pass does not accept (listing those it does).
 */
cv_status cv_pipeline_normalize(const cv_pass_registry *r, const char *pipeline,
				const cv_pipeline_opts *opts, char *buf, size_t size, cv_diag *d);

/*
 * Run the pipeline over m with the instruments opts asks for (opts may be
 * NULL). Errors: those of cv_pipeline_normalize; the first failing pass's
 * status; CV_ERR_INTERNAL when verification after a pass fails, or when
 * --check-numerics finds a pass whose outputs leave the tolerance (both
 * name the pass); CV_ERR_IO when the dump directory cannot be written.
 */
cv_status cv_pipeline_run(const cv_pass_registry *r, cv_module *m, const char *pipeline,
			  const cv_pipeline_opts *opts, cv_diag *d);

#ifdef __cplusplus
}
#endif

#endif
