/*
 * cvrt_conv3d.inc.c - 3-D convolution (NCDHW activations, OIDHW weights).
 *
 * Included by cvrt_conv.c, so it is built once per ISA with that family;
 * the GEMMs it calls (fg_run, gemm_core) are the same object's.
 *
 * With the fast micro kernel (AVX2 + FMA, AVX-512): depth taps of 2-D
 * implicit GEMMs in channels-last order. A 3-D conv is, per output depth
 * plane oz, the sum over the depth taps kz (whose input plane
 * iz = oz*sd - pad_f + kz*dd lies inside the input) of a 2-D conv of plane
 * iz with the weight slice w[:, :, kz]. So the kernel
 *   1. transposes the image to NDHWC and packs the weights per group and
 *      depth tap into the NHWC conv's panels (cvrt.h, "Weight panels"),
 *   2. per run of output planes with the same valid taps kz0..kz1 and per
 *      tap kz, runs the NHWC 2-D conv (fg_run, rows = output pixels,
 *      columns = output channels) over all the run's planes as `images`,
 *      the first tap starting from the bias, the others accumulating into
 *      Y (igemm.acc), the last one applying the activation,
 *   3. transposes the NDHWC result back to NCDHW.
 * Before: vol2col (below) wrote kd*kh*kw times the input (11 MB for
 * r3d_small's stem) that the GEMM then read back; now the 2-D kernel reads
 * interior windows in place and packs only border patches, a few at a
 * time, into L1.
 *
 * Without it (the portable build): a chunk of output depth planes at a time: their column matrix
 *   ws[((ci*kd + kz)*kh + ky)*kw + kx][(oz - oz0)*oh*ow + oy*ow + ox]
 *     = x[ci][oz*sd - pad_f + kz*dd][oy*sh - pad_t + ky*dh][ox*sw - pad_l + kx*dw]
 * (zero outside the input) times the group's [m/group, (c/group)*kd*kh*kw]
 * weight rows gives the chunk's outputs, which are contiguous in y (rows
 * od*oh*ow apart). A chunk holds as many planes as fit CONV3D_WS_FLOATS
 * (at least one), so the deep layers, whose planes are a few pixels, still
 * make GEMMs hundreds of columns wide, while a video-sized input does not
 * need od times a plane's column matrix.
 */

#ifndef FAST_GEMM
#define CONV3D_WS_FLOATS ((int64_t)8 << 20) /* 32 MiB: an L3's worth, a chunk's columns */

/* Output depth planes per chunk. */
static int conv3d_chunk(const cvrt_conv3d_params *p)
{
	int64_t one = (int64_t)p->c * p->kd * p->kh * p->kw * p->oh * p->ow;
	int64_t k = one > 0 ? CONV3D_WS_FLOATS / one : 1;

	return k < 1 ? 1 : k > p->od ? p->od : (int)k;
}

static size_t conv3d_vol2col_ws(const cvrt_conv3d_params *p)
{
	return (size_t)p->c * (size_t)p->kd * (size_t)p->kh * (size_t)p->kw * (size_t)p->oh *
	       (size_t)p->ow * (size_t)conv3d_chunk(p);
}

/* The column matrix of output depth planes [oz0, oz0 + nz), for all c
 * channels at x: row r is nz planes of oh*ow floats. */
