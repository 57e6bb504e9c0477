/*
 * target.c - target files: read (libxml2, no network), validate against the
 * embedded targets/target.rng (RelaxNG), check what the schema cannot
 * express, and fill a cv_target (convc/target.h). Also the built-in names,
 * printing, and the report's roofline.
 *
 * libxml2 reports through a structured error handler; the first error is
 * kept and becomes `FILE: error: line N: what`.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "convc/target.h"
#include "targets/target_files.h"

#define SCHEMA_FILE "target.rng"
#define MAX_COUNT 1000000
#define MAX_BYTES 1e15

#if LIBXML_VERSION >= 21200
typedef const xmlError *xml_error_arg;
#else
typedef xmlErrorPtr xml_error_arg;
#endif

/* The first libxml2 error of a load. */
struct xml_errors {
	int have;
	long line;
	char msg[512];
};

static void on_xml_error(void *ctx, xml_error_arg e)
{
	struct xml_errors *errs = ctx;
	xmlNodePtr node;
	size_t n;

	if (!errs || errs->have || !e)
		return;
	errs->have = 1;
	errs->line = e->line;
	if (errs->line <= 0 && e->node)
		errs->line = xmlGetLineNo((xmlNodePtr)e->node);
	snprintf(errs->msg, sizeof errs->msg, "%s", e->message ? e->message : "unknown XML error");
	n = strlen(errs->msg);
	while (n && (errs->msg[n - 1] == '\n' || errs->msg[n - 1] == ' '))
		errs->msg[--n] = '\0';
	node = e->node;
	if (node && node->type == XML_ELEMENT_NODE && node->name && n < sizeof errs->msg - 1)
		snprintf(errs->msg + n, sizeof errs->msg - n, " (in <%s>)", (const char *)node->name);
}

static cv_status xml_fail(const struct xml_errors *errs, cv_diag *d, const char *what)
{
	if (!errs->have)
		return cv_diag_error(d, CV_ERR_INPUT, "%s", what);
	if (errs->line > 0)
		return cv_diag_error(d, CV_ERR_INPUT, "line %ld: %s: %s", errs->line, what, errs->msg);
	return cv_diag_error(d, CV_ERR_INPUT, "%s: %s", what, errs->msg);
}

