/*
 * shard_solve.c - the solver behind `shard`: one placement per op, minimizing
 * the sum of the ops' costs and the reshard costs between them.
 *
 * Problem: minimize F(x) = sum_i U_i(x_i) + sum_e P_e(x_src(e), x_dst(e)), a
 * pairwise min-sum labelling problem, i.e. non-serial dynamic programming
 * (U. Bertele and F. Brioschi, "Nonserial Dynamic Programming", Academic
 * Press, 1972). NP-hard in general, but polynomial for bounded treewidth,
 * and conv nets are chains with residual and concat fork-joins: width 1-3.
 *
 * Algorithm: bucket elimination in the (min, +) semiring (R. Dechter,
 * "Bucket elimination: A unifying framework for reasoning", Artificial
 * Intelligence 113, 1999).
 *  1. Factors: each op's unary table, restricted to its feasible (finite)
 *     candidates, and one table per pair of adjacent ops into which all the
 *     edges between them, in either direction, are summed. An op with one
 *     feasible candidate is fixed: it is conditioned on, not eliminated, so
 *     its tables act as unary ones on its neighbours.
 *  2. Order: greedy min-fill on the interaction graph of the free ops (ties:
 *     fewer neighbours, then the lower index), planned symbolically first,
 *     so every table size is known before any table is built.
 *  3. Forward: an op's bucket holds the factors whose earliest-eliminated op
 *     it is. Their sum, minimized over the op, is a message over the op's
 *     remaining neighbours, put in the bucket of the earliest of them.
 *     Because min_x (a + f(x)) = a + min_x f(x), moving the min inside the
 *     sum loses nothing: the messages left with an empty scope add up to
 *     min F (they are not computed: step 4 needs only the buckets). This
 *     holds for every order; the order only sets the table sizes.
 *  4. Backward: in reverse order each op takes the candidate minimizing its
 *     bucket's sum, all of whose other ops are already fixed (they are
 *     eliminated later). This attains the minimum of step 3, so x is optimal.
 * On a chain this is the Viterbi recursion; on a tree, two-pass tree DP.
 *
 * Complexity: with w the induced width of the order and k the most feasible
 * candidates of an op, time O(n b w k^(w+1)) for buckets of at most b
 * factors, memory O(n k^w); the order costs O(n^2) plus the fill counts,
 * cubic in the degree. max_table caps the largest bucket function, k^(w+1)
 * entries at worst ("table_entries"), so no table is ever built above it.
 *
 * Fallback, when a bucket would exceed max_table:
 *  a. keep a maximum spanning forest of the pair tables (Kruskal, weight
 *     max - min of the table, ties to the lower pair) and replace every
 *     dropped table by its minimum entry; the forest has width 1 and
 *     input-sized tables, and steps 1-4 solve it exactly;
 *  b. start from the better of that choice and greedy, and improve it by
 *     iterated conditional modes (J. Besag, J. Royal Statistical Society B
 *     48, 1986): each op in turn moves to its best candidate given its
 *     neighbours, until a sweep moves nothing or after ICM_SWEEPS sweeps.
 *     A move must gain more than ICM_RTOL relatively, so rounding cannot
 *     make it cycle; every move lowers F, so the result is no worse than
 *     the start and, unless the cap stopped it, no single op can lower it
 *     by more than that;
 *  c. lower_bound = the forest optimum. A dropped table is replaced by a
 *     constant no larger than any of its entries, so the relaxed objective
 *     is <= F everywhere and its exact minimum is <= min F. The forest's
 *     own choice costs at most lower_bound + sum over dropped tables of
 *     (max - min), the quantity the spanning forest minimizes.
 *
 * Ties: every comparison is a strict '<' over candidates in ascending
 * order, so the lower candidate index wins, op by op in reverse elimination
 * order; the order depends only on the problem, hence determinism.
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "passes/shard_solve.h"

#define FILL_CAP 64      /* above this many neighbours, min-fill uses a bound */
#define ICM_SWEEPS 1000  /* at most this many ICM sweeps over the ops */
#define ICM_RTOL 1e-12   /* a move must gain more than this, relatively */

/* The summed table of the edges between ops v[0] < v[1], indexed
 * [a * ncand[v[1]] + b] by candidate (not domain position). */
struct pair {
	int v[2];
	double *t;     /* owned */
	double lo, hi; /* least and largest entry over feasible candidates */
};

