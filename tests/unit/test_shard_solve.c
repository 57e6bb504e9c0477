/*
 * test_shard_solve.c - unit tests of the shard pass's labelling solver
 * (passes/shard_solve.c).
 *
 * Seeded random problems on the shapes conv nets have (chains, trees,
 * residual blocks, concat fork-joins, random DAGs, parallel edges in both
 * directions, infeasible candidates) are checked against exhaustive search,
 * which has its own cost loop. Hand-built cases have their numbers worked
 * out in the comments. Error tests check the status, that the message names
 * the op or edge, and (under ASan/LSan) that nothing leaks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "passes/shard_solve.h"

#define BIG_TABLE (1LL << 24)

/* ---- problems ---- */

struct prob {
	int n, ne, cap;
	int *ncand, *src, *dst;
	double **unary, **pair;
	shard_problem p;
	uint64_t rng;
};

/* splitmix64: deterministic problems from a seed. */
static uint64_t next_u64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int rnd(struct prob *b, int n)
{
	return (int)(next_u64(&b->rng) % (uint64_t)n);
}

static double rnd01(struct prob *b)
{
	return (double)(next_u64(&b->rng) >> 11) / 9007199254740992.0;
}

static void prob_init(struct prob *b, int n, int cap, uint64_t seed)
{
	memset(b, 0, sizeof *b);
	b->n = n;
	b->cap = cap;
	b->rng = seed;
	b->ncand = calloc((size_t)n + 1, sizeof *b->ncand);
	b->unary = calloc((size_t)n + 1, sizeof *b->unary);
	b->src = calloc((size_t)cap + 1, sizeof *b->src);
	b->dst = calloc((size_t)cap + 1, sizeof *b->dst);
	b->pair = calloc((size_t)cap + 1, sizeof *b->pair);
	assert_true(b->ncand && b->unary && b->src && b->dst && b->pair);
}

static void prob_free(struct prob *b)
{
	int i;

	for (i = 0; i < b->n; i++)
		free(b->unary[i]);
	for (i = 0; i < b->ne; i++)
		free(b->pair[i]);
	free(b->ncand);
	free(b->unary);
	free(b->src);
	free(b->dst);
	free(b->pair);
}

static const shard_problem *prob_view(struct prob *b)
{
	b->p = (shard_problem){b->n, b->ncand, (const double *const *)b->unary, b->ne, b->src,
			       b->dst, (const double *const *)b->pair};
	return &b->p;
}

/* Op i with the given costs (copied). */
static void set_op(struct prob *b, int i, int nc, const double *cost)
{
	b->ncand[i] = nc;
	b->unary[i] = malloc(sizeof(double) * (size_t)nc);
	assert_non_null(b->unary[i]);
	memcpy(b->unary[i], cost, sizeof(double) * (size_t)nc);
}

/* Edge s -> t with the given table (copied; ncand[s] x ncand[t]). */
static void set_edge(struct prob *b, int s, int t, const double *cost)
{
	size_t m = (size_t)b->ncand[s] * (size_t)b->ncand[t];

	assert_true(b->ne < b->cap);
	b->src[b->ne] = s;
	b->dst[b->ne] = t;
	b->pair[b->ne] = malloc(sizeof(double) * m);
	assert_non_null(b->pair[b->ne]);
	memcpy(b->pair[b->ne], cost, sizeof(double) * m);
	b->ne++;
}

/* Random costs for every op: 1..maxc candidates (exactly maxc when fixed),
 * real or small-integer costs (ties), about 1 in 4 infinite, never all. */
static void random_ops(struct prob *b, int maxc, int fixed)
{
	double c[64];
	int i, a, ints = rnd(b, 2);

	for (i = 0; i < b->n; i++) {
		int nc = fixed ? maxc : 1 + rnd(b, maxc);
		for (a = 0; a < nc; a++)
			c[a] = ints ? (double)rnd(b, 4) : 3 * rnd01(b);
		for (a = 0; a < nc; a++)
			if (rnd(b, 4) == 0)
				c[a] = INFINITY;
		c[rnd(b, nc)] = ints ? (double)rnd(b, 4) : 3 * rnd01(b);
		set_op(b, i, nc, c);
	}
}

/* A random edge table: uniform, reshard style (zero on the diagonal), all
 * zero, or small integers. */
