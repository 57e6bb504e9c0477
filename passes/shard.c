/*
 * shard.c - `shard`: choose where every op runs and its tensors live on a
 * many-core target, globally, and insert explicit reshards.
 *
 * Placements (convc/ir.h, cv_placement): an activation is seen as the
 * matrix [rows = N*H*W, cols = C] (other tensors: [numel / last dim, last
 * dim]); an op is interleaved (data in main memory, output rows split over
 * k cores that stream it), or height-, width- or block-sharded over a core
 * grid (data in the cores' local memory).
 *
 * Candidates, per op (docs/sharding.md has the full table):
 *   core counts k: powers of two up to the target's cores, the core count
 *   itself and the grid's rows and cols; a shard holds at least one SIMD
 *   granule g = simd_width of rows or cols (k <= rows/g, k <= cols/g), so a
 *   32-lane target never splits a tile row;
 *   convs, gemm, depthwise, pool, resize and elementwise ops take all four
 *   kinds; concat takes interleaved and height; data-movement ops (reshape,
 *   transpose, slice, pad, split, softmax, reduce_mean) stay interleaved. On
 *   the host target (name "host") only gemm takes width and block: the
 *   other kernels split rows over threads, and the conv kernel, which can
 *   split output channels too, ran slower so (see kind_allowed).
 * Footprint (bytes per core, 4-byte floats; must fit local memory):
 *   sharded: input block + output block + the weight slice, resident;
 *     output block ceil(rows/a) x ceil(cols/b); input block the same rows
 *     plus a halo of (KH-1) input rows for windowed ops, with all input
 *     channels for convs and gemm (they reduce over them) or the core's
 *     channels for channel-local ops; weight slice K x ceil(cols/b);
 *   interleaved: streamed tiles, double-buffered: 2 x (TILE_ROWS x TILE_K
 *     input + TILE_K x ceil(cols/b) weights + TILE_ROWS x ceil(cols/b)
 *     output) plus the TILE_ROWS x ceil(cols/b) accumulator.
 * Cost of an op (seconds), the roofline of one core's share plus movement:
 *   max(FLOPs x share / peak, DRAM bytes / memory bandwidth)
 *     + NoC bytes per core / core bandwidth + SYNC_S if k > 1,
 *   share = ceil(rows/a) ceil(cols/b) / (rows cols) (the busiest core);
 *   DRAM bytes: the weights (read once and multicast), plus the activations
 *   in and out when interleaved; NoC bytes per core: the weight slice when
 *   k > 1 (not on the host: DRAM bytes count it there), the halo rows of a
 *   height/block windowed op, and for a width/block conv or gemm the
 *   (b-1)/b of its rows' input channels held by others.
 * Reshard cost of an edge carrying T bytes from placement P to Q: 0 when
 * both are interleaved (main memory either way) or P = Q; T / memory
 * bandwidth between main memory and shards; T / (min(kP, kQ) x core
 * bandwidth) + SYNC_S between two different shardings. Graph inputs and
 * outputs live in main memory: a sharded consumer (producer) pays T / memory
 * bandwidth to load (store) them.
 * Solve: shard_solve_optimal (bucket elimination: exact DP on chains, exact
 * over every operand of fork/joins; passes/shard_solve.c) or, with
 * {solver=greedy}, each op's cheapest candidate alone.
 * Rewrites: sets every op's placement (printed `!shard(height[64],
 * mem=...)`), and where a value's producer and consumer disagree inserts one
 * `reshard` per distinct consumer placement, right after the producer.
 * Existing reshards are removed first, so the pass can run again.
 * Options: solver=optimal|greedy (default optimal); cores=N caps the cores
 * used (default: the target's).
 * Stats: ops, reshards, bytes (moved by reshards), peak-mem (largest
 * per-core footprint, bytes), cost-ns and greedy-cost-ns (the model's total,
 * this solve and the greedy baseline), exact (1 when proven optimal).
 * Target: the module's (--target), else the host detected now.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "convc/target.h"
#include "passes/passes.h"
#include "passes/shard_solve.h"

#define MAX_KS 24        /* distinct core counts */
#define MAX_CAND 160     /* candidates per op */
#define TILE_ROWS 32     /* rows per streamed tile (interleaved) */
#define TILE_K 32        /* K rows per streamed weight tile (interleaved) */
#define SYNC_S 2e-6      /* one barrier across the cores an op uses, seconds */
#define MAX_TABLE (1LL << 22) /* bucket-table entries before the bounded fallback */
#define FLOAT_BYTES 4.0