struct solver {
	const shard_problem *p;
	int *dsize;    /* per op: feasible candidates (finite unary cost), >= 1 */
	int *dstart;   /* per op: where they start in dval */
	int *dval;     /* every op's feasible candidates, ascending */
	struct pair *q;
	int nq;
	int *greedy;   /* per op: the greedy choice */
	int *order;    /* the free ops (dsize > 1) in elimination order */
	int nfree;
	int *x;        /* per op: the choice being built */
};

/* calloc that never returns NULL for a zero count. */
static void *zalloc(size_t n, size_t size)
{
	return calloc(n ? n : 1, size);
}

/* a * b for positive a, b, saturating at LLONG_MAX. */
static long long mul_sat(long long a, long long b)
{
	return a > LLONG_MAX / b ? LLONG_MAX : a * b;
}

/* ---- validation ---- */

static cv_status check_ops(const shard_problem *p, int *bad, cv_diag *d)
{
	int i, a, feasible;

	for (i = 0; i < p->n; i++) {
		*bad = i;
		if (p->ncand[i] < 1)
			return cv_diag_error(d, CV_ERR_INPUT, "shard: op %d has %d candidates", i,
					     p->ncand[i]);
		if (!p->unary[i])
			return cv_diag_error(d, CV_ERR_INPUT, "shard: op %d has no cost table", i);
		feasible = 0;
		for (a = 0; a < p->ncand[i]; a++) {
			double c = p->unary[i][a];
			if (isnan(c) || c == -INFINITY)
				return cv_diag_error(d, CV_ERR_INPUT,
						     "shard: op %d: candidate %d costs %g", i, a, c);
			feasible |= c != INFINITY;
		}
		if (!feasible)
			return cv_diag_error(d, CV_ERR_INPUT,
					     "shard: op %d has no feasible candidate (all %d cost infinity)",
					     i, p->ncand[i]);
	}
	*bad = -1;
	return CV_OK;
}

static cv_status check_edges(const shard_problem *p, cv_diag *d)
{
	int e, s, t;
	size_t k, m;

	for (e = 0; e < p->nedges; e++) {
		s = p->src[e];
		t = p->dst[e];
		if (s < 0 || s >= p->n || t < 0 || t >= p->n)
			return cv_diag_error(d, CV_ERR_INPUT,
					     "shard: edge %d: op %d -> %d is out of range (%d ops)", e,
					     s, t, p->n);
		if (s == t)
			return cv_diag_error(d, CV_ERR_INPUT, "shard: edge %d connects op %d to itself",
					     e, s);
		if (!p->pair[e])
			return cv_diag_error(d, CV_ERR_INPUT, "shard: edge %d has no cost table", e);
		m = (size_t)p->ncand[s] * (size_t)p->ncand[t];
		for (k = 0; k < m; k++)
			if (!isfinite(p->pair[e][k]))
				return cv_diag_error(d, CV_ERR_INPUT,
						     "shard: edge %d (op %d -> %d): entry %zu costs %g",
						     e, s, t, k, p->pair[e][k]);
	}
	return CV_OK;
}

static cv_status check_problem(const shard_problem *p, int *bad, cv_diag *d)
{
	cv_status st;

	*bad = -1;
	if (!p || p->n < 0 || p->nedges < 0 || (p->n && (!p->ncand || !p->unary)) ||
	    (p->nedges && (!p->src || !p->dst || !p->pair)))
		return cv_diag_error(d, CV_ERR_INPUT, "shard: malformed problem (a count < 0 or a NULL array)");
	if ((st = check_ops(p, bad, d)))
		return st;
	return check_edges(p, d);
}

/* ---- costs ---- */

double shard_cost(const shard_problem *p, const int *choice)
{
	double c = 0;
	int i, e;

	for (i = 0; i < p->n; i++)
		c += p->unary[i][choice[i]];
	for (e = 0; e < p->nedges; e++)
		c += p->pair[e][(size_t)choice[p->src[e]] * (size_t)p->ncand[p->dst[e]] +
				(size_t)choice[p->dst[e]]];
	return c;
}

/* The cheapest candidate of each op, the lowest index among equals. */
static void greedy_fill(const shard_problem *p, int *x)
{
	int i, a;

	for (i = 0; i < p->n; i++) {
		x[i] = 0;
		for (a = 1; a < p->ncand[i]; a++)
			if (p->unary[i][a] < p->unary[i][x[i]])
				x[i] = a;
	}
}

