/*
 * cvrt_winograd.inc.c - NHWC 3x3 convs by Winograd, part of cvrt_conv.c:
 * included there, not compiled on its own.
 */
/* ---- Winograd F(2x2, 3x3) and F(4x4, 3x3) (cvrt.h, CVRT_CONV_WINOGRAD2/4) ---- */

/* Output tile side (2 or 4) and positions per tile ((side + 2)^2: 16 or 36). */
static int wino_side(const cvrt_conv2d_params *p)
{
	return cvrt_winograd_tile(p->algo);
}

static int wino_npos(const cvrt_conv2d_params *p)
{
	return (wino_side(p) + 2) * (wino_side(p) + 2);
}

/*
 * Output tiles per block: one block's transformed input V [P][nb][c] and
 * products M [P][nb][m] (P * nb * (c + m) floats, P positions) stay in L2:
 * at most 1 MiB of them for F(2x2, 3x3), 2 MiB for F(4x4, 3x3), and at
 * most 256 tiles (fewer blocks, fewer barriers: bench_conv 3x3 c16 on
 * 56x56 at 2 threads, F(2x2, 3x3), 112 -> 256 tiles, 0.155 -> 0.13 ms).
 * Each block streams all of U, so F(4x4, 3x3), whose U is 2.25x larger and
 * whose tiles hold 4x the outputs, takes the larger blocks: bench_conv, 1
 * MiB -> 2 MiB, 3x3 c256 on 14x14 0.83 -> 0.58 ms at 1 thread (one block of
 * 16 tiles instead of two of 8), 0.61 -> 0.41 at 2; c128 on 28x28 0.48 ->
 * 0.47 and 0.35 -> 0.25; F(2x2, 3x3) gains nothing from 2 MiB (3x3 c32 to
 * c128 on 27x27 0.24 -> 0.25 ms). F(2x2, 3x3), c = m = 32: 256 tiles; 64:
 * 128; 256: 32; 512: 16; F(4x4, 3x3) 8/9 of those; then balanced over the
 * blocks.
 */
static int wino_block(const cvrt_conv2d_params *p, int64_t tiles)
{
	int64_t budget = wino_side(p) == 4 ? 524288 : 262144; /* floats */
	int64_t nb = budget / ((int64_t)wino_npos(p) * ((int64_t)p->c + p->m)), nblk;

	if (nb > 256)
		nb = 256;
	if (nb < 1)
		nb = 1;
	if (nb > tiles)
		nb = tiles;
	nblk = (tiles + nb - 1) / nb; /* balanced: 49 tiles as 25 + 24, not 32 + 17 */
	return (int)((tiles + nblk - 1) / nblk);
}

static int64_t wino_tiles(const cvrt_conv2d_params *p)
{
	int t = wino_side(p);

	return (int64_t)p->n * ((p->oh + t - 1) / t) * ((p->ow + t - 1) / t);
}

/* Tile t: image *img, tile row *ty, tile column *tx (tiles row-major per
 * image, ceil(ow / side) to a row). */
static void wino_tile_at(const cvrt_conv2d_params *p, int64_t t, int *img, int *ty, int *tx)
{
	int sd = wino_side(p), tw = (p->ow + sd - 1) / sd, th = (p->oh + sd - 1) / sd;

	*img = (int)(t / ((int64_t)th * tw));
	*ty = (int)(t / tw % th);
	*tx = (int)(t % tw);
}

/* Floats of the zero row at the start of the workspace: max(c, m), rounded
 * up to a 64-byte line. */
static int64_t wino_zeros(const cvrt_conv2d_params *p)
{
	return ((p->c > p->m ? p->c : p->m) + 15) / 16 * 16;
}

