/*
 * main.c - command-line runner for a network compiled by convc.
 *
 *   model -i in.npy [-i in2.npy ...] -o out.npy [-o ...] [--threads T]
 *         [--bench N] [--weights FILE] [--profile FILE.json]
 *
 * Uses only the API of model.h. Tensors travel as NumPy .npy files in C
 * order, little-endian, of each input's and output's dtype (model_input_dtype:
 * '<f4' float32, '<f8' float64, '<f2' float16, '<i8' int64, '<i4' int32,
 * '<i2' int16, '|i1' int8, '<u8' uint64, '<u4' uint32, '<u2' uint16, '|u1'
 * uint8, '|b1' bool; bfloat16, which NumPy lacks, as its bit patterns '<u2'). Errors print one line
 * "model: error: <what>" on stderr and exit 1 (2 for usage errors).
 *
 * --bench N prints "latency_ms median=M min=A max=B runs=N isa=ISA" (ms;
 * ISA as model_isa() names it).
 *
 * --profile writes the per-node times of model_node_ms() as a Chrome
 * trace-event JSON file (chrome://tracing, ui.perfetto.dev): one complete
 * ("X") event per node per recorded run, runs laid end to end on one track.
 */
#define _POSIX_C_SOURCE 200809L

#include "model.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EXIT_USAGE 2
#define STR2(x) #x
#define STR(x) STR2(x)
#define MAX_NPY_RANK 32
#define SHAPE_TEXT 512

static const char *usage_text =
	"usage: model -i in.npy [-i in2.npy ...] [-o out.npy ...] [--threads T]\n"
	"             [--bench N] [--weights FILE] [--profile FILE.json] [-h|--help]\n"
	"  -i FILE         input .npy (of the input's dtype), one per graph input, in order\n"
	"  -o FILE         output .npy, one per graph output, in order (optional)\n"
	"  --threads T     number of threads, 1 to " STR(MODEL_MAX_THREADS) " (default 1; at most the\n"
	"                  CPUs this process may use are run)\n"
	"  --bench N       time N runs after one warm-up; print latency stats and the\n"
	"                  kernels' instruction set (the environment variable\n"
	"                  CVRT_ISA=portable|avx2|avx512 forces one)\n"
	"  --weights FILE  weights file (default: weights.bin next to the executable)\n"
	"  --profile FILE  time every node and write a Chrome trace-event JSON file\n"
	"                  (open in ui.perfetto.dev or chrome://tracing); records the\n"
	"                  single run, or with --bench N the N timed runs (not the\n"
	"                  warm-up), one after another on the time axis\n";