/* Sum of the least feasible entry of every table: no choice costs less. */
static double trivial_bound(const shard_problem *p)
{
	double lb = 0, m;
	int i, e, a, b, s, t;

	for (i = 0; i < p->n; i++) {
		for (m = INFINITY, a = 0; a < p->ncand[i]; a++)
			m = fmin(m, p->unary[i][a]);
		lb += m;
	}
	for (e = 0; e < p->nedges; e++) {
		s = p->src[e];
		t = p->dst[e];
		m = INFINITY;
		for (a = 0; a < p->ncand[s]; a++)
			for (b = 0; b < p->ncand[t]; b++)
				if (isfinite(p->unary[s][a]) && isfinite(p->unary[t][b]))
					m = fmin(m, p->pair[e][(size_t)a * (size_t)p->ncand[t] + (size_t)b]);
		lb += m;
	}
	return lb;
}

static double pair_at(const struct solver *s, const struct pair *q, const int *x)
{
	return q->t[(size_t)x[q->v[0]] * (size_t)s->p->ncand[q->v[1]] + (size_t)x[q->v[1]]];
}

/* ---- domains and pair tables ---- */

static int domains_build(struct solver *s)
{
	const shard_problem *p = s->p;
	long long total = 0;
	int i, a;

	for (i = 0; i < p->n; i++)
		total += p->ncand[i];
	if (total > INT_MAX)
		return -1;
	s->dsize = zalloc((size_t)p->n, sizeof *s->dsize);
	s->dstart = zalloc((size_t)p->n, sizeof *s->dstart);
	s->dval = zalloc((size_t)total, sizeof *s->dval);
	if (!s->dsize || !s->dstart || !s->dval)
		return -1;
	for (total = 0, i = 0; i < p->n; i++) {
		s->dstart[i] = (int)total;
		for (a = 0; a < p->ncand[i]; a++)
			if (isfinite(p->unary[i][a]))
				s->dval[total + s->dsize[i]++] = a;
		total += s->dsize[i];
	}
	return 0;
}

struct edge_key {
	int lo, hi, e;
};

static int cmp_edge_key(const void *a, const void *b)
{
	const struct edge_key *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	return (x->e > y->e) - (x->e < y->e);
}

/* Add edge e into q, transposing it when it runs from q->v[1] to q->v[0]. */
static void pair_add_edge(const shard_problem *p, int e, struct pair *q)
{
	int ns = p->ncand[p->src[e]], nd = p->ncand[p->dst[e]], a, b;
	int fwd = p->src[e] == q->v[0];

	for (a = 0; a < ns; a++)
		for (b = 0; b < nd; b++) {
			double c = p->pair[e][(size_t)a * (size_t)nd + (size_t)b];
			if (fwd)
				q->t[(size_t)a * (size_t)nd + (size_t)b] += c;
			else
				q->t[(size_t)b * (size_t)ns + (size_t)a] += c;
		}
}

static void pair_range(const struct solver *s, struct pair *q)
{
	int i, j, n0 = s->dsize[q->v[0]], n1 = s->dsize[q->v[1]];
	const int *d0 = s->dval + s->dstart[q->v[0]], *d1 = s->dval + s->dstart[q->v[1]];
	size_t stride = (size_t)s->p->ncand[q->v[1]];

	q->lo = INFINITY;
	q->hi = -INFINITY;
	for (i = 0; i < n0; i++)
		for (j = 0; j < n1; j++) {
			double c = q->t[(size_t)d0[i] * stride + (size_t)d1[j]];
			q->lo = fmin(q->lo, c);
			q->hi = fmax(q->hi, c);
		}
}

/* One table per pair of adjacent ops, sorted by (v[0], v[1]); parallel
 * edges are summed in edge order. */
static int pairs_build(struct solver *s)
{
	const shard_problem *p = s->p;
	struct edge_key *k = zalloc((size_t)p->nedges, sizeof *k);
	int e, m = 0;

	s->q = zalloc((size_t)p->nedges, sizeof *s->q);
	if (!k || !s->q)
		goto fail;
	for (e = 0; e < p->nedges; e++) {
		int a = p->src[e], b = p->dst[e];
		k[e] = (struct edge_key){a < b ? a : b, a < b ? b : a, e};
	}
	qsort(k, (size_t)p->nedges, sizeof *k, cmp_edge_key);
	for (e = 0; e < p->nedges; e++) {
		if (!m || s->q[m - 1].v[0] != k[e].lo || s->q[m - 1].v[1] != k[e].hi) {
			struct pair *q = &s->q[m++];
			q->v[0] = k[e].lo;
			q->v[1] = k[e].hi;
			q->t = zalloc((size_t)p->ncand[q->v[0]] * (size_t)p->ncand[q->v[1]], sizeof *q->t);
			if (!q->t)
				goto fail;
		}
		pair_add_edge(p, k[e].e, &s->q[m - 1]);
	}
	for (e = 0; e < m; e++)
		pair_range(s, &s->q[e]);
	s->nq = m;
	free(k);
	return 0;
fail:
	s->nq = m;
	free(k);
	return -1;
}