static void vol2col_planes(const cvrt_conv3d_params *p, const float *x, int oz0, int nz, float *ws)
{
	int rows = p->c * p->kd * p->kh * p->kw, items = rows * nz, it;
	int64_t plane = (int64_t)p->oh * p->ow, in_plane = (int64_t)p->h * p->w;
	double work = (double)items * plane;

	(void)work;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (items > 1 && work > PAR_MIN_WORK)
#endif
	for (it = 0; it < items; it++) {
		int r = it / nz, z = it % nz, oz = oz0 + z;
		int kx = r % p->kw, ky = (r / p->kw) % p->kh, kz = (r / (p->kw * p->kh)) % p->kd;
		int ci = r / (p->kw * p->kh * p->kd);
		int iz = oz * p->sd - p->pad_f + kz * p->dd;
		int off = kx * p->dw - p->pad_l;
		float *dst = ws + ((int64_t)r * nz + z) * plane;
		const float *xc;
		int lo, hi, oy, ox;

		if (iz < 0 || iz >= p->d) {
			memset(dst, 0, (size_t)plane * sizeof(float));
			continue;
		}
		xc = x + ((int64_t)ci * p->d + iz) * in_plane;
		valid_out_range(p->ow, p->sw, off, p->w, &lo, &hi);
		for (oy = 0; oy < p->oh; oy++) {
			int iy = oy * p->sh - p->pad_t + ky * p->dh;
			float *dr = dst + (int64_t)oy * p->ow;
			const float *xr;
			if (iy < 0 || iy >= p->h || lo == hi) {
				memset(dr, 0, (size_t)p->ow * sizeof(float));
				continue;
			}
			xr = xc + (int64_t)iy * p->w + off;
			for (ox = 0; ox < lo; ox++)
				dr[ox] = 0.0f;
			if (p->sw == 1)
				memcpy(dr + lo, xr + lo, (size_t)(hi - lo) * sizeof(float));
			else
				for (ox = lo; ox < hi; ox++)
					dr[ox] = xr[(int64_t)ox * p->sw];
			for (ox = hi; ox < p->ow; ox++)
				dr[ox] = 0.0f;
		}
	}
}

static void conv3d_vol2col(const cvrt_conv3d_params *p, const float *x, const float *w,
			   const float *bias, float *y, float *ws)
{
	int cg = p->c / p->group, mg = p->m / p->group;
	int kdim = cg * p->kd * p->kh * p->kw;
	int64_t plane = (int64_t)p->oh * p->ow, out_vol = (int64_t)p->od * plane;
	int64_t in_vol = (int64_t)p->d * p->h * p->w;
	int chunk = conv3d_chunk(p), img, oz, g;

	for (img = 0; img < p->n; img++)
		for (oz = 0; oz < p->od; oz += chunk) {
			int nz = p->od - oz < chunk ? p->od - oz : chunk;
			int64_t cols = nz * plane;
			vol2col_planes(p, x + (int64_t)img * p->c * in_vol, oz, nz, ws);
			for (g = 0; g < p->group; g++) {
				gemm_args ga;
				epilogue ep;
				ep.alpha = 1.0f;
				ep.c = NULL;
				ep.c_rs = 0;
				ep.c_cs = 0;
				ep.beta = 0.0f;
				ep.act = p->act;
				ep.row_bias = bias ? bias + (int64_t)g * mg : NULL;
				ep.col_bias = NULL;
				ga.m = mg;
				ga.n = (int)cols;
				ga.k = kdim;
				ga.a = w + (int64_t)g * mg * kdim;
				ga.a_rs = kdim;
				ga.a_cs = 1;
				ga.b = ws + (int64_t)g * kdim * cols;
				ga.ldb = cols;
				ga.pc = 0;
				ga.y = y + ((int64_t)img * p->m + (int64_t)g * mg) * out_vol + oz * plane;
				ga.ldy = out_vol;
				ga.ep = &ep;
				ga.serial = 0;
				gemm_core(&ga);
			}
		}
}

#endif /* !FAST_GEMM */

#ifdef FAST_GEMM
/* Floats of the packed weights: per group g and depth tap kz, the matrix
 *   B_{g,kz}[(ky*kw + kx)*cg + ci][j] = w[g*mg + j][ci][kz][ky][kx]
 * (k = kh*kw*cg rows tap-major, n = mg columns) in weight panels, at float
 * (g*kd + kz) * CVRT_PANELS_FLOATS(k, mg). */
static size_t conv3d_packed_floats(const cvrt_conv3d_params *p)
{
	int64_t k = (int64_t)p->kh * p->kw * (p->c / p->group), mg = p->m / p->group;

	return (size_t)p->group * (size_t)p->kd * (size_t)CVRT_PANELS_FLOATS(k, mg);
}

/*
 * Packed per call (a weight is read once per call anyway). One panel of
 * pc output channels at a time, for all kd taps: its source is pc
 * contiguous [cg, kd, kh, kw] blocks, read in order, and its destination
 * kd blocks of kh*kw*cg x pc floats (r3d_18's 512-channel layers: 1.7 MB,
 * about an L2). The first version walked the destination in order and
 * gathered the source kd*kh*kw floats apart: r3d_18's layer4 convs spent
 * most of their time packing.
 */