static void error_msg(const char *fmt, ...)
{
	va_list ap;

	fputs("model: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ------------------------------------------------------------------------ */
/* Shapes as text                                                           */
/* ------------------------------------------------------------------------ */

static void format_shape(char *buf, size_t size, int rank, const int64_t *dims)
{
	size_t used = 0;
	int k;

	buf[0] = '\0';
	used += (size_t)snprintf(buf, size, "[");
	for (k = 0; k < rank && used < size; k++)
		used += (size_t)snprintf(buf + used, size - used, "%s%lld", k ? "," : "",
					 (long long)dims[k]);
	if (used < size)
		snprintf(buf + used, size - used, "]");
}

/* ------------------------------------------------------------------------ */
/* .npy reading                                                             */
/* ------------------------------------------------------------------------ */

typedef struct npy_header {
	int have_descr, have_fortran, have_shape;
	char descr[32];   /* descr as given (truncated) */
	int fortran;      /* fortran_order value */
	int rank;
	int64_t dims[MAX_NPY_RANK];
} npy_header;

/* A tiny parser for the Python dict literal of an .npy header. */
typedef struct cursor {
	const char *s, *end;
} cursor;

static void skip_ws(cursor *c)
{
	while (c->s < c->end && (*c->s == ' ' || *c->s == '\t' || *c->s == '\n' || *c->s == '\r'))
		c->s++;
}

static int accept(cursor *c, char ch)
{
	skip_ws(c);
	if (c->s < c->end && *c->s == ch) {
		c->s++;
		return 1;
	}
	return 0;
}

/* Quoted string into out (truncated to out_size - 1); 0 when malformed. */
static int parse_string(cursor *c, char *out, size_t out_size)
{
	char q;
	size_t n = 0;

	skip_ws(c);
	if (c->s >= c->end || (*c->s != '\'' && *c->s != '"'))
		return 0;
	q = *c->s++;
	while (c->s < c->end && *c->s != q) {
		if (n + 1 < out_size)
			out[n++] = *c->s;
		c->s++;
	}
	if (c->s >= c->end)
		return 0;
	c->s++;
	out[n] = '\0';
	return 1;
}

static int parse_word(cursor *c, const char *word)
{
	size_t len = strlen(word);

	skip_ws(c);
	if ((size_t)(c->end - c->s) >= len && memcmp(c->s, word, len) == 0) {
		c->s += len;
		return 1;
	}
	return 0;
}

/* Non-negative integer that must fit in int64 (also rejects absurd dims). */
static int parse_dim(cursor *c, int64_t *out)
{
	int64_t v = 0;
	int digits = 0;

	skip_ws(c);
	while (c->s < c->end && *c->s >= '0' && *c->s <= '9') {
		int d = *c->s - '0';
		if (v > (INT64_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
		digits++;
		c->s++;
	}
	if (c->s < c->end && *c->s == 'L') /* Python 2 long suffix */
		c->s++;
	*out = v;
	return digits > 0;
}

static int parse_shape(cursor *c, npy_header *h)
{
	h->rank = 0;
	if (!accept(c, '('))
		return 0;
	if (accept(c, ')'))
		return 1;
	for (;;) {
		int64_t d;
		if (h->rank >= MAX_NPY_RANK || !parse_dim(c, &d))
			return 0;
		h->dims[h->rank++] = d;
		if (accept(c, ')'))
			return 1;
		if (!accept(c, ','))
			return 0;
		if (accept(c, ')'))
			return 1;
	}
}

static int parse_header_dict(const char *text, size_t len, npy_header *h)
{
	cursor c;

	c.s = text;
	c.end = text + len;
	memset(h, 0, sizeof(*h));
	if (!accept(&c, '{'))
		return 0;
	for (;;) {
		char key[32], val[32];
		if (accept(&c, '}'))
			break;
		if (!parse_string(&c, key, sizeof(key)) || !accept(&c, ':'))
			return 0;
		if (strcmp(key, "descr") == 0) {
			if (!parse_string(&c, val, sizeof(val)))
				return 0;
			h->have_descr = 1;
			memcpy(h->descr, val, sizeof(h->descr));
		} else if (strcmp(key, "fortran_order") == 0) {
			if (parse_word(&c, "True"))
				h->fortran = 1;
			else if (parse_word(&c, "False"))
				h->fortran = 0;
			else
				return 0;
			h->have_fortran = 1;
		} else if (strcmp(key, "shape") == 0) {
			if (!parse_shape(&c, h))
				return 0;
			h->have_shape = 1;
		} else {
			return 0;
		}
		if (accept(&c, '}'))
			break;
		if (!accept(&c, ','))
			return 0;
	}
	return h->have_descr && h->have_fortran && h->have_shape;
}

static uint32_t read_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The .npy descr of each enum model_dtype, and its name for messages. */
static const struct {
	const char *descr, *alt, *name;
	size_t size;
} dtypes[] = {
	[MODEL_F32] = {"<f4", NULL, "float32", 4},  [MODEL_F64] = {"<f8", NULL, "float64", 8},
	[MODEL_F16] = {"<f2", NULL, "float16", 2},  [MODEL_I64] = {"<i8", NULL, "int64", 8},
	[MODEL_I32] = {"<i4", NULL, "int32", 4},    [MODEL_I8] = {"|i1", "<i1", "int8", 1},
	[MODEL_U8] = {"|u1", "<u1", "uint8", 1},    [MODEL_BOOL] = {"|b1", "<b1", "bool", 1},
	[MODEL_BF16] = {"<u2", NULL, "bfloat16 (as uint16 bit patterns)", 2},
	[MODEL_I16] = {"<i2", NULL, "int16", 2},    [MODEL_U16] = {"<u2", NULL, "uint16", 2},
	[MODEL_U32] = {"<u4", NULL, "uint32", 4},   [MODEL_U64] = {"<u8", NULL, "uint64", 8},
};

static int host_is_little(void)
{
	const uint16_t one = 1;
	return *(const unsigned char *)&one == 1;
}

/* Byte order independent: the file is little-endian whatever the host is;
 * copy count elements of size bytes, reversing each on a big-endian host. */
static void copy_le(unsigned char *dst, const unsigned char *src, size_t count, size_t size)
{
	size_t i, b;

	if (host_is_little() || size == 1) {
		memcpy(dst, src, count * size);
		return;
	}
	for (i = 0; i < count; i++)
		for (b = 0; b < size; b++)
			dst[i * size + b] = src[i * size + size - 1 - b];
}

/*
 * Read path into data (count elements of dtype) after checking that the
 * file holds exactly a C-order array of that dtype and the expected shape.
 * Returns 0 on success; on failure has printed the reason.
 */
static int read_npy(const char *path, int rank, const int64_t *dims, size_t count, int dtype,
		    unsigned char *data)
{
	size_t es = dtypes[dtype].size;
	FILE *f = fopen(path, "rb");
	unsigned char pre[12], chunk[4096];
	char *text = NULL;
	size_t prelen, hlen, done;
	npy_header h;
	int ok = 0, k;

	if (!f) {
		error_msg("cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0) {
		if (ferror(f))
			error_msg("cannot read '%s': %s", path, strerror(errno));
		else
			error_msg("'%s' is not a .npy file", path);
		goto out;
	}
	if (pre[6] == 1) {
		prelen = 10;
		hlen = (size_t)pre[8] | (size_t)pre[9] << 8;
	} else if (pre[6] == 2 || pre[6] == 3) {
		if (fread(pre + 10, 1, 2, f) != 2) {
			error_msg("'%s': truncated .npy header", path);
			goto out;
		}
		prelen = 12;
		hlen = (size_t)read_le32(pre + 8);
	} else {
		error_msg("'%s': unsupported .npy format version %d.%d", path, pre[6], pre[7]);
		goto out;
	}
	if (hlen > (1u << 20)) {
		error_msg("'%s': .npy header too large (%zu bytes)", path, hlen);
		goto out;
	}
	text = malloc(hlen + 1);
	if (!text) {
		error_msg("out of memory reading '%s'", path);
		goto out;
	}
	if (fread(text, 1, hlen, f) != hlen) {
		error_msg("'%s': truncated .npy header", path);
		goto out;
	}
	text[hlen] = '\0';
	(void)prelen;
	if (!parse_header_dict(text, hlen, &h)) {
		error_msg("'%s': malformed .npy header", path);
		goto out;
	}
	if (strcmp(h.descr, dtypes[dtype].descr) &&
	    (!dtypes[dtype].alt || strcmp(h.descr, dtypes[dtype].alt))) {
		char shown[sizeof(h.descr)];
		size_t k2;
		/* printable ASCII only: the header is the file's */
		for (k2 = 0; k2 < sizeof(shown) - 1 && h.descr[k2]; k2++)
			shown[k2] = h.descr[k2] >= 0x20 && h.descr[k2] < 0x7f ? h.descr[k2] : '?';
		shown[k2] = '\0';
		error_msg("'%s': dtype is '%s'; the model takes %s ('%s') here", path, shown,
			  dtypes[dtype].name, dtypes[dtype].descr);
		goto out;
	}
	if (h.fortran) {
		error_msg("'%s': fortran_order arrays are not supported", path);
		goto out;
	}
	{
		int same = h.rank == rank;
		for (k = 0; same && k < rank; k++)
			same = h.dims[k] == dims[k];
		if (!same) {
			char want[SHAPE_TEXT], got[SHAPE_TEXT];
			format_shape(want, sizeof(want), rank, dims);
			format_shape(got, sizeof(got), h.rank, h.dims);
			error_msg("'%s': shape mismatch: expected %s, found %s", path, want, got);
			goto out;
		}
	}
	/* The shape equals the model's, so count (already allocated) is exact. */
	for (done = 0; done < count;) {
		size_t want = count - done, got;
		if (want > sizeof(chunk) / es)
			want = sizeof(chunk) / es;
		got = fread(chunk, es, want, f);
		if (got != want) {
			error_msg("'%s': truncated data (%zu of %zu elements)", path, done + got,
				  count);
			goto out;
		}
		copy_le(data + done * es, chunk, got, es);
		done += got;
	}
	if (fgetc(f) != EOF) {
		error_msg("'%s': unexpected data after the array", path);
		goto out;
	}
	ok = 1;
out:
	free(text);
	fclose(f);
	return ok ? 0 : -1;
}

/* ------------------------------------------------------------------------ */
/* .npy writing                                                             */
/* ------------------------------------------------------------------------ */

static int write_npy(const char *path, int rank, const int64_t *dims, size_t count, int dtype,
		     const unsigned char *data)
{
	size_t es = dtypes[dtype].size;
	char header[SHAPE_TEXT + 128], shape[SHAPE_TEXT];
	unsigned char chunk[4096];
	size_t used = 0, total, i, done;
	int k, ok;
	FILE *f;

	/* Python tuple syntax: "()", "(3,)", "(1, 3, 224, 224)". */
	shape[0] = '\0';
	for (k = 0; k < rank && used < sizeof(shape); k++)
		used += (size_t)snprintf(shape + used, sizeof(shape) - used, "%s%lld",
					 k ? ", " : "", (long long)dims[k]);
	if (rank == 1 && used < sizeof(shape))
		snprintf(shape + used, sizeof(shape) - used, ",");
	used = (size_t)snprintf(header + 10, sizeof(header) - 10,
				"{'descr': '%s', 'fortran_order': False, 'shape': (%s), }",
				dtypes[dtype].descr, shape);
	/* Pad with spaces and a final newline so the data starts 64-aligned. */
	total = 10 + used + 1;
	total = (total + 63) / 64 * 64;
	if (total > sizeof(header) || total - 10 > 65535) {
		error_msg("cannot write '%s': shape too long for a .npy header", path);
		return -1;
	}
	for (i = 10 + used; i < total - 1; i++)
		header[i] = ' ';
	header[total - 1] = '\n';
	memcpy(header, "\x93NUMPY\x01\x00", 8);
	header[8] = (char)((total - 10) & 0xff);
	header[9] = (char)((total - 10) >> 8);

	f = fopen(path, "wb");
	if (!f) {
		error_msg("cannot create '%s': %s", path, strerror(errno));
		return -1;
	}
	ok = fwrite(header, 1, total, f) == total;
	for (done = 0; ok && done < count;) {
		size_t n = count - done;
		if (n > sizeof(chunk) / es)
			n = sizeof(chunk) / es;
		copy_le(chunk, data + done * es, n, es);
		ok = fwrite(chunk, es, n, f) == n;
		done += n;
	}
	if (fclose(f) != 0)
		ok = 0;
	if (!ok) {
		error_msg("cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Options                                                                  */
/* ------------------------------------------------------------------------ */

typedef struct options {
	const char **inputs, **outputs;
	int n_inputs, n_outputs;
	int threads;
	int bench; /* 0: single run */
	const char *weights;
	const char *profile; /* NULL: no profiling */
} options;

static int parse_int(const char *s, int min, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < min || v > INT_MAX)
		return 0;
	*out = (int)v;
	return 1;
}

/* Returns 0 on success, 1 when help was printed, -1 after a usage error. */
static int parse_options(int argc, char **argv, options *o)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(usage_text, stdout);
			return 1;
		}
		if (strcmp(a, "-i") != 0 && strcmp(a, "-o") != 0 && strcmp(a, "--threads") != 0 &&
		    strcmp(a, "--bench") != 0 && strcmp(a, "--weights") != 0 &&
		    strcmp(a, "--profile") != 0) {
			error_msg("unknown argument '%s' (see --help)", a);
			return -1;
		}
		if (!val) {
			error_msg("option %s needs a value (see --help)", a);
			return -1;
		}
		i++;
		if (strcmp(a, "-i") == 0) {
			o->inputs[o->n_inputs++] = val;
		} else if (strcmp(a, "-o") == 0) {
			o->outputs[o->n_outputs++] = val;
		} else if (strcmp(a, "--threads") == 0) {
			if (!parse_int(val, 1, &o->threads) || o->threads > MODEL_MAX_THREADS) {
				error_msg("--threads needs an integer from 1 to %d, got '%s'", MODEL_MAX_THREADS,
					  val);
				return -1;
			}
		} else if (strcmp(a, "--bench") == 0) {
			if (!parse_int(val, 1, &o->bench)) {
				error_msg("--bench needs a positive integer, got '%s'", val);
				return -1;
			}
		} else if (strcmp(a, "--profile") == 0) {
			if (!*val) {
				error_msg("--profile needs a file name");
				return -1;
			}
			o->profile = val;
		} else {
			o->weights = val;
		}
	}
	return 0;
}

/* weights.bin next to the executable: /proc/self/exe, else argv[0]'s directory. */
static char *default_weights_path(const char *argv0)
{
	static const char name[] = "weights.bin";
	char exe[4096];
	const char *dir = NULL;
	size_t dir_len = 0;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *path;

	if (n > 0 && (size_t)n < sizeof(exe) - 1) {
		exe[n] = '\0';
		dir = exe;
	} else if (argv0 && strchr(argv0, '/')) {
		dir = argv0;
	}
	if (dir) {
		const char *slash = strrchr(dir, '/');
		dir_len = slash ? (size_t)(slash - dir) + 1 : 0;
	}
	path = malloc(dir_len + sizeof(name));
	if (!path)
		return NULL;
	memcpy(path, dir, dir_len);
	memcpy(path + dir_len, name, sizeof(name));
	return path;
}

/* ------------------------------------------------------------------------ */
/* Running                                                                  */
/* ------------------------------------------------------------------------ */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Room for count elements of dtype, 64-byte aligned (model_run reads the
 * inputs and writes the outputs in place: model.h). free() releases it. */
static float *alloc_elems(size_t count, int dtype)
{
	void *p = NULL;

	if (dtype < 0 || count > SIZE_MAX / 8)
		return NULL;
	return posix_memalign(&p, 64, count ? count * dtypes[dtype].size : 1) ? NULL : (float *)p;
}

/* ------------------------------------------------------------------------ */
/* Profiles                                                                 */
/* ------------------------------------------------------------------------ */

/* Node times of the recorded runs: run r's node i at [r * nodes + i]. */
typedef struct profile {
	int nodes, runs, cap;
	double *start_ms, *ms;
	double *run_ms; /* wall time of each run, measured around model_run */
} profile;

static int profile_init(profile *p, int runs)
{
	size_t n;

	memset(p, 0, sizeof(*p));
	p->nodes = model_num_nodes();
	p->cap = runs;
	n = (size_t)p->nodes * (size_t)runs;
	if (p->nodes > 0 && n / (size_t)p->nodes != (size_t)runs)
		return -1;
	if (n > SIZE_MAX / sizeof(double))
		return -1;
	p->start_ms = malloc(n ? n * sizeof(double) : 1);
	p->ms = malloc(n ? n * sizeof(double) : 1);
	p->run_ms = malloc((size_t)runs * sizeof(double));
	return p->start_ms && p->ms && p->run_ms ? 0 : -1;
}

static void profile_free(profile *p)
{
	free(p->start_ms);
	free(p->ms);
	free(p->run_ms);
}

/* Append the node times of the run just made (wall time run_ms). */
static void profile_record(profile *p, const model_ctx *ctx, double run_ms)
{
	size_t base = (size_t)p->runs * (size_t)p->nodes;

	if (p->runs >= p->cap)
		return;
	if (p->nodes > 0) {
		memcpy(p->start_ms + base, model_node_start_ms(ctx), (size_t)p->nodes * sizeof(double));
		memcpy(p->ms + base, model_node_ms(ctx), (size_t)p->nodes * sizeof(double));
	}
	p->run_ms[p->runs++] = run_ms;
}

/* s as the contents of a JSON string: quotes, backslashes and control
 * characters escaped; valid UTF-8 passes through, any other byte becomes
 * the code point of the same value (as if Latin-1) so the file stays valid. */
static void json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	fputc('"', f);
	while (*p) {
		unsigned char c = *p;
		int len = 0, k;
		if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc(c, f);
			p++;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			switch (c) {
			case '\n': fputs("\\n", f); break;
			case '\t': fputs("\\t", f); break;
			case '\r': fputs("\\r", f); break;
			default: fprintf(f, "\\u%04x", c); break;
			}
			p++;
			continue;
		}
		if (c < 0x80) {
			fputc(c, f);
			p++;
			continue;
		}
		/* Length of a well-formed UTF-8 sequence starting at p, or 0. */
		if (c >= 0xc2 && c <= 0xdf)
			len = 2;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4;
		for (k = 1; k < len; k++)
			if ((p[k] & 0xc0) != 0x80)
				len = 0;
		if (len == 3 && ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0)))
			len = 0; /* overlong, or a UTF-16 surrogate */
		if (len == 4 && ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90)))
			len = 0; /* overlong, or above U+10FFFF */
		if (len) {
			fwrite(p, 1, (size_t)len, f);
			p += len;
		} else {
			fprintf(f, "\\u%04x", c);
			p++;
		}
	}
	fputc('"', f);
}