#define NOMEM(d) cv_diag_error((d), CV_ERR_NOMEM, "shard: out of memory")

typedef enum op_class {
	C_CONV,    /* conv2d, conv_transpose2d: reduce over all input channels */
	C_CHANNEL, /* dwconv2d, pool2d, resize: a window within each channel */
	C_ELEM,    /* elementwise, batchnorm */
	C_CONCAT,
	C_GEMM,    /* gemm, matmul */
	C_DATA     /* data movement: stays interleaved */
} op_class;

/* A value as the matrix [rows, cols]. */
typedef struct mat {
	double rows, cols;
} mat;

typedef struct snode {
	cv_node *n;
	op_class cls;
	int ncand;
	cv_placement cand[MAX_CAND];
	double unary[MAX_CAND];
	double min_mem; /* the smallest footprint of any candidate, bytes */
	UT_hash_handle hh; /* keyed by n */
} snode;

typedef struct shard_ctx {
	const cv_target *t;
	int cap;             /* cores usable */
	int host;            /* a CPU target (its local memory is a cache):
				placements split threads */
	int ks[MAX_KS], nks; /* core counts */
	snode *nodes;        /* in graph order */
	int count;
	snode *by_node;      /* hash: node -> snode */
} shard_ctx;

/* ---- shapes ---- */

static mat as_mat(const cv_value *v)
{
	const cv_type *t = &v->type;
	mat r;

	if (t->rank == 4 && t->layout != CV_LAYOUT_PLAIN) {
		cv_nchw a = cv_type_nchw(t);
		r.rows = (double)a.n * (double)a.h * (double)a.w;
		r.cols = (double)a.c;
	} else {
		r.cols = t->rank ? (double)t->dims[t->rank - 1] : 1.0;
		r.rows = r.cols > 0 ? cv_value_numel(v) / r.cols : 0.0;
	}
	return r;
}

static op_class classify(const cv_node *n)
{
	switch (n->op) {
	case CV_OP_CONV2D:
	case CV_OP_CONV_TRANSPOSE2D:
		return n->outputs[0]->type.rank == 4 ? C_CONV : C_DATA;
	case CV_OP_DWCONV2D:
	case CV_OP_POOL2D:
	case CV_OP_RESIZE:
		return n->outputs[0]->type.rank == 4 ? C_CHANNEL : C_DATA;
	case CV_OP_BATCHNORM:
	CV_CASE_ACT_OPS:
	case CV_OP_PRELU:
	case CV_OP_NEG:
	case CV_OP_ABS:
	case CV_OP_RECIPROCAL:
	case CV_OP_SQRT:
	case CV_OP_ADD:
	case CV_OP_SUB:
	case CV_OP_MUL:
	case CV_OP_DIV:
	case CV_OP_MAX:
	case CV_OP_MIN:
	case CV_OP_POW:
		return C_ELEM;
	case CV_OP_CONCAT:
		return C_CONCAT;
	case CV_OP_GEMM:
	case CV_OP_MATMUL:
		return n->outputs[0]->type.rank == 2 ? C_GEMM : C_DATA;
	case CV_OP_RESHAPE:
	case CV_OP_TRANSPOSE:
	case CV_OP_EXPAND:
	case CV_OP_SPLIT:
	case CV_OP_SLICE:
	case CV_OP_PAD:
	case CV_OP_SOFTMAX:
	case CV_OP_REDUCE_MEAN:
	case CV_OP_REDUCE_SUM:
	case CV_OP_REDUCE_MAX:
	case CV_OP_REDUCE_MIN:
	case CV_OP_REDUCE_L2:
	case CV_OP_LAYERNORM:
	case CV_OP_LRN:
	case CV_OP_RESHARD:
	case CV_OP_CONV3D: /* no sharded form: interleaved, its kernel splits the GEMMs */
	case CV_OP_CONV_TRANSPOSE3D:
	CV_CASE_TYPED_OPS: /* the typed ops run on one thread in the C backend */
	case CV_OP_COUNT:
		break;
	}
	return C_DATA;
}

