/*
 * convc/pass.h - passes and the pass manager.
 *
 * A pass is a constant descriptor: its flag name, a one-line summary and a
 * run function over the module's graph. It reports failure through the
 * diagnostic and counts what it did in statistics ("fold-bn.folded").
 */
#ifndef CONVC_PASS_H
#define CONVC_PASS_H

#include "convc/diag.h"
#include "convc/ir.h"

#define CV_STAT_MAX 16

typedef struct cv_pass_stats {
	int count;
	const char *names[CV_STAT_MAX]; /* static strings, e.g. "folded" */
	long long values[CV_STAT_MAX];
} cv_pass_stats;

/* Add `delta` to counter `name` (a string literal); silently ignores more
 * than CV_STAT_MAX distinct counters. */
void cv_stat_add(cv_pass_stats *s, const char *name, long long delta);

typedef struct cv_pass {
	const char *name;    /* the flag: "fold-bn" */
	const char *summary; /* one line for --list-passes */
	/* Transform m. Returns CV_OK, or an error with d filled (the module may
	 * then be left half-transformed and must be discarded). */
	cv_status (*run)(cv_module *m, cv_pass_stats *stats, cv_diag *d);
} cv_pass;

/* The built-in pass named `name`, or NULL. */
const cv_pass *cv_pass_find(const char *name);
/* All built-in passes, NULL-terminated. */
const cv_pass *const *cv_pass_list(void);

/* The textual pipeline an -O level runs ("dce,fold-bn,..."; "" for -O0).
 * level is clamped to 0..3. Static storage. */
const char *cv_pipeline_for_level(int level);

/* Options of one pipeline run. */
typedef struct cv_pipeline_opts {
	int verify_each;   /* run cv_verify after every pass */
	int print_stats;   /* print "pass.counter = value" lines to stderr at the end */
} cv_pipeline_opts;

/*
 * Run the comma-separated pipeline text over m. Errors: CV_ERR_INPUT for an
 * unknown pass name (the message lists the known ones), the first failing
 * pass's status, or CV_ERR_INTERNAL when verification after a pass fails
 * (naming the pass).
 */
cv_status cv_pipeline_run(cv_module *m, const char *pipeline, const cv_pipeline_opts *opts,
			  cv_diag *d);

#endif
