/*
 * pipeline.c - parse pipeline text and run it with instruments: verify,
 * statistics, timing, IR printing, change diffs and dumps after each pass.
 *
 * Text form: name[{key=value,...}](,name[{...}])*; whitespace is ignored.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "convc/report.h"
#include "passes/crash.h"
#include "passes/instrument.h"
#include "passes/passes.h"

#define MAX_STEPS 256

struct step {
	const cv_pass *pass;
	const char *file; /* the plugin it came from, or NULL: built-in */
	cv_pass_options opts;
	double ms;
};

struct pipeline {
	struct step steps[MAX_STEPS];
	int count;
	char *storage; /* a copy of the text, cut into names, keys and values */
};

static int is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
	       c == '_' || c == '.';
}

/* Cut a name-like token at *p (after spaces); NULL if there is none. */
static char *token(char **p)
{
	char *s = *p, *start;

	while (*s == ' ' || *s == '\t')
		s++;
	start = s;
	while (is_name_char(*s))
		s++;
	*p = s;
	return s == start ? NULL : start;
}

static void skip_spaces(char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

static cv_status bad(const char *text, const char *at, const char *what, cv_diag *d)
{
	return cv_diag_error(d, CV_ERR_INPUT, "pipeline '%s': %s at offset %d", text, what,
			     (int)(at - text));
}

static int is_disabled(const cv_pipeline_opts *o, const char *name)
{
	int i;

	for (i = 0; o && i < o->num_disabled; i++)
		if (!strcmp(o->disabled[i], name))
			return 1;
	return 0;
}

static cv_status unknown_pass(const cv_pass_registry *r, const char *name, cv_diag *d)
{
	char known[1024];
	size_t off = 0;
	int i;

	known[0] = '\0';
	for (i = 0; i < cv_pass_registry_count(r) && off < sizeof known; i++)
		off += (size_t)snprintf(known + off, sizeof known - off, "%s%s", i ? ", " : "",
					cv_pass_registry_at(r, i, NULL)->name);
	return cv_diag_error(d, CV_ERR_INPUT, "unknown pass '%s' (known: %s)", name, known);
}

static cv_status check_option(const cv_pass *p, const char *key, cv_diag *d)
{
	char accepted[512];
	size_t off = 0;
	int i;

	accepted[0] = '\0';
	for (i = 0; p->options && p->options[i]; i++) {
		if (!strcmp(p->options[i], key))
			return CV_OK;
		if (off < sizeof accepted)
			off += (size_t)snprintf(accepted + off, sizeof accepted - off, "%s%s", i ? ", " : "",
						p->options[i]);
	}
	return cv_diag_error(d, CV_ERR_INPUT, "pass '%s' has no option '%s' (it accepts: %s)", p->name,
			     key, accepted[0] ? accepted : "none");
}

/* key=value,...} after "name{"; cuts keys and values in place. */
static cv_status parse_options(const char *text, const char *base, char **p, struct step *s,
			       cv_diag *d)
{
	cv_status st;
	char c;

	for (;;) {
		char *key = token(p), *key_end = *p, *value, *value_end;
		skip_spaces(p);
		if (!key || **p != '=')
			return bad(text, text + (*p - base), "expected key=value", d);
		(*p)++;
		*key_end = '\0';
		value = token(p);
		value_end = *p;
		skip_spaces(p);
		c = **p;
		if (!value || (c != ',' && c != '}'))
			return bad(text, text + (*p - base), "expected a value followed by ',' or '}'", d);
		(*p)++;
		*value_end = '\0';
		if (s->opts.count == CV_PASS_OPTIONS_MAX)
			return bad(text, text + (*p - base), "too many options", d);
		if ((st = check_option(s->pass, key, d)))
			return st;
		if (cv_pass_option(&s->opts, key, NULL))
			return cv_diag_error(d, CV_ERR_INPUT, "pass '%s': option '%s' given twice (%s and %s)",
					     s->pass->name, key, cv_pass_option(&s->opts, key, NULL), value);
		s->opts.keys[s->opts.count] = key;
		s->opts.values[s->opts.count++] = value;
		if (c == '}')
			return CV_OK;
	}
}

/* Every name of --print-after (comma-separated) is a registered pass. */
static cv_status check_print_after(const cv_pass_registry *r, const char *list, cv_diag *d)
{
	char name[128];

	while (list && *list) {
		size_t len = strcspn(list, ",");
		snprintf(name, sizeof name, "%.*s", (int)(len < 127 ? len : 127), list);
		if (!cv_pass_registry_find(r, name))
			return cv_diag_error(d, CV_ERR_INPUT, "--print-after=%s: no such pass (see --list-passes)",
					     name);
		list += len + (list[len] == ',');
	}
	return CV_OK;
}

static cv_status parse_pipeline(const cv_pass_registry *r, const char *text,
				const cv_pipeline_opts *o, struct pipeline *pl, cv_diag *d)
{
	char *p, *base, c;
	cv_status st;
	int i;

	memset(pl, 0, sizeof *pl);
	if (!(base = pl->storage = strdup(text)))
		return cv_diag_error(d, CV_ERR_NOMEM, "out of memory");
	for (i = 0; o && i < o->num_disabled; i++)
		if (!cv_pass_registry_find(r, o->disabled[i]))
			return cv_diag_error(d, CV_ERR_INPUT, "--disable-pass=%s: no such pass (see --list-passes)",
					     o->disabled[i]);
	if (o && (st = check_print_after(r, o->print_after, d)))
		return st;
	p = base;
	skip_spaces(&p);
	while (*p) {
		struct step *s = &pl->steps[pl->count];
		char *name = token(&p), *end = p;
		if (!name)
			return bad(text, text + (p - base), "expected a pass name", d);
		skip_spaces(&p);
		c = *p;
		*end = '\0';
		memset(s, 0, sizeof *s);
		if (!(s->pass = cv_pass_registry_find(r, name)))
			return unknown_pass(r, name, d);
		s->file = registry_plugin_file(r, s->pass);
		if (c == '{') {
			p++;
			if ((st = parse_options(text, base, &p, s, d)))
				return st;
			skip_spaces(&p);
			c = *p;
		}
		if (c && c != ',')
			return bad(text, text + (p - base), "expected ','", d);
		if (c) {
			p++;
			skip_spaces(&p);
			if (!*p)
				return bad(text, text + (p - base), "expected a pass name", d);
		}
		if (!is_disabled(o, s->pass->name)) {
			if (pl->count == MAX_STEPS)
				return bad(text, text, "too many passes", d);
			pl->count++;
		}
		skip_spaces(&p);
	}
	return CV_OK;
}

static void format_pipeline(const struct pipeline *pl, char *buf, size_t size)
{
	size_t off = 0;
	int i, k;

	buf[0] = '\0';
	for (i = 0; i < pl->count && off < size; i++) {
		const struct step *s = &pl->steps[i];
		off += (size_t)snprintf(buf + off, size - off, "%s%s", i ? "," : "", s->pass->name);
		for (k = 0; k < s->opts.count && off < size; k++)
			off += (size_t)snprintf(buf + off, size - off, "%s%s=%s%s", k ? "," : "{",
						s->opts.keys[k], s->opts.values[k],
						k + 1 == s->opts.count ? "}" : "");
	}
}

cv_status cv_pipeline_normalize(const cv_pass_registry *r, const char *pipeline,
				const cv_pipeline_opts *opts, char *buf, size_t size, cv_diag *d)
{
	struct pipeline pl;
	cv_status st = parse_pipeline(r, pipeline, opts, &pl, d);

	if (!st)
		format_pipeline(&pl, buf, size);
	free(pl.storage);
	return st;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void print_stats(FILE *out, const cv_pass *p, const cv_pass_stats *s)
{
	int i;

	if (!s->count)
		fprintf(out, "%s: (no statistics)\n", p->name);
	for (i = 0; i < s->count; i++)
		fprintf(out, "%s.%s = %lld\n", p->name, s->names[i], s->values[i]);
}

static void print_times(FILE *out, const struct pipeline *pl)
{
	double total = 0;
	int i;

	for (i = 0; i < pl->count; i++)
		total += pl->steps[i].ms;
	fprintf(out, "===--- pass execution time ---===\n%10s %7s  %s\n", "ms", "%", "pass");
	for (i = 0; i < pl->count; i++)
		fprintf(out, "%10.3f %6.1f%%  %s\n", pl->steps[i].ms,
			total > 0 ? 100.0 * pl->steps[i].ms / total : 0.0, pl->steps[i].pass->name);
	fprintf(out, "%10.3f %6.1f%%  total\n", total, 100.0);
}

static int count_op(const cv_graph *g, cv_op op)
{
	const cv_node *n;
	int k = 0;

	cv_graph_for_each_node(g, n)
		k += n->op == op;
	return k;
}

/* Append this pass's record (its diff is filled in by the instruments). */
static cv_status record(cv_pass_history *h, const cv_pass *p, const cv_module *m, int nodes_before,
			int transposes_before, double ms, const cv_pass_stats *stats, cv_diag *d)
{
	cv_pass_record *r;

	if (h->count == h->cap) {
		int ncap = h->cap ? 2 * h->cap : 16;
		cv_pass_record *np = realloc(h->passes, (size_t)ncap * sizeof *np);
		if (!np)
			return cv_diag_error(d, CV_ERR_NOMEM, "out of memory");
		h->passes = np;
		h->cap = ncap;
	}
	r = &h->passes[h->count];
	memset(r, 0, sizeof *r);
	if (!(r->name = strdup(p->name)) || !(r->diff = strdup("")))
		return free(r->name), cv_diag_error(d, CV_ERR_NOMEM, "out of memory");
	h->count++;
	r->nodes_before = nodes_before;
	r->nodes_after = cv_graph_num_nodes(&m->graph);
	r->transposes_before = transposes_before;
	r->transposes_after = count_op(&m->graph, CV_OP_TRANSPOSE);
	r->ms = ms;
	r->stats = *stats;
	return CV_OK;
}

/* "pass 'NAME' (plugin FILE)" or "pass 'NAME' (built-in)", for messages. */
static void describe(const struct step *s, char *buf, size_t size)
{
	if (s->file)
		snprintf(buf, size, "pass '%.100s' (plugin %.600s)", s->pass->name, s->file);
	else
		snprintf(buf, size, "pass '%.100s' (built-in)", s->pass->name);
}

/* The pass returned st: make its message name it (every message, including
 * those of IR calls it made), or say that it gave none. */
static cv_status pass_failed(const struct step *s, cv_status st, cv_diag *d)
{
	char why[CV_DIAG_MSG_MAX / 2], who[160];
	size_t n;

	snprintf(who, sizeof who, "pass '%.100s'", s->pass->name);
	n = strlen(who);
	d->status = st;
	if (!d->msg[0])
		snprintf(d->msg, sizeof d->msg, "pass %.100s failed without a message (status %d)",
			 s->pass->name, (int)st);
	else if (strncmp(d->msg, who, n) || (d->msg[n] != ':' && d->msg[n] != ' ')) {
		/* a pass that names itself ("shard: ...") is not named twice */
		size_t k = strlen(s->pass->name);
		int own = !strncmp(d->msg, s->pass->name, k) && d->msg[k] == ':' && d->msg[k + 1] == ' ';
		snprintf(why, sizeof why, "%.1000s", d->msg + (own ? k + 2 : 0));
		snprintf(d->msg, sizeof d->msg, "%.150s: %.1000s", who, why);
	}
	return st;
}

/* cv_verify after step s; on failure name the pass (or passes) that may
 * have broken the IR: those run since the last verification. */
static cv_status verify_after(cv_module *m, const struct pipeline *pl, int i, int last_verified,
			      cv_diag *d)
{
	char why[CV_DIAG_MSG_MAX / 2], who[800];
	cv_status st = cv_verify(m, d);

	if (!st)
		return CV_OK;
	snprintf(why, sizeof why, "%.1000s", d->msg);
	describe(&pl->steps[i], who, sizeof who);
	if (i - last_verified > 1)
		snprintf(d->msg, sizeof d->msg,
			 "the IR is invalid after %.760s, which ran unverified with %d pass(es) before it "
			 "(--verify-each names the one that broke it): %.1000s",
			 who, i - last_verified - 1, why);
	else
		snprintf(d->msg, sizeof d->msg, "%.760s left invalid IR: %.1000s", who, why);
	return st;
}

/* Run the pass of step s, guarded: a crash in it names it and exits. */
static cv_status run_guarded(cv_module *m, struct step *s, cv_pass_stats *stats, cv_diag *d)
{
	char who[800];
	cv_status st;

	describe(s, who, sizeof who);
	crash_guard_enter(who);
	st = s->pass->run(m, &s->opts, stats, d);
	crash_guard_leave();
	if (st)
		return pass_failed(s, st, d);
	/* a message recorded without an error status would hide the next one */
	d->status = CV_OK;
	d->msg[0] = '\0';
	return CV_OK;
}

/* Run step i and every instrument that follows it. The IR is verified after
 * every plugin pass, after the last pass, and with --verify-each after
 * every pass; *last_verified is the index of the step verified last. */
static cv_status run_step(cv_module *m, struct pipeline *pl, int i, int *last_verified,
			  const cv_pipeline_opts *o, struct instruments *in, cv_diag *d)
{
	struct step *s = &pl->steps[i];
	cv_pass_stats stats = {0};
	int nodes = cv_graph_num_nodes(&m->graph), transposes = count_op(&m->graph, CV_OP_TRANSPOSE);
	double t0 = now_ms();
	cv_status st = run_guarded(m, s, &stats, d);

	s->ms = now_ms() - t0;
	if (st)
		return st;
	if (o->history && (st = record(o->history, s->pass, m, nodes, transposes, s->ms, &stats, d)))
		return st;
	if (o->verify_each || s->file || i == pl->count - 1) {
		if ((st = verify_after(m, pl, i, *last_verified, d)))
			return st;
		*last_verified = i;
	}
	if (o->print_stats)
		print_stats(in->out, s->pass, &stats);
	return instruments_after(in, m, s->pass->name, i + 1, d);
}

cv_status cv_pipeline_run(const cv_pass_registry *r, cv_module *m, const char *pipeline,
			  const cv_pipeline_opts *opts, cv_diag *d)
{
	static const cv_pipeline_opts none;
	const cv_pipeline_opts *o = opts ? opts : &none;
	struct pipeline pl;
	struct instruments in;
	cv_status st;
	int i;

	if ((st = parse_pipeline(r, pipeline, o, &pl, d))) {
		free(pl.storage);
		return st;
	}
	if (!(st = instruments_begin(&in, m, o, d))) {
		int last_verified = -1; /* the input was verified when it was read */
		for (i = 0; i < pl.count && !st; i++)
			st = run_step(m, &pl, i, &last_verified, o, &in, d);
		if (!st && o->time_passes)
			print_times(in.out, &pl);
	}
	instruments_end(&in);
	free(pl.storage);
	return st;
}