static void conv3d_pack(const cvrt_conv3d_params *p, const float *w, float *packed)
{
	int64_t cg = p->c / p->group, mg = p->m / p->group, taps = (int64_t)p->kh * p->kw;
	int64_t k = taps * cg, pc = CVRT_PANEL_COLS(mg), per = CVRT_PANELS_FLOATS(k, mg);
	int64_t vol = (int64_t)p->kd * taps, np = (mg + pc - 1) / pc, item;

	(void)per;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (p->group * np > 1 && (double)p->m * cg * vol > PAR_MIN_WORK)
#endif
	for (item = 0; item < p->group * np; item++) {
		int64_t g = item / np, pn = item % np, jj, ci, kz, t;
		for (jj = 0; jj < pc; jj++) {
			int64_t j = pn * pc + jj;
			const float *src = j < mg ? w + (g * mg + j) * cg * vol : NULL;
			for (kz = 0; kz < p->kd; kz++) {
				float *d = packed + (g * p->kd + kz) * per + pn * k * pc + jj;
				for (ci = 0; ci < cg; ci++)
					for (t = 0; t < taps; t++)
						d[(t * cg + ci) * pc] = src ? src[ci * vol + kz * taps + t] : 0.0f;
			}
		}
	}
}

/* y[a][i] = x[i][a] (a < na, i < ni; x rows xs apart, y rows ys apart), in
 * blocks of 256 along the longer dim (so that a block's strided side stays
 * in cache), spread over the team when large. */
static void conv3d_transpose(const float *x, int64_t xs, float *y, int64_t ys, int64_t na,
			     int64_t ni)
{
	int64_t len = na > ni ? na : ni, nb = (len + 255) / 256, b;

	(void)nb;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (nb > 1 && na * ni > PAR_MIN_WORK)
#endif
	for (b = 0; b < nb; b++) {
		int64_t b0 = b * 256, n = len - b0 < 256 ? len - b0 : 256;
		if (na > ni)
			transpose_2d(x + b0, xs, y + b0 * ys, ys, n, ni);
		else
			transpose_2d(x + b0 * xs, xs, y + b0, ys, na, n);
	}
}

/* Valid depth taps [*k0, *k1] of output plane oz (*k0 > *k1: none). */
static void conv3d_taps(const cvrt_conv3d_params *p, int oz, int *k0, int *k1)
{
	int base = oz * p->sd - p->pad_f, kz;

	*k0 = p->kd;
	*k1 = -1;
	for (kz = 0; kz < p->kd; kz++)
		if (base + kz * p->dd >= 0 && base + kz * p->dd < p->d) {
			if (*k0 > kz)
				*k0 = kz;
			*k1 = kz;
		}
}

/* Output planes [oz, end) of one image, whose valid depth taps are all
 * [k0, k1]: xt NDHWC [d, h, w, c] -> yt NDHWC [od, oh, ow, m]. Each tap is
 * one fg_run over all the planes (as images), spread over the team unless
 * serial. */
