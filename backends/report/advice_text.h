/*
 * advice_text.h - private to backends/report: building the recommendation
 * texts (recommend.c) for the ranking (advice.c).
 */
#ifndef CONVC_ADVICE_TEXT_H
#define CONVC_ADVICE_TEXT_H

#include "backends/report/report_impl.h"

/* A bounded text being appended to; output past `size` is dropped. */
typedef struct tb {
	char *buf;
	size_t size, off;
} tb;

void tb_printf(tb *t, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/* Path A (graph-level) and Path B (kernel-level) advice for op o. */
void rp_advise_graph(const rp_report *r, const rp_op *o, char *buf, size_t size);
void rp_advise_kernel(const rp_report *r, const rp_op *o, char *buf, size_t size);
/* The diagnosis and both paths of a pattern finding (f's totals are set). */
void rp_advise_pattern(const rp_report *r, rp_finding *f, int (*member)(const rp_op *));

#endif
