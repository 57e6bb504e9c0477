/*
 * cvrt_convt3d.inc.c - 3-D transposed convolution (NCDHW activations, IODHW
 * weights): GEMM + col2vol.
 *
 * Included by cvrt_conv.c, so it is built once per ISA with that family;
 * the GEMM it calls (gemm_core) is the same object's: the register-blocked
 * micro kernel with AVX2 + FMA or AVX-512, the portable one otherwise.
 *
 * Per image and group g (cg = c/group input, mg = m/group output channels,
 * kvol = kd*kh*kw taps, in_vol = d*h*w):
 *   1. cols[co*kvol + t][i] = sum_ci w[g*cg + ci][co][t] * x[g*cg + ci][i]
 *      for every input position i: one GEMM [mg*kvol, cg] x [cg, in_vol],
 *      A being the group's weight transposed once into the workspace so
 *      that the GEMM reads it row-major;
 *   2. col2vol, one output channel per work item (channels write disjoint
 *      planes): y[co] = bias[co], then cols row (co, t) is added at
 *      output (iz*sd - pad_f + kz*dd, iy*sh - pad_t + ky*dh,
 *      ix*sw - pad_l + kx*dw) where that lies inside y, then the activation.
 */

size_t cvrt_conv_transpose3d_workspace(const cvrt_conv3d_params *p)
{
	size_t rows = (size_t)(p->m / p->group) * (size_t)p->kd * (size_t)p->kh * (size_t)p->kw;

	return rows * (size_t)(p->c / p->group) + rows * (size_t)p->d * (size_t)p->h * (size_t)p->w;
}

/* Adds cols (rows co*kvol + t, in_vol columns) into yc, output channel co's
 * [od, oh, ow] volume. */
static void col2vol_channel(const cvrt_conv3d_params *p, const float *cols, float *yc)
{
	int kvol = p->kd * p->kh * p->kw, t, iz, iy, ix;
	int64_t in_plane = (int64_t)p->h * p->w, out_plane = (int64_t)p->oh * p->ow;

	for (t = 0; t < kvol; t++) {
		int kx = t % p->kw, ky = t / p->kw % p->kh, kz = t / (p->kw * p->kh);
		const float *c = cols + (int64_t)t * p->d * in_plane;
		int x0 = 0, x1 = p->w; /* inputs whose ox lies in [0, ow) */
		while (x0 < x1 && x0 * p->sw - p->pad_l + kx * p->dw < 0)
			x0++;
		while (x1 > x0 && (x1 - 1) * p->sw - p->pad_l + kx * p->dw >= p->ow)
			x1--;
		for (iz = 0; iz < p->d; iz++) {
			int oz = iz * p->sd - p->pad_f + kz * p->dd;
			if (oz < 0 || oz >= p->od)
				continue;
			for (iy = 0; iy < p->h; iy++) {
				int oy = iy * p->sh - p->pad_t + ky * p->dh;
				const float *cr = c + iz * in_plane + (int64_t)iy * p->w;
				float *yr;
				if (oy < 0 || oy >= p->oh)
					continue;
				yr = yc + oz * out_plane + (int64_t)oy * p->ow - p->pad_l + kx * p->dw;
				for (ix = x0; ix < x1; ix++)
					yr[(int64_t)ix * p->sw] += cr[ix];
			}
		}
	}
}

void cvrt_conv_transpose3d(const cvrt_conv3d_params *p, const float *x, const float *w,
			   const float *bias, float *y, float *ws)
{
	int cg = p->c / p->group, mg = p->m / p->group, kvol = p->kd * p->kh * p->kw;
	int64_t rows = (int64_t)mg * kvol, in_vol = (int64_t)p->d * p->h * p->w;
	int64_t out_vol = (int64_t)p->od * p->oh * p->ow, r, ci;
	float *at = ws, *cols = ws + rows * cg;
	int img, g, co;

	if (p->n <= 0 || p->m <= 0 || out_vol <= 0)
		return;
	for (img = 0; img < p->n; img++)
		for (g = 0; g < p->group; g++) {
			const float *wg = w + (int64_t)g * cg * rows;
			float *yg = y + ((int64_t)img * p->m + (int64_t)g * mg) * out_vol;
			gemm_args ga;
			epilogue ep;
			for (r = 0; r < rows; r++)
				for (ci = 0; ci < cg; ci++)
					at[r * cg + ci] = wg[ci * rows + r];
			memset(&ep, 0, sizeof ep);
			ep.alpha = 1.0f;
			ep.act.kind = CVRT_ACT_NONE;
			memset(&ga, 0, sizeof ga);
			ga.m = (int)rows;
			ga.n = (int)in_vol;
			ga.k = cg;
			ga.a = at;
			ga.a_rs = cg;
			ga.a_cs = 1;
			ga.b = x + ((int64_t)img * p->c + (int64_t)g * cg) * in_vol;
			ga.ldb = in_vol;
			ga.y = cols;
			ga.ldy = in_vol;
			ga.ep = &ep;
			gemm_core(&ga);
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (mg > 1 && (double)rows * in_vol > PAR_MIN_WORK)
#endif
			for (co = 0; co < mg; co++) {
				float *yc = yg + (int64_t)co * out_vol;
				int64_t i;
				float b0 = bias ? bias[(int64_t)g * mg + co] : 0.0f;
				for (i = 0; i < out_vol; i++)
					yc[i] = b0;
				col2vol_channel(p, cols + (int64_t)co * kvol * in_vol, yc);
				act_inplace(yc, out_vol, p->act);
			}
		}
}
