/*
 * instrument.c - IR snapshots around passes: --print-after(-all),
 * --print-changed[=diff], --dump-dir, and the diff itself (libgit2's
 * git_diff_buffers, so convc does not carry a diff algorithm of its own).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <git2.h>

#include "convc/report.h"
#include "passes/instrument.h"

/* The module's text IR in a malloc'd string; NULL when out of memory. */
static char *ir_text(const cv_module *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	if (cv_module_print(m, f) | fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

struct diff_out {
	FILE *out;
	int color;
};

static int on_hunk(const git_diff_delta *delta, const git_diff_hunk *h, void *payload)
{
	struct diff_out *o = payload;

	(void)delta;
	fprintf(o->out, "%s%.*s%s", o->color ? "\033[36m" : "", (int)h->header_len, h->header,
		o->color ? "\033[0m" : "");
	return 0;
}

static int on_line(const git_diff_delta *delta, const git_diff_hunk *h, const git_diff_line *l,
		   void *payload)
{
	struct diff_out *o = payload;
	const char *c = "";

	(void)delta;
	(void)h;
	if (l->origin != GIT_DIFF_LINE_CONTEXT && l->origin != GIT_DIFF_LINE_ADDITION &&
	    l->origin != GIT_DIFF_LINE_DELETION)
		return 0; /* "\ No newline at end of file" markers */
	if (o->color)
		c = l->origin == '+' ? "\033[32m" : l->origin == '-' ? "\033[31m" : "";
	fprintf(o->out, "%s%c%.*s%s", c, l->origin, (int)l->content_len, l->content,
		*c ? "\033[0m" : "");
	return 0;
}

cv_status ir_diff(FILE *out, const char *before, const char *after, const char *label_a,
		  const char *label_b, int color, cv_diag *d)
{
	git_diff_options opts;
	struct diff_out o = {out, color};

	/* GIT_DIFF_OPTIONS_INIT leaves fields to zero-init, which -Wextra flags */
	if (git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION) < 0)
		return cv_diag_error(d, CV_ERR_INTERNAL, "libgit2: cannot initialize diff options");

	fprintf(out, "%s--- %s\n+++ %s%s\n", color ? "\033[1m" : "", label_a, label_b,
		color ? "\033[0m" : "");
	if (git_diff_buffers(before, strlen(before), label_a, after, strlen(after), label_b, &opts,
			     NULL, NULL, on_hunk, on_line, &o) < 0)
		return cv_diag_error(d, CV_ERR_NOMEM, "cannot diff the IR: %s",
				     git_error_last() ? git_error_last()->message : "libgit2 failed");
	return CV_OK;
}

static void header(FILE *out, const char *what, const char *name, int index)
{
	fprintf(out, "// ----- IR %s %s (pass %d) -----\n", what, name, index);
}

static cv_status write_file(const char *dir, int index, const char *name, const char *ext,
			    const char *text, cv_diag *d)
{
	size_t n = strlen(dir) + strlen(name) + 32;
	char *path = malloc(n);
	FILE *f;

	if (!path)
		return cv_diag_error(d, CV_ERR_NOMEM, "out of memory");
	snprintf(path, n, "%s/%02d-%s.%s", dir, index, name, ext);
	f = fopen(path, "w");
	if (!f || (text && fputs(text, f) < 0) || fclose(f)) {
		cv_diag_error(d, CV_ERR_IO, "cannot write %s: %s", path, strerror(errno));
		free(path);
		return d->status;
	}
	free(path);
	return CV_OK;
}

/* Whether `name` is one of the comma-separated names in list (may be NULL). */
static int in_list(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *s = list;

	while (s && *s) {
		size_t len = strcspn(s, ",");
		if (len == n && !strncmp(s, name, n))
			return 1;
		s += len + (s[len] == ',');
	}
	return 0;
}

static int wants_text(const cv_pipeline_opts *o)
{
	return o->print_changed != CV_CHANGED_OFF || o->dump_dir || o->history;
}

/* The unified diff prev -> cur as a malloc'd string ("" when equal). */
static char *diff_text(const char *prev, const char *cur, const char *name, cv_diag *d)
{
	char *buf = NULL, label[300];
	size_t len = 0;
	FILE *f;

	if (!strcmp(prev, cur))
		return strdup("");
	if (!(f = open_memstream(&buf, &len)))
		return NULL;
	snprintf(label, sizeof label, "after %s", name);
	if (ir_diff(f, prev, cur, "before", label, 0, d)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

cv_status instruments_begin(struct instruments *in, const cv_module *m, const cv_pipeline_opts *o,
			    cv_diag *d)
{
	memset(in, 0, sizeof *in);
	in->o = o;
	in->out = o->out ? o->out : stderr;
	if (o->print_changed == CV_CHANGED_DIFF || o->dump_dir || o->history) {
		if (git_libgit2_init() < 0)
			return cv_diag_error(d, CV_ERR_INTERNAL, "libgit2 failed to initialize");
		in->git = 1;
	}
	if (wants_text(o) && !(in->prev = ir_text(m)))
		return cv_diag_error(d, CV_ERR_NOMEM, "out of memory");
	if (o->history && !o->history->input_ir && !(o->history->input_ir = strdup(in->prev)))
		return cv_diag_error(d, CV_ERR_NOMEM, "out of memory");
	if (o->dump_dir) {
		if (mkdir(o->dump_dir, 0777) && errno != EEXIST)
			return cv_diag_error(d, CV_ERR_IO, "cannot create dump directory %s: %s", o->dump_dir,
					     strerror(errno));
		if (write_file(o->dump_dir, 0, "input", "cir", in->prev, d))
			return d->status;
	}
	if (o->check_numerics)
		return numerics_begin(m, &in->nu, d);
	return CV_OK;
}

static cv_status after_text(struct instruments *in, const cv_module *m, const char *name, int index,
			    cv_diag *d)
{
	const cv_pipeline_opts *o = in->o;
	char *cur = ir_text(m), label[300];
	int changed;
	cv_status st = CV_OK;

	if (!cur)
		return cv_diag_error(d, CV_ERR_NOMEM, "out of memory");
	changed = strcmp(in->prev, cur) != 0;
	if (changed && o->print_changed == CV_CHANGED_FULL) {
		header(in->out, "after", name, index);
		fputs(cur, in->out);
	} else if (changed && o->print_changed == CV_CHANGED_DIFF) {
		snprintf(label, sizeof label, "after %s", name);
		header(in->out, "changed by", name, index);
		st = ir_diff(in->out, in->prev, cur, "before", label, o->color, d);
	}
	if (!st && (o->dump_dir || o->history)) {
		char *diff = diff_text(in->prev, cur, name, d);
		if (!diff)
			st = d->status ? d->status : cv_diag_error(d, CV_ERR_NOMEM, "out of memory");
		if (!st && o->dump_dir && !(st = write_file(o->dump_dir, index, name, "cir", cur, d)))
			st = write_file(o->dump_dir, index, name, "diff", diff, d); /* empty: unchanged */
		if (!st && o->history && o->history->count) {
			cv_pass_record *r = &o->history->passes[o->history->count - 1];
			free(r->diff);
			r->diff = diff;
			diff = NULL;
		}
		free(diff);
	}
	free(in->prev);
	in->prev = cur;
	return st;
}

cv_status instruments_after(struct instruments *in, const cv_module *m, const char *name, int index,
			    cv_diag *d)
{
	const cv_pipeline_opts *o = in->o;
	cv_status st;

	if (o->print_after_all || in_list(o->print_after, name)) {
		header(in->out, "after", name, index);
		cv_module_print(m, in->out);
	}
	if (wants_text(o) && (st = after_text(in, m, name, index, d)))
		return st;
	if (in->nu)
		return numerics_check(in->nu, m, name, in->out, d);
	return CV_OK;
}

void instruments_end(struct instruments *in)
{
	free(in->prev);
	in->prev = NULL;
	numerics_free(in->nu);
	in->nu = NULL;
	if (in->git)
		git_libgit2_shutdown();
	in->git = 0;
}
