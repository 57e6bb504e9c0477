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
 * Caller's buffers. A graph input's block, and a graph output's block when
 * the output starts it and fills it, is the caller's own buffer (model_run's
 * inputs[i] / outputs[j]) rather than arena bytes, so model_run copies
 * nothing in or out for it: the first kernels read the input where the
 * caller left it and the last ones write the output where the caller wants
 * it. A block takes this form only when exactly one graph input or output
 * claims it (an input that is also an output, or an output listed twice or
 * aliased by another output, stays in the arena and is copied as before).
 * Such a block has no arena offset; its aliases' offsets count bytes into
 * the caller's buffer.
 *
 * The guarded layout (the emitted code's GUARD=1 build, docs/guard.md) is a
 * second set of offsets for the same values: no reuse, every block in its own
 * slot starting on a 64-byte boundary, its exact bytes followed by at least
 * CV_GUARD_REDZONE bytes that belong to no value (and as many before the
 * first block). Aliases keep their byte offset into their block. The
 * caller's-buffer blocks get slots there too: that build copies every input
 * and output, so the red zones check the kernels at the graph's edges as
 * well.
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
/* Byte offset of a run-time value: into the arena, or into the caller's
 * buffer when cv_memplan_io(p, v) >= 0; (size_t)-1 if v has none (a
 * constant). */
size_t cv_memplan_offset(const cv_memplan *p, const cv_value *v);
/* Whose bytes v lives in: -1 the arena (or v is a constant), else k, the
 * caller's buffer of graph input k (k < g->num_inputs) or of graph output
 * k - g->num_inputs (the graph p was built from). */
int cv_memplan_io(const cv_memplan *p, const cv_value *v);
/* The same in the guarded layout. */
size_t cv_memplan_guard_offset(const cv_memplan *p, const cv_value *v);
/* Whether v, an operand of a channel-axis NHWC concat, lives in place in its
 * channel slice of the concat's result (memplan.c says when): its producer
 * writes pixels as far apart as the concat has channels, and the concat
 * copies nothing for it. */
int cv_memplan_in_place(const cv_memplan *p, const cv_value *v);

#endif