/* Floats between the planes of a block of nb tiles x k channels: nb * k
 * rounded up to a 64-byte line, plus a line when that is a multiple of
 * 4 KiB. Planes a multiple of 4 KiB apart put a tile's values of one
 * channel into one L1 set (4K aliasing); bench_conv 3x3 c64 on 56x56,
 * F(2x2, 3x3), 112 tiles (28 KiB planes): 1.40 -> 0.97 ms in all. */
static int64_t wino_plane(int nb, int k)
{
	int64_t ps = ((int64_t)nb * k + 15) / 16 * 16;

	return ps % 1024 ? ps : ps + 16;
}

/* d[r * side + s] = the input pixel (row r, column s) of tile t's patch
 * (side = output side + 2), or `zeros` outside the image. */
static void wino_patch(const cvrt_conv2d_params *p, const float *x, const float *zeros, int64_t t,
		       const float **d)
{
	int st = wino_side(p), sd = st + 2, r, s, img, ty, tx;

	wino_tile_at(p, t, &img, &ty, &tx);
	for (r = 0; r < sd; r++)
		for (s = 0; s < sd; s++) {
			int iy = st * ty - p->pad_t + r, ix = st * tx - p->pad_l + s;
			d[sd * r + s] = iy >= 0 && iy < p->h && ix >= 0 && ix < p->w
				? x + (((int64_t)img * p->h + iy) * p->w + ix) * p->c : zeros;
		}
}

/* V(:, q, :) = B^T d B of tile t, for every channel: d = the tile's 4x4
 * input patch, B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1];
 * position xi = 4r + s at V + xi * vs. */
static void wino_in2(const cvrt_conv2d_params *p, const float *x, const float *zeros, int64_t t,
		     float *restrict v, int64_t vs)
{
	int c = p->c, r, s;
	const float *d[16];
	int64_t cc;

	wino_patch(p, x, zeros, t, d);
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC ivdep
#endif
	for (cc = 0; cc < c; cc++) {
		float u[4][4], o[4][4];
		for (s = 0; s < 4; s++) { /* u = B^T d, column s */
			float d0 = d[s][cc], d1 = d[4 + s][cc], d2 = d[8 + s][cc], d3 = d[12 + s][cc];
			u[0][s] = d0 - d2;
			u[1][s] = d1 + d2;
			u[2][s] = d2 - d1;
			u[3][s] = d1 - d3;
		}
		for (r = 0; r < 4; r++) { /* o = u B, row r */
			o[r][0] = u[r][0] - u[r][2];
			o[r][1] = u[r][1] + u[r][2];
			o[r][2] = u[r][2] - u[r][1];
			o[r][3] = u[r][1] - u[r][3];
		}
		for (r = 0; r < 16; r++)
			v[r * vs + cc] = o[r / 4][r % 4];
	}
}

/* B^T applied to (d0 .. d5) of type T, F(4x4, 3x3): B^T = [4 0 -5 0 1 0;
 * 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0;
 * 0 4 0 -5 0 1] (Lavin and Gray, 2016), in 12 additions and 7 scalings;
 * o[k * os] is output k. */
#define WINO_BT6(T, o, os, d0, d1, d2, d3, d4, d5)                                \
	do {                                                                      \
		T a_ = (d4) - 4.0f * (d2), b_ = (d3) - 4.0f * (d1);                  \
		T c_ = (d4) - (d2), e_ = 2.0f * ((d3) - (d1));                       \
		o[0] = 4.0f * (d0) - 5.0f * (d2) + (d4);                             \
		o[(os)] = a_ + b_;                                                    \
		o[2 * (os)] = a_ - b_;                                                \
		o[3 * (os)] = c_ + e_;                                                \
		o[4 * (os)] = c_ - e_;                                                \
		o[5 * (os)] = 4.0f * (d1) - 5.0f * (d3) + (d5);                      \
	} while (0)

/* Channels [cc, cc + one T) of V(:, q, :) = B^T d B, F(4x4, 3x3): d[36]
 * the patch's pixels, LD(pointer) and ST(pointer, value) move one T. */