static void random_edge(struct prob *b, int s, int t)
{
	double c[64 * 64];
	int ns = b->ncand[s], nt = b->ncand[t], x, y, style = rnd(b, 4);

	for (x = 0; x < ns; x++)
		for (y = 0; y < nt; y++) {
			double *v = &c[x * nt + y];
			if (style == 0)
				*v = 2 * rnd01(b);
			else if (style == 1)
				*v = x == y ? 0 : 0.5 + 2.5 * rnd01(b);
			else if (style == 2)
				*v = 0;
			else
				*v = (double)rnd(b, 4);
		}
	set_edge(b, s, t, c);
}

/* Edges of one shape over ops 0..n-1 (topological order):
 * 0 chain, 1 tree, 2 residual blocks x -> a -> b -> add(x, b),
 * 3 concat fork-join, 4 random DAG; then some parallel edges. */
static void random_shape(struct prob *b, int shape)
{
	int i, k, e0, n = b->n;

	for (i = 1; i < n; i++) {
		if (shape == 0 || (shape == 2 && i % 3 != 0) || (shape == 3 && i > 4))
			random_edge(b, i - 1, i);
		else if (shape == 1)
			random_edge(b, rnd(b, i), i);
		else if (shape == 2) { /* i = add: from b (i-1) and from x (i-3) */
			random_edge(b, i - 1, i);
			random_edge(b, i >= 3 ? i - 3 : 0, i);
		} else if (shape == 3) { /* 0 forks to 1..3, which 4 concats */
			random_edge(b, i < 4 ? 0 : 1, i);
			if (i == 4)
				for (k = 2; k < 4 && k < n; k++)
					random_edge(b, k, 4);
		} else
			for (k = 1 + rnd(b, i < 3 ? i : 3); k > 0; k--)
				random_edge(b, rnd(b, i), i);
	}
	e0 = b->ne;
	for (k = rnd(b, 3); k > 0 && e0 > 0; k--) {
		int e = rnd(b, e0);
		if (rnd(b, 2))
			random_edge(b, b->dst[e], b->src[e]);
		else
			random_edge(b, b->src[e], b->dst[e]);
	}
}

/* ---- references ---- */

/* The cost of x, summed independently of the solver. */
static double ref_cost(const struct prob *b, const int *x)
{
	double c = 0;
	int i;

	for (i = 0; i < b->n; i++)
		c += b->unary[i][x[i]];
	for (i = 0; i < b->ne; i++)
		c += b->pair[i][x[b->src[i]] * b->ncand[b->dst[i]] + x[b->dst[i]]];
	return c;
}

/* Ops with two or more feasible candidates. */
static int free_ops(const struct prob *b)
{
	int i, a, n = 0, m;

	for (i = 0; i < b->n; i++) {
		for (m = 0, a = 0; a < b->ncand[i]; a++)
			m += isfinite(b->unary[i][a]);
		n += m > 1;
	}
	return n;
}

/* The exact optimum by trying every assignment. */
static double brute_force(const struct prob *b)
{
	int x[16] = {0}, i;
	double best = INFINITY;

	assert_true(b->n <= 16);
	for (;;) {
		double c = ref_cost(b, x);
		if (c < best)
			best = c;
		for (i = b->n - 1; i >= 0 && ++x[i] == b->ncand[i]; i--)
			x[i] = 0;
		if (i < 0)
			return best;
	}
}

static void expect_near(double got, double want, const char *what, uint64_t seed)
{
	if (!(fabs(got - want) <= 1e-9 * fmax(1, fabs(want))))
		fail_msg("seed %llu: %s: got %.17g, want %.17g", (unsigned long long)seed, what, got,
			 want);
}

static double greedy_cost(const shard_problem *p)
{
	shard_solution_info info;
	int x[256];
	cv_diag d;

	cv_diag_init(&d, NULL);
	assert_true(p->n <= 256);
	if (shard_solve_greedy(p, x, &info, &d))
		fail_msg("greedy: %s", d.msg);
	assert_true(info.cost == shard_cost(p, x));
	return info.cost;
}

static void solve_ok(const shard_problem *p, long long max_table, int *x,
		     shard_solution_info *info)
{
	cv_diag d;

	cv_diag_init(&d, NULL);
	if (shard_solve_optimal(p, max_table, x, info, &d))
		fail_msg("shard_solve_optimal: %s", d.msg);
}

/* ---- tests ---- */

/*
 * Chain 0 -> 1 -> 2, two candidates each, reshard 3 between different ones:
 * unary 0: [1, 2], 1: [2, 1], 2: [1, 2]. Greedy takes (0, 1, 0):
 * 1 + 1 + 1 + 3 + 3 = 9. The optimum is (0, 0, 0): 1 + 2 + 1 = 4;
 * (1, 1, 1) costs 5 and every mixed choice pays at least one reshard (>= 6).
 */
