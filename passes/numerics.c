/*
 * numerics.c - --check-numerics: run the reference interpreter (ir/interp.c)
 * on seeded random inputs before the pipeline and after every pass, and
 * compare each pass's outputs with the pre-pipeline ones.
 *
 * Tolerance per output: max|out - ref| <= 1e-4 * max|ref| + 1e-5, the e2e
 * bound (tests/e2e/run_model.py): passes reassociate float sums (folded BN
 * scales, fused epilogues) but never change a result by more than rounding.
 * Integer and bool outputs must stay equal. Inputs of every dtype are fed
 * (cv_interp_run_typed).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "convc/interp.h"
#include "passes/instrument.h"

#define RTOL 1e-4
#define ATOL 1e-5
#define SEED 0x5eed5eedull

/* Every buffer holds elements of its value's dtype (room for 8 bytes each). */
struct numerics {
	int num_in, num_out;
	void **inputs;   /* seeded random inputs: floats uniform in [-1, 1), integers
			  * 0..3, bools 0/1 */
	void **ref;      /* outputs before the pipeline */
	void **cur;      /* scratch for the outputs after a pass */
	int64_t *out_numel;
	cv_dtype *out_dtype;
};

/* splitmix64: a small, well-mixed stream; the data only needs to be
 * deterministic and spread over [-1, 1). */
static uint64_t next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void **alloc_set(int n, const int64_t *numel)
{
	void **v = calloc((size_t)n + 1, sizeof *v);
	int i;

	for (i = 0; v && i < n; i++)
		if (!(v[i] = malloc((size_t)(numel[i] ? numel[i] : 1) * 8))) {
			while (i--)
				free(v[i]);
			free(v);
			return NULL;
		}
	return v;
}

static void free_set(void **v, int n)
{
	int i;

	for (i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

void numerics_free(struct numerics *nu)
{
	if (!nu)
		return;
	free_set(nu->inputs, nu->num_in);
	free_set(nu->ref, nu->num_out);
	free_set(nu->cur, nu->num_out);
	free(nu->out_numel);
	free(nu->out_dtype);
	free(nu);
}

cv_status numerics_begin(const cv_module *m, struct numerics **out, cv_diag *d)
{
	const cv_graph *g = &m->graph;
	struct numerics *nu = calloc(1, sizeof *nu);
	int64_t in_numel[256];
	uint64_t s = SEED;
	int i, k;

	*out = NULL;
	if (!nu || g->num_inputs > 256 || !(nu->out_numel = calloc((size_t)g->num_outputs + 1, 8)) ||
	    !(nu->out_dtype = calloc((size_t)g->num_outputs + 1, sizeof *nu->out_dtype)))
		goto nomem;
	nu->num_in = g->num_inputs;
	nu->num_out = g->num_outputs;
	for (i = 0; i < g->num_inputs; i++)
		in_numel[i] = cv_type_numel(&g->inputs[i]->type);
	for (i = 0; i < g->num_outputs; i++) {
		nu->out_numel[i] = cv_type_numel(&g->outputs[i]->type);
		nu->out_dtype[i] = g->outputs[i]->type.dtype;
	}
	if (!(nu->inputs = alloc_set(nu->num_in, in_numel)) ||
	    !(nu->ref = alloc_set(nu->num_out, nu->out_numel)) ||
	    !(nu->cur = alloc_set(nu->num_out, nu->out_numel)))
		goto nomem;
	for (i = 0; i < nu->num_in; i++) {
		cv_dtype dt = g->inputs[i]->type.dtype;
		for (k = 0; k < in_numel[i]; k++) {
			uint64_t x = next(&s);
			if (dt == CV_F32) /* as before the typed inputs existed */
				((float *)nu->inputs[i])[k] = (float)((x >> 11) * 0x1.0p-53 * 2.0 - 1.0);
			else if (cv_dtype_is_float(dt))
				cv_elem_set_f(nu->inputs[i], dt, k, (x >> 11) * 0x1.0p-53 * 2.0 - 1.0);
			else
				cv_elem_set_i(nu->inputs[i], dt, k, dt == CV_BOOL ? (int64_t)(x >> 63) : (int64_t)(x >> 62));
		}
	}
	if (cv_interp_run_typed(m, (const void *const *)nu->inputs, nu->ref, d)) {
		numerics_free(nu);
		return cv_diag_error(d, d->status, "check-numerics: before the pipeline: %s", d->msg);
	}
	*out = nu;
	return CV_OK;
nomem:
	numerics_free(nu);
	return cv_diag_error(d, CV_ERR_NOMEM, "check-numerics: out of memory");
}

cv_status numerics_check(struct numerics *nu, const cv_module *m, const char *pass, FILE *out,
			 cv_diag *d)
{
	const cv_graph *g = &m->graph;
	double worst_abs = 0, worst_rel = 0;
	int i, bad = -1;
	int64_t k;

	if (g->num_outputs != nu->num_out || g->num_inputs != nu->num_in)
		return cv_diag_error(d, CV_ERR_INTERNAL, "check-numerics: pass %s changed the graph's inputs or outputs",
				     pass);
	for (i = 0; i < nu->num_out; i++)
		if (cv_type_numel(&g->outputs[i]->type) != nu->out_numel[i] ||
		    g->outputs[i]->type.dtype != nu->out_dtype[i])
			return cv_diag_error(d, CV_ERR_INTERNAL, "check-numerics: pass %s changed the shape of output %d",
					     pass, i);
	if (cv_interp_run_typed(m, (const void *const *)nu->inputs, nu->cur, d))
		return cv_diag_error(d, d->status, "check-numerics: after pass %s: %s", pass, d->msg);
	for (i = 0; i < nu->num_out; i++) {
		double max_ref = 0, max_err = 0;
		for (k = 0; k < nu->out_numel[i]; k++) {
			double r = cv_elem_get_f(nu->ref[i], nu->out_dtype[i], k);
			double c = cv_elem_get_f(nu->cur[i], nu->out_dtype[i], k), e;
			/* integers and bools (indices, masks) must not change at all */
			if (!cv_dtype_is_float(nu->out_dtype[i]) && r != c && bad < 0)
				bad = i;
			/* NaN where the reference had NaN, or the same infinity, is
			 * no change; a NaN or infinity appearing or vanishing is */
			if ((isnan(r) && isnan(c)) || (isinf(r) && r == c))
				continue;
			e = fabs(c - r);
			if (isfinite(r))
				max_ref = fmax(max_ref, fabs(r));
			max_err = isnan(e) ? INFINITY : fmax(max_err, e);
		}
		worst_abs = fmax(worst_abs, max_err);
		worst_rel = fmax(worst_rel, max_ref > 0 ? max_err / max_ref : max_err);
		if (bad < 0 && !(max_err <= RTOL * max_ref + ATOL))
			bad = i;
	}
	fprintf(out, "check-numerics: after %-16s max abs err %.3g, max rel err %.3g%s\n", pass,
		worst_abs, worst_rel, bad >= 0 ? "  FAIL" : "");
	if (bad >= 0)
		return cv_diag_error(d, CV_ERR_INTERNAL,
				     "check-numerics: pass %s changed output %d beyond tolerance (max abs err %.3g, bound 1e-4*max|ref|+1e-5)",
				     pass, bad, worst_abs);
	return CV_OK;
}