/* K of a conv or gemm: the reduction length per output element. */
static double reduction_len(const cv_node *n)
{
	if (n->op == CV_OP_GEMM) {
		const cv_type *a = &n->inputs[0]->type;
		return (double)a->dims[n->attrs.gemm.trans_a ? 0 : 1];
	}
	if (n->op == CV_OP_MATMUL)
		return (double)n->inputs[0]->type.dims[n->inputs[0]->type.rank - 1];
	/* conv: C/group x KH x KW; conv_transpose2d (iohw, i = M/group) is
	 * priced the same way, an upper bound on its taps per output */
	{
		cv_oihw w = cv_type_oihw(&n->inputs[1]->type);
		return (double)w.i * (double)w.kh * (double)w.kw;
	}
}

static double kernel_rows(const cv_node *n)
{
	if (n->op == CV_OP_POOL2D)
		return (double)n->attrs.pool.kernel[0];
	if (n->op == CV_OP_RESIZE)
		return 2.0;
	return (double)cv_type_oihw(&n->inputs[1]->type).kh;
}

/* Bytes of the node's constant operands (weights, bias). */
static double weight_bytes(const cv_node *n)
{
	double b = 0;
	int i;

	for (i = 0; i < n->num_inputs; i++)
		if (n->inputs[i] && n->inputs[i]->kind == CV_VALUE_CONST)
			b += cv_value_bytes(n->inputs[i]);
	return b;
}

/* Bytes of the node's run-time operands. */
static double act_in_bytes(const cv_node *n)
{
	double b = 0;
	int i;

	for (i = 0; i < n->num_inputs; i++)
		if (n->inputs[i] && n->inputs[i]->kind != CV_VALUE_CONST)
			b += cv_value_bytes(n->inputs[i]);
	return b;
}

/* ---- footprint and cost of one placement ---- */

typedef struct eval {
	double mem;  /* bytes per core */
	double time; /* seconds */
} eval;

/*
 * The tiles an op streams: `rows` output rows and `cols` output columns
 * per tile (interleaved ops), and `k` reduction rows per weight tile of a
 * conv or gemm (interleaved; and sharded, where k < K streams the weight
 * slice through a double buffer instead of keeping all K rows resident).
 * A sharded op's blocks are otherwise resident: no tiles.
 */
typedef struct tiles {
	double rows, k, cols;
} tiles;

static double cdiv(double a, double b)
{
	return ceil(a / b);
}

/*
 * Main-memory bytes/s an op on k cores gets. An accelerator target's
 * memory bandwidth is the chip's, shared by all cores. The host's is one
 * core's stream triad (targets/host.c), and on the host it scales with the
 * cores that stream: a triad measured 18.5 GB/s on one core and 35.6 GB/s
 * on two on the project's 2-core machine.
 */
static double dram_bandwidth(const shard_ctx *c, double k)
{
	return c->host ? c->t->memory_bandwidth * k : c->t->memory_bandwidth;
}