static void test_chain_by_hand(void **state)
{
	static const double u0[2] = {1, 2}, u1[2] = {2, 1}, reshard[4] = {0, 3, 3, 0};
	shard_solution_info info;
	struct prob b;
	int x[3];

	(void)state;
	prob_init(&b, 3, 2, 1);
	set_op(&b, 0, 2, u0);
	set_op(&b, 1, 2, u1);
	set_op(&b, 2, 2, u0);
	set_edge(&b, 0, 1, reshard);
	set_edge(&b, 1, 2, reshard);
	assert_true(greedy_cost(prob_view(&b)) == 9);
	solve_ok(prob_view(&b), BIG_TABLE, x, &info);
	assert_true(info.cost == 4 && info.lower_bound == 4);
	assert_int_equal(info.exact, 1);
	assert_int_equal(info.width, 1);
	assert_int_equal(x[0], 0);
	assert_int_equal(x[1], 0);
	assert_int_equal(x[2], 0);
	assert_true(shard_cost(prob_view(&b), x) == 4);
	prob_free(&b);
}

/*
 * Residual block x -> a -> add, x -> add, edges given dst -> src-reversed
 * and doubled to exercise merging: op 0 (x): [0, 0], op 1 (a): [5, 1],
 * op 2 (add): [0, 4]. Edge 1 -> 0 costs 2 when they differ, 0 -> 2 costs
 * 1 when they differ, given twice (so 2), 1 -> 2 costs 0.
 * (1, 1, 0): 0 + 1 + 0 + 0 + 2 = 3; (0, 1, 0): 1 + 2 = 3; (1, 1, 1): 1 + 4 =
 * 5; (0, 0, 0): 5. Ties at 3: elimination takes the lower index for each op
 * in reverse order; whichever it picks must cost 3.
 */
static void test_residual_by_hand(void **state)
{
	static const double ux[2] = {0, 0}, ua[2] = {5, 1}, uadd[2] = {0, 4};
	static const double diff2[4] = {0, 2, 2, 0}, diff1[4] = {0, 1, 1, 0}, zero[4];
	shard_solution_info info;
	struct prob b;
	int x[3], y[3];

	(void)state;
	prob_init(&b, 3, 4, 1);
	set_op(&b, 0, 2, ux);
	set_op(&b, 1, 2, ua);
	set_op(&b, 2, 2, uadd);
	set_edge(&b, 1, 0, diff2);
	set_edge(&b, 0, 2, diff1);
	set_edge(&b, 1, 2, zero);
	set_edge(&b, 2, 0, diff1);
	solve_ok(prob_view(&b), BIG_TABLE, x, &info);
	assert_true(info.cost == 3 && ref_cost(&b, x) == 3);
	assert_int_equal(info.exact, 1);
	assert_int_equal(info.width, 2);
	assert_int_equal(info.table_entries, 8);
	solve_ok(prob_view(&b), BIG_TABLE, y, &info); /* deterministic */
	assert_memory_equal(x, y, sizeof x);
	/* x pinned to candidate 0 is conditioned on, leaving the chain a -> add:
	 * (0, 1, 0) = 3 beats (0, 0, 0) = 5, (0, 1, 1) = 9, (0, 0, 1) = 11. */
	b.unary[0][1] = INFINITY;
	solve_ok(prob_view(&b), BIG_TABLE, x, &info);
	assert_true(info.cost == 3 && info.exact);
	assert_int_equal(info.width, 1);
	assert_int_equal(info.table_entries, 4);
	assert_int_equal(x[0], 0);
	assert_int_equal(x[1], 1);
	assert_int_equal(x[2], 0);
	prob_free(&b);
}

/* All costs zero: every choice is optimal, and ties go to candidate 0. */
static void test_ties(void **state)
{
	static const double z[9];
	shard_solution_info info;
	struct prob b;
	int x[5], i;

	(void)state;
	prob_init(&b, 5, 8, 1);
	for (i = 0; i < 5; i++)
		set_op(&b, i, 3, z);
	for (i = 1; i < 5; i++)
		set_edge(&b, i - 1, i, z);
	set_edge(&b, 0, 4, z);
	set_edge(&b, 1, 3, z);
	solve_ok(prob_view(&b), BIG_TABLE, x, &info);
	for (i = 0; i < 5; i++)
		assert_int_equal(x[i], 0);
	assert_true(info.cost == 0 && info.exact);
	prob_free(&b);
}

