/*
 * write_json.c - the report as JSON, built and dumped with jansson.
 *
 * The keys are stable and documented in docs/report.md ("schema":
 * "convc-report/1"): every key is always present; a value that does not
 * apply (no profile, no pass history) is null, never missing. Numbers are
 * JSON numbers in the units their key names (ms, bytes, FLOP, fractions).
 */
#include <string.h>

#include <jansson.h>

#include "backends/report/report_impl.h"

#define SCHEMA "convc-report/1"

/* x, or null when negative (not available). */
static json_t *opt_real(double x)
{
	return x < 0 ? json_null() : json_real(x);
}

static json_t *opt_str(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *value_json(const cv_value *v)
{
	json_t *dims;
	int i;

	if (!v)
		return json_null();
	if (!(dims = json_array()))
		return NULL;
	for (i = 0; i < v->type.rank; i++)
		json_array_append_new(dims, json_integer(v->type.dims[i]));
	return json_pack("{s:s, s:s, s:o, s:s, s:b}", "name", v->name, "dtype",
			 cv_dtype_name(v->type.dtype), "dims", dims, "layout",
			 cv_layout_name(v->type.layout), "constant", v->kind == CV_VALUE_CONST);
}

static json_t *values_json(cv_value *const *vs, int n)
{
	json_t *a = json_array();
	int i;

	for (i = 0; a && i < n; i++)
		if (json_array_append_new(a, value_json(vs[i]))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* The fused activation: {act, ops_per_element, flop_equivalents}, or null. */
static json_t *epilogue_json(const rp_op *o)
{
	if (!o->epi)
		return json_null();
	return json_pack("{s:s, s:i, s:f}", "act", cv_act_names[o->epi->kind], "ops_per_element",
			 rp_epilogue_ops(o->epi->kind), "flop_equivalents", o->epi_flops);
}

static json_t *op_json(const rp_report *r, int i)
{
	const rp_op *o = &r->ops[i];

	return json_pack("{s:i, s:s, s:s, s:s, s:o, s:o, s:f, s:o, s:{s:f, s:f, s:f, s:f}, s:f, s:s,"
			 " s:f, s:f, s:f, s:o, s:f, s:f, s:o, s:s}",
			 "index", i, "name", o->label, "op", cv_op_name(o->node->op),
			 "category", rp_category_name(o->cat),
			 "inputs", values_json(o->node->inputs, o->node->num_inputs),
			 "outputs", values_json(o->node->outputs, o->node->num_outputs),
			 "flops", o->flops, "epilogue", epilogue_json(o),
			 "bytes", "inputs", o->bytes_in, "weights", o->bytes_weights, "outputs",
			 o->bytes_out, "total", o->bytes,
			 "arithmetic_intensity", o->ai, "bound", o->compute_bound ? "compute" : "memory",
			 "compute_ms", o->compute_ms, "memory_ms", o->memory_ms, "predicted_ms", o->pred_ms,
			 "measured_ms", opt_real(o->meas_ms), "time_ms", o->time_ms, "time_share", o->share,
			 "efficiency", opt_real(o->eff), "severity", rp_severity_name(o->sev));
}

static json_t *category_json(const rp_report *r, int i)
{
	const rp_catsum *c = &r->cats[i];

	return json_pack("{s:s, s:i, s:f, s:f, s:f, s:o, s:f, s:f, s:o}",
			 "category", rp_category_name((rp_category)i), "ops", c->count,
			 "flops", c->flops, "bytes", c->bytes, "predicted_ms", c->pred_ms,
			 "measured_ms", r->profiled && c->count ? opt_real(c->meas_ms) : json_null(),
			 "time_ms", c->time_ms, "time_share", c->share, "efficiency", opt_real(c->eff));
}

static json_t *finding_json(const rp_report *r, int i)
{
	const rp_finding *f = &r->findings[i];
	int is_op = f->kind == RP_FIND_OP;

	return json_pack("{s:i, s:s, s:s, s:o, s:o, s:i, s:f, s:f, s:o, s:f, s:s, s:s, s:s}",
			 "rank", i + 1, "severity", rp_severity_name(f->sev),
			 "kind", rp_finding_kind_name(f->kind),
			 "op", is_op ? json_string(r->ops[f->op].label) : json_null(),
			 "op_index", is_op ? json_integer(f->op) : json_null(),
			 "ops", f->count, "time_ms", f->time_ms, "time_share", f->share,
			 "efficiency", opt_real(f->eff), "bytes", f->bytes,
			 "summary", f->what, "path_a", f->path_a, "path_b", f->path_b);
}

static json_t *stats_json(const cv_pass_stats *s)
{
	json_t *o = json_object();
	int i;

	for (i = 0; o && i < s->count; i++)
		json_object_set_new(o, s->names[i], json_integer(s->values[i]));
	return o;
}

static json_t *pass_json(const cv_pass_record *p)
{
	return json_pack("{s:s, s:i, s:i, s:i, s:i, s:f, s:o, s:b, s:s}",
			 "name", p->name, "nodes_before", p->nodes_before, "nodes_after", p->nodes_after,
			 "transposes_before", p->transposes_before,
			 "transposes_after", p->transposes_after, "ms", p->ms,
			 "stats", stats_json(&p->stats), "changed", p->diff && *p->diff,
			 "diff", p->diff ? p->diff : "");
}

/* Build an array of n items from make(r, i); NULL when out of memory. */
static json_t *array_of(const rp_report *r, int n, json_t *(*make)(const rp_report *, int))
{
	json_t *a = json_array();
	int i;

	for (i = 0; a && i < n; i++)
		if (json_array_append_new(a, make(r, i))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *passes_json(const rp_report *r)
{
	const cv_pass_history *h = r->in->history;
	const rp_passes *p = &r->passes;
	json_t *list = json_array();
	int i, cl = p->transposes_before_cl >= 0;

	for (i = 0; h && list && i < h->count; i++)
		if (json_array_append_new(list, pass_json(&h->passes[i]))) {
			json_decref(list);
			return NULL;
		}
	return json_pack("{s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:i}",
			 "recorded", h != NULL, "list", list,
			 "input_ir", h ? opt_str(h->input_ir) : json_null(),
			 "total_ms", h ? json_real(p->total_ms) : json_null(),
			 "bn_folded", h ? json_integer(p->bn_folded) : json_null(),
			 "bn_converted", h ? json_integer(p->bn_converted) : json_null(),
			 "depthwise_routed", h ? json_integer(p->dw_routed) : json_null(),
			 "transposes_before_channels_last", cl ? json_integer(p->transposes_before_cl) : json_null(),
			 "transposes_after_channels_last", cl ? json_integer(p->transposes_after_cl) : json_null(),
			 "reshards", p->reshards);
}

static json_t *profile_json(const rp_report *r)
{
	json_t *names;
	int i;

	if (!r->profiled)
		return json_null();
	if (!(names = json_array()))
		return NULL;
	for (i = 0; i < r->num_unmatched; i++)
		json_array_append_new(names, json_string(r->unmatched[i]));
	return json_pack("{s:i, s:i, s:f, s:o}", "entries", r->in->profile->count,
			 "matched_ops", r->matched, "measured_ms", r->meas_ms, "unmatched", names);
}

static json_t *header_json(const rp_report *r)
{
	const cv_roofline *rl = &r->in->roofline;

	return json_pack("{s:s, s:o, s:s, s:s, s:{s:o, s:i, s:f, s:f, s:f, s:f, s:o}, s:o,"
			 " s:{s:i, s:f, s:f, s:f, s:o, s:s, s:o}}",
			 "schema", SCHEMA, "model", opt_str(r->in->model_path),
			 "module", r->in->module->name ? r->in->module->name : "",
			 "pipeline", r->in->pipeline ? r->in->pipeline : "",
			 "roofline", "name", opt_str(rl->name), "cores", rl->cores,
			 "peak_flops_per_core", rl->peak_flops, "peak_flops", r->peak,
			 "bandwidth", rl->bandwidth, "ridge", r->ridge, "source", opt_str(rl->source),
			 "profile", profile_json(r),
			 "totals", "ops", r->num_ops, "flops", r->flops, "bytes", r->bytes,
			 "predicted_ms", r->pred_ms,
			 "measured_ms", r->profiled ? json_real(r->meas_ms) : json_null(),
			 "time_basis", r->profiled ? "measured" : "predicted",
			 "efficiency", r->profiled && r->meas_ms > 0 ? json_real(r->pred_ms / r->meas_ms)
								     : json_null());
}

static json_t *report_json(const rp_report *r)
{
	json_t *root = header_json(r);

	if (!root)
		return NULL;
	if (json_object_set_new(root, "categories", array_of(r, RP_CATEGORY_COUNT, category_json)) ||
	    json_object_set_new(root, "ops", array_of(r, r->num_ops, op_json)) ||
	    json_object_set_new(root, "bottlenecks", array_of(r, r->num_findings, finding_json)) ||
	    json_object_set_new(root, "passes", passes_json(r))) {
		json_decref(root);
		return NULL;
	}
	return root;
}

cv_status rp_write_json(const rp_report *r, FILE *f, cv_diag *d)
{
	json_t *root = report_json(r);
	int bad;

	if (!root)
		return cv_diag_error(d, CV_ERR_NOMEM, "report: out of memory building the JSON");
	bad = json_dumpf(root, f, JSON_INDENT(1) | JSON_REAL_PRECISION(10) | JSON_ENSURE_ASCII);
	bad |= fputc('\n', f) == EOF;
	json_decref(root);
	return bad ? cv_diag_error(d, CV_ERR_NOMEM, "report: cannot write the JSON") : CV_OK;
}
