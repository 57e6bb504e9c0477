/*
 * emit_c.c - IR -> model.c + weights.bin, plus the fixed runtime files.
 *
 * Every node becomes one call into cvrt (backends/c/runtime/cvrt.h) with its
 * shapes and attributes as a static const parameter struct; activations live
 * in one arena at offsets from the memory plan; constants are read from
 * weights.bin at offsets fixed here. Weights never appear in C source, so
 * the generated code compiles in the same time for a 100 MB model as for a
 * 100 KB one.
 *
 * weights.bin holds each constant in the form(s) its uses read it in
 * (emit_internal.h): dense C order, or weight panels, the layout the GEMM
 * micro kernels stream (cvrt.h): a [k, n] matrix as ceil(n/P) panels of
 * k rows x P floats, P = CVRT_PANEL_COLS(n) (32, 16 or 8), zero-padded
 * columns in the last panel. NHWC conv weights (HWIO [kh, kw, c/g, m]) are
 * one such matrix per group ([kh*kw*c/g, m/g], rows tap-major), a constant
 * gemm B its [k, n] matrix (transposed first when trans_b). Packing happens
 * here, panel by panel while writing, so it needs one panel of memory.
 * Every entry starts on a 64-byte boundary.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/c/emit_internal.h"
#include "backends/c/runtime/cvrt.h"
#include "backends/c/runtime/cvrt_kernels.h"
#include "backends/c/runtime_files.h"
#include "convc/backend_c.h"
#include "convc/target.h"

#define MARKER ".convc-output"
#define WALIGN 64

/* ---- constants -> weights.bin ---- */

static struct wslot *find_slot(const emitter *e, const cv_value *v, int form)
{
	struct wkey k;
	struct wslot *w;

	memset(&k, 0, sizeof k);
	k.v = v;
	k.form = form;
	HASH_FIND(hh, e->weights, &k, sizeof k, w);
	return w;
}

/* Bytes of v in `form`; 0 when it overflows size_t. */
static size_t form_bytes(const cv_value *v, int form)
{
	wpack pk;
	uint64_t pc, per, total;

	if (form == W_PLAIN)
		return v->nbytes;
	pk = emit_weight_pack(v, form);
	pc = CVRT_PANEL_COLS(pk.n);
	per = (uint64_t)(pk.n + pc - 1) / pc * pc; /* padded columns of one group */
	if (pk.k && per > UINT64_MAX / 4 / (uint64_t)pk.k)
		return 0;
	per *= (uint64_t)pk.k * 4;
	if (per && (uint64_t)pk.groups > UINT64_MAX / per)
		return 0;
	total = per * (uint64_t)pk.groups;
	return total > (uint64_t)(SIZE_MAX - WALIGN) ? 0 : (size_t)total;
}

static cv_status add_slot(emitter *e, const cv_value *c, int form)
{
	size_t bytes = form_bytes(c, form);
	struct wslot *w;

	if (find_slot(e, c, form))
		return CV_OK;
	if (!bytes && c->nbytes)
		return cv_diag_error(e->d, CV_ERR_NOMEM, "constant %%%s: packed size overflows", c->name);
	if (!(w = calloc(1, sizeof *w)))
		return cv_diag_error(e->d, CV_ERR_NOMEM, "out of memory");
	w->key.v = c;
	w->key.form = form;
	w->off = e->weights_bytes;
	w->goff = e->guard_weights_bytes;
	w->bytes = bytes;
	HASH_ADD(hh, e->weights, key, sizeof w->key, w);
	if (!find_slot(e, c, form)) { /* uthash ran out of memory */
		free(w);
		return cv_diag_error(e->d, CV_ERR_NOMEM, "out of memory");
	}
	bytes = (bytes + WALIGN - 1) & ~(size_t)(WALIGN - 1);
	if (e->weights_bytes > SIZE_MAX - bytes)
		return cv_diag_error(e->d, CV_ERR_NOMEM, "weights exceed the address space");
	e->weights_bytes += bytes;
	/* the guarded layout: a red zone after every entry; 0 when it would
	 * overflow (model.c then refuses a GUARD=1 build) */
	if (e->guard_weights_bytes && bytes <= SIZE_MAX - CV_GUARD_REDZONE &&
	    e->guard_weights_bytes <= SIZE_MAX - CV_GUARD_REDZONE - bytes)
		e->guard_weights_bytes += bytes + CV_GUARD_REDZONE;
	else
		e->guard_weights_bytes = 0;
	return CV_OK;
}

/* One slot per (constant, form) its uses need, in constant order. */
static cv_status plan_weights(emitter *e)
{
	const cv_graph *g = &e->m->graph;
	cv_status st;
	int i, u;

	e->guard_weights_bytes = CV_GUARD_REDZONE; /* a red zone before the first */
	for (i = 0; i < g->num_consts; i++) {
		const cv_value *c = g->consts[i];
		/* a graph output that is a constant is copied out of the weights */
		if (c->is_output && (st = add_slot(e, c, W_PLAIN)))
			return st;
		if (!c->num_uses)
			continue;
		for (u = 0; u < c->num_uses; u++)
			if ((st = add_slot(e, c, emit_weight_form(c->uses[u].node, c->uses[u].operand))))
				return st;
	}
	return CV_OK;
}

