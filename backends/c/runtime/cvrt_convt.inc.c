/*
 * cvrt_convt.inc.c - transposed convolution with NHWC activations as GEMMs
 * (cvrt_conv_transpose2d_nhwc), part of cvrt_conv.c: included there, not
 * compiled on its own.
 *
 * Y_col = X [pixels, c/group] x W [c/group, kh*kw*(m/group)] is a plain
 * GEMM that reads x in place (every pixel's channels are contiguous), run
 * one kernel row ky at a time (B_{g,ky}, cvrt_pack_conv_transpose2d), on
 * the fast GEMM (fg_run) where the ISA has it. Then:
 *   - kernel = stride, unpadded, one group: the kw output pixels one input
 *     pixel feeds through kernel row ky are adjacent in output row
 *     ih*sh + ky, and no other input pixel feeds them, so the GEMM stores
 *     its [w, kw*m] block of input row ih straight there (rows sw*m floats
 *     apart, fg_run's "images" being the input rows): the pixel shuffle
 *     costs nothing and bias and activation run in the GEMM's epilogue;
 *   - otherwise the contributions of a band of input rows land in ws and a
 *     col2im adds them into y. Output rows are set to bias just before the
 *     first band that reaches them, and get the activation once no later
 *     band can, while they are still in cache.
 * Why not the sub-pixel split (one small conv over x per output phase
 * (oy mod sh, ox mod sw)): the same multiply-adds, but its phases write
 * every sh-th row and sw-th pixel of y, which the conv kernels' output
 * (pixel i at y + i*ldy) cannot express without a shuffle pass of its own;
 * and with kernel = stride it degenerates to exactly the GEMM above.
 */

/* At most this many floats of contributions per band (one input row at
 * least), so the col2im reads them back from L2. */
#define CT_BAND_FLOATS (64 * 1024)

/* Kernel = stride, no padding or crop, dilation 1, one group. */
static int ct_is_shuffle(const cvrt_conv_transpose2d_params *p)
{
	return p->kh == p->sh && p->kw == p->sw && p->dh == 1 && p->dw == 1 && p->pad_t == 0 &&
	       p->pad_l == 0 && p->group == 1 && p->oh >= (int64_t)p->h * p->sh &&
	       p->ow >= (int64_t)p->w * p->sw;
}

/* Input rows per band of the general path. */
static int ct_band_rows(const cvrt_conv_transpose2d_params *p)
{
	int64_t row = (int64_t)p->w * p->kw * (p->m / p->group);
	int64_t r = row > 0 ? CT_BAND_FLOATS / row : p->h;

	return r < 1 ? 1 : r > p->h ? p->h : (int)r;
}

/* Shuffle: the bias repeated kw times (one GEMM row's columns). General:
 * one band's contributions. */
size_t cvrt_conv_transpose2d_nhwc_workspace(const cvrt_conv_transpose2d_params *p)
{
	if (ct_is_shuffle(p))
		return (size_t)p->kw * (size_t)p->m;
	return (size_t)ct_band_rows(p) * (size_t)p->w * (size_t)p->kw * (size_t)(p->m / p->group);
}

/* Skinny GEMMs (at most 8 columns, such as a 2x2 up-conv to one channel):
 * B^T at most this many floats, on the stack. */
#define CT_SKINNY_FLOATS 4096
/* Rows per parallel work item of the skinny GEMM. */
#define CT_SKINNY_ROWS 64

/* a . b over k floats: 8 lanes of partial sums (gcc does not vectorize
 * the scalar form of this reduction, fmaf and all). */
static float ct_dot(const float *a, const float *b, int k)
{
	float t;
	int i = 0;
#if defined(__AVX2__) && defined(__FMA__)
	__m256 v = _mm256_setzero_ps();
	__m128 q;

	for (; i + 8 <= k; i += 8)
		v = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), v);
	q = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	q = _mm_add_ps(q, _mm_movehl_ps(q, q));
	q = _mm_add_ss(q, _mm_shuffle_ps(q, q, 1));
	t = _mm_cvtss_f32(q);
#else
	float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
	int l;

	for (; i + 8 <= k; i += 8)
		for (l = 0; l < 8; l++)
			s[l] = MADD(s[l], a[i + l], b[i + l]);
	t = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