/* No ops: nothing to choose, cost 0. */
static void test_empty(void **state)
{
	static const shard_problem p;
	shard_solution_info info;
	cv_diag d;

	(void)state;
	cv_diag_init(&d, NULL);
	assert_int_equal(shard_solve_optimal(&p, BIG_TABLE, NULL, &info, &d), CV_OK);
	assert_true(info.cost == 0 && info.exact == 1 && info.width == 0);
	assert_int_equal(shard_solve_greedy(&p, NULL, &info, &d), CV_OK);
}

/* A random problem of min_n..9 ops, 1..4 candidates, of the given shape. */
static void random_small(struct prob *b, uint64_t seed, int min_n, int shape)
{
	uint64_t r = seed;

	prob_init(b, min_n + (int)(next_u64(&r) % (uint64_t)(10 - min_n)), 64, seed);
	random_ops(b, 4, 0);
	random_shape(b, shape);
}

/* Exact: the optimum of exhaustive search, a choice that costs what info
 * says, lower_bound == cost, never worse than greedy. */
static void test_brute_force(void **state)
{
	shard_solution_info info;
	struct prob b;
	uint64_t seed;
	int x[16], beaten = 0;

	(void)state;
	for (seed = 1; seed <= 1500; seed++) {
		double want;
		random_small(&b, seed, 1, (int)(seed % 5));
		want = brute_force(&b);
		solve_ok(prob_view(&b), BIG_TABLE, x, &info);
		assert_int_equal(info.exact, 1);
		expect_near(info.cost, want, "optimum", seed);
		expect_near(ref_cost(&b, x), info.cost, "cost of the choice", seed);
		assert_true(shard_cost(prob_view(&b), x) == info.cost);
		assert_true(info.lower_bound == info.cost);
		assert_true(info.width >= 0 && info.width <= b.n - 1);
		assert_true(info.cost <= greedy_cost(prob_view(&b)));
		beaten += info.cost < greedy_cost(prob_view(&b)) - 1e-9;
		prob_free(&b);
	}
	assert_true(beaten > 300); /* the problems are not all easy */
}

/* No single op can move to a cheaper candidate: what ICM guarantees. */
static void expect_one_opt(const struct prob *b, int *x, uint64_t seed)
{
	double c = ref_cost(b, x);
	int i, a, keep;

	for (i = 0; i < b->n; i++) {
		keep = x[i];
		for (a = 0; a < b->ncand[i]; a++) {
			x[i] = a;
			if (ref_cost(b, x) < c - 1e-9 * fmax(1, fabs(c)))
				fail_msg("seed %llu: op %d is better off in candidate %d",
					 (unsigned long long)seed, i, a);
		}
		x[i] = keep;
	}
}

/* Fallback forced by a tiny max_table on shapes with undirected cycles:
 * lower_bound <= optimum <= cost <= greedy cost, and the choice is a local
 * optimum for single-op moves. */
static void test_fallback(void **state)
{
	static const long long limits[3] = {1, 0, 8};
	shard_solution_info info;
	struct prob b;
	uint64_t seed;
	int x[16], fell = 0, gaps = 0;

	(void)state;
	for (seed = 1; seed <= 1500; seed++) {
		double want, tol;
		long long lim = limits[seed % 3];
		random_small(&b, seed, 5, 2 + (int)(seed % 3)); /* residual, concat, DAG */
		want = brute_force(&b);
		tol = 1e-9 * fmax(1, fabs(want));
		solve_ok(prob_view(&b), lim, x, &info);
		if (lim <= 1 && free_ops(&b))
			assert_int_equal(info.exact, 0);
		if (!info.exact) {
			fell++;
			assert_true(info.table_entries > lim);
		}
		expect_near(ref_cost(&b, x), info.cost, "cost of the choice", seed);
		if (!(info.lower_bound <= want + tol && want <= info.cost + tol &&
		      info.cost <= greedy_cost(prob_view(&b))))
			fail_msg("seed %llu: bound %.17g, optimum %.17g, cost %.17g, greedy %.17g",
				 (unsigned long long)seed, info.lower_bound, want, info.cost,
				 greedy_cost(prob_view(&b)));
		expect_one_opt(&b, x, seed);
		gaps += info.lower_bound < info.cost - tol;
		prob_free(&b);
	}
	assert_true(fell > 1000);
	assert_true(gaps > 50); /* the relaxation dropped costly pairs */
}

/* A max_table of 1 always falls back, and on a chain the spanning forest
 * is the whole problem, so the bound is tight. */