static void free_weights(emitter *e)
{
	struct wslot *w, *tmp;

	HASH_ITER(hh, e->weights, w, tmp) {
		HASH_DEL(e->weights, w);
		free(w);
	}
}

/* The writer of weights.bin: the file and the running checksum. */
typedef struct wout {
	FILE *f;
	uint64_t h;
} wout;

/* The checksum model_create verifies: FNV-1a 64 over every byte. */
static uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static void put_bytes(wout *o, const void *p, size_t n)
{
	fwrite(p, 1, n, o->f);
	o->h = fnv1a(o->h, p, n);
}

/* w's constant in its packed form, one panel (k x P floats) at a time;
 * the Winograd forms (16 / 9 or 36 / 9 of the weight) and the transposed
 * conv's (about its own size) all at once. */
static cv_status put_packed(emitter *e, wout *o, const struct wslot *w)
{
	const float *src = w->key.v->data;
	wpack pk = emit_weight_pack(w->key.v, (int)w->key.form);
	int64_t pc = CVRT_PANEL_COLS(pk.n), g, j0, kk, jj;
	float *panel;

	if (w->key.form == W_WINOGRAD2 || w->key.form == W_WINOGRAD4 || W_CONVT_GROUPS(w->key.form) > 0) {
		const int64_t *d = w->key.v->type.dims; /* W_CONVT: iohw [c, m/g, kh, kw] */
		int64_t ng = W_CONVT_GROUPS(w->key.form);
		if (!(panel = malloc(w->bytes ? w->bytes : 1)))
			return cv_diag_error(e->d, CV_ERR_NOMEM, "out of memory packing %%%s", w->key.v->name);
		if (ng > 0)
			cvrt_pack_conv_transpose2d((int)d[0], (int)(d[1] * ng), (int)d[2], (int)d[3], (int)ng, src,
						   panel);
		else
			cvrt_pack_winograd(w->key.form == W_WINOGRAD2 ? 2 : 4, (int)pk.k, (int)pk.n, src, panel);
		put_bytes(o, panel, w->bytes);
		free(panel);
		return CV_OK;
	}
	panel = malloc((size_t)(pk.k ? pk.k : 1) * (size_t)pc * sizeof(float));
	if (!panel)
		return cv_diag_error(e->d, CV_ERR_NOMEM, "out of memory packing %%%s", w->key.v->name);
	for (g = 0; g < pk.groups; g++)
		for (j0 = 0; j0 < pk.n; j0 += pc) {
			for (kk = 0; kk < pk.k; kk++)
				for (jj = 0; jj < pc; jj++)
					panel[kk * pc + jj] = j0 + jj < pk.n
						? src[kk * pk.rs + (g * pk.gcol + j0 + jj) * pk.cs] : 0.0f;
			put_bytes(o, panel, (size_t)pk.k * (size_t)pc * sizeof(float));
		}
	free(panel);
	return CV_OK;
}

/* weights.bin into f (not closed here); sets e->weights_hash. */
static cv_status put_weights(emitter *e, FILE *f)
{
	static const unsigned char zeros[WALIGN];
	struct wslot *w;
	cv_status st = CV_OK;
	wout o;

	o.f = f;
	o.h = 0xcbf29ce484222325ull;
	for (w = e->weights; w && !st; w = w->hh.next) { /* insertion order = offset order */
		size_t pad = ((w->bytes + WALIGN - 1) & ~(size_t)(WALIGN - 1)) - w->bytes;
		if (w->key.form == W_PLAIN)
			put_bytes(&o, w->key.v->data, w->bytes);
		else
			st = put_packed(e, &o, w);
		put_bytes(&o, zeros, pad);
	}
	e->weights_hash = o.h;
	return st;
}

static cv_status write_weights(emitter *e, const char *path)
{
	FILE *f = fopen(path, "wb");
	cv_status st;

	if (!f)
		return cv_diag_error(e->d, CV_ERR_IO, "cannot create %s: %s", path, strerror(errno));
	st = put_weights(e, f);
	if ((ferror(f) | fclose(f)) && !st)
		return cv_diag_error(e->d, CV_ERR_IO, "cannot write %s: %s", path, strerror(errno));
	return st;
}

/* ---- expressions ---- */

/* The C element type of dt in model.c (halves as their bit patterns). */
static const char *ctype(cv_dtype dt)
{
	switch (dt) {
	case CV_F64: return "double";
	case CV_F16:
	case CV_BF16: return "uint16_t";
	case CV_I64: return "int64_t";
	case CV_I32: return "int32_t";
	case CV_I8: return "int8_t";
	case CV_U8:
	case CV_BOOL: return "uint8_t";
	case CV_I16: return "int16_t";
	case CV_U16: return "uint16_t";
	case CV_U32: return "uint32_t";
	case CV_U64: return "uint64_t";
	default: return "float";
	}
}

const char *emit_wptr(emitter *e, const cv_value *v, int form)
{
	char *buf = e->pbuf[e->pi++ % 8];
	struct wslot *w = find_slot(e, v, form);

	snprintf(buf, sizeof e->pbuf[0], "(const %s *)(w + WOFF(%zu, %zu))", ctype(v->type.dtype),
		 w ? w->off : 0, w ? w->goff : 0);
	return buf;
}