#endif
	for (; i < k; i++)
		t = MADD(t, a[i], b[i]);
	return t;
}

/*
 * ct_gemm with cols <= 8 and cols * k <= CT_SKINNY_FLOATS: a row's few
 * outputs are dot products over k, vectorized along k, where the GEMM
 * kernels would fill a vector of columns with 1 or 2 lanes. The kernel
 * alone, 1 thread, AVX-512 build, 2x2 up-conv 64 -> 1 at 320x320: 12.1 ms
 * on the GEMM kernels, 1.9 ms so (it reads 26 MB of input).
 */
static void ct_skinny(int images, int rows, int k, int cols, const float *a, int64_t astride,
		      int64_t lda, const float *b, float *y, int64_t ystride, int64_t ldy,
		      const float *bias, cvrt_act act)
{
	float bt[CT_SKINNY_FLOATS];
	int64_t nb = (rows + CT_SKINNY_ROWS - 1) / CT_SKINNY_ROWS, total = (int64_t)images * nb, t;
	int j, kk;
	double work = (double)images * rows * cols * k;

	(void)work;
	for (j = 0; j < cols; j++) /* panels of 8 columns: B(kk, j) = b[kk * 8 + j] */
		for (kk = 0; kk < k; kk++)
			bt[(int64_t)j * k + kk] = b[(int64_t)kk * 8 + j];
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (work > PAR_MIN_WORK)
#endif
	for (t = 0; t < total; t++) {
		int64_t img = t / nb, r0 = (t % nb) * CT_SKINNY_ROWS, r;
		int64_t r1 = r0 + CT_SKINNY_ROWS < rows ? r0 + CT_SKINNY_ROWS : rows;
		int jj;
		for (r = r0; r < r1; r++) {
			float *yr = y + img * ystride + r * ldy;
			const float *ar = a + img * astride + r * lda;
			for (jj = 0; jj < cols; jj++)
				yr[jj] = ct_dot(ar, bt + (int64_t)jj * k, k) + (bias ? bias[jj] : 0.0f);
		}
		/* The activation over the block's results at once where they are
		 * contiguous (the shuffle's rows are: ldy == cols); one call per
		 * row of 1-8 floats costs more than the dot products. */
		if (ldy == cols)
			act_inplace(y + img * ystride + r0 * ldy, (r1 - r0) * cols, act);
		else
			for (r = r0; r < r1; r++)
				act_inplace(y + img * ystride + r * ldy, cols, act);
	}
}

/*
 * images x rows rows of Y = act(A B + bias): row r of image i reads the k
 * floats at a + i*astride + r*lda and writes cols floats at
 * y + i*ystride + r*ldy; B [k, cols] in weight panels; bias [cols] or NULL.
 */
static void ct_gemm(int images, int rows, int k, int cols, const float *a, int64_t astride,
		    int64_t lda, const float *b, float *y, int64_t ystride, int64_t ldy,
		    const float *bias, cvrt_act act)
{
#ifdef FAST_GEMM
	igemm G;
#endif

	if (cols <= 8 && (int64_t)cols * k <= CT_SKINNY_FLOATS) {
		ct_skinny(images, rows, k, cols, a, astride, lda, b, y, ystride, ldy, bias, act);
		return;
	}
#ifdef FAST_GEMM
	memset(&G, 0, sizeof(G));
	G.plain = 1;
	G.x = a;
	G.xpix = lda;
	G.cg = k;
	G.b = b;
	G.pc = CVRT_PANEL_COLS(cols);
	G.ldb = G.pc;
	G.y = y;
	G.ldy = ldy;
	G.bias = bias;
	G.act = act;
	fg_run(&G, images, astride, ystride, 0, rows, cols, 0, CVRT_SPLIT_AUTO);
#else
	double work = (double)images * rows * cols * k;
	int img;

	(void)work;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) if (images > 1 && work > PAR_MIN_WORK)
#endif
	for (img = 0; img < images; img++) {
		gemm_args ga;
		epilogue ep;
		memset(&ep, 0, sizeof(ep));
		ep.alpha = 1.0f;
		ep.col_bias = bias;
		ep.act = act;
		ga.m = rows;
		ga.n = cols;
		ga.k = k;
		ga.a = a + img * astride;
		ga.a_rs = lda;
		ga.a_cs = 1;
		ga.b = b;
		ga.pc = CVRT_PANEL_COLS(cols);
		ga.ldb = ga.pc;
		ga.y = y + img * ystride;
		ga.ldy = ldy;
		ga.ep = &ep;
		ga.serial = images > 1;
		gemm_core(&ga);
	}