#define WINO_IN4_STEP(T, LD, ST)                                                  \
	do {                                                                      \
		T u_[36], o_[6];                                                  \
		int r_, s_;                                                       \
		for (s_ = 0; s_ < 6; s_++) /* u = B^T d, column s */              \
			WINO_BT6(T, (u_ + s_), 6, LD(d[s_] + cc), LD(d[6 + s_] + cc),   \
				 LD(d[12 + s_] + cc), LD(d[18 + s_] + cc),        \
				 LD(d[24 + s_] + cc), LD(d[30 + s_] + cc));       \
		for (r_ = 0; r_ < 6; r_++) { /* u B, row r */                     \
			WINO_BT6(T, o_, 1, u_[6 * r_], u_[6 * r_ + 1], u_[6 * r_ + 2],  \
				 u_[6 * r_ + 3], u_[6 * r_ + 4], u_[6 * r_ + 5]);  \
			for (s_ = 0; s_ < 6; s_++)                                \
				ST(v + (6 * r_ + s_) * vs + cc, o_[s_]);          \
		}                                                                 \
	} while (0)

/*
 * Whole vectors of channels for the F(4x4, 3x3) transforms, in gcc's (and
 * clang's) generic vector types, WINO_VW floats (the widest registers the
 * compiler may use; 4 is 16 bytes, which every vector ISA passes in
 * registers, and plain code where there is none): gcc does not vectorize
 * the 36-value transform across channels by itself (it stays scalar:
 * bench_conv 3x3 c64 on 56x56, the input transform was 45% of the conv's
 * time). Other compilers run the scalar steps.
 */
#if defined(__GNUC__)
#if defined(__AVX512F__)
#define WINO_VW 16
#elif defined(__AVX__)
#define WINO_VW 8
#else
#define WINO_VW 4
#endif
typedef float wino_vec __attribute__((vector_size(WINO_VW * sizeof(float))));
static inline wino_vec wino_ld(const float *p)
{
	wino_vec v;
	memcpy(&v, p, sizeof(v));
	return v;
}
static inline void wino_st(float *p, wino_vec v)
{
	memcpy(p, &v, sizeof(v));
}
#else
#define WINO_VW 0
#endif
#define WINO_LDS(p) (*(p))
#define WINO_STS(p, x) (*(p) = (x))

/* V(:, q, :) = B^T d B of tile t (F(4x4, 3x3), d its 6x6 input patch);
 * position xi = 6r + s at V + xi * vs. */
static void wino_in4(const cvrt_conv2d_params *p, const float *x, const float *zeros, int64_t t,
		     float *restrict v, int64_t vs)
{
	int c = p->c, cc = 0;
	const float *d[36];

	wino_patch(p, x, zeros, t, d);
#if WINO_VW
	for (; cc + WINO_VW <= c; cc += WINO_VW)
		WINO_IN4_STEP(wino_vec, wino_ld, wino_st);
#endif
	for (; cc < c; cc++)
		WINO_IN4_STEP(float, WINO_LDS, WINO_STS);
}

static void wino_in(const cvrt_conv2d_params *p, const float *x, const float *zeros, int64_t t,
		    float *restrict v, int64_t vs)
{
	if (wino_side(p) == 4)
		wino_in4(p, x, zeros, t, v, vs);
	else
		wino_in2(p, x, zeros, t, v, vs);
}

/* Channels [c0, c0 + len) of tile t's output pixels (row-major, side^2 of
 * them, out[i][0 .. len)): bias, residual and the activation, for the
 * pixels inside the output. */