const char *emit_ptr(emitter *e, const cv_value *v)
{
	char *buf;
	int io;

	if (v->kind == CV_VALUE_CONST)
		return emit_wptr(e, v, W_PLAIN);
	buf = e->pbuf[e->pi++ % 8];
	io = cv_memplan_io(&e->plan, v);
	if (io >= 0)
		snprintf(buf, sizeof e->pbuf[0], "(%s *)IOFF(%d, %zu, %zu)", ctype(v->type.dtype), io,
			 cv_memplan_offset(&e->plan, v), cv_memplan_guard_offset(&e->plan, v));
	else
		snprintf(buf, sizeof e->pbuf[0], "(%s *)(a + AOFF(%zu, %zu))", ctype(v->type.dtype),
			 cv_memplan_offset(&e->plan, v), cv_memplan_guard_offset(&e->plan, v));
	return buf;
}

/* ---- model.c ---- */

void emit_c_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		/* Octal escapes are always 3 digits, so a following digit can't
		 * extend them; '?' is escaped so no trigraph ("??/") can form. */
		if (ch == '"' || ch == '\\' || ch == '?' || ch < 0x20 || ch > 0x7e)
			fprintf(f, "\\%03o", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

/* s inside a C comment: printable ASCII except what could end the comment,
 * form a trigraph or splice lines ('*', '/', '?', '\\'), which become '_'. */
static void emit_comment_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		fputc(ch < 0x20 || ch > 0x7e || ch == '*' || ch == '/' || ch == '?' || ch == '\\' ? '_' : ch, f);
	}
}

/* Per-node static tables: label (what profiles and reports match on) and op
 * name, one entry per IR node in run order, NULL-terminated. */
static cv_status emit_node_tables(emitter *e, FILE *f)
{
	const cv_graph *g = &e->m->graph;
	const cv_node *n;
	char **labels = cv_graph_node_labels(g);
	int k;

	if (!labels)
		return cv_diag_error(e->d, CV_ERR_NOMEM, "out of memory");
	fprintf(f, "#define NUM_NODES %d\n\nstatic const char *const node_labels[] = {\n",
		cv_graph_num_nodes(g));
	for (k = 0; labels[k]; k++) {
		fputc('\t', f);
		emit_c_string(f, labels[k]);
		fputs(",\n", f);
	}
	free(labels);
	fputs("\tNULL\n};\nstatic const char *const node_ops[] = {\n", f);
	cv_graph_for_each_node(g, n) {
		fputc('\t', f);
		emit_c_string(f, cv_op_name(n->op));
		fputs(",\n", f);
	}
	fputs("\tNULL\n};\n\n", f);
	return CV_OK;
}

static void emit_io_tables(emitter *e, FILE *f, const char *kind, cv_value *const *vals, int n)
{
	int i, k;

	for (i = 0; i < n; i++) {
		fprintf(f, "static const int64_t %s_dims_%d[] = {", kind, i);
		for (k = 0; k < vals[i]->type.rank; k++)
			fprintf(f, "%s%" PRId64, k ? ", " : "", vals[i]->type.dims[k]);
		fprintf(f, "%s};\n", vals[i]->type.rank ? "" : "0");
	}
	fprintf(f, "static const struct io_desc %s_desc[] = {\n", kind);
	for (i = 0; i < n; i++) {
		const struct wslot *w = vals[i]->kind == CV_VALUE_CONST ? find_slot(e, vals[i], W_PLAIN) : NULL;
		fputs("\t{", f);
		emit_c_string(f, vals[i]->name);
		fprintf(f, ", %d, %s_dims_%d, %" PRId64 ", %s(%zu, %zu), %d, %zu, %d, %d},\n", vals[i]->type.rank,
			kind, i, cv_type_numel(&vals[i]->type), w ? "WOFF" : "AOFF",
			w ? w->off : cv_memplan_offset(&e->plan, vals[i]),
			w ? w->goff : cv_memplan_guard_offset(&e->plan, vals[i]), (int)vals[i]->type.dtype,
			cv_dtype_size(vals[i]->type.dtype), w != NULL, cv_memplan_io(&e->plan, vals[i]));
	}
	fprintf(f, "\t{0, 0, 0, 0, 0, 0, 0, 0, -1}\n};\n\n");
}