static const struct cv_target_file *embedded(const char *name)
{
	const struct cv_target_file *f;

	for (f = cv_target_files; f->name; f++)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

const char *const *cv_target_builtin_names(void)
{
	static const char *const names[] = {"host", "wormhole_b0", "blackhole", NULL};
	return names;
}

/* ---- reading a validated document into a cv_target ---- */

static void set_source(char *dst, xmlNodePtr n)
{
	xmlChar *s = xmlGetProp(n, (const xmlChar *)"source");

	snprintf(dst, CV_TARGET_SOURCE_MAX, "%s", s ? (const char *)s : "");
	xmlFree(s);
}

/* The element's text as a finite number > 0 (the schema checked the form). */
static cv_status node_number(xmlNodePtr n, double max, double *out, cv_diag *d)
{
	xmlChar *text = xmlNodeGetContent(n);
	const char *s = text ? (const char *)text : "";
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	while (end && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
		end++;
	if (end == s || *end || errno || !isfinite(v) || v <= 0 || v > max) {
		cv_diag_error(d, CV_ERR_INPUT, "line %ld: <%s>: '%s' is not a finite number > 0 and <= %g",
			      xmlGetLineNo(n), (const char *)n->name, s, isfinite(max) ? max : DBL_MAX);
		xmlFree(text);
		return CV_ERR_INPUT;
	}
	xmlFree(text);
	*out = v;
	return CV_OK;
}

static cv_status attr_count(xmlNodePtr n, const char *attr, int *out, cv_diag *d)
{
	xmlChar *s = xmlGetProp(n, (const xmlChar *)attr);
	long v = s ? strtol((const char *)s, NULL, 10) : 0;

	xmlFree(s);
	if (v < 1 || v > MAX_COUNT)
		return cv_diag_error(d, CV_ERR_INPUT, "line %ld: <%s %s>: must be 1..%d",
				     xmlGetLineNo(n), (const char *)n->name, attr, MAX_COUNT);
	*out = (int)v;
	return CV_OK;
}

static cv_status node_count(xmlNodePtr n, int *out, cv_diag *d)
{
	double v;
	cv_status st = node_number(n, MAX_COUNT, &v, d);

	if (!st && v != floor(v))
		st = cv_diag_error(d, CV_ERR_INPUT, "line %ld: <%s>: %g is not a whole number",
				   xmlGetLineNo(n), (const char *)n->name, v);
	if (!st)
		*out = (int)v;
	return st;
}

static cv_status read_grid(xmlNodePtr n, cv_target *t, cv_diag *d)
{
	cv_status st = attr_count(n, "rows", &t->rows, d);

	if (!st)
		st = attr_count(n, "cols", &t->cols, d);
	if (!st && (long long)t->rows * t->cols > MAX_COUNT)
		st = cv_diag_error(d, CV_ERR_INPUT, "line %ld: <grid>: %d x %d cores is too many",
				   xmlGetLineNo(n), t->rows, t->cols);
	if (!st) {
		t->cores = t->rows * t->cols;
		set_source(t->source.cores, n);
	}
	return st;
}

static cv_status read_bytes(xmlNodePtr n, double *out, char *src, cv_diag *d)
{
	cv_status st = node_number(n, MAX_BYTES, out, d);

	if (!st && *out != floor(*out))
		st = cv_diag_error(d, CV_ERR_INPUT, "line %ld: <%s>: %g is not a whole number of bytes",
				   xmlGetLineNo(n), (const char *)n->name, *out);
	if (!st)
		set_source(src, n);
	return st;
}

static cv_status read_rate(xmlNodePtr n, double *out, char *src, cv_diag *d)
{
	cv_status st = node_number(n, HUGE_VAL, out, d);

	if (!st)
		set_source(src, n);
	return st;
}

/* One child of <target>; the schema fixed which ones appear, and in order. */
static cv_status read_field(xmlNodePtr n, cv_target *t, cv_diag *d)
{
	const char *name = (const char *)n->name;
	cv_status st = CV_OK;

	if (!strcmp(name, "grid")) {
		st = read_grid(n, t, d);
	} else if (!strcmp(name, "cores")) {
		int cores;
		if (!(st = node_count(n, &cores, d))) {
			if (t->rows && cores > t->rows * t->cols)
				return cv_diag_error(d, CV_ERR_INPUT,
						     "line %ld: <cores>: %d cores do not fit the %d x %d grid",
						     xmlGetLineNo(n), cores, t->rows, t->cols);
			t->cores = cores;
			set_source(t->source.cores, n);
		}
	} else if (!strcmp(name, "local-memory")) {
		xmlChar *kind = xmlGetProp(n, (const xmlChar *)"kind");
		/* the schema allows only these two; absent: by the target's name */
		if (kind)
			t->memory_kind = !strcmp((const char *)kind, "cache") ? CV_MEMORY_CACHE
									      : CV_MEMORY_SCRATCHPAD;
		else
			t->memory_kind = !strcmp(t->name, "host") ? CV_MEMORY_CACHE
								  : CV_MEMORY_SCRATCHPAD;
		xmlFree(kind);
		st = read_bytes(n, &t->local_memory, t->source.local_memory, d);
	} else if (!strcmp(name, "l1d")) {
		st = read_bytes(n, &t->l1d, t->source.l1d, d);
	} else if (!strcmp(name, "peak-flops")) {
		st = read_rate(n, &t->peak_flops, t->source.peak_flops, d);
	} else if (!strcmp(name, "memory-bandwidth")) {
		st = read_rate(n, &t->memory_bandwidth, t->source.memory_bandwidth, d);
	} else if (!strcmp(name, "core-bandwidth")) {
		st = read_rate(n, &t->core_bandwidth, t->source.core_bandwidth, d);
	} else if (!strcmp(name, "simd-width")) {
		if (!(st = node_count(n, &t->simd_width, d)))
			set_source(t->source.simd_width, n);
	}
	return st;
}

static void set_roofline_source(cv_target *t)
{
	snprintf(t->roofline_source, sizeof t->roofline_source, "target %s (%.100s): peak: %.150s; bandwidth: %.150s",
		 t->name, t->origin, t->source.peak_flops, t->source.memory_bandwidth);
}

static cv_status read_target(xmlDocPtr doc, const char *origin, cv_target *t, cv_diag *d)
{
	xmlNodePtr root = xmlDocGetRootElement(doc), n;
	xmlChar *name = xmlGetProp(root, (const xmlChar *)"name");
	cv_status st = CV_OK;

	memset(t, 0, sizeof *t);
	snprintf(t->name, sizeof t->name, "%s", name ? (const char *)name : "");
	xmlFree(name);
	snprintf(t->origin, sizeof t->origin, "%s", origin);
	for (n = root->children; n && !st; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			st = read_field(n, t, d);
	if (!st)
		set_roofline_source(t);
	return st;
}

/* ---- parsing and validation ---- */

static cv_status validate(xmlDocPtr doc, cv_diag *d)
{
	const struct cv_target_file *rng = embedded(SCHEMA_FILE);
	struct xml_errors errs = {0};
	xmlRelaxNGParserCtxtPtr pctx = NULL;
	xmlRelaxNGValidCtxtPtr vctx = NULL;
	xmlRelaxNGPtr schema = NULL;
	cv_status st = CV_OK;

	if (!rng || !(pctx = xmlRelaxNGNewMemParserCtxt((const char *)rng->data, (int)rng->size)))
		return cv_diag_error(d, CV_ERR_INTERNAL, "the embedded target schema is missing");
	xmlRelaxNGSetParserStructuredErrors(pctx, on_xml_error, &errs);
	if (!(schema = xmlRelaxNGParse(pctx))) {
		st = cv_diag_error(d, CV_ERR_INTERNAL, "the embedded target schema does not parse: %s",
				   errs.have ? errs.msg : "?");
		goto done;
	}
	if (!(vctx = xmlRelaxNGNewValidCtxt(schema))) {
		st = cv_diag_error(d, CV_ERR_NOMEM, "out of memory");
		goto done;
	}
	xmlRelaxNGSetValidStructuredErrors(vctx, on_xml_error, &errs);
	if (xmlRelaxNGValidateDoc(vctx, doc) != 0)
		st = xml_fail(&errs, d, "not a valid target file (targets/target.rng)");
done:
	xmlRelaxNGFreeValidCtxt(vctx);
	xmlRelaxNGFree(schema);
	xmlRelaxNGFreeParserCtxt(pctx);
	return st;
}

static cv_status load_memory(const char *text, size_t len, const char *display, const char *origin,
			     cv_target *out, cv_diag *d)
{
	struct xml_errors errs = {0};
	cv_target t;
	xmlDocPtr doc;
	cv_status st;

	if (len > (size_t)1 << 24)
		return cv_diag_error(d, CV_ERR_INPUT, "a target file larger than 16 MiB");
	xmlSetStructuredErrorFunc(&errs, on_xml_error);
	doc = xmlReadMemory(text, (int)len, display, NULL, XML_PARSE_NONET);
	xmlSetStructuredErrorFunc(NULL, NULL);
	if (!doc)
		return xml_fail(&errs, d, "malformed XML");
	st = validate(doc, d);
	if (!st)
		st = read_target(doc, origin, &t, d);
	xmlFreeDoc(doc);
	if (!st)
		*out = t;
	return st;
}

static cv_status read_file(const char *path, char **text, size_t *len, cv_diag *d)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096, n = 0, got;
	char *buf = NULL, *grown;

	if (!f)
		return cv_diag_error(d, CV_ERR_IO, "cannot read: %s", strerror(errno));
	do {
		if (!(grown = realloc(buf, cap + 1))) {
			free(buf);
			fclose(f);
			return cv_diag_error(d, CV_ERR_NOMEM, "out of memory");
		}
		buf = grown;
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n == cap && cap < ((size_t)1 << 25))
			cap *= 2;
	} while (got && n < cap);
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return cv_diag_error(d, CV_ERR_IO, "cannot read: %s", strerror(errno));
	}
	fclose(f);
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return CV_OK;
}

