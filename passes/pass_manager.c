/*
 * pass_manager.c - the pass registry, the -O pipelines, and the loop that
 * runs a textual pipeline with verification after each pass.
 */
#include <stdio.h>
#include <string.h>

#include "convc/pass.h"
#include "passes/passes.h"

static const cv_pass *const builtin[] = {
	&cv_pass_dce,
	&cv_pass_fold_bn,
	&cv_pass_fuse_epilogue,
	NULL,
};

/* Each -O level is exactly this text; --print-pipeline prints it. */
static const char *const levels[4] = {
	"",
	"fold-bn,dce",
	"fold-bn,fuse-epilogue,dce",
	"fold-bn,fuse-epilogue,dce",
};

void cv_stat_add(cv_pass_stats *s, const char *name, long long delta)
{
	int i;

	for (i = 0; i < s->count; i++)
		if (!strcmp(s->names[i], name)) {
			s->values[i] += delta;
			return;
		}
	if (s->count < CV_STAT_MAX) {
		s->names[s->count] = name;
		s->values[s->count++] = delta;
	}
}

const cv_pass *const *cv_pass_list(void)
{
	return builtin;
}

const cv_pass *cv_pass_find(const char *name)
{
	int i;

	for (i = 0; builtin[i]; i++)
		if (!strcmp(builtin[i]->name, name))
			return builtin[i];
	return NULL;
}

const char *cv_pipeline_for_level(int level)
{
	return levels[level < 0 ? 0 : level > 3 ? 3 : level];
}

static cv_status unknown_pass(const char *name, cv_diag *d)
{
	char known[512];
	size_t off = 0;
	int i;

	known[0] = '\0';
	for (i = 0; builtin[i] && off < sizeof known; i++)
		off += (size_t)snprintf(known + off, sizeof known - off, "%s%s", i ? ", " : "",
					builtin[i]->name);
	return cv_diag_error(d, CV_ERR_INPUT, "unknown pass '%s' in pipeline (known: %s)", name, known);
}

static void print_stats(const cv_pass *p, const cv_pass_stats *s)
{
	int i;

	for (i = 0; i < s->count; i++)
		fprintf(stderr, "%s.%s = %lld\n", p->name, s->names[i], s->values[i]);
}

cv_status cv_pipeline_run(cv_module *m, const char *pipeline, const cv_pipeline_opts *opts,
			  cv_diag *d)
{
	const char *s = pipeline;
	char name[64];
	cv_status st;

	while (*s) {
		size_t len = strcspn(s, ",");
		const cv_pass *p;
		cv_pass_stats stats = {0};
		if (len == 0 || len >= sizeof name)
			return cv_diag_error(d, CV_ERR_INPUT, "malformed pipeline '%s'", pipeline);
		memcpy(name, s, len);
		name[len] = '\0';
		s += len + (s[len] == ',');
		if (!(p = cv_pass_find(name)))
			return unknown_pass(name, d);
		if ((st = p->run(m, &stats, d)))
			return st;
		if (opts && opts->verify_each && (st = cv_verify(m, d)))
			return cv_diag_error(d, st, "after pass %s: %s", p->name, d->msg);
		if (opts && opts->print_stats)
			print_stats(p, &stats);
	}
	return CV_OK;
}