static eval evaluate(const shard_ctx *c, const cv_node *n, op_class cls, const cv_placement *p,
		     tiles tl)
{
	const cv_target *t = c->t;
	const cv_value *x = n->inputs[0];
	mat o = as_mat(n->outputs[0]);
	double a = p->grid[0], b = p->grid[1], k = a * b;
	double ro = cdiv(o.rows, a), co = cdiv(o.cols, b);
	double share = o.rows > 0 && o.cols > 0 ? ro * co / (o.rows * o.cols) : 1.0;
	double wbytes = weight_bytes(n), dram = wbytes, noc = 0, mem, w_core = 0;
	double in_block = 0, halo_rows = 0, kred = 0;
	mat in = x ? as_mat(x) : o;
	eval e;

	if (cls == C_CONV || cls == C_GEMM)
		kred = reduction_len(n);
	/* the weight slice one core needs (bias included pro rata) */
	if (cls == C_CONV || cls == C_GEMM || cls == C_CHANNEL)
		w_core = wbytes / b;
	if (cls == C_CONV || cls == C_CHANNEL) {
		cv_nchw xi = cv_type_nchw(&x->type);
		halo_rows = (kernel_rows(n) - 1) * (double)xi.w; /* input pixels */
	}
	if (p->kind == CV_SHARD_INTERLEAVED) {
		double tk = cls == C_CONV || cls == C_GEMM ? fmin(kred, tl.k) : 1.0;
		double tr = fmin(ro, tl.rows), tc = fmin(co, tl.cols);
		mem = FLOAT_BYTES * (2 * (tr * tk + tk * tc + tr * tc) + tr * tc);
		if (cls != C_CONV && cls != C_GEMM)
			mem = FLOAT_BYTES * 2 * (tr * fmin(in.cols / b, tl.cols) + tr * tc);
		dram += act_in_bytes(n) + cv_value_bytes(n->outputs[0]);
		/* tiles shrunk below the default: a conv or gemm streams its
		 * weights once per extra row tile, its input once per extra
		 * column tile */
		if ((cls == C_CONV || cls == C_GEMM) && tr < fmin(ro, TILE_ROWS))
			dram += w_core * (cdiv(ro, tr) - cdiv(ro, TILE_ROWS));
		if (cls == C_CONV || cls == C_GEMM)
			dram += act_in_bytes(n) * (cdiv(co, tc) - 1);
	} else {
		double in_rows = o.rows > 0 ? ro * in.rows / o.rows : 0;
		double in_cols = cls == C_CONV || cls == C_GEMM ? in.cols : cdiv(in.cols, b);
		if (p->kind != CV_SHARD_WIDTH && a > 1)
			in_rows += halo_rows;
		in_block = in_rows * in_cols * FLOAT_BYTES;
		if (cls == C_ELEM || cls == C_CONCAT)
			in_block = act_in_bytes(n) * share; /* each operand shaped like the result */
		/* the weight slice: resident (k >= K), or streamed in
		 * double-buffered k-row tiles */
		mem = in_block + ro * co * FLOAT_BYTES + (cls == C_CONV || cls == C_GEMM
				? fmin(kred, 2 * tl.k) * co * FLOAT_BYTES : w_core);
		if (p->kind != CV_SHARD_WIDTH && a > 1)
			noc += halo_rows * in_cols * FLOAT_BYTES;
		if ((cls == C_CONV || cls == C_GEMM) && b > 1)
			noc += in_rows * in.cols * FLOAT_BYTES * (b - 1) / b;
	}
	/* An accelerator core receives its weight slice over the NoC. A host
	 * thread reads it from memory itself, which `dram` already counts. */
	if (k > 1 && !c->host)
		noc += w_core;
	/* A CPU cache is a cost: the footprint beyond it comes from the next
	 * level once per sweep (a conv or gemm sweeps its working set once per
	 * row tile, re-reading the weights), priced at memory bandwidth. */
	if (t->memory_kind == CV_MEMORY_CACHE && mem > t->local_memory) {
		double sweeps = cls == C_CONV || cls == C_GEMM
			? cdiv(ro, fmin(ro, p->kind == CV_SHARD_INTERLEAVED ? tl.rows : TILE_ROWS))
			: 1.0;
		dram += (mem - t->local_memory) * sweeps;
	}
	e.mem = mem;
	e.time = fmax(cv_node_flops(n) * share / t->peak_flops, dram / dram_bandwidth(c, k)) +
		 noc / t->core_bandwidth + (k > 1 ? SYNC_S : 0);
	return e;
}

/*
 * A placement's footprint and cost with the largest tiles that fit a
 * scratchpad (a cache takes the default tiles: beyond it is a cost). As
 * TT-NN users lower act_block_h until a conv fits L1, the streamed rows
 * of an interleaved op halve first, then a conv's or gemm's K tile, then
 * its output columns, each down to one SIMD granule g; a sharded conv or
 * gemm first keeps its whole weight slice resident, then streams it in
 * halving K tiles. Other sharded ops keep their blocks whole: they have no
 * tiles to shrink. *fits is 0 when even the smallest tiles exceed the
 * local memory; the eval is then that of the smallest tiles.
 */
static eval evaluate_fit(const shard_ctx *c, const cv_node *n, op_class cls,
			 const cv_placement *p, int *fits)
{
	const cv_target *t = c->t;
	double g = t->simd_width > 0 ? t->simd_width : 1;
	int reduces = cls == C_CONV || cls == C_GEMM;
	int streamed = p->kind == CV_SHARD_INTERLEAVED;
	mat o = as_mat(n->outputs[0]);
	tiles tl;
	eval e;

	tl.rows = fmin(TILE_ROWS, cdiv(o.rows, p->grid[0]));
	tl.k = reduces && !streamed ? reduction_len(n) : TILE_K;
	tl.cols = streamed ? cdiv(o.cols, p->grid[1]) : INFINITY;
	e = evaluate(c, n, cls, p, tl);
	while (t->memory_kind == CV_MEMORY_SCRATCHPAD && e.mem > t->local_memory) {
		if (streamed && tl.rows > g)
			tl.rows = fmax(g, floor(tl.rows / 2));
		else if (reduces && tl.k > g)
			tl.k = fmax(g, floor(tl.k / 2));
		else if (streamed && tl.cols > g)
			tl.cols = fmax(g, floor(tl.cols / 2));
		else
			break;
		e = evaluate(c, n, cls, p, tl);
	}
	*fits = t->memory_kind == CV_MEMORY_CACHE || e.mem <= t->local_memory;
	return e;
}