/* Name of the model for the trace: the directory holding the executable
 * (convc's output directory), else argv[0]. */
static void model_name(const char *argv0, char *buf, size_t size)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	const char *end, *start;

	if (n > 0 && (size_t)n < sizeof(exe) - 1) {
		exe[n] = '\0';
		end = strrchr(exe, '/');
		if (end && end > exe) {
			for (start = end; start > exe && start[-1] != '/'; start--)
				;
			snprintf(buf, size, "%.*s", (int)(end - start), start);
			return;
		}
	}
	snprintf(buf, size, "%s", argv0 ? argv0 : "model");
}

static void write_trace(FILE *f, const profile *p, const char *name, int threads)
{
	double offset = 0; /* ms: start of run r, the runs laid end to end */
	int r, i, first = 1;

	fputs("{\"traceEvents\": [\n", f);
	for (r = 0; r < p->runs; r++) {
		for (i = 0; i < p->nodes; i++) {
			size_t k = (size_t)r * (size_t)p->nodes + (size_t)i;
			double dur = p->ms[k] > 0 ? p->ms[k] : 0;
			fputs(first ? "  {\"name\": " : ",\n  {\"name\": ", f);
			first = 0;
			json_string(f, model_node_label(i));
			fputs(", \"cat\": ", f);
			json_string(f, model_node_op(i));
			fprintf(f, ", \"ph\": \"X\", \"ts\": %.3f, \"dur\": %.3f, \"pid\": 1, \"tid\": 1, "
				   "\"args\": {\"run\": %d}}",
				(offset + p->start_ms[k]) * 1e3, dur * 1e3, r);
		}
		offset += p->run_ms[r];
	}
	fputs("\n],\n\"displayTimeUnit\": \"ms\",\n\"otherData\": {\"model\": ", f);
	json_string(f, name);
	fprintf(f, ", \"threads\": %d, \"nodes\": %d, \"runs\": %d, \"run_ms\": [", threads,
		p->nodes, p->runs);
	for (r = 0; r < p->runs; r++)
		fprintf(f, "%s%.6f", r ? ", " : "", p->run_ms[r]);
	fputs("]}}\n", f);
}

