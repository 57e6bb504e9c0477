/*
 * registry.c - the pass registry (built-in passes and plugin passes), pass
 * plugin loading, statistics and the -O pipelines.
 */
#define _GNU_SOURCE 1 /* RTLD_NODELETE */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convc/plugin.h"
#include "passes/passes.h"

/* Under AddressSanitizer keep plugins mapped after dlclose, so a leak in a
 * plugin is reported with its file and line instead of <unknown module>. */
#if defined(__SANITIZE_ADDRESS__)
#define KEEP_LOADED RTLD_NODELETE
#else
#define KEEP_LOADED 0
#endif

struct entry {
	const cv_pass *pass;
	const char *origin;
};

struct cv_pass_registry {
	struct entry *entries;
	int count, cap;
	void **handles; /* dlopen handles of loaded plugins */
	int num_handles;
};

/* Each -O level is exactly this text; --print-pipeline prints it. */
static const char *const levels[4] = {
	"",
	"const-fold,fold-bn,cse,dce",
	"const-fold,fold-bn,cse,match-activations,dw-to-pool,channels-last,fuse-epilogue,winograd,dce,shard",
	"const-fold,fold-bn,cse,match-activations,dw-to-pool,channels-last,fuse-epilogue,winograd,dce,shard",
};

static const cv_pass *const builtin[] = {
	&cv_pass_dce,
	&cv_pass_fold_bn,
	&cv_pass_fuse_epilogue,
	&cv_pass_dw_to_pool,
	&cv_pass_channels_last,
	&cv_pass_cse,
	&cv_pass_const_fold,
	&cv_pass_shard,
	&cv_pass_winograd,
	&cv_pass_match_activations,
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

const char *cv_pass_option(const cv_pass_options *o, const char *key, const char *dflt)
{
	int i;

	for (i = 0; o && i < o->count; i++)
		if (!strcmp(o->keys[i], key))
			return o->values[i];
	return dflt;
}

const char *cv_pipeline_for_level(int level)
{
	return levels[level < 0 ? 0 : level > 3 ? 3 : level];
}

static int valid_pass_name(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return 0;
	return 1;
}

cv_status cv_pass_registry_add(cv_pass_registry *r, const cv_pass *p, const char *origin,
			       cv_diag *d)
{
	int i;

	if (!p || !valid_pass_name(p->name) || !p->run)
		return cv_diag_error(d, CV_ERR_INPUT, "%s registers a pass without a valid name ([a-z0-9-]+) or run function",
				     origin);
	for (i = 0; i < r->count; i++)
		if (!strcmp(r->entries[i].pass->name, p->name))
			return cv_diag_error(d, CV_ERR_INPUT, "pass '%s' from %s is already registered by %s",
					     p->name, origin, r->entries[i].origin);
	if (r->count == r->cap) {
		int ncap = r->cap ? 2 * r->cap : 16;
		struct entry *e = realloc(r->entries, (size_t)ncap * sizeof *e);
		if (!e)
			return cv_diag_error(d, CV_ERR_NOMEM, "out of memory");
		r->entries = e;
		r->cap = ncap;
	}
	r->entries[r->count].pass = p;
	r->entries[r->count].origin = origin;
	r->count++;
	return CV_OK;
}

cv_pass_registry *cv_pass_registry_new(void)
{
	cv_pass_registry *r = calloc(1, sizeof *r);
	size_t i;

	for (i = 0; r && i < sizeof builtin / sizeof builtin[0]; i++)
		if (cv_pass_registry_add(r, builtin[i], "built-in", NULL)) {
			cv_pass_registry_free(r);
			return NULL;
		}
	return r;
}

void cv_pass_registry_free(cv_pass_registry *r)
{
	int i;

	if (!r)
		return;
	for (i = 0; i < r->num_handles; i++)
		dlclose(r->handles[i]);
	free(r->handles);
	free(r->entries);
	free(r);
}

const cv_pass *cv_pass_registry_find(const cv_pass_registry *r, const char *name)
{
	int i;

	for (i = 0; i < r->count; i++)
		if (!strcmp(r->entries[i].pass->name, name))
			return r->entries[i].pass;
	return NULL;
}

int cv_pass_registry_count(const cv_pass_registry *r)
{
	return r->count;
}

const cv_pass *cv_pass_registry_at(const cv_pass_registry *r, int i, const char **origin)
{
	if (i < 0 || i >= r->count)
		return NULL;
	if (origin)
		*origin = r->entries[i].origin;
	return r->entries[i].pass;
}

/* Check the descriptor before trusting any field past the header. */
static cv_status check_info(const cv_plugin_info *info, const char *path, cv_diag *d)
{
	if (!info)
		return cv_diag_error(d, CV_ERR_INPUT, "plugin %s: convc_plugin_info() returned NULL", path);
	if (info->abi_version != CV_PLUGIN_ABI_VERSION)
		return cv_diag_error(d, CV_ERR_INPUT,
				     "plugin %s was built for plugin ABI version %u; this convc has version %u (rebuild it against these headers)",
				     path, (unsigned)info->abi_version, (unsigned)CV_PLUGIN_ABI_VERSION);
	if (info->size < sizeof *info)
		return cv_diag_error(d, CV_ERR_INPUT, "plugin %s: descriptor is %u bytes, expected at least %zu",
				     path, (unsigned)info->size, sizeof *info);
	if (!info->name || !info->name[0] || !info->register_passes)
		return cv_diag_error(d, CV_ERR_INPUT, "plugin %s: descriptor has no name or register function",
				     path);
	return CV_OK;
}

static cv_status keep_handle(cv_pass_registry *r, void *h, cv_diag *d)
{
	void **hs = realloc(r->handles, (size_t)(r->num_handles + 1) * sizeof *hs);

	if (!hs)
		return cv_diag_error(d, CV_ERR_NOMEM, "out of memory");
	r->handles = hs;
	r->handles[r->num_handles++] = h;
	return CV_OK;
}

cv_status cv_pass_registry_load_plugin(cv_pass_registry *r, const char *path, cv_diag *d)
{
	const cv_plugin_info *(*entry)(void);
	const cv_plugin_info *info;
	int before = r->count;
	void *h;
	cv_status st;

	/* A bare name would make dlopen search the library path; a plugin is
	 * always a file the user points at. */
	char *p = strchr(path, '/') ? strdup(path) : malloc(strlen(path) + 3);
	if (!p)
		return cv_diag_error(d, CV_ERR_NOMEM, "out of memory");
	if (!strchr(path, '/'))
		sprintf(p, "./%s", path);
	dlerror();
	h = dlopen(p, RTLD_NOW | RTLD_LOCAL | KEEP_LOADED);
	free(p);
	if (!h)
		return cv_diag_error(d, CV_ERR_INPUT, "cannot load pass plugin: %s", dlerror());
	*(void **)&entry = dlsym(h, CV_PLUGIN_ENTRY_SYMBOL);
	if (!entry) {
		dlclose(h);
		return cv_diag_error(d, CV_ERR_INPUT, "not a pass plugin: it does not export %s()",
				     CV_PLUGIN_ENTRY_SYMBOL);
	}
	info = entry();
	if ((st = check_info(info, path, d)) || (st = keep_handle(r, h, d))) {
		dlclose(h);
		return st;
	}
	if ((st = info->register_passes(r, d))) {
		char why[CV_DIAG_MSG_MAX / 2];
		r->count = before; /* drop what it registered before failing */
		snprintf(why, sizeof why, "%.1000s", d->msg[0] ? d->msg : "no reason given");
		snprintf(d->msg, sizeof d->msg, "pass plugin %s (%s) failed to register its passes: %s",
			 path, info->name, why);
		/* whatever the plugin returned, for convc this is a bad plugin */
		d->status = CV_ERR_INPUT;
		return CV_ERR_INPUT;
	}
	return CV_OK;
}