static const char prologue[] =
	"/* Generated by convc; do not edit. See model.h for the API. */\n"
	"#define _POSIX_C_SOURCE 200809L /* clock_gettime */\n"
	"#include <errno.h>\n#include <stdarg.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <time.h>\n"
	"#ifdef _OPENMP\n#include <omp.h>\n#endif\n\n"
	"#include \"cvrt.h\"\n#include \"model.h\"\n\n"
	"/* Offsets into the arena (a) and the weights (w): AOFF(plain, guarded) and\n"
	" * WOFF(plain, guarded) are the normal layout's, or with -DCVRT_GUARD (make\n"
	" * GUARD=1) the guarded layout's, where every tensor lies between poisoned\n"
	" * red zones (see \"Guarded tensors\" below). */\n"
	"#ifdef CVRT_GUARD\n#define AOFF(plain, guarded) (guarded)\n#define WOFF(plain, guarded) (guarded)\n"
	"#else\n#define AOFF(plain, guarded) (plain)\n#define WOFF(plain, guarded) (plain)\n#endif\n\n"
	"/* A graph input or output whose bytes are the caller's buffer (convc's\n"
	" * memory plan: model_run copies nothing for it): IOFF(k, plain, guarded) is\n"
	" * plain bytes into io[k], which model_run points at inputs[k], or at\n"
	" * outputs[k - model_num_inputs()]. The guarded build keeps every tensor in\n"
	" * its guarded slot and copies all inputs and outputs (IO_COPY). */\n"
	"#ifdef CVRT_GUARD\n#define IOFF(k, plain, guarded) (a + (guarded))\n#define IO_COPY(k) 1\n"
	"#else\n#define IOFF(k, plain, guarded) (io[k] + (plain))\n#define IO_COPY(k) ((k) < 0)\n#endif\n\n"
	"struct io_desc {\n\tconst char *name;\n\tint rank;\n\tconst int64_t *dims;\n"
	"\tint64_t numel;\n\tsize_t offset; /* bytes into the arena */\n"
	"\tint dtype;     /* enum model_dtype */\n\tsize_t esize;  /* bytes per element */\n"
	"\tint in_weights; /* a constant output: offset is into the weights */\n"
	"\tint io;         /* -1, or its io[] index: the caller's buffer (IOFF) */\n};\n\n"
	"struct model_ctx {\n\tunsigned char *weights; /* weights.bin, 64-byte aligned */\n"
	"\tunsigned char *arena;   /* activations */\n\tfloat *scratch;         /* kernel workspace */\n"
	"\tint threads;\n"
	"\tint profiling;          /* model_set_profiling */\n"
	"\tdouble *prof_stamp;     /* NUM_NODES + 1 clock readings of a profiled run */\n"
	"\tdouble *prof_start;     /* NUM_NODES: start of each node, ms from the run's start */\n"
	"\tdouble *prof_ms;        /* NUM_NODES: duration of each node, ms */\n"
	"};\n\n"
	"/* run_nodes' pieces stay functions of their own (see NODES_PER_CHUNK),\n"
	" * and prof_now is not copied into every node: gcc's time stays linear. */\n"
	"#if defined(__GNUC__)\n#define NOINLINE __attribute__((noinline))\n"
	"#else\n#define NOINLINE\n#endif\n\n"
	"/* CLOCK_MONOTONIC in milliseconds. */\n"
	"static NOINLINE double prof_now(void)\n{\n\tstruct timespec ts;\n\n"
	"\tclock_gettime(CLOCK_MONOTONIC, &ts);\n"
	"\treturn (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;\n}\n\n"
	"/* The thread cap of the ops that follow: k > 0 caps at k, 0 lifts the cap. */\n"
	"#ifdef _OPENMP\n"
	"#define THREADS(k) omp_set_num_threads((k) > 0 && (k) < threads ? (k) : threads)\n"
	"#else\n#define THREADS(k) ((void)0)\n#endif\n\n"
	"/* Profiling off, prof is NULL: one well-predicted branch per node. */\n"
	"#define PROF_MARK(k) do { if (prof) prof[k] = prof_now(); } while (0)\n\n";

/*
 * Host placements (docs/sharding.md) cap each op's threads: an op the
 * shard pass placed on k of the host's cores runs on min(k, threads); one
 * placed on all of them takes every thread the run was given (--threads).
 * THREADS(k) is emitted only where the cap changes.
 */
static void emit_thread_cap(emitter *e, FILE *f)
{
	int k = emit_threads_of(e, e->node);

	if (k == e->cur_threads)
		return;
	fprintf(f, "\tTHREADS(%d);\n", k);
	e->cur_threads = k;
}

/*
 * Nodes per function of run_nodes. gcc's time and memory on one function
 * grow faster than its size (a 20,000-node run_nodes took 166 s and 2.5 GB
 * at -O3), so the body is cut into run_nodes_<j> of this many nodes each,
 * kept out of line, and run_nodes calls them in order: compile time stays
 * linear in the graph.
 */
#define NODES_PER_CHUNK 128

static const char chunk_params[] =
	"(const unsigned char *w, unsigned char *a, unsigned char *const *io,\n"
	"\t\t\t\t    float *scratch, double *prof, int threads)";

static void chunk_open(FILE *f, int j)
{
	fprintf(f, "static NOINLINE void run_nodes_%d%s\n{\n", j, chunk_params);
	fputs("\t(void)w;\n\t(void)a;\n\t(void)io;\n\t(void)scratch;\n\t(void)prof;\n\t(void)threads;\n", f);
}

/* Each node's statements between two clock readings (when profiling):
 * prof[k] is taken just before node k, prof[k + 1] just after it. Writes
 * the chunk functions and then run_nodes, which calls them. */
