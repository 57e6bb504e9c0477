/*
 * emit_guard.c - the guarded build of the emitted code (make GUARD=1;
 * docs/guard.md).
 *
 * Every arena and weights pointer model.c passes a kernel is written
 * AOFF(plain, guarded) / WOFF(plain, guarded) (emit_c.c): the normal build
 * takes the first offset, so its code and memory layout are those of an
 * unguarded model.c; -DCVRT_GUARD takes the second, the guarded layout of
 * memplan.h (every tensor in a slot of its own, CV_GUARD_REDZONE bytes of
 * red zone after it) and of emit_c.c's weights (each entry likewise). This
 * file writes what that build adds to model.c, all inside #ifdef
 * CVRT_GUARD: the layout's tables and the functions that poison, through
 * AddressSanitizer's manual interface, every red zone, every tensor outside
 * its lifetime, and the kernels' scratch past what the running conv asks
 * for; and the Makefile's GUARD=1 flags.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "backends/c/emit_internal.h"

const char emit_guard_makefile[] =
	"# GUARD=1: AddressSanitizer build with guarded tensors (docs/guard.md in\n"
	"# convc): every tensor, weight and the kernels' scratch between poisoned red\n"
	"# zones, so a kernel reading or writing past one is reported.\n"
	"GUARD ?=\n"
	"GUARD_FLAGS ?= -fsanitize=address -fno-omit-frame-pointer -g1\n"
	"override CFLAGS += $(if $(filter 1,$(GUARD)),$(GUARD_FLAGS) -DCVRT_GUARD)\n\n"
	"# Everything is rebuilt when the compiler or the flags change (GUARD=1 or\n"
	"# not): .build-flags holds the last build's.\n"
	"BUILD_FLAGS := $(CC) | $(CFLAGS) | $(AVX2_FLAGS) | $(AVX512_FLAGS) | $(LDFLAGS) | $(LDLIBS)\n"
	"ifneq ($(BUILD_FLAGS),$(file <.build-flags))\n"
	"$(file >.build-flags,$(BUILD_FLAGS))\n"
	"endif\n\n";

static const char guard_head[] =
	"/*\n"
	" * Guarded tensors: make GUARD=1 builds with -DCVRT_GUARD and AddressSanitizer\n"
	" * (docs/guard.md in convc). The arena then holds every tensor in a slot of\n"
	" * its own (no reuse), 64-byte aligned and followed by GUARD_REDZONE poisoned\n"
	" * bytes (as many before the first); the weights likewise. A tensor is\n"
	" * addressable only while live, from the node that defines it to the last\n"
	" * that reads it; the scratch only as far as the running conv asks for. So a\n"
	" * kernel touching one byte outside its node's tensors is reported.\n"
	" */\n"
	"#ifdef CVRT_GUARD\n"
	"#if defined(__has_feature)\n#if __has_feature(address_sanitizer)\n#define CVRT_GUARD_ASAN 1\n#endif\n#endif\n"
	"#if defined(__SANITIZE_ADDRESS__)\n#define CVRT_GUARD_ASAN 1\n#endif\n"
	"#ifndef CVRT_GUARD_ASAN\n"
	"#error \"CVRT_GUARD needs AddressSanitizer (-fsanitize=address): build with make GUARD=1\"\n"
	"#endif\n"
	"#include <sanitizer/asan_interface.h>\n\n";

static const char guard_fns[] =
	"static void guard_block(unsigned char *a, int b, int live)\n{\n"
	"\tif (live)\n\t\tASAN_UNPOISON_MEMORY_REGION(a + guard_blocks[b][0], guard_blocks[b][1]);\n"
	"\telse\n\t\tASAN_POISON_MEMORY_REGION(a + guard_blocks[b][0], guard_blocks[b][1]);\n}\n\n"
	"/* At PROF_MARK(k): the blocks node k defines become addressable, those\n"
	" * node k - 1 read last are poisoned. */\n"
	"static NOINLINE void guard_mark(unsigned char *a, int k)\n{\n\tint i;\n\n"
	"\tfor (i = guard_ev_at[k]; i < guard_ev_at[k + 1]; i++)\n"
	"\t\tguard_block(a, guard_ev[i] > 0 ? guard_ev[i] - 1 : -guard_ev[i] - 1, guard_ev[i] > 0);\n}\n\n"
	"/* Before a run: the whole arena poisoned but the graph inputs. */\n"
	"static void guard_begin(unsigned char *a)\n{\n\tint i;\n\n"
	"\tASAN_POISON_MEMORY_REGION(a, GUARD_ARENA_BYTES);\n"
	"\tfor (i = 0; guard_live_in[i] >= 0; i++)\n\t\tguard_block(a, guard_live_in[i], 1);\n}\n\n"
	"/* Before a kernel given n floats of scratch: those addressable, the rest\n"
	" * of the scratch and the red zones around it poisoned. */\n"
	"static inline void guard_ws(float *scratch, size_t n) /* unused without convs */\n{\n"
	"\tif (n > scratch_floats()) {\n"
	"\t\tfprintf(stderr, \"model: guard: a kernel needs %zu floats of scratch, %zu were allocated\\n\",\n"
	"\t\t\tn, scratch_floats());\n\t\tabort();\n\t}\n"
	"\tASAN_POISON_MEMORY_REGION(scratch, scratch_floats() * sizeof(float) + GUARD_REDZONE);\n"
	"\tASAN_UNPOISON_MEMORY_REGION(scratch, n * sizeof(float));\n}\n\n"
	"/* weights.bin as read (file) into the guarded layout (w), the bytes around\n"
	" * every entry poisoned. */\n"
	"static void guard_place_weights(unsigned char *w, const unsigned char *file)\n{\n\tsize_t i;\n\n"
	"\tfor (i = 0; guard_weights[i][2]; i++)\n"
	"\t\tmemcpy(w + guard_weights[i][2], file + guard_weights[i][0], guard_weights[i][1]);\n"
	"\tASAN_POISON_MEMORY_REGION(w, GUARD_WEIGHTS_BYTES);\n"
	"\tfor (i = 0; guard_weights[i][2]; i++)\n"
	"\t\tASAN_UNPOISON_MEMORY_REGION(w + guard_weights[i][2], guard_weights[i][1]);\n}\n\n"
	"#define GUARD_WS(n) guard_ws(scratch, (n))\n"
	"#undef PROF_MARK\n"
	"#define PROF_MARK(k) do { guard_mark(a, (k)); if (prof) prof[k] = prof_now(); } while (0)\n"
	"#else\n"
	"#define GUARD_WS(n) ((void)0)\n"
	"#endif /* CVRT_GUARD */\n\n";

