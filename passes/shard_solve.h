/*
 * shard_solve.h - the solver behind the `shard` pass (private to passes/).
 *
 * The pass gives every op a list of candidate placements (height-sharded
 * over 64 cores, interleaved in DRAM, ...) with a cost each, and every
 * producer -> consumer edge a reshard cost per pair of candidates. Choosing
 * one candidate per op is then a pairwise min-sum labelling problem:
 *   minimize  sum_i unary[i][x_i] + sum_e pair[e][x_src[e] * ncand[dst[e]] + x_dst[e]]
 * over x_i in 0..ncand[i]-1. Costs are in seconds. The solver knows nothing
 * about ops or placements: variable i is op i of the caller's numbering.
 */
#ifndef CONVC_SHARD_SOLVE_H
#define CONVC_SHARD_SOLVE_H

#include "convc/diag.h"

/*
 * n variables (ops); variable i has ncand[i] >= 1 candidates.
 * unary[i][a]: cost (seconds) of op i in candidate a; INFINITY = infeasible
 * (NaN and -INFINITY are rejected). Edges e = 0..nedges-1 connect src[e] ->
 * dst[e] (src != dst; several edges between the same pair, in either
 * direction, are allowed and add up); pair[e][a * ncand[dst[e]] + b]: cost
 * (seconds) when src takes a and dst takes b, finite (the reshard cost; the
 * solver does not need it to be >= 0). Every array is borrowed: the solver
 * reads it and keeps no pointer after returning.
 */
typedef struct shard_problem {
	int n;
	const int *ncand;
	const double *const *unary;
	int nedges;
	const int *src, *dst;
	const double *const *pair;
} shard_problem;

typedef struct shard_solution_info {
	double cost;        /* total cost of the returned choice (seconds) */
	double lower_bound; /* proven lower bound on the optimum (seconds); == cost when exact */
	int exact;          /* 1: solved by exact elimination, the choice is optimal; 0: the
			     * fallback or greedy ran (the choice is still optimal if
			     * lower_bound == cost) */
	int width;          /* induced width of the elimination order used (0: no pair
			     * factors; 1: a forest; a residual block gives 2) */
	long long table_entries; /* largest bucket table of that order (entries): built when
				  * exact; when the fallback ran, the first one over max_table,
				  * which was not built */
	int bad_var;        /* on CV_ERR_INPUT about one variable, its index; else -1 */
} shard_solution_info;

/*
 * Total cost (seconds) of the full assignment choice[0..n-1]: the unary
 * costs in op order, then the pair costs in edge order. INFINITY when some
 * op takes an infeasible candidate. p must be valid and every choice[i] in
 * 0..ncand[i]-1 (not checked).
 */
double shard_cost(const shard_problem *p, const int *choice);

/*
 * The baseline: each op independently takes its cheapest unary candidate
 * (ties: the lowest index), ignoring pair costs; info->cost includes the
 * pair costs that result. info->lower_bound is the sum of every unary and
 * pair table's minimum over feasible candidates; exact = 0, width = 0,
 * table_entries = 0.
 * choice (caller-owned, n ints) is written only on CV_OK; info may be NULL.
 * Errors: CV_ERR_INPUT for a malformed problem (n or nedges < 0, a NULL
 * array, ncand[i] < 1, an edge endpoint out of range or src == dst, a NaN or
 * -INFINITY unary cost, a non-finite pair cost) or an op whose every
 * candidate costs INFINITY; the message names the op ("shard: op 7 has no
 * feasible candidate ...") or edge, and info->bad_var is the op or -1.
 */
cv_status shard_solve_greedy(const shard_problem *p, int *choice, shard_solution_info *info,
			     cv_diag *d);

/*
 * The optimum, by bucket elimination (see shard_solve.c): exact, with time
 * and memory exponential only in the induced width (1 to 3 for conv nets).
 * max_table caps the entries of any intermediate table (a bucket's function
 * of its op and that op's remaining neighbours, counting feasible candidates
 * only; <= 0 forces the fallback). When the elimination order needs more,
 * nothing big is allocated: the fallback returns the best of greedy and an
 * exact spanning-forest solution, improved by iterated conditional modes, with
 * exact = 0 and a proven lower_bound <= optimum <= cost. Never worse than
 * shard_solve_greedy. Deterministic: the same problem gives the same choice;
 * among equal costs the lower candidate index wins, op by op in the reverse
 * elimination order (which depends only on the problem).
 * choice (caller-owned, n ints) is written only on CV_OK; info may be NULL.
 * Errors: those of shard_solve_greedy; CV_ERR_NOMEM when an allocation fails.
 */
cv_status shard_solve_optimal(const shard_problem *p, long long max_table, int *choice,
			      shard_solution_info *info, cv_diag *d);

#endif