#endif
}

/* len pixels at d (m floats apart), channels [j0, j0 + mg): bias (or 0). */
static void ct_fill(float *d, int64_t len, int64_t m, const float *bias, int j0, int mg)
{
	int64_t i;

	for (i = 0; i < len; i++, d += m) {
		if (bias)
			memcpy(d + j0, bias + j0, (size_t)mg * sizeof(float));
		else
			memset(d + j0, 0, (size_t)mg * sizeof(float));
	}
}

/* act over channels [j0, j0 + mg) of len pixels at d (whole pixels when
 * mg = m: one call). */
static void ct_act(float *d, int64_t len, int64_t m, int j0, int mg, cvrt_act act)
{
	int64_t i;

	if (act.kind == CVRT_ACT_NONE)
		return;
	if (mg == m) {
		act_inplace(d, len * m, act);
		return;
	}
	for (i = 0; i < len; i++, d += m)
		act_inplace(d + j0, mg, act);
}

/* The pixels the shuffle GEMMs never write (output_padding's last rows and
 * columns): act(bias). */
static void ct_shuffle_rest(const cvrt_conv_transpose2d_params *p, const float *bias, float *y)
{
	int64_t hs = (int64_t)p->h * p->sh, ws = (int64_t)p->w * p->sw, img, oy;

	for (img = 0; img < p->n; img++)
		for (oy = 0; oy < p->oh; oy++) {
			int64_t ox0 = oy < hs ? ws : 0;
			float *d = y + ((img * p->oh + oy) * p->ow + ox0) * p->m;
			ct_fill(d, p->ow - ox0, p->m, bias, 0, p->m);
			ct_act(d, p->ow - ox0, p->m, 0, p->m, p->act);
		}
}

/* Kernel = stride: per kernel row ky one GEMM over every input row (an
 * fg_run "image"), its result stored at output row ih*sh + ky. */
static void ct_shuffle(const cvrt_conv_transpose2d_params *p, const float *x, const float *w,
		       const float *bias, float *y, float *ws)
{
	int64_t cols = (int64_t)p->kw * p->m, per = CVRT_PANELS_FLOATS((int64_t)p->c, cols);
	int64_t orow = (int64_t)p->ow * p->m, out_img = (int64_t)p->oh * orow;
	int64_t in_row = (int64_t)p->w * p->c;
	/* Images stack evenly unless output_padding adds rows. */
	int whole = p->oh == p->h * p->sh;
	int img, ky, kx;
	const float *tb = NULL;

	if (bias) {
		for (kx = 0; kx < p->kw; kx++)
			memcpy(ws + (int64_t)kx * p->m, bias, (size_t)p->m * sizeof(float));
		tb = ws;
	}
	for (img = 0; img < (whole ? 1 : p->n); img++)
		for (ky = 0; ky < p->kh; ky++)
			ct_gemm(whole ? p->n * p->h : p->h, p->w, p->c, (int)cols,
				x + img * p->h * in_row, in_row, p->c, w + ky * per,
				y + img * out_img + ky * orow, p->sh * orow, (int64_t)p->sw * p->m, tb, p->act);
	if (p->oh > p->h * p->sh || p->ow > p->w * p->sw)
		ct_shuffle_rest(p, bias, y);
}

/* Output rows [r0, r1) of image yi, group g's channels: bias, or act. */
static void ct_rows(const cvrt_conv_transpose2d_params *p, float *yi, const float *bias, int g,
		    int r0, int r1, int init)
{
	int mg = p->m / p->group, oy;
	int64_t orow = (int64_t)p->ow * p->m;
	double work = (double)(r1 - r0) * orow;

	(void)work;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (r1 - r0 > 1 && work > PAR_MIN_WORK)
#endif
	for (oy = r0; oy < r1; oy++) {
		if (init)
			ct_fill(yi + oy * orow, p->ow, p->m, bias, g * mg, mg);
		else
			ct_act(yi + oy * orow, p->ow, p->m, g * mg, mg, p->act);
	}
}