/* The end of the section when the guarded layout cannot be written. */
static const char guard_fail[] = "#else\n#define GUARD_WS(n) ((void)0)\n#endif /* CVRT_GUARD */\n\n";

/* Comma-separated numbers, a few per line. */
typedef struct list {
	FILE *f;
	int n;
} list;

static void item(list *l, const char *fmt, ...)
{
	va_list ap;

	fputs(l->n % 8 == 0 ? "\n\t" : " ", l->f);
	va_start(ap, fmt);
	vfprintf(l->f, fmt, ap);
	va_end(ap);
	fputc(',', l->f);
	l->n++;
}

cv_status emit_guard(emitter *e, FILE *f)
{
	const cv_memplan *p = &e->plan;
	int nodes = cv_graph_num_nodes(&e->m->graph), k;
	size_t b;
	int *at = NULL, *ev = NULL, *fill = NULL;
	const struct wslot *w;
	cv_status st = CV_OK;
	list l;

	fputs(guard_head, f);
	if (!p->blocks || !e->guard_weights_bytes) {
		fputs("#error \"this model's guarded layout exceeds the address space\"\n", f);
		fputs(guard_fail, f);
		return CV_OK;
	}
	at = calloc((size_t)nodes + 2, sizeof *at);
	fill = calloc((size_t)nodes + 2, sizeof *fill);
	ev = calloc(2 * p->num_blocks + 1, sizeof *ev);
	if (!at || !fill || !ev) {
		st = cv_diag_error(e->d, CV_ERR_NOMEM, "out of memory");
		goto done;
	}
	fprintf(f, "#define GUARD_REDZONE ((size_t)%du)\n#define GUARD_ARENA_BYTES ((size_t)%zuu)\n"
		"#define GUARD_WEIGHTS_BYTES ((size_t)%zuu)\n\n",
		CV_GUARD_REDZONE, p->guard_bytes, e->guard_weights_bytes);

	fputs("/* Arena blocks (a tensor and the aliases inside it): {offset, bytes}. */\n"
	      "static const size_t guard_blocks[][2] = {", f);
	l.f = f;
	l.n = 0;
	for (b = 0; b < p->num_blocks; b++)
		item(&l, "{%zu, %zu}", p->blocks[b].guard_off, p->blocks[b].bytes);
	item(&l, "{0, 0}");
	fputs("\n};\n", f);

	/* Events by mark k (PROF_MARK(k), before node k): block b + 1 becomes
	 * live at def - 1, dies at last (a graph output never). */
	for (b = 0; b < p->num_blocks; b++) {
		if (p->blocks[b].def >= 1)
			at[p->blocks[b].def - 1 + 1]++;
		if (p->blocks[b].last <= nodes)
			at[p->blocks[b].last + 1]++;
	}
	for (k = 0; k <= nodes; k++)
		at[k + 1] += at[k];
	for (b = 0; b < p->num_blocks; b++) {
		int d = p->blocks[b].def, la = p->blocks[b].last;
		if (d >= 1)
			ev[at[d - 1] + fill[d - 1]++] = (int)b + 1;
		if (la <= nodes)
			ev[at[la] + fill[la]++] = -((int)b + 1);
	}
	fputs("/* At PROF_MARK(k), before node k: guard_ev[guard_ev_at[k] .. guard_ev_at[k + 1])\n"
	      " * are b + 1 (block b becomes live: node k defines it) or -(b + 1) (block b\n"
	      " * dies: node k - 1 read it last). */\nstatic const int guard_ev[] = {", f);
	l.n = 0;
	for (k = 0; k < at[nodes + 1]; k++)
		item(&l, "%d", ev[k]);
	item(&l, "0");
	fputs("\n};\nstatic const int guard_ev_at[NUM_NODES + 2] = {", f);
	l.n = 0;
	for (k = 0; k <= nodes + 1; k++)
		item(&l, "%d", at[k]);
	fputs("\n};\n/* The blocks live from the start (graph inputs); -1 ends. */\n"
	      "static const int guard_live_in[] = {", f);
	l.n = 0;
	for (b = 0; b < p->num_blocks; b++)
		if (p->blocks[b].def == 0)
			item(&l, "%zu", b);
	item(&l, "-1");
	fputs("\n};\n", f);

	fputs("/* weights.bin's entries: {offset in the file, bytes, offset in the guarded layout\n"
	      " * (never 0: a red zone comes first)}; {0, 0, 0} ends. */\n"
	      "static const size_t guard_weights[][3] = {", f);
	l.n = 0;
	for (w = e->weights; w; w = w->hh.next)
		item(&l, "{%zu, %zu, %zu}", w->off, w->bytes, w->goff);
	item(&l, "{0, 0, 0}");
	fputs("\n};\n\n", f);
	fputs(guard_fns, f);
done:
	free(at);
	free(fill);
	free(ev);
	return st;
}