static void wino_store(const cvrt_conv2d_params *p, int64_t t, int64_t c0, int len,
		       float (*out)[64], const float *bias, const float *residual, float *y,
		       int64_t ldy)
{
	int sd = wino_side(p), i, img, ty, tx;

	wino_tile_at(p, t, &img, &ty, &tx);
	for (i = 0; i < sd * sd; i++) {
		int oy = sd * ty + i / sd, ox = sd * tx + i % sd;
		int64_t pix = ((int64_t)img * p->oh + oy) * p->ow + ox;
		if (oy >= p->oh || ox >= p->ow)
			continue;
		memcpy(y + pix * ldy + c0, out[i], (size_t)len * sizeof(float));
		nhwc_epilogue(y + pix * ldy + c0, bias ? bias + c0 : NULL,
			      residual ? residual + pix * p->m + c0 : NULL, len, p->act);
	}
}

/* Output channels [j0, j1) of the 2x2 outputs of tile t from its products
 * M(:, q, :) (position xi at mq + xi * ms): A^T M A, A^T = [1 1 1 0;
 * 0 1 -1 -1], then the epilogue (wino_store). */
static void wino_out2(const cvrt_conv2d_params *p, const float *restrict mq, int64_t ms, int64_t t,
		      int j0, int j1, const float *bias, const float *residual, float *y, int64_t ldy)
{
	int i, j, r;
	int64_t c0;
	float out[4][64];

	for (c0 = j0; c0 < j1; c0 += 64) {
		int len = j1 - c0 < 64 ? (int)(j1 - c0) : 64, cc;
		for (cc = 0; cc < len; cc++) {
			float v[16], u[2][4];
			for (r = 0; r < 16; r++)
				v[r] = mq[r * ms + c0 + cc];
			for (j = 0; j < 4; j++) { /* u = A^T M, column j */
				u[0][j] = v[j] + v[4 + j] + v[8 + j];
				u[1][j] = v[4 + j] - v[8 + j] - v[12 + j];
			}
			for (i = 0; i < 2; i++) { /* out = u A, row i */
				out[2 * i][cc] = u[i][0] + u[i][1] + u[i][2];
				out[2 * i + 1][cc] = u[i][1] - u[i][2] - u[i][3];
			}
		}
		wino_store(p, t, c0, len, out, bias, residual, y, ldy);
	}
}

/* A^T applied to (m0 .. m5) of type T, F(4x4, 3x3): A^T = [1 1 1 1 1 0;
 * 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1] (Lavin and Gray, 2016);
 * o[k * os] is output k. */
#define WINO_AT6(T, o, os, m0, m1, m2, m3, m4, m5)                                \
	do {                                                                      \
		T s12_ = (m1) + (m2), d12_ = (m1) - (m2);                            \
		T s34_ = (m3) + (m4), d34_ = (m3) - (m4);                            \
		o[0] = (m0) + s12_ + s34_;                                            \
		o[(os)] = d12_ + 2.0f * d34_;                                         \
		o[2 * (os)] = s12_ + 4.0f * s34_;                                     \
		o[3 * (os)] = d12_ + 8.0f * d34_ + (m5);                              \
	} while (0)

/* Channels [c0 + cc, + one T) of the 16 outputs of a tile, out[i][cc]
 * (F(4x4, 3x3)), from its products at mq + xi * ms. */
#define WINO_OUT4_STEP(T, LD, ST)                                                 \
	do {                                                                      \
		const float *m_ = mq + c0 + cc;                                   \
		T u_[24], o_[4];                                                  \
		int i_, j_;                                                       \
		for (j_ = 0; j_ < 6; j_++) /* u = A^T M, column j */              \
			WINO_AT6(T, (u_ + j_), 6, LD(m_ + j_ * ms), LD(m_ + (6 + j_) * ms),  \
				 LD(m_ + (12 + j_) * ms), LD(m_ + (18 + j_) * ms),            \
				 LD(m_ + (24 + j_) * ms), LD(m_ + (30 + j_) * ms));           \
		for (i_ = 0; i_ < 4; i_++) { /* out = u A, row i */               \
			WINO_AT6(T, o_, 1, u_[6 * i_], u_[6 * i_ + 1], u_[6 * i_ + 2],  \
				 u_[6 * i_ + 3], u_[6 * i_ + 4], u_[6 * i_ + 5]);  \
			for (j_ = 0; j_ < 4; j_++)                                \
				ST(&out[4 * i_ + j_][cc], o_[j_]);                \
		}                                                                 \
	} while (0)