static int looks_like_path(const char *s)
{
	size_t n = strlen(s);

	return strchr(s, '/') || (n >= 4 && !strcmp(s + n - 4, ".xml"));
}

static cv_status unknown_name(const char *name, cv_diag *d)
{
	const char *const *b;
	char list[256] = "";

	for (b = cv_target_builtin_names(); *b; b++) {
		strncat(list, list[0] ? ", " : "", sizeof list - strlen(list) - 1);
		strncat(list, *b, sizeof list - strlen(list) - 1);
	}
	d->file = NULL;
	return cv_diag_error(d, CV_ERR_INPUT, "unknown target '%s' (built-in: %s; or a FILE.xml)", name, list);
}

cv_status cv_target_load(const char *name_or_path, cv_target *out, cv_diag *d)
{
	const struct cv_target_file *f;
	char file[CV_TARGET_NAME_MAX + 8];
	size_t len = 0;
	char *text = NULL;
	cv_status st;

	d->file = name_or_path;
	if (!strcmp(name_or_path, "host"))
		return cv_target_host(out, d);
	if (looks_like_path(name_or_path)) {
		if ((st = read_file(name_or_path, &text, &len, d)))
			return st;
		st = load_memory(text, len, name_or_path, name_or_path, out, d);
		free(text);
		return st;
	}
	if (strlen(name_or_path) >= CV_TARGET_NAME_MAX)
		return unknown_name(name_or_path, d);
	snprintf(file, sizeof file, "%s.xml", name_or_path);
	if (!(f = embedded(file)))
		return unknown_name(name_or_path, d);
	return load_memory((const char *)f->data, f->size, file, "built-in", out, d);
}