static void solver_free(struct solver *s)
{
	int k;

	for (k = 0; k < s->nq; k++)
		free(s->q[k].t);
	free(s->q);
	free(s->dsize);
	free(s->dstart);
	free(s->dval);
	free(s->greedy);
	free(s->order);
	free(s->x);
}

/* Validate p and build everything both solvers share. The caller calls
 * solver_free() whatever this returns. */
static cv_status solver_init(struct solver *s, const shard_problem *p, shard_solution_info *info,
			     cv_diag *d)
{
	cv_status st;

	memset(s, 0, sizeof *s);
	s->p = p;
	if ((st = check_problem(p, &info->bad_var, d)))
		return st;
	if (domains_build(s) || pairs_build(s) || !(s->greedy = zalloc((size_t)p->n, sizeof(int))) ||
	    !(s->order = zalloc((size_t)p->n, sizeof(int))) || !(s->x = zalloc((size_t)p->n, sizeof(int))))
		return cv_diag_error(d, CV_ERR_NOMEM, "shard: out of memory");
	greedy_fill(p, s->greedy);
	return CV_OK;
}

/* ---- the elimination order (symbolic) ---- */

struct adj {
	int *v; /* sorted neighbours not yet eliminated */
	int len, cap;
};

struct graph {
	int n;
	struct adj *a;
	long long *fill; /* per op: edges its elimination would add */
	char *gone;      /* per op: eliminated, or fixed (never in the graph) */
	int *seen;       /* per op: the last rescore round that reached it */
	int round;
};

