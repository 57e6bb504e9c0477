/*
 * memplan.h - the static activation arena of an emitted model (private to
 * backends/c).
 *
 * Every run-time value (graph input, node result) gets a byte offset in one
 * arena; values whose lifetimes (definition .. last use, graph outputs to the
 * end) do not overlap share bytes. A reshape result aliases its operand's
 * bytes (same offset), which extends the operand's lifetime; a concat operand
 * written in place aliases its channel slice of the concat's result, which
 * starts the result's lifetime at the operand's definition.
 */
#ifndef CONVC_MEMPLAN_H
#define CONVC_MEMPLAN_H

#include <stddef.h>

#include "convc/ir.h"

struct mp_slot;

typedef struct cv_memplan {
	struct mp_slot *slots; /* uthash by value pointer; owned */
	size_t arena_bytes;    /* bytes the arena needs (a multiple of 64) */
	size_t naive_bytes;    /* bytes without reuse, for the report */
} cv_memplan;

/* Plan g. CV_ERR_NOMEM on allocation failure or size overflow. Free with
 * cv_memplan_free() on every path. */
cv_status cv_memplan_build(const cv_graph *g, cv_memplan *p, cv_diag *d);
void cv_memplan_free(cv_memplan *p);
/* Byte offset of a run-time value; (size_t)-1 if v has none (a constant). */
size_t cv_memplan_offset(const cv_memplan *p, const cv_value *v);
/* Whether v, an operand of a channel-axis NHWC concat, lives in place in its
 * channel slice of the concat's result (memplan.c says when): its producer
 * writes pixels as far apart as the concat has channels, and the concat
 * copies nothing for it. */
int cv_memplan_in_place(const cv_memplan *p, const cv_value *v);

#endif
