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
#include "passes/crash.h"
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
	const char *file; /* the plugin's path as given (owned by files[]), NULL: built-in */
};

struct cv_pass_registry {
	struct entry *entries;
	int count, cap;
	void **handles; /* dlopen handles of loaded plugins */
	char **files;   /* their paths, parallel to handles */
	int num_handles;
	const char *loading;   /* the path of the plugin being loaded, or NULL */
	const void *load_base; /* where that plugin is mapped (dladdr's dli_fbase) */
};

/* Each -O level is exactly this text; --print-pipeline prints it. */
static const char *const levels[4] = {
	"",
	"const-fold,fold-bn,cse,dce",
	"const-fold,fold-bn,cse,match-activations,match-layernorm,dw-to-pool,channels-last,fuse-epilogue,fuse-channel-scale,winograd,dce,shard",
	"const-fold,fold-bn,cse,match-activations,match-layernorm,dw-to-pool,channels-last,fuse-epilogue,fuse-channel-scale,winograd,dce,shard",
};

static const cv_pass *const builtin[] = {
	&cv_pass_dce,
	&cv_pass_fold_bn,
	&cv_pass_fuse_epilogue,
	&cv_pass_fuse_channel_scale,
	&cv_pass_dw_to_pool,
	&cv_pass_channels_last,
	&cv_pass_cse,
	&cv_pass_const_fold,
	&cv_pass_shard,
	&cv_pass_winograd,
	&cv_pass_match_activations,
	&cv_pass_match_layernorm,
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

/* Whether p points into the plugin being loaded (its data, not a stack or
 * heap block); a NULL p is the name check's to report. */
static int in_plugin(const cv_pass_registry *r, const void *p)
{
	Dl_info info;

	return !p || (dladdr(p, &info) && info.dli_fbase == r->load_base);
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

	if (r->loading && !in_plugin(r, p))
		return cv_diag_error(d, CV_ERR_INPUT, "%s registers a pass descriptor that is not in the plugin's "
				     "static storage (a local or malloc'd cv_pass?); it must be static", origin);
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
	r->entries[r->count].file = r->loading;
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
	for (i = 0; i < r->num_handles; i++) {
		dlclose(r->handles[i]);
		free(r->files[i]);
	}
	free(r->handles);
	free(r->files);
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

const char *registry_plugin_file(const cv_pass_registry *r, const cv_pass *p)
{
	int i;

	for (i = 0; i < r->count; i++)
		if (r->entries[i].pass == p)
			return r->entries[i].file;
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
static cv_status check_info(const cv_pass_registry *r, const cv_plugin_info *info, cv_diag *d)
{
	if (!info)
		return cv_diag_error(d, CV_ERR_INPUT, "convc_plugin_info() returned NULL");
	if (!in_plugin(r, info))
		return cv_diag_error(d, CV_ERR_INPUT,
				     "convc_plugin_info() returned a pointer outside the plugin "
				     "(a local or malloc'd descriptor?); it must return a static one");
	if (info->abi_version != CV_PLUGIN_ABI_VERSION)
		return cv_diag_error(d, CV_ERR_INPUT,
				     "built for plugin ABI version %u; this convc has version %u (rebuild it against these headers)",
				     (unsigned)info->abi_version, (unsigned)CV_PLUGIN_ABI_VERSION);
	if (info->size < sizeof *info)
		return cv_diag_error(d, CV_ERR_INPUT, "descriptor is %u bytes, expected at least %zu",
				     (unsigned)info->size, sizeof *info);
	if (!info->name || !info->name[0] || !info->register_passes)
		return cv_diag_error(d, CV_ERR_INPUT, "descriptor has no name or register function");
	return CV_OK;
}

static cv_status keep_handle(cv_pass_registry *r, void *h, const char *path, cv_diag *d)
{
	void **hs = realloc(r->handles, (size_t)(r->num_handles + 1) * sizeof *hs);
	char **fs;

	if (hs)
		r->handles = hs;
	fs = hs ? realloc(r->files, (size_t)(r->num_handles + 1) * sizeof *fs) : NULL;
	if (fs)
		r->files = fs;
	if (!hs || !fs || !(r->files[r->num_handles] = strdup(path)))
		return cv_diag_error(d, CV_ERR_NOMEM, "out of memory");
	r->handles[r->num_handles++] = h;
	return CV_OK;
}

/* dlopen the plugin; a bare name would make dlopen search the library path,
 * but a plugin is always a file the user points at. */
static void *open_plugin(const char *path, cv_diag *d)
{
	char *p = strchr(path, '/') ? strdup(path) : malloc(strlen(path) + 3);
	void *h;

	if (!p)
		return cv_diag_error(d, CV_ERR_NOMEM, "out of memory"), NULL;
	if (!strchr(path, '/'))
		sprintf(p, "./%s", path);
	dlerror();
	h = dlopen(p, RTLD_NOW | RTLD_LOCAL | KEEP_LOADED);
	if (!h) {
		/* the message is about the file already: drop dlerror's "PATH: " */
		const char *why = dlerror();
		size_t n = strlen(p);
		if (why && !strncmp(why, p, n) && !strncmp(why + n, ": ", 2))
			why += n + 2;
		cv_diag_error(d, CV_ERR_INPUT, "cannot load pass plugin: %s", why ? why : "dlopen failed");
	}
	free(p);
	return h;
}

/* The register function failed: say so, naming the plugin. */
static cv_status register_failed(const cv_plugin_info *info, cv_diag *d)
{
	char why[CV_DIAG_MSG_MAX / 2];

	snprintf(why, sizeof why, "%.1000s", d->msg[0] ? d->msg : "no reason given");
	snprintf(d->msg, sizeof d->msg, "plugin '%.200s' failed to register its passes: %s", info->name,
		 why);
	/* whatever the plugin returned, for convc this is a bad plugin */
	d->status = CV_ERR_INPUT;
	return CV_ERR_INPUT;
}

cv_status cv_pass_registry_load_plugin(cv_pass_registry *r, const char *path, cv_diag *d)
{
	const cv_plugin_info *(*entry)(void);
	const cv_plugin_info *info;
	char what[1200];
	int before = r->count;
	Dl_info dl;
	void *h;
	cv_status st;

	if (!(h = open_plugin(path, d)))
		return d->status;
	*(void **)&entry = dlsym(h, CV_PLUGIN_ENTRY_SYMBOL);
	if (!entry || !dladdr(*(void **)&entry, &dl)) {
		dlclose(h);
		return cv_diag_error(d, CV_ERR_INPUT, "not a pass plugin: it does not export %s()",
				     CV_PLUGIN_ENTRY_SYMBOL);
	}
	if ((st = keep_handle(r, h, path, d))) {
		dlclose(h);
		return st;
	}
	r->loading = r->files[r->num_handles - 1];
	r->load_base = dl.dli_fbase;
	snprintf(what, sizeof what, "plugin %.1000s (in %s())", path, CV_PLUGIN_ENTRY_SYMBOL);
	crash_guard_enter(what);
	info = entry();
	st = check_info(r, info, d);
	crash_guard_leave();
	if (!st) {
		snprintf(what, sizeof what, "plugin %.1000s (in the register function of '%.100s')",
			 path, info->name);
		crash_guard_enter(what);
		if ((st = info->register_passes(r, d))) {
			r->count = before; /* drop what it registered before failing */
			st = register_failed(info, d);
		}
		crash_guard_leave();
	}
	r->loading = NULL;
	/* the handle stays in the list (closed with the registry) either way */
	return st;
}