/* ---- candidates ---- */

static void add_k(shard_ctx *c, int k)
{
	int i, j;

	if (k < 1 || k > c->cap || c->nks == MAX_KS)
		return;
	for (i = 0; i < c->nks && c->ks[i] < k; i++)
		;
	if (i < c->nks && c->ks[i] == k)
		return;
	for (j = c->nks; j > i; j--)
		c->ks[j] = c->ks[j - 1];
	c->ks[i] = k;
	c->nks++;
}

static void core_counts(shard_ctx *c)
{
	int k;

	c->nks = 0;
	for (k = 1; k <= c->cap; k *= 2)
		add_k(c, k);
	add_k(c, c->cap);
	add_k(c, c->t->rows);
	add_k(c, c->t->cols);
}

/*
 * On the host a placement is how the emitted code splits the op over
 * threads (docs/sharding.md). Every kernel but the conv and gemm ones
 * splits rows only. The conv kernel can split output channels, but on the
 * host that ran slower than rows on every model measured: each thread
 * reads all of the input, and the weights come from the shared L3 either
 * way (2 threads, all width placements of the -O2 model made height,
 * alternated: resnet18 11.9 -> 11.4 ms, resnet50 29.1 -> 28.4,
 * mobilenet_v2 3.11 -> 2.95). So only gemm, whose one-row classifier has
 * no rows to split, is offered width and block there.
 */
static int kind_allowed(const shard_ctx *c, op_class cls, cv_shard_kind kind)
{
	if (c->host && cls != C_GEMM &&
	    (kind == CV_SHARD_WIDTH || kind == CV_SHARD_BLOCK))
		return 0;
	switch (cls) {
	case C_DATA:
		return kind == CV_SHARD_INTERLEAVED;
	case C_CONCAT:
		return kind == CV_SHARD_INTERLEAVED || kind == CV_SHARD_HEIGHT;
	default:
		return 1;
	}
}

static void push(shard_ctx *c, snode *s, cv_shard_kind kind, int a, int b)
{
	cv_placement p;
	eval e;

	if (s->ncand == MAX_CAND || !kind_allowed(c, s->cls, kind))
		return;
	int fits;

	memset(&p, 0, sizeof p);
	p.kind = kind;
	p.grid[0] = a;
	p.grid[1] = b;
	e = evaluate_fit(c, s->n, s->cls, &p, &fits);
	/* saturate: a tensor of absurd size must not overflow the conversion */
	p.mem = e.mem < 0x1p62 ? (int64_t)ceil(e.mem) : INT64_MAX;
	if (s->min_mem < 0 || e.mem < s->min_mem)
		s->min_mem = e.mem;
	s->cand[s->ncand] = p;
	s->unary[s->ncand++] = fits ? e.time : INFINITY;
}

static void candidates(shard_ctx *c, snode *s)
{
	mat o = as_mat(s->n->outputs[0]);
	double g = c->t->simd_width > 0 ? c->t->simd_width : 1;
	double max_a = fmax(1, floor(o.rows / g)), max_b = fmax(1, floor(o.cols / g));
	int i, j;

	s->ncand = 0;
	s->min_mem = -1;
	for (i = 0; i < c->nks; i++) {
		int k = c->ks[i];
		if (k <= max_a * max_b || k == 1)
			push(c, s, CV_SHARD_INTERLEAVED, k, 1);
		if (k > 1 && k <= max_a)
			push(c, s, CV_SHARD_HEIGHT, k, 1);
		if (k > 1 && k <= max_b)
			push(c, s, CV_SHARD_WIDTH, 1, k);
	}
	for (i = 0; i < c->nks; i++)
		for (j = 0; j < c->nks; j++) {
			int r = c->ks[i], q = c->ks[j];
			if (r < 2 || q < 2 || r * q > c->cap || r > max_a || q > max_b)
				continue;
			if (c->t->rows > 0 && (r > c->t->rows || q > c->t->cols))
				continue;
			push(c, s, CV_SHARD_BLOCK, r, q);
		}
}

/* ---- edges ---- */

