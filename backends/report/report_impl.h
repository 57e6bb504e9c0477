/*
 * report_impl.h - private to backends/report: the analysed report that the
 * three writers (Markdown, JSON, HTML) print.
 *
 * rp_analyse() turns a cv_report_input into an rp_report: one rp_op per
 * node (metrics, roofline, measured time), a summary per category, the
 * ranked bottlenecks with their recommendations, and the pass summary.
 * Everything the writers print is computed here, so the formats agree.
 * Units: FLOPs and bytes as counts, times in ms, shares and efficiencies as
 * fractions in [0, 1] (the writers print percents); a negative measured
 * time or efficiency means "not available".
 */
#ifndef CONVC_REPORT_IMPL_H
#define CONVC_REPORT_IMPL_H

#include <stdio.h>

#include "convc/report.h"

#define RP_LABEL_MAX 256
#define RP_TEXT_MAX 640
#define RP_VECTOR_LANES 8 /* fp32 lanes of the host's AVX2 vectors */

typedef enum rp_category {
	RP_CONV = 0,
	RP_DEPTHWISE,
	RP_POINTWISE,
	RP_GEMM,
	RP_POOL,
	RP_ELEMENTWISE,
	RP_LAYOUT,
	RP_CATEGORY_COUNT
} rp_category;

typedef enum rp_severity { RP_CRITICAL = 0, RP_HIGH, RP_MEDIUM, RP_LOW } rp_severity;

typedef struct rp_op {
	const cv_node *node;
	char label[RP_LABEL_MAX];  /* cv_node_label: the profile's name */
	rp_category cat;
	double flops;              /* 2 x MACs, or the op's count (docs/report.md) */
	const cv_act *epi;         /* fused activation epilogue, NULL when none */
	double epi_flops;          /* its FLOP-equivalents (rp_epilogue_ops), in compute_ms */
	double bytes_in, bytes_weights, bytes_out; /* runtime operands, constants, results */
	double bytes;              /* their sum */
	double ai;                 /* flops / bytes (FLOP/B) */
	double compute_ms, memory_ms; /* (flops + epi_flops) / peak, bytes / bandwidth */
	double pred_ms;            /* roofline time: the larger of the two */
	int compute_bound;         /* compute_ms >= memory_ms (and flops > 0) */
	double meas_ms;            /* median from the profile, < 0 when not measured */
	double time_ms;            /* the time ranked on: measured if any, else predicted */
	double share;              /* time_ms / sum of time_ms over all ops */
	double eff;                /* pred_ms / meas_ms, < 0 when not measured */
	rp_severity sev;
} rp_op;

typedef struct rp_catsum {
	int count;
	double flops, bytes, pred_ms, meas_ms, time_ms, share;
	double eff; /* pred_ms / meas_ms over its measured ops, < 0 when none */
} rp_catsum;

typedef enum rp_finding_kind { RP_FIND_OP = 0, RP_FIND_TINY_GEMMS, RP_FIND_TRANSPOSES, RP_FIND_RESHARDS } rp_finding_kind;

/* One ranked bottleneck: an op, or a pattern over several ops. */
typedef struct rp_finding {
	rp_finding_kind kind;
	int op;                 /* RP_FIND_OP: index into rp_report.ops; else -1 */
	rp_severity sev;
	int count;              /* ops in the pattern (1 for an op) */
	double share, time_ms, bytes;
	double eff;             /* < 0 when not measured */
	char what[RP_TEXT_MAX]; /* the diagnosis, with its numbers */
	char path_a[RP_TEXT_MAX]; /* graph-level recommendation */
	char path_b[RP_TEXT_MAX]; /* kernel-level recommendation */
} rp_finding;

/* Highlights of the pass history. */
typedef struct rp_passes {
	long long bn_folded, bn_converted, dw_routed;
	int transposes_before_cl, transposes_after_cl; /* -1 when channels-last did not run */
	int reshards; /* reshard nodes in the final graph */
	double total_ms;
} rp_passes;

typedef struct rp_report {
	const cv_report_input *in;
	rp_op *ops;
	int num_ops;
	rp_catsum cats[RP_CATEGORY_COUNT];
	rp_finding *findings;
	int num_findings;
	double peak;          /* FLOP/s of all cores: peak_flops x cores */
	double ridge;         /* peak / bandwidth, FLOP/B */
	double flops, bytes, pred_ms, meas_ms, time_ms;
	int profiled;         /* a profile was given */
	int matched;          /* ops found in it */
	char **unmatched;     /* profile names no op has (borrowed from the profile) */
	int num_unmatched;
	rp_passes passes;
} rp_report;

/* Analyse `in` into r (zeroed first). CV_ERR_NOMEM, or CV_ERR_INPUT for a
 * missing module or a roofline without positive numbers. */
cv_status rp_analyse(const cv_report_input *in, rp_report *r, cv_diag *d);
void rp_report_free(rp_report *r);

/* Rank the ops and find the patterns (advice.c); called by rp_analyse. */
cv_status rp_rank(rp_report *r, cv_diag *d);

/* Vector operations per result element of cvrt_vmath.h's form of a fused
 * activation (enum cv_act_kind) with AVX2 + FMA, the report's vectors:
 * 0 for none, 1 for relu, 19 for silu (docs/report.md has the table). */
int rp_epilogue_ops(int kind);
/* The same with AVX-512 (16 lanes): fewer for exp, sigmoid and SiLU (13,
 * 17, 18), rp_epilogue_ops(kind) for the others (analysis.c says why). */
int rp_epilogue_ops_avx512(int kind);
/* The activation an op applies as a fused epilogue (conv, gemm, binary
 * ops), or NULL when it has none (borrowed from n). */
const cv_act *rp_fused_act(const cv_node *n);

const char *rp_category_name(rp_category c);
const char *rp_severity_name(rp_severity s);
const char *rp_finding_kind_name(rp_finding_kind k);
/* "f32[1,32,112,112] nhwc" into buf. */
char *rp_type_text(const cv_type *t, char *buf, size_t size);
/* A node's operands and results as "x f32[..] nhwc, w f32[..] hwio -> f32[..] nhwc". */
char *rp_shapes_text(const cv_node *n, char *buf, size_t size);

/* Writers: the report as text into f (a memory stream). 0, or -1 on error. */
int rp_write_md(const rp_report *r, FILE *f);
cv_status rp_write_json(const rp_report *r, FILE *f, cv_diag *d);
cv_status rp_write_html(const rp_report *r, FILE *f, cv_diag *d);

#endif