/* Write the trace to path.tmp-PID, then rename it over path, so readers
 * never see half a file. */
static int write_profile(const char *path, const profile *p, const char *argv0, int threads)
{
	char name[512];
	size_t n = strlen(path) + 32;
	char *tmp = malloc(n);
	FILE *f;
	int ok, err;

	if (!tmp) {
		error_msg("out of memory");
		return -1;
	}
	snprintf(tmp, n, "%s.tmp-%ld", path, (long)getpid());
	f = fopen(tmp, "w");
	if (!f) {
		error_msg("cannot create '%s': %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	model_name(argv0, name, sizeof(name));
	write_trace(f, p, name, threads);
	ok = !ferror(f);
	err = errno;
	if (fclose(f) != 0 && ok) {
		ok = 0;
		err = errno;
	}
	if (!ok) {
		error_msg("cannot write '%s': %s", tmp, strerror(err));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		error_msg("cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	printf("profile: %d nodes, %d runs -> %s\n", p->nodes, p->runs, path);
	return 0;
}

/* One warm-up run (never profiled), then runs timed runs; prof (NULL: no
 * profiling) records each of them. */
static int bench(model_ctx *ctx, const float *const *in, float *const *out, int runs,
		 profile *prof)
{
	double *t = malloc((size_t)runs * sizeof(double));
	double med;
	int r;

	if (!t) {
		error_msg("out of memory");
		return -1;
	}
	model_set_profiling(ctx, 0);
	if (model_run(ctx, in, out) != 0) {
		error_msg("model_run failed");
		free(t);
		return -1;
	}
	model_set_profiling(ctx, prof != NULL);
	for (r = 0; r < runs; r++) {
		double t0 = now_ms();
		model_run(ctx, in, out);
		t[r] = now_ms() - t0;
		if (prof)
			profile_record(prof, ctx, t[r]);
	}
	qsort(t, (size_t)runs, sizeof(double), cmp_double);
	med = runs % 2 ? t[runs / 2] : 0.5 * (t[runs / 2 - 1] + t[runs / 2]);
	printf("latency_ms median=%.3f min=%.3f max=%.3f runs=%d isa=%s\n", med, t[0],
	       t[runs - 1], runs, model_isa());
	free(t);
	return 0;
}

static void print_outputs(float *const *out, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		char shape[SHAPE_TEXT];
		size_t count = model_output_size(i), k;
		format_shape(shape, sizeof(shape), model_output_rank(i), model_output_dims(i));
		printf("output %s: shape %s, first values:", model_output_name(i), shape);
		for (k = 0; k < count && k < 5; k++) {
			const void *p = out[i];
			switch (model_output_dtype(i)) {
			case MODEL_F32: printf(" %.6g", ((const float *)p)[k]); break;
			case MODEL_F64: printf(" %.6g", ((const double *)p)[k]); break;
			case MODEL_I64: printf(" %lld", (long long)((const int64_t *)p)[k]); break;
			case MODEL_I32: printf(" %ld", (long)((const int32_t *)p)[k]); break;
			case MODEL_I8: printf(" %d", ((const int8_t *)p)[k]); break;
			case MODEL_U8:
			case MODEL_BOOL: printf(" %u", ((const uint8_t *)p)[k]); break;
			default: printf(" 0x%04x", ((const uint16_t *)p)[k]); break; /* f16, bf16 bits */
			}
		}
		printf("\n");
	}
}

int main(int argc, char **argv)
{
	options o;
	int n_in = model_num_inputs(), n_out = model_num_outputs();
	float **in = NULL, **out = NULL;
	char *weights = NULL;
	model_ctx *ctx = NULL;
	profile prof;
	char err[512];
	int rc = 1, i, st;

	memset(&o, 0, sizeof(o));
	memset(&prof, 0, sizeof(prof));
	o.threads = 1;
	/* At most argc/2 files of each kind, so these never overflow. */
	o.inputs = calloc((size_t)argc + 1, sizeof(char *));
	o.outputs = calloc((size_t)argc + 1, sizeof(char *));
	in = calloc((size_t)n_in + 1, sizeof(float *));
	out = calloc((size_t)n_out + 1, sizeof(float *));
	if (!o.inputs || !o.outputs || !in || !out) {
		error_msg("out of memory");
		goto done;
	}
	st = parse_options(argc, argv, &o);
	if (st != 0) {
		rc = st > 0 ? 0 : EXIT_USAGE;
		goto done;
	}
	if (o.n_inputs != n_in) {
		error_msg("the model has %d input(s) but %d -i file(s) were given (see --help)",
			  n_in, o.n_inputs);
		rc = EXIT_USAGE;
		goto done;
	}
	if (o.n_outputs > n_out) {
		error_msg("the model has %d output(s) but %d -o file(s) were given (see --help)",
			  n_out, o.n_outputs);
		rc = EXIT_USAGE;
		goto done;
	}

	for (i = 0; i < n_in; i++) {
		in[i] = alloc_elems(model_input_size(i), model_input_dtype(i));
		if (!in[i]) {
			error_msg("out of memory for input %d", i);
			goto done;
		}
		if (read_npy(o.inputs[i], model_input_rank(i), model_input_dims(i),
			     model_input_size(i), model_input_dtype(i), (unsigned char *)in[i]) != 0)
			goto done;
	}
	for (i = 0; i < n_out; i++) {
		out[i] = alloc_elems(model_output_size(i), model_output_dtype(i));
		if (!out[i]) {
			error_msg("out of memory for output %d", i);
			goto done;
		}
	}

	if (!o.weights) {
		weights = default_weights_path(argv[0]);
		if (!weights) {
			error_msg("out of memory");
			goto done;
		}
	}
	err[0] = '\0';
	ctx = model_create(o.weights ? o.weights : weights, o.threads, err, sizeof(err));
	if (!ctx) {
		error_msg("%s", err[0] ? err : "cannot create the model context");
		goto done;
	}
	if (model_threads(ctx) < o.threads)
		fprintf(stderr, "model: note: --threads %d: running %d (at most the CPUs this process may "
			"use; 1 without OpenMP)\n", o.threads, model_threads(ctx));

	if (o.profile && profile_init(&prof, o.bench > 0 ? o.bench : 1) != 0) {
		error_msg("out of memory for the profile");
		goto done;
	}
	if (o.bench > 0) {
		if (bench(ctx, (const float *const *)in, out, o.bench, o.profile ? &prof : NULL) != 0)
			goto done;
	} else {
		double t0, ms;
		model_set_profiling(ctx, o.profile != NULL);
		t0 = now_ms();
		if (model_run(ctx, (const float *const *)in, out) != 0) {
			error_msg("model_run failed");
			goto done;
		}
		ms = now_ms() - t0;
		if (o.profile)
			profile_record(&prof, ctx, ms);
		print_outputs(out, n_out);
		printf("time_ms=%.3f\n", ms);
	}
	for (i = 0; i < o.n_outputs; i++)
		if (write_npy(o.outputs[i], model_output_rank(i), model_output_dims(i),
			      model_output_size(i), model_output_dtype(i), (const unsigned char *)out[i]) != 0)
			goto done;
	if (o.profile && write_profile(o.profile, &prof, argv[0], o.threads) != 0)
		goto done;
	rc = 0;
done:
	profile_free(&prof);
	model_free(ctx);
	if (in)
		for (i = 0; i < n_in; i++)
			free(in[i]);
	if (out)
		for (i = 0; i < n_out; i++)
			free(out[i]);
	free(in);
	free(out);
	free(weights);
	free(o.inputs);
	free(o.outputs);
	return rc;
}