/* Output channels [j0, j1) of the 4x4 outputs of tile t (F(4x4, 3x3)) from
 * its 36 products: A^T M A, then the epilogue (wino_store). */
static void wino_out4(const cvrt_conv2d_params *p, const float *restrict mq, int64_t ms, int64_t t,
		      int j0, int j1, const float *bias, const float *residual, float *y, int64_t ldy)
{
	int64_t c0;
	float out[16][64];

	for (c0 = j0; c0 < j1; c0 += 64) {
		int len = j1 - c0 < 64 ? (int)(j1 - c0) : 64, cc = 0;
#if WINO_VW
		for (; cc + WINO_VW <= len; cc += WINO_VW)
			WINO_OUT4_STEP(wino_vec, wino_ld, wino_st);
#endif
		for (; cc < len; cc++)
			WINO_OUT4_STEP(float, WINO_LDS, WINO_STS);
		wino_store(p, t, c0, len, out, bias, residual, y, ldy);
	}
}

static void wino_out(const cvrt_conv2d_params *p, const float *restrict mq, int64_t ms, int64_t t,
		     int j0, int j1, const float *bias, const float *residual, float *y, int64_t ldy)
{
	if (wino_side(p) == 4)
		wino_out4(p, mq, ms, t, j0, j1, bias, residual, y, ldy);
	else
		wino_out2(p, mq, ms, t, j0, j1, bias, residual, y, ldy);
}

/* Floats of the block area of the workspace: V and M of one block of nb
 * tiles (npos planes each). */
static int64_t wino_area(int npos, int nb, int c, int m)
{
	return npos * (wino_plane(nb, c) + wino_plane(nb, m));
}

/* Tiles [t0, t0 + n) by one thread: input transform, the products of every
 * position over all m columns, output transform; V and M as in
 * conv_winograd. */
static void wino_serial(const cvrt_conv2d_params *p, const float *x, const float *w,
			const float *bias, const float *residual, float *y, int64_t ldy,
			const float *zeros, int64_t t0, int n, float *V, float *M)
{
	int64_t per = CVRT_PANELS_FLOATS((int64_t)p->c, (int64_t)p->m);
	int64_t vs = wino_plane(n, p->c), ms = wino_plane(n, p->m);
	int q, xi, np = wino_npos(p);

	for (q = 0; q < n; q++)
		wino_in(p, x, zeros, t0 + q, V + (int64_t)q * p->c, vs);
	for (xi = 0; xi < np; xi++)
		wino_gemm(V + xi * vs, n, p->c, w + xi * per, p->m, M + xi * ms, 0, p->m);
	for (q = 0; q < n; q++)
		wino_out(p, M + (int64_t)q * p->m, ms, t0 + q, 0, p->m, bias, residual, y, ldy);
}

/*
 * y = conv(x) by Winograd F(2x2, 3x3) or F(4x4, 3x3), block by block of
 * output tiles (P = 16 or 36 positions per tile).
 * ws: max(c, m) zeros (rounded up to a line), then the block area (V, M).
 * Threads divide the work one of two ways:
 *   private: each thread runs whole blocks of its own (wino_serial) in its
 *     share of the block area: no barriers, and V and M never leave the
 *     core; every thread reads all of U, so only when U (P * c * m
 *     floats) is at most 1 MiB and there are at least two blocks of 16 or
 *     more tiles per thread. Against shared, bench_conv, 2 threads: 3x3
 *     c64 on 56x56 (F(2x2, 3x3)) 0.585 -> 0.52 ms, c128 on 28x28 0.41 -> 0.365, c16 to
 *     c64 on 55x55 0.25 -> 0.19;
 *   shared: the team transforms one block's input tiles (V), runs the P
 *     products M_xi = V_xi U_xi ([nb, c] x [c, m]) as (xi, column tile)
 *     tasks, then transforms M back. Column tiles are 128 wide with
 *     several threads, all m with one. (Giving each thread a column range
 *     for the products and the output transform, so M stays in its core,
 *     ran slower at 2 threads: 3x3 c64 on 56x56 0.58 -> 0.83 ms, c128 on
 *     28x28 0.41 -> 0.55, as each thread then streams all of V through
 *     narrow column tiles.)
 */