static void test_fallback_chain(void **state)
{
	shard_solution_info info;
	struct prob b;
	int x[9];

	(void)state;
	prob_init(&b, 9, 16, 7);
	random_ops(&b, 4, 1);
	random_shape(&b, 0);
	solve_ok(prob_view(&b), 1, x, &info);
	assert_int_equal(info.exact, 0);
	expect_near(info.cost, brute_force(&b), "optimum", 7);
	expect_near(info.lower_bound, info.cost, "bound", 7);
	prob_free(&b);
}

/* n = 200, 12 candidates, a chain of residual blocks with concat
 * fork-joins: exact, and consistent with its own choice. */
static void test_large(void **state)
{
	shard_solution_info info;
	struct prob b;
	int x[200];

	(void)state;
	prob_init(&b, 200, 400, 42);
	random_ops(&b, 12, 1);
	random_shape(&b, 2);
	random_edge(&b, 10, 14); /* a concat of 10 and 13 into 14 */
	random_edge(&b, 100, 103);
	solve_ok(prob_view(&b), BIG_TABLE, x, &info);
	assert_int_equal(info.exact, 1);
	assert_true(info.width >= 2 && info.width <= 3);
	expect_near(ref_cost(&b, x), info.cost, "cost of the choice", 42);
	assert_true(info.cost <= greedy_cost(prob_view(&b)));
	prob_free(&b);
}

static void expect_error(const shard_problem *p, const char *want, int bad_var)
{
	shard_solution_info info;
	int x[4] = {-1, -1, -1, -1};
	cv_diag d;

	cv_diag_init(&d, NULL);
	assert_int_equal(shard_solve_optimal(p, BIG_TABLE, x, &info, &d), CV_ERR_INPUT);
	if (!strstr(d.msg, want))
		fail_msg("message '%s' lacks '%s'", d.msg, want);
	assert_int_equal(info.bad_var, bad_var);
	assert_int_equal(x[0], -1); /* choice untouched */
	cv_diag_init(&d, NULL);
	assert_int_equal(shard_solve_greedy(p, x, &info, &d), CV_ERR_INPUT);
	assert_non_null(strstr(d.msg, want));
	assert_int_equal(info.bad_var, bad_var);
}

static void test_errors(void **state)
{
	static const double ok[2] = {1, 2}, inf[2] = {INFINITY, INFINITY}, z[4];
	static const double nan2[2] = {NAN, 0}, pinf[4] = {0, INFINITY, 0, 0};
	struct prob b;

	(void)state;
	/* op 2 has no feasible candidate */
	prob_init(&b, 3, 4, 1);
	set_op(&b, 0, 2, ok);
	set_op(&b, 1, 2, ok);
	set_op(&b, 2, 2, inf);
	set_edge(&b, 0, 1, z);
	set_edge(&b, 1, 2, z);
	expect_error(prob_view(&b), "op 2 has no feasible candidate", 2);
	/* a NaN cost */
	free(b.unary[2]);
	b.unary[2] = NULL;
	set_op(&b, 2, 2, nan2);
	expect_error(prob_view(&b), "op 2: candidate 0 costs nan", 2);
	/* no candidates */
	b.ncand[1] = 0;
	expect_error(prob_view(&b), "op 1 has 0 candidates", 1);
	b.ncand[1] = 2;
	free(b.unary[2]);
	b.unary[2] = NULL;
	set_op(&b, 2, 2, ok);
	/* endpoints */
	b.dst[1] = 3;
	expect_error(prob_view(&b), "edge 1: op 1 -> 3 is out of range (3 ops)", -1);
	b.dst[1] = -1;
	expect_error(prob_view(&b), "edge 1: op 1 -> -1 is out of range", -1);
	b.dst[1] = 1;
	expect_error(prob_view(&b), "edge 1 connects op 1 to itself", -1);
	b.dst[1] = 2;
	/* an infinite reshard cost */
	set_edge(&b, 2, 0, pinf);
	expect_error(prob_view(&b), "edge 2 (op 2 -> 0): entry 1 costs inf", -1);
	b.ne--;
	free(b.pair[b.ne]);
	/* and now it is fine */
	{
		shard_solution_info info;
		int x[3];
		solve_ok(prob_view(&b), BIG_TABLE, x, &info);
		assert_true(info.cost == 3 && info.bad_var == -1);
	}
	prob_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain_by_hand),
		cmocka_unit_test(test_residual_by_hand),
		cmocka_unit_test(test_ties),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_brute_force),
		cmocka_unit_test(test_fallback),
		cmocka_unit_test(test_fallback_chain),
		cmocka_unit_test(test_large),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
