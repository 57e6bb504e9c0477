/*
 * profile.c - the report's inputs: the host roofline, measured profiles
 * (Chrome trace-event JSON, read with jansson) and the pass history's
 * release.
 *
 * A profile is {"traceEvents": [...]} or a bare array of events; only
 * complete events count: "ph": "X" with a string "name" and a numeric
 * "dur" in microseconds. Several events of one name (several runs) give
 * their median; entries come out sorted by name.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "convc/report.h"

#define HOST_PEAK_PER_CORE 150e9
#define HOST_BANDWIDTH 23e9

cv_roofline cv_roofline_host(void)
{
	cv_roofline r;
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	r.name = "host";
	r.cores = n >= 1 ? (int)n : 1;
	r.peak_flops = HOST_PEAK_PER_CORE;
	r.bandwidth = HOST_BANDWIDTH;
	r.source = "defaults: 150 GFLOP/s fp32 per core (FMA-chain microbenchmark), 23 GB/s "
		   "(one core's stream triad), cores = online CPUs (sysconf); the project's FACTS for its AVX2/FMA hosts";
	return r;
}

void cv_pass_history_free(cv_pass_history *h)
{
	int i;

	if (!h)
		return;
	for (i = 0; i < h->count; i++) {
		free(h->passes[i].name);
		free(h->passes[i].diff);
	}
	free(h->passes);
	free(h->input_ir);
	h->passes = NULL;
	h->input_ir = NULL;
	h->count = h->cap = 0;
}

void cv_profile_free(cv_profile *p)
{
	int i;

	if (!p)
		return;
	for (i = 0; i < p->count; i++)
		free(p->entries[i].name);
	free(p->entries);
	memset(p, 0, sizeof *p);
}

/* One complete event: its name (borrowed from the JSON) and duration (us). */
typedef struct event {
	const char *name;
	double dur;
} event;

static int event_cmp(const void *a, const void *b)
{
	const event *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return (x->dur > y->dur) - (x->dur < y->dur);
}

/* The events array of the trace, or NULL. */
static json_t *trace_events(json_t *root)
{
	if (json_is_array(root))
		return root;
	if (json_is_object(root)) {
		json_t *ev = json_object_get(root, "traceEvents");
		return json_is_array(ev) ? ev : NULL;
	}
	return NULL;
}

/* Collect the complete events of `arr` into a new array (*out, *count). */
static cv_status collect(json_t *arr, event **out, size_t *count)
{
	size_t i, k = 0;
	json_t *e;
	event *ev = malloc((json_array_size(arr) ? json_array_size(arr) : 1) * sizeof *ev);

	if (!ev)
		return CV_ERR_NOMEM;
	json_array_foreach(arr, i, e) {
		json_t *ph = json_object_get(e, "ph"), *name = json_object_get(e, "name");
		json_t *dur = json_object_get(e, "dur");
		if (!json_is_string(ph) || strcmp(json_string_value(ph), "X") || !json_is_string(name) ||
		    !json_is_number(dur) || json_number_value(dur) < 0)
			continue;
		ev[k].name = json_string_value(name);
		ev[k++].dur = json_number_value(dur);
	}
	*out = ev;
	*count = k;
	return CV_OK;
}

static double median_ms(const event *ev, size_t n)
{
	return (n % 2 ? ev[n / 2].dur : (ev[n / 2 - 1].dur + ev[n / 2].dur) / 2) / 1e3;
}

/* Group sorted events by name into p's entries (median per name). */
static cv_status group(const event *ev, size_t n, cv_profile *p)
{
	size_t i = 0, j;

	p->entries = calloc(n, sizeof *p->entries);
	if (!p->entries)
		return CV_ERR_NOMEM;
	while (i < n) {
		cv_profile_entry *e = &p->entries[p->count];
		for (j = i; j < n && !strcmp(ev[j].name, ev[i].name); j++)
			;
		e->name = strdup(ev[i].name);
		if (!e->name)
			return CV_ERR_NOMEM;
		e->ms = median_ms(ev + i, j - i);
		p->total_ms += e->ms;
		p->count++;
		i = j;
	}
	return CV_OK;
}

static json_t *load(const char *path, cv_status *s, cv_diag *d)
{
	json_error_t err;
	json_t *root;
	FILE *f = fopen(path, "rb");

	if (!f) {
		*s = cv_diag_error(d, CV_ERR_IO, "cannot read profile: %s", strerror(errno));
		return NULL;
	}
	root = json_loadf(f, 0, &err);
	fclose(f);
	if (!root)
		*s = cv_diag_error(d, CV_ERR_INPUT, "profile is not JSON: %s, line %d column %d",
				   err.text, err.line, err.column);
	return root;
}

cv_status cv_profile_read(const char *path, cv_profile *out, cv_diag *d)
{
	cv_status s = CV_OK;
	json_t *root, *arr;
	event *ev = NULL;
	size_t n = 0;

	memset(out, 0, sizeof *out);
	if (d)
		d->file = path;
	if (!(root = load(path, &s, d)))
		return s;
	arr = trace_events(root);
	if (!arr) {
		s = cv_diag_error(d, CV_ERR_INPUT, "profile has no trace events (expected "
				  "{\"traceEvents\": [...]} or an array of events)");
		goto done;
	}
	if ((s = collect(arr, &ev, &n)) != CV_OK)
		goto nomem;
	if (!n) {
		s = cv_diag_error(d, CV_ERR_INPUT, "profile has no complete events "
				  "(\"ph\": \"X\" with \"name\" and \"dur\")");
		goto done;
	}
	qsort(ev, n, sizeof *ev, event_cmp);
	if ((s = group(ev, n, out)) == CV_OK) {
		/* the emitted runner records its thread count here */
		json_t *other = json_is_object(root) ? json_object_get(root, "otherData") : NULL;
		json_t *threads = other ? json_object_get(other, "threads") : NULL;
		out->threads = json_is_integer(threads) ? (int)json_integer_value(threads) : 0;
		goto done;
	}
nomem:
	s = cv_diag_error(d, CV_ERR_NOMEM, "out of memory reading the profile");
done:
	if (s != CV_OK)
		cv_profile_free(out);
	free(ev);
	json_decref(root);
	return s;
}
