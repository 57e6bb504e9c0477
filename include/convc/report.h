/*
 * convc/report.h - the performance report: per-op roofline, bottlenecks
 * with what to do, and what each pass changed; Markdown, JSON or HTML.
 *
 * Inputs: the module after the pipeline (the ops that will run), the
 * pipeline's history (one record per pass, filled by cv_pipeline_run when
 * cv_pipeline_opts.history is set), the machine's roofline, and optionally
 * a measured profile (the emitted runner's --profile FILE.json, Chrome
 * trace-event format) matched to nodes by name.
 */
#ifndef CONVC_REPORT_H
#define CONVC_REPORT_H

#include "convc/diag.h"
#include "convc/ir.h"
#include "convc/pass.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The roofline the report predicts against. */
typedef struct cv_roofline {
	const char *name;       /* e.g. "host" */
	int cores;              /* cores the prediction assumes (>= 1) */
	double peak_flops;      /* fp32 FLOP/s per core */
	double bandwidth;       /* main-memory bytes/s (for all cores together) */
	const char *source;     /* where the numbers come from (one line) */
} cv_roofline;

/* The host defaults: 150 GFLOP/s fp32 per core (an FMA-chain
 * microbenchmark) and 23 GB/s (one core's stream triad), the figures in the
 * project's FACTS for its 2-core AVX2/FMA machines; issue 5's targets
 * replace them with detected or calibrated values. */
cv_roofline cv_roofline_host(void);

/* One pass of the pipeline as run (strings and text owned by the history). */
typedef struct cv_pass_record {
	char *name;              /* pass flag */
	int nodes_before, nodes_after;
	int transposes_before, transposes_after;
	double ms;               /* wall time of the pass */
	cv_pass_stats stats;     /* its counters (names are static strings) */
	char *diff;              /* unified diff of the text IR, "" when unchanged */
} cv_pass_record;

/* What cv_pipeline_run records when cv_pipeline_opts.history is set. */
typedef struct cv_pass_history {
	cv_pass_record *passes;
	int count, cap;
	char *input_ir;          /* text IR before the first pass */
} cv_pass_history;

void cv_pass_history_free(cv_pass_history *h); /* frees the contents, not h */

/* Measured per-node times, from a Chrome trace (--profile-from). */
typedef struct cv_profile_entry {
	char *name;              /* the node's name (ONNX node name, as emitted) */
	double ms;               /* median (or only) duration */
} cv_profile_entry;

typedef struct cv_profile {
	cv_profile_entry *entries;
	int count;
	double total_ms;         /* sum over entries */
	int threads;             /* threads the profiled run used (otherData.threads), 0 if unknown */
} cv_profile;

/*
 * Read a Chrome trace-event JSON file ({"traceEvents": [...]} or a bare
 * array) with complete events ("ph": "X", "dur" in microseconds, "name").
 * Several events of one name (several runs) give their median.
 * Errors: CV_ERR_IO (cannot read), CV_ERR_INPUT (not JSON, or no complete
 * events), naming the file.
 */
cv_status cv_profile_read(const char *path, cv_profile *out, cv_diag *d);
void cv_profile_free(cv_profile *p);

typedef struct cv_report_input {
	const cv_module *module;        /* after the pipeline */
	const cv_pass_history *history; /* may be NULL */
	cv_roofline roofline;
	const cv_profile *profile;      /* may be NULL */
	const char *model_path;         /* for the title */
	const char *pipeline;           /* the pipeline text that ran */
} cv_report_input;

/*
 * Write the report to `path`; the format comes from the extension: .md,
 * .json (keys documented in docs/report.md) or .html (one self-contained
 * page written with libxml2's xmlTextWriter: SVG roofline, time bars,
 * bottleneck table, pass summary, per-pass diffs to expand).
 * Errors: CV_ERR_INPUT (unknown extension), CV_ERR_IO, CV_ERR_NOMEM.
 */
cv_status cv_report_write(const cv_report_input *in, const char *path, cv_diag *d);

#ifdef __cplusplus
}
#endif

#endif