static int in_main_memory(const cv_placement *p)
{
	return p->kind == CV_SHARD_INTERLEAVED;
}

static int needs_reshard(const cv_placement *p, const cv_placement *q)
{
	return !(in_main_memory(p) && in_main_memory(q)) && !cv_placement_equal(p, q);
}

/* Seconds to move `bytes` from placement p to q. */
static double reshard_time(const cv_target *t, double bytes, const cv_placement *p,
			   const cv_placement *q)
{
	int kp = cv_placement_cores(p), kq = cv_placement_cores(q);

	if (!needs_reshard(p, q))
		return 0;
	if (in_main_memory(p) || in_main_memory(q))
		return bytes / t->memory_bandwidth;
	return bytes / ((kp < kq ? kp : kq) * t->core_bandwidth) + SYNC_S;
}

/* Graph inputs and outputs live in main memory. */
static void add_boundary_costs(const shard_ctx *c, snode *s)
{
	const cv_node *n = s->n;
	int i, a;

	for (a = 0; a < s->ncand; a++) {
		double bytes = 0;
		if (in_main_memory(&s->cand[a]))
			continue;
		for (i = 0; i < n->num_inputs; i++)
			if (n->inputs[i] && n->inputs[i]->kind == CV_VALUE_INPUT)
				bytes += cv_value_bytes(n->inputs[i]);
		for (i = 0; i < n->num_outputs; i++)
			if (n->outputs[i]->is_output)
				bytes += cv_value_bytes(n->outputs[i]);
		s->unary[a] += bytes / c->t->memory_bandwidth;
	}
}

static snode *find(const shard_ctx *c, const cv_node *n)
{
	snode *s;

	HASH_FIND_PTR(c->by_node, &n, s);
	return s;
}

/* The problem's edges: one per run-time operand produced by a node. */
typedef struct edges {
	int count;
	int *src, *dst;
	int *operand; /* index into the consumer's inputs */
	const cv_value **val;
	double **pair;
} edges;

/* A conv2d's in_scale (ops.def), a few floats per image: every core of the
 * consumer reads all of it from main memory (replicated), whatever the
 * conv's placement, so its edge asks for it in main memory, not in the
 * consumer's placement. */
static int is_replicated(const cv_node *n, int operand)
{
	return n->op == CV_OP_CONV2D && operand == CV_CONV_IN_SCALE;
}

/* The placement operand j of n is read in: n's own, or main memory. */
static cv_placement operand_placement(const cv_node *n, int j, const cv_placement *q)
{
	cv_placement r = *q;

	if (is_replicated(n, j)) {
		r.kind = CV_SHARD_INTERLEAVED;
		r.grid[0] = cv_placement_cores(q);
		r.grid[1] = 1;
	}
	r.mem = 0;
	return r;
}

static void edges_free(edges *E)
{
	int i;

	for (i = 0; i < E->count; i++)
		free(E->pair[i]);
	free(E->src);
	free(E->dst);
	free(E->operand);
	free(E->val);
	free(E->pair);
}

static cv_status build_edges(const shard_ctx *c, edges *E, cv_diag *d)
{
	int i, j, cap = 0, a, b;

	memset(E, 0, sizeof *E);
	for (i = 0; i < c->count; i++)
		cap += c->nodes[i].n->num_inputs;
	E->src = calloc((size_t)cap + 1, sizeof *E->src);
	E->dst = calloc((size_t)cap + 1, sizeof *E->dst);
	E->operand = calloc((size_t)cap + 1, sizeof *E->operand);
	E->val = calloc((size_t)cap + 1, sizeof *E->val);
	E->pair = calloc((size_t)cap + 1, sizeof *E->pair);
	if (!E->src || !E->dst || !E->operand || !E->val || !E->pair)
		return NOMEM(d);
	for (i = 0; i < c->count; i++) {
		const snode *q = &c->nodes[i];
		for (j = 0; j < q->n->num_inputs; j++) {
			const cv_value *v = q->n->inputs[j];
			const snode *p;
			double *tab, bytes;
			if (!v || v->kind != CV_VALUE_RESULT || !(p = find(c, v->producer)))
				continue;
			if (!(tab = malloc(sizeof *tab * (size_t)p->ncand * (size_t)q->ncand)))
				return NOMEM(d);
			bytes = cv_value_bytes(v);
			for (a = 0; a < p->ncand; a++)
				for (b = 0; b < q->ncand; b++) {
					cv_placement to = operand_placement(q->n, j, &q->cand[b]);
					tab[a * q->ncand + b] = reshard_time(c->t, bytes, &p->cand[a], &to);
				}
			E->src[E->count] = (int)(p - c->nodes);
			E->dst[E->count] = i;
			E->operand[E->count] = j;
			E->val[E->count] = v;
			E->pair[E->count++] = tab;
		}
	}
	return CV_OK;
}