static void emit_body(emitter *e, FILE *f)
{
	int k = 0, j, chunks = 0;

	cv_graph_for_each_node(&e->m->graph, e->node) {
		if (k % NODES_PER_CHUNK == 0) {
			if (k)
				fputs("}\n\n", f);
			chunk_open(f, chunks++);
		}
		fprintf(f, "\t/* node %d: %s", k, cv_op_name(e->node->op));
		if (e->node->name[0]) {
			fputs(" '", f);
			emit_comment_text(f, e->node->name);
			fputc('\'', f);
		}
		fputs(" */\n", f);
		emit_thread_cap(e, f);
		emit_node(e, f);
		fprintf(f, "\tPROF_MARK(%d);\n", ++k);
	}
	if (k)
		fputs("}\n\n", f);
	fputs("/* io: NUM_IO caller's buffers (IOFF); prof: NULL, or NUM_NODES + 1\n"
	      " * doubles for the clock readings. */\n"
	      "static void run_nodes(const unsigned char *w, unsigned char *a, unsigned char *const *io,\n"
	      "\t\t      float *scratch, double *prof, int threads)\n{\n", f);
	fputs("\t(void)w;\n\t(void)a;\n\t(void)io;\n\t(void)scratch;\n\t(void)threads;\n", f);
	fputs("\tPROF_MARK(0);\n", f);
	for (j = 0; j < chunks; j++)
		fprintf(f, "\trun_nodes_%d(w, a, io, scratch, prof, threads);\n", j);
	fputs("}\n\n", f);
}

static const char epilogue_fmt[] =
	"int model_num_inputs(void) { return %d; }\n"
	"int model_num_outputs(void) { return %d; }\n"
	"static const struct io_desc *in_at(int i) { return i >= 0 && i < %d ? &input_desc[i] : NULL; }\n"
	"static const struct io_desc *out_at(int i) { return i >= 0 && i < %d ? &output_desc[i] : NULL; }\n"
	"const char *model_input_name(int i) { return in_at(i) ? in_at(i)->name : NULL; }\n"
	"const char *model_output_name(int i) { return out_at(i) ? out_at(i)->name : NULL; }\n"
	"int model_input_rank(int i) { return in_at(i) ? in_at(i)->rank : 0; }\n"
	"int model_output_rank(int i) { return out_at(i) ? out_at(i)->rank : 0; }\n"
	"const int64_t *model_input_dims(int i) { return in_at(i) ? in_at(i)->dims : NULL; }\n"
	"const int64_t *model_output_dims(int i) { return out_at(i) ? out_at(i)->dims : NULL; }\n"
	"size_t model_input_size(int i) { return in_at(i) ? (size_t)in_at(i)->numel : 0; }\n"
	"size_t model_output_size(int i) { return out_at(i) ? (size_t)out_at(i)->numel : 0; }\n"
	"int model_input_dtype(int i) { return in_at(i) ? in_at(i)->dtype : -1; }\n"
	"int model_output_dtype(int i) { return out_at(i) ? out_at(i)->dtype : -1; }\n"
	"size_t model_input_bytes(int i) { return in_at(i) ? (size_t)in_at(i)->numel * in_at(i)->esize : 0; }\n"
	"size_t model_output_bytes(int i) { return out_at(i) ? (size_t)out_at(i)->numel * out_at(i)->esize : 0; }\n\n"
	"#define WEIGHTS_BYTES ((size_t)%zuu)\n"
	"#define WEIGHTS_FNV1A UINT64_C(0x%016" PRIx64 ")\n"
	"#define ARENA_BYTES ((size_t)%zuu)\n"
	"#define NUM_IO %d /* io[]: the inputs, then the outputs (at least 1) */\n\n";

static void emit_api(emitter *e, FILE *f)
{
	const cv_graph *g = &e->m->graph;

	fprintf(f, epilogue_fmt, g->num_inputs, g->num_outputs, g->num_inputs, g->num_outputs,
		e->weights_bytes, e->weights_hash, e->plan.arena_bytes,
		g->num_inputs + g->num_outputs > 0 ? g->num_inputs + g->num_outputs : 1);
	fputs(emit_api_source, f);
}

/* model.c into f (not closed here); needs the weights written first (their
 * checksum goes into it). */
static cv_status put_model_c(emitter *e, FILE *f)
{
	const cv_graph *g = &e->m->graph;
	cv_status st;

	fputs(prologue, f);
	emit_io_tables(e, f, "input", g->inputs, g->num_inputs);
	emit_io_tables(e, f, "output", g->outputs, g->num_outputs);
	if ((st = emit_node_tables(e, f)))
		return st;
	emit_params(e, f);
	if ((st = emit_guard(e, f)))
		return st;
	e->conv_id = 0;
	e->conv3d_id = 0;
	emit_body(e, f);
	emit_api(e, f);
	return CV_OK;
}

static cv_status write_model_c(emitter *e, const char *path)
{
	FILE *f = fopen(path, "w");
	cv_status st;

	if (!f)
		return cv_diag_error(e->d, CV_ERR_IO, "cannot create %s: %s", path, strerror(errno));
	st = put_model_c(e, f);
	if ((ferror(f) | fclose(f)) && !st)
		return cv_diag_error(e->d, CV_ERR_IO, "cannot write %s: %s", path, strerror(errno));
	return st;
}

/* ---- files and directories ---- */

static cv_status write_blob(cv_diag *d, const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		return cv_diag_error(d, CV_ERR_IO, "cannot create %s: %s", path, strerror(errno));
	fwrite(data, 1, n, f);
	if (ferror(f) | fclose(f))
		return cv_diag_error(d, CV_ERR_IO, "cannot write %s: %s", path, strerror(errno));
	return CV_OK;
}

/*
 * The Makefile: no -march, so the model built on any machine runs on any
 * other of its target. The kernel families model.c calls (FAMILIES) are
 * compiled once per ISA (portable, and on x86 avx2 and avx512; cvrt.h,
 * "Instruction sets"), so the objects build in parallel and the other
 * families' sources, written too, cost no compile time.
 */