static void conv_winograd(const cvrt_conv2d_params *p, const float *x, const float *w,
			  const float *bias, const float *residual, float *y, float *ws)
{
	int64_t tiles = wino_tiles(p), per = CVRT_PANELS_FLOATS((int64_t)p->c, (int64_t)p->m);
	int nb = wino_block(p, tiles), c = p->c, m = p->m, nth = 1, nt, ncol, nbt = 0;
	int np = wino_npos(p);
	int64_t ldy = conv_nhwc_ldy(p), zn = wino_zeros(p);
	int64_t area = wino_area(np, nb, c, m), chunk = 0;
	float *zeros = ws, *V = ws + zn, *M = V + np * wino_plane(nb, c);

#ifdef _OPENMP
	if ((double)tiles * np * c * m > PAR_MIN_WORK)
		nth = omp_get_max_threads();
#endif
	memset(zeros, 0, (size_t)zn * sizeof(float));
	if (nth > 1 && np * per <= 262144) {
		chunk = area / nth / 16 * 16; /* floats of each thread's share */
		nbt = (int)((chunk / np - 64) / (c + m));
		while (nbt > 0 && wino_area(np, nbt, c, m) > chunk)
			nbt--;
	}
	if (nbt >= 16 && tiles >= 2 * (int64_t)nth * nbt) {
		/* private: a multiple of nth blocks, balanced */
		int64_t nblk = (tiles + nbt - 1) / nbt, b;
		nblk = (nblk + nth - 1) / nth * nth;
#ifdef _OPENMP
#pragma omp parallel for schedule(static)
#endif
		for (b = 0; b < nblk; b++) {
			int64_t b0 = tiles * b / nblk, b1 = tiles * (b + 1) / nblk;
			int tid = 0;
			float *Vt;
#ifdef _OPENMP
			tid = omp_get_thread_num();
#endif
			Vt = V + tid * chunk;
			wino_serial(p, x, w, bias, residual, y, ldy, zeros, b0, (int)(b1 - b0), Vt,
				    Vt + np * wino_plane((int)(b1 - b0), c));
		}
		return;
	}
	nt = nth > 1 && m > 128 ? 128 : m;
	ncol = (m + nt - 1) / nt;
#ifdef _OPENMP
#pragma omp parallel if (nth > 1)
#endif
	{
	int64_t t0; /* each thread walks every block; the omp for loops share them out */
	for (t0 = 0; t0 < tiles; t0 += nb) {
		int n = tiles - t0 < nb ? (int)(tiles - t0) : nb, q, task;
		int64_t vs = wino_plane(n, c), ms = wino_plane(n, m);
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
		for (q = 0; q < n; q++)
			wino_in(p, x, zeros, t0 + q, V + (int64_t)q * c, vs);
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
		for (task = 0; task < np * ncol; task++) {
			int xi = task / ncol, j0 = task % ncol * nt, j1 = j0 + nt < m ? j0 + nt : m;
			wino_gemm(V + xi * vs, n, c, w + xi * per, m, M + xi * ms, j0, j1);
		}
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
		for (q = 0; q < n; q++)
			wino_out(p, M + (int64_t)q * m, ms, t0 + q, 0, m, bias, residual, y, ldy);
	}
	}
}