static void conv3d_run(const cvrt_conv3d_params *p, const float *xt, const float *packed,
		       const float *bias, float *yt, int oz, int end, int k0, int k1, int serial)
{
	int cg = p->c / p->group, mg = p->m / p->group, g, kz;
	int64_t k = (int64_t)p->kh * p->kw * cg, per = CVRT_PANELS_FLOATS(k, mg);
	int64_t in_plane = (int64_t)p->h * p->w * p->c, out_plane = (int64_t)p->oh * p->ow * p->m;
	/* one depth plane's 2-D geometry */
	cvrt_conv2d_params p2 = {p->n, p->c, p->h, p->w, p->m, p->oh, p->ow, p->kh, p->kw,
				 p->sh, p->sw, p->dh, p->dw, p->pad_t, p->pad_l, p->group,
				 {CVRT_ACT_NONE, 0.0f, 0.0f}, 0, 0, 0};
	igemm G;

	igemm_init(&G, &p2, mg);
	for (g = 0; g < p->group; g++) {
		float *yg = yt + oz * out_plane + (int64_t)g * mg;
		if (k0 > k1) { /* no tap reaches the input: bias, then act */
			int64_t px, j, npx = (int64_t)(end - oz) * p->oh * p->ow;
			for (px = 0; px < npx; px++) {
				for (j = 0; j < mg; j++)
					yg[px * p->m + j] = bias ? bias[(int64_t)g * mg + j] : 0.0f;
				act_inplace(yg + px * p->m, mg, p->act);
			}
			continue;
		}
		for (kz = k0; kz <= k1; kz++) {
			int iz = oz * p->sd - p->pad_f + kz * p->dd;
			G.x = xt + iz * in_plane + (int64_t)g * cg;
			G.b = packed + ((int64_t)g * p->kd + kz) * per;
			G.y = yg;
			G.bias = bias ? bias + (int64_t)g * mg : NULL;
			G.acc = kz > k0;
			G.act.kind = CVRT_ACT_NONE;
			if (kz == k1)
				G.act = p->act;
			fg_run(&G, end - oz, (int64_t)p->sd * in_plane, out_plane, 0, p->oh * p->ow, mg,
			       serial, CVRT_SPLIT_AUTO);
		}
	}
}

/*
 * One image: xt NDHWC [d, h, w, c] -> yt NDHWC [od, oh, ow, m]. With at
 * least two output planes per thread, the planes are the parallel work
 * items (one parallel region, each plane's taps run back to back on one
 * thread); else each run of planes with the same taps goes through
 * conv3d_run, every tap's fg_run spread over the team. Per tap a region
 * was 7 of them for r3d_small's stem; under a loaded machine each barrier
 * can wait a whole time slice for a descheduled thread.
 */
static void conv3d_image(const cvrt_conv3d_params *p, const float *xt, const float *packed,
			 const float *bias, float *yt)
{
	int oz = 0, nth = 1;
	double work = (double)p->od * p->oh * p->ow * p->m * p->kd * p->kh * p->kw * (p->c / p->group);

#ifdef _OPENMP
	nth = omp_get_max_threads();
#endif
	if (nth > 1 && p->od >= 2 * nth && work > PAR_MIN_WORK) {
		int z;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1)
#endif
		for (z = 0; z < p->od; z++) {
			int k0, k1;
			conv3d_taps(p, z, &k0, &k1);
			conv3d_run(p, xt, packed, bias, yt, z, z + 1, k0, k1, 1);
		}
		return;
	}
	while (oz < p->od) {
		int k0, k1, a0, a1, end = oz + 1;
		conv3d_taps(p, oz, &k0, &k1);
		for (;;) { /* the run of planes with the same valid taps */
			if (end == p->od)
				break;
			conv3d_taps(p, end, &a0, &a1);
			if (a0 != k0 || a1 != k1)
				break;
			end++;
		}
		conv3d_run(p, xt, packed, bias, yt, oz, end, k0, k1, 0);
		oz = end;
	}
}
#endif

size_t cvrt_conv3d_workspace(const cvrt_conv3d_params *p)
{
#ifdef FAST_GEMM
	return (size_t)p->d * p->h * p->w * p->c + (size_t)p->od * p->oh * p->ow * p->m +
	       conv3d_packed_floats(p);
#else
	return conv3d_vol2col_ws(p);
#endif
}

void cvrt_conv3d(const cvrt_conv3d_params *p, const float *x, const float *w,
		 const float *bias, float *y, float *ws)
{
#ifdef FAST_GEMM
	int64_t in_vol = (int64_t)p->d * p->h * p->w, out_vol = (int64_t)p->od * p->oh * p->ow;
	float *xt = ws, *yt = ws + in_vol * p->c, *packed = yt + out_vol * p->m;
	int img;

	if (p->n <= 0 || p->m <= 0 || out_vol <= 0)
		return;
	conv3d_pack(p, w, packed);
	for (img = 0; img < p->n; img++) {
		conv3d_transpose(x + img * p->c * in_vol, in_vol, xt, p->c, in_vol, p->c);
		conv3d_image(p, xt, packed, bias, yt);
		conv3d_transpose(yt, p->m, y + img * p->m * out_vol, out_vol, p->m, out_vol);
	}
#else
	conv3d_vol2col(p, x, w, bias, y, ws);
#endif
}