static const char makefile_head[] =
	"# Generated by convc. `make` builds ./model; EXTRA_CFLAGS adds flags (e.g. -Werror).\n"
	"# `make GUARD=1` builds it with AddressSanitizer and guarded tensors (below).\n"
	"# No -march: built anywhere, ./model runs on any CPU of the target. On x86\n"
	"# each kernel family is built portable, with AVX2_FLAGS and, if it has\n"
	"# AVX-512 code, with AVX512_FLAGS, and the best the CPU runs is picked at run\n"
	"# time (CVRT_ISA=portable|avx2|avx512 forces one); elsewhere only portable.\n"
	"# CFLAGS must not add -m ISA flags (the portable objects would need them).\n"
	"CC ?= cc\n"
	"CFLAGS ?= -O3\n"
	"OPENMP ?= -fopenmp\n"
	"override CFLAGS += -std=c99 -Wall -Wextra $(OPENMP) $(EXTRA_CFLAGS)\n"
	"LDLIBS += -lm\n"
	"AVX2_FLAGS ?= -mavx2 -mfma\n"
	"AVX512_FLAGS ?= -mavx512f -mavx512dq -mavx512bw -mavx512vl -mavx2 -mfma\n\n";

static const char makefile_tail[] =
	"X86 := $(filter x86_64-% i386-% i486-% i586-% i686-% amd64-%,$(shell $(CC) -dumpmachine))\n"
	"ISAS := $(if $(X86),avx512 avx2) portable\n"
	"DISPATCH_FLAGS := $(if $(X86),-DCVRT_X86)\n"
	"# The slowest objects first, so that make -j runs them while the rest build.\n"
	"KERNEL_OBJS := $(if $(X86),$(foreach f,$(AVX512_FAMILIES),cvrt_$(f)_avx512.o)) \\\n"
	"\t$(foreach i,$(filter-out avx512,$(ISAS)),$(foreach f,$(FAMILIES),cvrt_$(f)_$(i).o)) \\\n"
	"\tcvrt_isa.o $(foreach f,$(FAMILIES),cvrt_$(f)_api.o)\n"
	"KERNEL_DEPS := cvrt.h cvrt_impl.h cvrt_vmath.h cvrt_gemm.h cvrt_transpose.h cvrt_fg.inc.c \\\n"
	"\tcvrt_winograd.inc.c cvrt_convt.inc.c cvrt_conv3d.inc.c cvrt_convt3d.inc.c \\\n"
	"\tcvrt_dwconv_nhwc.inc.c .build-flags\n\n"
	"all: model\n\n"
	"model: $(KERNEL_OBJS) main.o model.o .build-flags\n"
	"\t$(CC) $(CFLAGS) $(LDFLAGS) -o $@ main.o model.o $(KERNEL_OBJS) $(LDLIBS)\n\n"
	"main.o: main.c model.h .build-flags\n"
	"model.o: model.c model.h cvrt.h .build-flags\n\n"
	"# ISA selection and the public entry points: portable code.\n"
	"cvrt_isa.o: cvrt_isa.c cvrt.h cvrt_kernels.h cvrt_dispatch.h .build-flags\n"
	"\t$(CC) $(CFLAGS) $(DISPATCH_FLAGS) -c -o $@ $<\n"
	"cvrt_%_api.o: cvrt_%_api.c cvrt.h cvrt_kernels.h cvrt_dispatch.h .build-flags\n"
	"\t$(CC) $(CFLAGS) $(DISPATCH_FLAGS) -c -o $@ $<\n\n"
	"# One object per family and ISA: cvrt_conv_avx2.o is cvrt_conv.c for AVX2.\n"
	"cvrt_%_portable.o: cvrt_%.c $(KERNEL_DEPS)\n"
	"\t$(CC) $(CFLAGS) $(DEFS_$*) -DCVRT_SFX=__portable -c -o $@ $<\n"
	"cvrt_%_avx2.o: cvrt_%.c $(KERNEL_DEPS)\n"
	"\t$(CC) $(CFLAGS) $(AVX2_FLAGS) $(DEFS_$*) -DCVRT_SFX=__avx2 -c -o $@ $<\n"
	"cvrt_%_avx512.o: cvrt_%.c $(KERNEL_DEPS)\n"
	"\t$(CC) $(CFLAGS) $(AVX512_FLAGS) $(DEFS_$*) -DCVRT_SFX=__avx512 -c -o $@ $<\n\n"
	"clean:\n\trm -f model *.o .build-flags\n\n"
	".PHONY: all clean\n";

/* The kernel families of cvrt_kernels.h: name, the family it calls into
 * ("" for none), and its functions. */
#define KERNEL_V(name, params, args) #name,
#define KERNEL_R(ret, name, params, args) #name,
#define FAMILY_ROW(fam, list, needs, avx512) {#fam, needs, avx512, {list(KERNEL_V, KERNEL_R) NULL}},
static const struct kernel_family {
	const char *name, *needs;
	int avx512; /* built for AVX-512 too (else its AVX2 build serves there) */
	const char *fns[16];
} kernel_families[] = {CVRT_FAMILIES(FAMILY_ROW)};
#define NUM_FAMILIES ((int)(sizeof kernel_families / sizeof kernel_families[0]))
static const char *const isa_names[] = {"portable", "avx2", "avx512"};