/* ---- rewriting ---- */

/* Drop reshards a previous run inserted: their users read the operand. */
static void remove_reshards(cv_graph *g)
{
	cv_node *n, *next;

	for (n = g->first; n; n = next) {
		next = n->next;
		if (n->op != CV_OP_RESHARD)
			continue;
		cv_value_replace_uses(g, n->outputs[0], n->inputs[0]);
		cv_graph_remove_node(g, n);
	}
}

/* The reshard of v to placement q already inserted after prod, or NULL:
 * this pass puts its reshards right after their producer, and removed any
 * older ones first. */
static cv_node *find_reshard(cv_node *prod, const cv_value *v, const cv_placement *q)
{
	cv_node *u;

	for (u = prod->next; u && u->op == CV_OP_RESHARD; u = u->next)
		if (u->inputs[0] == v && cv_placement_equal(&u->attrs.reshard.to, q))
			return u;
	return NULL;
}

/* One reshard per (value, distinct consumer placement), after the producer. */
static cv_status insert_reshards(shard_ctx *c, cv_graph *g, const edges *E, cv_pass_stats *stats,
				 cv_diag *d)
{
	int e, j;

	for (e = 0; e < E->count; e++) {
		cv_value *v = (cv_value *)E->val[e];
		cv_node *prod = c->nodes[E->src[e]].n, *cons = c->nodes[E->dst[e]].n;
		cv_placement to = operand_placement(cons, E->operand[e], &cons->place);
		int rep = is_replicated(cons, E->operand[e]);
		cv_node *r;

		if (!needs_reshard(&prod->place, &to))
			continue;
		if (!(r = find_reshard(prod, v, &to))) {
			const char *name = v->name; /* made unique by the insertion */
			r = cv_graph_insert_node(g, prod->next, CV_OP_RESHARD, prod->name, &v, 1, &name, 1);
			if (!r)
				return NOMEM(d);
			r->outputs[0]->type = v->type;
			r->attrs.reshard.from = prod->place;
			r->attrs.reshard.to = to;
			r->attrs.reshard.from.mem = r->attrs.reshard.to.mem = 0;
			cv_stat_add(stats, "reshards", 1);
			cv_stat_add(stats, "bytes", (long long)cv_value_bytes(v));
		}
		for (j = 0; j < cons->num_inputs; j++)
			if (cons->inputs[j] == v && (rep ? j == E->operand[e] : !is_replicated(cons, j)) &&
			    cv_node_set_input(cons, j, r->outputs[0]))
				return NOMEM(d);
	}
	return CV_OK;
}

/* ---- the pass ---- */

static cv_status setup(shard_ctx *c, cv_module *m, const cv_pass_options *opts, cv_target *host,
		       cv_diag *d)
{
	const char *cores = cv_pass_option(opts, "cores", NULL);
	cv_node *n;
	cv_status st;
	int i = 0;

	memset(c, 0, sizeof *c);
	if ((st = pass_target(m, host, &c->t, d)))
		return st;
	c->cap = c->t->cores;
	c->host = c->t->memory_kind == CV_MEMORY_CACHE;
	if (cores) {
		char *end;
		long v = strtol(cores, &end, 10);
		if (*end || end == cores || v < 1 || v > c->t->cores)
			return cv_diag_error(d, CV_ERR_INPUT,
					     "shard: cores=%s is not a core count in 1..%d (target %s)",
					     cores, c->t->cores, c->t->name);
		c->cap = (int)v;
	}
	core_counts(c);
	c->count = cv_graph_num_nodes(&m->graph);
	if (!(c->nodes = calloc((size_t)c->count + 1, sizeof *c->nodes)))
		return NOMEM(d);
	cv_graph_for_each_node(&m->graph, n) {
		snode *s = &c->nodes[i++];
		s->n = n;
		s->cls = classify(n);
		candidates(c, s);
		add_boundary_costs(c, s);
		HASH_ADD_PTR(c->by_node, n, s);
	}
	return CV_OK;
}