/* Index of x in a, or -(where it would go) - 1. */
static int adj_find(const struct adj *a, int x)
{
	int lo = 0, hi = a->len;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (a->v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < a->len && a->v[lo] == x ? lo : -lo - 1;
}

static int adj_add(struct adj *a, int x)
{
	int i = adj_find(a, x);

	if (i >= 0)
		return 0;
	i = -i - 1;
	if (a->len == a->cap) {
		int cap = a->cap ? 2 * a->cap : 4;
		int *v = realloc(a->v, sizeof *v * (size_t)cap);
		if (!v)
			return -1;
		a->v = v;
		a->cap = cap;
	}
	memmove(a->v + i + 1, a->v + i, sizeof *a->v * (size_t)(a->len - i));
	a->v[i] = x;
	a->len++;
	return 0;
}

static void adj_del(struct adj *a, int x)
{
	int i = adj_find(a, x);

	if (i < 0)
		return;
	memmove(a->v + i, a->v + i + 1, sizeof *a->v * (size_t)(a->len - i - 1));
	a->len--;
}

/* Edges that eliminating w would add between its neighbours. Past FILL_CAP
 * neighbours the bound deg*(deg-1)/2: counting is quadratic per rescore,
 * and such a hub goes late either way. */
static long long fill_of(const struct graph *g, int w)
{
	const struct adj *a = &g->a[w];
	long long deg = a->len, fill = 0;
	int i, j;

	if (deg > FILL_CAP)
		return deg * (deg - 1) / 2;
	for (i = 0; i < a->len; i++)
		for (j = i + 1; j < a->len; j++)
			fill += adj_find(&g->a[a->v[i]], a->v[j]) < 0;
	return fill;
}

static void graph_free(struct graph *g)
{
	int i;

	for (i = 0; g->a && i < g->n; i++)
		free(g->a[i].v);
	free(g->a);
	free(g->fill);
	free(g->gone);
	free(g->seen);
}

/* The interaction graph of the free ops over the pairs in keep (all when
 * keep is NULL). graph_free() is safe whatever this returns. */
static int graph_init(struct graph *g, const struct solver *s, const char *keep)
{
	int i, k;

	memset(g, 0, sizeof *g);
	g->n = s->p->n;
	g->a = zalloc((size_t)g->n, sizeof *g->a);
	g->fill = zalloc((size_t)g->n, sizeof *g->fill);
	g->gone = zalloc((size_t)g->n, sizeof *g->gone);
	g->seen = zalloc((size_t)g->n, sizeof *g->seen);
	if (!g->a || !g->fill || !g->gone || !g->seen)
		return -1;
	for (i = 0; i < g->n; i++)
		g->gone[i] = s->dsize[i] < 2;
	for (k = 0; k < s->nq; k++) {
		int a = s->q[k].v[0], b = s->q[k].v[1];
		if ((keep && !keep[k]) || g->gone[a] || g->gone[b])
			continue;
		if (adj_add(&g->a[a], b) || adj_add(&g->a[b], a))
			return -1;
	}
	for (i = 0; i < g->n; i++)
		g->fill[i] = fill_of(g, i);
	return 0;
}

/* The op to eliminate next: least fill, then fewest neighbours, then the
 * lowest index; -1 when none is left. */
static int pick_next(const struct graph *g)
{
	int v, best = -1;

	for (v = 0; v < g->n; v++) {
		if (g->gone[v])
			continue;
		if (best < 0 || g->fill[v] < g->fill[best] ||
		    (g->fill[v] == g->fill[best] && g->a[v].len < g->a[best].len))
			best = v;
	}
	return best;
}

static void rescore(struct graph *g, int w)
{
	if (g->gone[w] || g->seen[w] == g->round)
		return;
	g->seen[w] = g->round;
	g->fill[w] = fill_of(g, w);
}

/* Remove v and join its neighbours into a clique. Only the fill of v's
 * neighbours and of their neighbours can change. */
static int eliminate_symbolic(struct graph *g, int v)
{
	const struct adj *a = &g->a[v];
	int i, j;

	for (i = 0; i < a->len; i++) {
		adj_del(&g->a[a->v[i]], v);
		for (j = i + 1; j < a->len; j++)
			if (adj_add(&g->a[a->v[i]], a->v[j]) || adj_add(&g->a[a->v[j]], a->v[i]))
				return -1;
	}
	g->gone[v] = 1;
	g->round++;
	for (i = 0; i < a->len; i++) {
		const struct adj *b = &g->a[a->v[i]];
		rescore(g, a->v[i]);
		for (j = 0; j < b->len; j++)
			rescore(g, b->v[j]);
	}
	return 0;
}

/*
 * The min-fill order of the free ops over the pairs in keep (all when NULL)
 * into s->order[0..s->nfree-1]; *width and *entries are the largest
 * neighbour count and bucket size (entries) met. Returns 0, 1 when a bucket
 * would exceed max_table (the order is then incomplete), -1 out of memory.
 */
static int plan_order(struct solver *s, const char *keep, long long max_table, int *width,
		      long long *entries)
{
	struct graph g;
	int v, j, r = -1;

	*width = 0;
	*entries = 0;
	s->nfree = 0;
	if (graph_init(&g, s, keep))
		goto out;
	while ((v = pick_next(&g)) >= 0) {
		long long e = s->dsize[v];
		for (j = 0; j < g.a[v].len; j++)
			e = mul_sat(e, s->dsize[g.a[v].v[j]]);
		if (g.a[v].len > *width)
			*width = g.a[v].len;
		if (e > *entries)
			*entries = e;
		if (e > max_table) {
			r = 1;
			goto out;
		}
		s->order[s->nfree++] = v;
		if (eliminate_symbolic(&g, v))
			goto out;
	}
	r = 0;
out:
	graph_free(&g);
	return r;
}

/* ---- bucket elimination ---- */

struct factor {
	int nvars;
	const int *vars; /* borrowed scope */
	const double *t; /* borrowed table, row-major: the last op varies fastest */
	int packed;      /* 1: indexed by domain position (messages); 0: by candidate */
	int next;        /* next factor of the same bucket, or -1 */
};

struct elim {
	struct solver *s;
	struct factor *f; /* unary, pair, then message factors */
	int nf;
	int *head;        /* per op: the first factor of its bucket, or -1 */
	int *pos;         /* per op: position in the order, -1 for fixed ops */
	int *ids;         /* ids[i] == i: the unary factors' scopes */
	int *apos;        /* per op: domain position of s->x[i] */
	int *scope;       /* scratch: the scope of a message */
	char *mark;       /* scratch: per op, 1 while in scope */
	double **msg;     /* owned: one block per message, its table then its scope */
	int nmsg;
};

static void set_value(struct elim *el, int u, int k)
{
	el->apos[u] = k;
	el->s->x[u] = el->s->dval[el->s->dstart[u] + k];
}

static double factor_value(const struct elim *el, const struct factor *f)
{
	size_t i = 0;
	int j, u;

	for (j = 0; j < f->nvars; j++) {
		u = f->vars[j];
		if (f->packed)
			i = i * (size_t)el->s->dsize[u] + (size_t)el->apos[u];
		else
			i = i * (size_t)el->s->p->ncand[u] + (size_t)el->s->x[u];
	}
	return f->t[i];
}

/* File factor fi in the bucket of its earliest free op; a factor over fixed
 * ops only is a constant that no choice depends on. */
static void bucket_add(struct elim *el, int fi)
{
	struct factor *f = &el->f[fi];
	int j, u, v = -1;

	for (j = 0; j < f->nvars; j++) {
		u = f->vars[j];
		if (el->pos[u] >= 0 && (v < 0 || el->pos[u] < el->pos[v]))
			v = u;
	}
	if (v < 0)
		return;
	f->next = el->head[v];
	el->head[v] = fi;
}

/* min over v's feasible candidates of its bucket's sum, the other ops
 * fixed by s->x; the first minimizing domain position into *arg. */
static double bucket_min(struct elim *el, int v, int *arg)
{
	double min = INFINITY, sum;
	int k, fi, best = 0;

	for (k = 0; k < el->s->dsize[v]; k++) {
		set_value(el, v, k);
		sum = 0;
		for (fi = el->head[v]; fi >= 0; fi = el->f[fi].next)
			sum += factor_value(el, &el->f[fi]);
		if (sum < min) {
			min = sum;
			best = k;
		}
	}
	if (arg)
		*arg = best;
	return min;
}

/* Step to the next assignment of scope[0..k-1], the last fastest; 0 after
 * the last. */
static int odometer_next(struct elim *el, const int *scope, int k)
{
	int j, u;

	for (j = k - 1; j >= 0; j--) {
		u = scope[j];
		if (el->apos[u] + 1 < el->s->dsize[u]) {
			set_value(el, u, el->apos[u] + 1);
			return 1;
		}
		set_value(el, u, 0);
	}
	return 0;
}

/* Minimize v out of its bucket into a message over its free neighbours. */
static int build_message(struct elim *el, int v)
{
	long long entries = 1, idx;
	int j, k = 0, fi, u;
	double *blk;
	struct factor *f;

	for (fi = el->head[v]; fi >= 0; fi = el->f[fi].next)
		for (j = 0; j < el->f[fi].nvars; j++) {
			u = el->f[fi].vars[j];
			if (u != v && el->pos[u] >= 0 && !el->mark[u]) {
				el->mark[u] = 1;
				el->scope[k++] = u;
			}
		}
	for (j = 0; j < k; j++)
		el->mark[el->scope[j]] = 0;
	if (!k) /* a constant: the argmin needs only the bucket itself */
		return 0;
	for (j = 0; j < k; j++) {
		entries = mul_sat(entries, el->s->dsize[el->scope[j]]);
		set_value(el, el->scope[j], 0);
	}
	if ((unsigned long long)entries > (SIZE_MAX - sizeof(int) * (size_t)k) / sizeof(double))
		return -1;
	if (!(blk = malloc(sizeof(double) * (size_t)entries + sizeof(int) * (size_t)k)))
		return -1;
	el->msg[el->nmsg++] = blk;
	memcpy(blk + entries, el->scope, sizeof(int) * (size_t)k);
	for (idx = 0; idx < entries; idx++, odometer_next(el, el->scope, k))
		blk[idx] = bucket_min(el, v, NULL);
	f = &el->f[el->nf];
	*f = (struct factor){k, (const int *)(blk + entries), blk, 1, -1};
	bucket_add(el, el->nf++);
	return 0;
}

static void elim_free(struct elim *el)
{
	int i;

	for (i = 0; el->msg && i < el->nmsg; i++)
		free(el->msg[i]);
	free(el->msg);
	free(el->f);
	free(el->head);
	free(el->pos);
	free(el->ids);
	free(el->apos);
	free(el->scope);
	free(el->mark);
}

/* The factors of the unary tables of the free ops and of the pairs in keep
 * (all when NULL), in their buckets. elim_free() is safe whatever this
 * returns. */
static int elim_init(struct elim *el, struct solver *s, const char *keep)
{
	size_t n = (size_t)s->p->n;
	int i, k;

	memset(el, 0, sizeof *el);
	el->s = s;
	el->f = zalloc(n + (size_t)s->nq + (size_t)s->nfree, sizeof *el->f);
	el->head = zalloc(n, sizeof *el->head);
	el->pos = zalloc(n, sizeof *el->pos);
	el->ids = zalloc(n, sizeof *el->ids);
	el->apos = zalloc(n, sizeof *el->apos);
	el->scope = zalloc(n, sizeof *el->scope);
	el->mark = zalloc(n, sizeof *el->mark);
	el->msg = zalloc((size_t)s->nfree, sizeof *el->msg);
	if (!el->f || !el->head || !el->pos || !el->ids || !el->apos || !el->scope || !el->mark ||
	    !el->msg)
		return -1;
	for (i = 0; i < s->p->n; i++) {
		el->head[i] = el->pos[i] = -1;
		el->ids[i] = i;
		set_value(el, i, 0); /* fixed ops keep their one candidate */
	}
	for (k = 0; k < s->nfree; k++)
		el->pos[s->order[k]] = k;
	for (i = 0; i < s->p->n; i++)
		if (el->pos[i] >= 0) {
			el->f[el->nf] = (struct factor){1, &el->ids[i], s->p->unary[i], 0, -1};
			bucket_add(el, el->nf++);
		}
	for (k = 0; k < s->nq; k++)
		if (!keep || keep[k]) {
			el->f[el->nf] = (struct factor){2, s->q[k].v, s->q[k].t, 0, -1};
			bucket_add(el, el->nf++);
		}
	return 0;
}

/* The optimum over the unary tables and the pairs in keep (all when NULL)
 * into s->x, by elimination along s->order. */
static int run_buckets(struct solver *s, const char *keep)
{
	struct elim el;
	int k, best, r = -1;

	if (elim_init(&el, s, keep))
		goto out;
	for (k = 0; k < s->nfree; k++)
		if (build_message(&el, s->order[k]))
			goto out;
	for (k = s->nfree - 1; k >= 0; k--) {
		bucket_min(&el, s->order[k], &best);
		set_value(&el, s->order[k], best);
	}
	r = 0;
out:
	elim_free(&el);
	return r;
}

/* ---- fallback: spanning forest, then iterated conditional modes ---- */

struct wpair {
	double w;
	int k;
};

static int cmp_wpair(const void *a, const void *b)
{
	const struct wpair *x = a, *y = b;

	if (x->w != y->w)
		return x->w > y->w ? -1 : 1;
	return (x->k > y->k) - (x->k < y->k);
}

static int uf_find(int *up, int i)
{
	while (up[i] != i)
		i = up[i] = up[up[i]];
	return i;
}

/* keep[k] = 1 for the pairs of a maximum spanning forest of the free ops
 * (weight hi - lo) and for pairs touching a fixed op, which add no edge. */
static int spanning_forest(const struct solver *s, char *keep)
{
	struct wpair *w = zalloc((size_t)s->nq, sizeof *w);
	int *up = zalloc((size_t)s->p->n, sizeof *up);
	int i, k, m = 0;

	if (!w || !up) {
		free(w);
		free(up);
		return -1;
	}
	for (i = 0; i < s->p->n; i++)
		up[i] = i;
	for (k = 0; k < s->nq; k++) {
		if (s->dsize[s->q[k].v[0]] < 2 || s->dsize[s->q[k].v[1]] < 2)
			keep[k] = 1;
		else
			w[m++] = (struct wpair){s->q[k].hi - s->q[k].lo, k};
	}
	qsort(w, (size_t)m, sizeof *w, cmp_wpair);
	for (i = 0; i < m; i++) {
		int a = uf_find(up, s->q[w[i].k].v[0]), b = uf_find(up, s->q[w[i].k].v[1]);
		if (a != b) {
			up[a] = b;
			keep[w[i].k] = 1;
		}
	}
	free(w);
	free(up);
	return 0;
}

/* The relaxed objective: dropped pair tables count their least entry. */
static double relaxed_value(const struct solver *s, const char *keep, const int *x)
{
	double v = 0;
	int i, k;

	for (i = 0; i < s->p->n; i++)
		v += s->p->unary[i][x[i]];
	for (k = 0; k < s->nq; k++)
		v += keep[k] ? pair_at(s, &s->q[k], x) : s->q[k].lo;
	return v;
}

/* The pairs at each op: at[start[i] .. start[i+1]-1]. */
struct incid {
	int *start, *at;
};

static int incid_build(const struct solver *s, struct incid *in)
{
	int i, k, j;

	in->start = zalloc((size_t)s->p->n + 1, sizeof *in->start);
	in->at = zalloc(2 * (size_t)s->nq, sizeof *in->at);
	if (!in->start || !in->at)
		return -1;
	for (k = 0; k < s->nq; k++)
		for (j = 0; j < 2; j++)
			in->start[s->q[k].v[j] + 1]++;
	for (i = 0; i < s->p->n; i++)
		in->start[i + 1] += in->start[i];
	/* start[v] is v's cursor while filling, and ends where v + 1 starts */
	for (k = 0; k < s->nq; k++)
		for (j = 0; j < 2; j++)
			in->at[in->start[s->q[k].v[j]]++] = k;
	for (i = s->p->n; i > 0; i--)
		in->start[i] = in->start[i - 1];
	in->start[0] = 0;
	return 0;
}

/* The terms of F that involve op i, with i in candidate a. */
static double local_cost(const struct solver *s, const struct incid *in, int i, int a)
{
	double c = s->p->unary[i][a];
	int j, old = s->x[i];

	s->x[i] = a;
	for (j = in->start[i]; j < in->start[i + 1]; j++)
		c += pair_at(s, &s->q[in->at[j]], s->x);
	s->x[i] = old;
	return c;
}

/* Iterated conditional modes on s->x. */
static void icm(struct solver *s, const struct incid *in)
{
	int sweep, i, k, a, moved = 1;
	double cur, c, min;

	for (sweep = 0; moved && sweep < ICM_SWEEPS; sweep++) {
		moved = 0;
		for (i = 0; i < s->p->n; i++) {
			cur = min = local_cost(s, in, i, s->x[i]);
			a = s->x[i];
			for (k = 0; k < s->dsize[i]; k++) {
				c = local_cost(s, in, i, s->dval[s->dstart[i] + k]);
				if (c < min) {
					min = c;
					a = s->dval[s->dstart[i] + k];
				}
			}
			if (min < cur - ICM_RTOL * fabs(cur)) {
				s->x[i] = a;
				moved = 1;
			}
		}
	}
}

/* The fallback's choice into s->x and its lower bound into *lb. */
static int fallback(struct solver *s, double *lb)
{
	char *keep = zalloc((size_t)s->nq, 1);
	struct incid in = {NULL, NULL};
	long long entries;
	int width, r = -1;

	if (!keep || spanning_forest(s, keep) ||
	    plan_order(s, keep, LLONG_MAX, &width, &entries) || run_buckets(s, keep) ||
	    incid_build(s, &in))
		goto out;
	*lb = relaxed_value(s, keep, s->x);
	if (s->p->n && shard_cost(s->p, s->greedy) < shard_cost(s->p, s->x))
		memcpy(s->x, s->greedy, sizeof *s->x * (size_t)s->p->n);
	icm(s, &in);
	r = 0;
out:
	free(keep);
	free(in.start);
	free(in.at);
	return r;
}

/* ---- entry points ---- */

cv_status shard_solve_greedy(const shard_problem *p, int *choice, shard_solution_info *info,
			     cv_diag *d)
{
	shard_solution_info local;
	cv_status st;

	if (!info)
		info = &local;
	memset(info, 0, sizeof *info);
	if ((st = check_problem(p, &info->bad_var, d)))
		return st;
	greedy_fill(p, choice);
	info->cost = shard_cost(p, choice);
	info->lower_bound = fmin(trivial_bound(p), info->cost);
	return CV_OK;
}

cv_status shard_solve_optimal(const shard_problem *p, long long max_table, int *choice,
			      shard_solution_info *info, cv_diag *d)
{
	shard_solution_info local;
	struct solver s;
	cv_status st;
	double cost, lb = -INFINITY;
	int r;

	if (!info)
		info = &local;
	memset(info, 0, sizeof *info);
	if ((st = solver_init(&s, p, info, d)))
		goto out;
	r = plan_order(&s, NULL, max_table, &info->width, &info->table_entries);
	info->exact = r == 0;
	if (r < 0 || (r == 0 && run_buckets(&s, NULL)) || (r > 0 && fallback(&s, &lb))) {
		st = cv_diag_error(d, CV_ERR_NOMEM, "shard: out of memory");
		goto out;
	}
	/* Equal costs can differ in the last bit: never return worse than greedy. */
	cost = shard_cost(p, s.x);
	if (p->n && shard_cost(p, s.greedy) < cost) {
		memcpy(s.x, s.greedy, sizeof *s.x * (size_t)p->n);
		cost = shard_cost(p, s.x);
	}
	info->cost = cost;
	info->lower_bound = info->exact ? cost : fmin(lb, cost);
	if (p->n)
		memcpy(choice, s.x, sizeof *s.x * (size_t)p->n);
out:
	solver_free(&s);
	return st;
}