/* Whether the C text src calls function fn. */
static int calls(const char *src, const char *fn)
{
	size_t n = strlen(fn);
	const char *p;

	for (p = strstr(src, fn); p; p = strstr(p + 1, fn)) {
		char before = p == src ? ' ' : p[-1];
		if (p[n] == '(' && before != '_' && !(before >= 'a' && before <= 'z') &&
		    !(before >= 'A' && before <= 'Z') && !(before >= '0' && before <= '9'))
			return 1;
	}
	return 0;
}

/* used[i] = 1 for each family model.c (text src) calls, or one it calls needs. */
static void families_used(const char *src, int *used)
{
	int i, j, k;

	for (i = 0; i < NUM_FAMILIES; i++) {
		used[i] = 0;
		for (k = 0; kernel_families[i].fns[k]; k++)
			if (calls(src, kernel_families[i].fns[k]))
				used[i] = 1;
	}
	for (i = 0; i < NUM_FAMILIES; i++)
		for (j = 0; j < NUM_FAMILIES; j++)
			if (used[i] && !strcmp(kernel_families[i].needs, kernel_families[j].name))
				used[j] = 1;
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1))) {
		if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
		}
	}
	fclose(f);
	return buf;
}

/* The Makefile for the model.c at model_path (already written). */
static cv_status write_makefile(emitter *e, const char *model_path, const char *path)
{
	char *src = read_text(model_path);
	int used[NUM_FAMILIES], i, dwk;
	FILE *f;

	if (!src)
		return cv_diag_error(e->d, CV_ERR_IO, "cannot read back %s: %s", model_path,
				     strerror(errno));
	families_used(src, used);
	/* the window family's NHWC depthwise register kernel, only for a model
	 * with NHWC depthwise convs (its compile time: cvrt_window.c) */
	dwk = calls(src, "cvrt_dwconv2d_nhwc");
	free(src);
	if (!(f = fopen(path, "w")))
		return cv_diag_error(e->d, CV_ERR_IO, "cannot create %s: %s", path, strerror(errno));
	fputs(makefile_head, f);
	fputs(emit_guard_makefile, f);
	fputs("# The kernel families model.c calls (cvrt_kernels.h lists them all).\nFAMILIES :=", f);
	for (i = 0; i < NUM_FAMILIES; i++)
		if (used[i])
			fprintf(f, " %s", kernel_families[i].name);
	fputs("\n# Those with AVX-512 code of their own; the others' AVX2 build serves there.\n"
	      "AVX512_FAMILIES :=", f);
	for (i = 0; i < NUM_FAMILIES; i++)
		if (used[i] && kernel_families[i].avx512)
			fprintf(f, " %s", kernel_families[i].name);
	fputs("\n# Per family defines: CVRT_DWK builds the NHWC depthwise register kernel.\n"
	      "DEFS_window :=", f);
	if (dwk)
		fputs(" -DCVRT_DWK", f);
	fputs("\n", f);
	fputs(makefile_tail, f);
	if (ferror(f) | fclose(f))
		return cv_diag_error(e->d, CV_ERR_IO, "cannot write %s: %s", path, strerror(errno));
	return CV_OK;
}

static char *path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

static cv_status write_named(emitter *e, const char *dir, const char *name,
			     cv_status (*fn)(emitter *, const char *))
{
	char *p = path_join(dir, name);
	cv_status st;

	if (!p)
		return cv_diag_error(e->d, CV_ERR_NOMEM, "out of memory");
	st = fn(e, p);
	free(p);
	return st;
}

static cv_status write_fixed(cv_diag *d, const char *dir, const char *name, const void *data, size_t n)
{
	char *p = path_join(dir, name);
	cv_status st;

	if (!p)
		return cv_diag_error(d, CV_ERR_NOMEM, "out of memory");
	st = write_blob(d, p, data, n);
	free(p);
	return st;
}

static cv_status write_all(emitter *e, const char *dir)
{
	const struct cv_runtime_file *rf;
	cv_status st;

	for (rf = cv_runtime_files; rf->name; rf++)
		if ((st = write_fixed(e->d, dir, rf->name, rf->data, rf->size)))
			return st;
	if ((st = write_named(e, dir, "weights.bin", write_weights)) ||
	    (st = write_named(e, dir, "model.c", write_model_c)))
		return st;
	{
		char *model = path_join(dir, "model.c"), *mk = path_join(dir, "Makefile");
		st = model && mk ? write_makefile(e, model, mk)
				 : cv_diag_error(e->d, CV_ERR_NOMEM, "out of memory");
		free(model);
		free(mk);
		if (st)
			return st;
	}
	return write_fixed(e->d, dir, MARKER, "convc\n", 6);
}

static void remove_in(const char *dir, const char *name)
{
	char *p = path_join(dir, name);

	if (p) {
		unlink(p);
		free(p);
	}
}

/* Remove dir and the files in it, and those its Makefile builds (convc
 * writes no subdirectories). */