cv_roofline cv_target_roofline(const cv_target *t)
{
	cv_roofline r;

	r.name = t->name;
	r.cores = t->cores >= 1 ? t->cores : 1;
	r.peak_flops = t->peak_flops;
	r.bandwidth = t->memory_bandwidth;
	r.source = t->roofline_source;
	return r;
}

void cv_target_print(const cv_target *t, FILE *f)
{
	fprintf(f, "name = %s\n", t->name);
	fprintf(f, "origin = %s\n", t->origin);
	if (t->rows)
		fprintf(f, "grid = %dx%d\n", t->rows, t->cols);
	fprintf(f, "cores = %d\n", t->cores);
	fprintf(f, "local_memory_bytes = %.0f\n", t->local_memory);
	fprintf(f, "local_memory_kind = %s\n",
		t->memory_kind == CV_MEMORY_CACHE ? "cache" : "scratchpad");
	fprintf(f, "l1d_bytes = %.0f\n", t->l1d);
	fprintf(f, "peak_flops_per_core = %.6g\n", t->peak_flops);
	fprintf(f, "memory_bandwidth = %.6g\n", t->memory_bandwidth);
	fprintf(f, "core_bandwidth = %.6g\n", t->core_bandwidth);
	fprintf(f, "simd_width = %d\n", t->simd_width);
	fprintf(f, "source.cores = %s\n", t->source.cores);
	fprintf(f, "source.local_memory = %s\n", t->source.local_memory);
	if (t->source.l1d[0])
		fprintf(f, "source.l1d = %s\n", t->source.l1d);
	fprintf(f, "source.peak_flops = %s\n", t->source.peak_flops);
	fprintf(f, "source.memory_bandwidth = %s\n", t->source.memory_bandwidth);
	fprintf(f, "source.core_bandwidth = %s\n", t->source.core_bandwidth);
	fprintf(f, "source.simd_width = %s\n", t->source.simd_width);
}