/* col2im of kernel row ky for input rows [ih0, ih1): y += the
 * contributions in ws (input pixel (ih, iw), tap kx at
 * ws[((ih - ih0) * w + iw) * kw*mg + kx*mg]). Distinct input rows reach
 * distinct output rows here, so they run in parallel. */
static void ct_col2im(const cvrt_conv_transpose2d_params *p, const float *ws, int ih0, int ih1,
		      int ky, int g, float *yi)
{
	int mg = p->m / p->group, cols = p->kw * mg, ih;
	double work = (double)(ih1 - ih0) * p->w * cols;

	(void)work;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (ih1 - ih0 > 1 && work > PAR_MIN_WORK)
#endif
	for (ih = ih0; ih < ih1; ih++) {
		int oy = ih * p->sh - p->pad_t + ky * p->dh, iw, kx, j;
		const float *src = ws + (int64_t)(ih - ih0) * p->w * cols;
		float *yr;
		if (oy < 0 || oy >= p->oh)
			continue;
		yr = yi + (int64_t)oy * p->ow * p->m + (int64_t)g * mg;
		for (iw = 0; iw < p->w; iw++, src += cols)
			for (kx = 0; kx < p->kw; kx++) {
				int ox = iw * p->sw - p->pad_l + kx * p->dw;
				float *d = yr + (int64_t)ox * p->m;
				const float *s = src + kx * mg;
				if (ox < 0 || ox >= p->ow)
					continue;
				for (j = 0; j < mg; j++)
					d[j] += s[j];
			}
	}
}

/* Overlapping taps, padding, groups, dilation: bands of input rows. */
static void ct_general(const cvrt_conv_transpose2d_params *p, const float *x, const float *w,
		       const float *bias, float *y, float *ws)
{
	int cg = p->c / p->group, mg = p->m / p->group, cols = p->kw * mg;
	int band = ct_band_rows(p), img, g, ih0, ky;
	int64_t per = CVRT_PANELS_FLOATS((int64_t)cg, (int64_t)cols);

	for (img = 0; img < p->n; img++) {
		const float *xi = x + (int64_t)img * p->h * p->w * p->c;
		float *yi = y + (int64_t)img * p->oh * p->ow * p->m;
		for (g = 0; g < p->group; g++) {
			int ready = 0, done = 0; /* rows [0, ready) set to bias, [0, done) final */
			for (ih0 = 0; ih0 < p->h; ih0 += band) {
				int ih1 = ih0 + band < p->h ? ih0 + band : p->h;
				/* Last output row this band reaches + 1; first one later bands do. */
				int top = ih1 == p->h ? p->oh : (ih1 - 1) * p->sh - p->pad_t + (p->kh - 1) * p->dh + 1;
				int fin = ih1 == p->h ? p->oh : ih1 * p->sh - p->pad_t;
				top = top < 0 ? 0 : top > p->oh ? p->oh : top;
				fin = fin < 0 ? 0 : fin > p->oh ? p->oh : fin;
				top = top > fin ? top : fin; /* rows no band reaches are bias too */
				if (top > ready) {
					ct_rows(p, yi, bias, g, ready, top, 1);
					ready = top;
				}
				for (ky = 0; ky < p->kh; ky++) {
					ct_gemm(1, (ih1 - ih0) * p->w, cg, cols,
						xi + (int64_t)ih0 * p->w * p->c + (int64_t)g * cg, 0, p->c,
						w + ((int64_t)g * p->kh + ky) * per, ws, 0, cols, NULL,
						(cvrt_act){CVRT_ACT_NONE, 0.0f, 0.0f});
					ct_col2im(p, ws, ih0, ih1, ky, g, yi);
				}
				if (fin > done) {
					ct_rows(p, yi, bias, g, done, fin, 0);
					done = fin;
				}
			}
		}
	}
}

void cvrt_conv_transpose2d_nhwc(const cvrt_conv_transpose2d_params *p, const float *x,
				const float *w, const float *bias, float *y, float *ws)
{
	if (p->n <= 0 || p->oh <= 0 || p->ow <= 0 || p->m <= 0 || p->h <= 0 || p->w <= 0)
		return;
	if (ct_is_shuffle(p))
		ct_shuffle(p, x, w, bias, y, ws);
	else
		ct_general(p, x, w, bias, y, ws);
}