static void remove_dir(const char *dir)
{
	static const char *const extra[] = {"Makefile", "weights.bin", "model.c", MARKER, "model",
					    "main.o", "model.o", ".build-flags", NULL};
	const struct cv_runtime_file *rf;
	char name[256], *p;
	int i, k;

	for (rf = cv_runtime_files; rf->name; rf++) {
		size_t n = strlen(rf->name);
		remove_in(dir, rf->name);
		if (n > 2 && n < sizeof name && !strcmp(rf->name + n - 2, ".c")) {
			snprintf(name, sizeof name, "%.*s.o", (int)(n - 2), rf->name);
			remove_in(dir, name);
		}
	}
	for (i = 0; i < NUM_FAMILIES; i++)
		for (k = 0; k < 3; k++) {
			snprintf(name, sizeof name, "cvrt_%s_%s.o", kernel_families[i].name,
				 isa_names[k]);
			remove_in(dir, name);
		}
	for (i = 0; extra[i]; i++)
		if ((p = path_join(dir, extra[i]))) {
			unlink(p);
			free(p);
		}
	rmdir(dir);
}

/* An existing out_dir may be replaced only if convc wrote it. */
static cv_status check_target(const char *out_dir, int *exists, cv_diag *d)
{
	struct stat sb;
	char *marker;
	int ours;

	*exists = stat(out_dir, &sb) == 0;
	if (!*exists)
		return CV_OK;
	marker = path_join(out_dir, MARKER);
	if (!marker)
		return cv_diag_error(d, CV_ERR_NOMEM, "out of memory");
	ours = S_ISDIR(sb.st_mode) && access(marker, F_OK) == 0;
	free(marker);
	if (!ours)
		return cv_diag_error(d, CV_ERR_INPUT,
				     "output path %s exists and is not a convc output directory; remove it or choose another -o",
				     out_dir);
	return CV_OK;
}

/* Move the finished tmp dir into place: the old output goes aside first
 * and is removed only after the rename succeeded. */
static cv_status publish(const char *tmp, const char *out_dir, int exists, cv_diag *d)
{
	size_t n = strlen(out_dir) + 32;
	char *old = malloc(n);

	if (!old)
		return cv_diag_error(d, CV_ERR_NOMEM, "out of memory");
	snprintf(old, n, "%s.convc-old-%ld", out_dir, (long)getpid());
	if (exists && rename(out_dir, old)) {
		free(old);
		return cv_diag_error(d, CV_ERR_IO, "cannot replace %s: %s", out_dir, strerror(errno));
	}
	if (rename(tmp, out_dir)) {
		int err = errno;
		if (exists)
			rename(old, out_dir);
		free(old);
		return cv_diag_error(d, CV_ERR_IO, "cannot create %s: %s", out_dir, strerror(err));
	}
	if (exists)
		remove_dir(old);
	free(old);
	return CV_OK;
}

/* Verify m and set up e for it. Code for an invalid module would compute
 * garbage (or index out of bounds): refuse it with the verifier's reason. */
static cv_status emitter_init(emitter *e, const cv_module *m, cv_diag *d)
{
	cv_status st;

	memset(e, 0, sizeof *e);
	if ((st = cv_verify(m, d))) {
		char why[CV_DIAG_MSG_MAX / 2];
		snprintf(why, sizeof why, "%.1000s", d->msg);
		snprintf(d->msg, sizeof d->msg, "refusing to emit C for an invalid module: %s", why);
		return st;
	}
	e->m = m;
	/* placements split threads only when made for a CPU (docs/sharding.md) */
	if (cv_module_target(m) && cv_module_target(m)->memory_kind == CV_MEMORY_CACHE)
		e->host_cores = cv_module_target(m)->cores;
	e->d = d;
	return CV_OK;
}

cv_status emit_c_streams(const cv_module *m, FILE *model_c, FILE *weights, cv_diag *d)
{
	emitter e;
	cv_status st;

	if ((st = emitter_init(&e, m, d)))
		return st;
	if (!(st = cv_memplan_build(&m->graph, &e.plan, d)) && !(st = plan_weights(&e)) &&
	    !(st = emit_check(&e)) && !(st = put_weights(&e, weights)))
		st = put_model_c(&e, model_c);
	free_weights(&e);
	cv_memplan_free(&e.plan);
	return st;
}

cv_status cv_emit_c(const cv_module *m, const char *out_dir, cv_diag *d)
{
	emitter e;
	char *tmp = NULL;
	int exists = 0, made = 0;
	size_t n;
	cv_status st;

	if ((st = emitter_init(&e, m, d)))
		return st;
	if ((st = check_target(out_dir, &exists, d)))
		return st;
	n = strlen(out_dir) + 32;
	if (!(tmp = malloc(n)))
		return cv_diag_error(d, CV_ERR_NOMEM, "out of memory");
	snprintf(tmp, n, "%s.convc-tmp-%ld", out_dir, (long)getpid());
	if ((st = cv_memplan_build(&m->graph, &e.plan, d)) || (st = plan_weights(&e)) ||
	    (st = emit_check(&e)))
		goto done;
	if (mkdir(tmp, 0777)) {
		st = cv_diag_error(d, CV_ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
		goto done;
	}
	made = 1;
	if ((st = write_all(&e, tmp)) || (st = publish(tmp, out_dir, exists, d)))
		goto done;
	made = 0;
done:
	if (made)
		remove_dir(tmp);
	free(tmp);
	free_weights(&e);
	cv_memplan_free(&e.plan);
	return st;
}
