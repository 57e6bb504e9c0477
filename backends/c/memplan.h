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
 *
 * The guarded layout (the emitted code's GUARD=1 build, docs/guard.md) is a
 * second set of offsets for the same values: no reuse, every block in its own
 * slot starting on a 64-byte boundary, its exact bytes followed by at least
 * CV_GUARD_REDZONE bytes that belong to no value (and as many before the
 * first block). Aliases keep their byte offset into their block.
 */
#ifndef CONVC_MEMPLAN_H
#define CONVC_MEMPLAN_H

#include <stddef.h>

#include "convc/ir.h"

struct mp_slot;

/* Bytes of red zone after every block of the guarded layout (and before the
 * first): four AVX-512 vectors, a multiple of 64. */
#define CV_GUARD_REDZONE 256

/* A block: the bytes of one value that is no alias (its aliases live inside
 * it), in definition order. Lifetimes count nodes from 1 in graph order;
 * 0 is before the first node (graph inputs), num_nodes + 1 after the last
 * (graph outputs). */
typedef struct cv_memplan_block {
	size_t guard_off; /* offset in the guarded layout */
	size_t bytes;     /* exact bytes of the value (not rounded) */
	int def, last;    /* first and last node it is live at */
} cv_memplan_block;

typedef struct cv_memplan {
	struct mp_slot *slots; /* uthash by value pointer; owned */
	size_t arena_bytes;    /* bytes the arena needs (a multiple of 64) */
	size_t naive_bytes;    /* bytes without reuse, for the report */
	cv_memplan_block *blocks; /* owned; num_blocks of them */
	size_t num_blocks;
	size_t guard_bytes;    /* bytes of the guarded layout; 0 when it
				* would overflow size_t */
} cv_memplan;

/* Plan g. CV_ERR_NOMEM on allocation failure or size overflow. Free with
 * cv_memplan_free() on every path. */
cv_status cv_memplan_build(const cv_graph *g, cv_memplan *p, cv_diag *d);
void cv_memplan_free(cv_memplan *p);
/* Byte offset of a run-time value; (size_t)-1 if v has none (a constant). */
size_t cv_memplan_offset(const cv_memplan *p, const cv_value *v);
/* The same in the guarded layout. */
size_t cv_memplan_guard_offset(const cv_memplan *p, const cv_value *v);
/* Whether v, an operand of a channel-axis NHWC concat, lives in place in its
 * channel slice of the concat's result (memplan.c says when): its producer
 * writes pixels as far apart as the concat has channels, and the concat
 * copies nothing for it. */
int cv_memplan_in_place(const cv_memplan *p, const cv_value *v);

#endif