static cv_status solve(const shard_ctx *c, const edges *E, int optimal, int *choice,
		       shard_solution_info *info, double *greedy_cost, cv_diag *d)
{
	int *ncand = malloc(sizeof *ncand * ((size_t)c->count + 1));
	const double **unary = malloc(sizeof *unary * ((size_t)c->count + 1));
	shard_solution_info gi;
	shard_problem p;
	cv_diag local;
	cv_status st;
	int i;

	if (!ncand || !unary) {
		free(ncand);
		free(unary);
		return NOMEM(d);
	}
	for (i = 0; i < c->count; i++) {
		ncand[i] = c->nodes[i].ncand;
		unary[i] = c->nodes[i].unary;
	}
	p.n = c->count;
	p.ncand = ncand;
	p.unary = unary;
	p.nedges = E->count;
	p.src = E->src;
	p.dst = E->dst;
	p.pair = (const double *const *)E->pair;
	cv_diag_init(&local, d->file);
	st = shard_solve_greedy(&p, choice, &gi, &local);
	*greedy_cost = gi.cost;
	if (!st && optimal)
		st = shard_solve_optimal(&p, MAX_TABLE, choice, info, &local);
	else if (!st)
		*info = gi;
	if (st != CV_ERR_INPUT || gi.bad_var < 0 || gi.bad_var >= c->count) {
		if (st)
			cv_diag_error(d, st, "%s", local.msg);
	} else {
		char label[128];
		const cv_node *n = c->nodes[gi.bad_var].n;
		st = cv_diag_error(d, CV_ERR_INPUT,
				   "shard: %s '%s' fits no placement in %.0f bytes of local memory per "
				   "core on target %s: its smallest footprint, with the smallest tiles, "
				   "is %.0f bytes",
				   cv_op_name(n->op), cv_node_label(n->graph, n, label, sizeof label),
				   c->t->local_memory, c->t->name, c->nodes[gi.bad_var].min_mem);
	}
	free(ncand);
	free(unary);
	return st;
}

static cv_status run_shard(cv_module *m, const cv_pass_options *opts, cv_pass_stats *stats,
			   cv_diag *d)
{
	const char *solver = cv_pass_option(opts, "solver", "optimal");
	shard_solution_info info;
	cv_target host;
	shard_ctx c;
	edges E = {0};
	snode *s, *tmp;
	int *choice = NULL, i, optimal = !strcmp(solver, "optimal");
	double greedy = 0, peak = 0;
	cv_status st;

	if (!optimal && strcmp(solver, "greedy"))
		return cv_diag_error(d, CV_ERR_INPUT,
				     "shard: solver=%s is not a solver (optimal or greedy)", solver);
	remove_reshards(&m->graph);
	if ((st = setup(&c, m, opts, &host, d)) || (st = build_edges(&c, &E, d)))
		goto done;
	if (!(choice = calloc((size_t)c.count + 1, sizeof *choice))) {
		st = NOMEM(d);
		goto done;
	}
	if (c.count && (st = solve(&c, &E, optimal, choice, &info, &greedy, d)))
		goto done;
	for (i = 0; i < c.count; i++) {
		c.nodes[i].n->place = c.nodes[i].cand[choice[i]];
		if (c.nodes[i].cand[choice[i]].mem > peak)
			peak = (double)c.nodes[i].cand[choice[i]].mem;
	}
	if ((st = insert_reshards(&c, &m->graph, &E, stats, d)))
		goto done;
	cv_stat_add(stats, "ops", c.count);
	cv_stat_add(stats, "reshards", 0);
	cv_stat_add(stats, "bytes", 0);
	cv_stat_add(stats, "peak-mem", (long long)peak);
	cv_stat_add(stats, "cost-ns", c.count ? llround(info.cost * 1e9) : 0);
	cv_stat_add(stats, "greedy-cost-ns", llround(greedy * 1e9));
	cv_stat_add(stats, "exact", c.count ? info.exact : 1);
done:
	HASH_ITER(hh, c.by_node, s, tmp) {
		HASH_DEL(c.by_node, s);
	}
	edges_free(&E);
	free(c.nodes);
	free(choice);
	return st;
}

static const char *const shard_options[] = {"solver", "cores", NULL};
static const char *const shard_defaults[] = {"optimal", "(the target's cores)", NULL};

const cv_pass cv_pass_shard = {
	"shard",
	"place every op interleaved or height/width/block-sharded over the target's cores, "
	"minimizing compute + movement + reshards; insert reshard nodes",
	shard_options, run_shard, shard_defaults};
