/*
 * instrument.h - what the pipeline runner does around passes (private to
 * passes/): IR printing, change detection and diffs, dumps, numerics.
 */
#ifndef CONVC_INSTRUMENT_H
#define CONVC_INSTRUMENT_H

#include <stdio.h>

#include "convc/pass.h"

struct numerics;

struct instruments {
	const cv_pipeline_opts *o;
	FILE *out;                /* borrowed: o->out or stderr */
	char *prev;               /* the IR text before the next pass, or NULL */
	struct numerics *nu;      /* --check-numerics state, or NULL */
	int git;                  /* libgit2 initialized */
};

/* Prepare for a run over m (dump 00-input.cir, reference outputs...). The
 * struct is valid for instruments_end() even when this fails. */
cv_status instruments_begin(struct instruments *in, const cv_module *m, const cv_pipeline_opts *o,
			    cv_diag *d);
/* After pass `name`, the index-th of the pipeline (1-based). */
cv_status instruments_after(struct instruments *in, const cv_module *m, const char *name, int index,
			    cv_diag *d);
void instruments_end(struct instruments *in);

/* Write a unified diff of two IR texts to out (ANSI colours when color). */
cv_status ir_diff(FILE *out, const char *before, const char *after, const char *label_a,
		  const char *label_b, int color, cv_diag *d);

/* --check-numerics (numerics.c). begin computes the reference outputs of
 * m on seeded random inputs; check compares m's outputs now with them and
 * prints one line; CV_ERR_INTERNAL naming `pass` when out of tolerance. */
cv_status numerics_begin(const cv_module *m, struct numerics **out, cv_diag *d);
cv_status numerics_check(struct numerics *nu, const cv_module *m, const char *pass, FILE *out,
			 cv_diag *d);
void numerics_free(struct numerics *nu);

#endif
