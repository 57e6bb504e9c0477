/*
 * cvrt_conv3d.inc.c - 3-D convolution (NCDHW): vol2col + the packed GEMM.
 *
 * Included by cvrt_conv.c, so it is built once per ISA with that family;
 * the GEMM it calls (gemm_core) is the same object's.
 *
 * One output depth plane at a time: its column matrix
 *   ws[((ci*kd + kz)*kh + ky)*kw + kx][oy*ow + ox]
 *     = x[ci][oz*sd - pad_f + kz*dd][oy*sh - pad_t + ky*dh][ox*sw - pad_l + kx*dw]
 * (zero outside the input) times the group's [m/group, (c/group)*kd*kh*kw]
 * weight rows gives the plane's outputs, written with rows od*oh*ow apart.
 * A plane keeps the workspace at c*kd*kh*kw*oh*ow floats, which is what a
 * video-sized input needs (all planes at once would be od times that).
 */

size_t cvrt_conv3d_workspace(const cvrt_conv3d_params *p)
{
	return (size_t)p->c * (size_t)p->kd * (size_t)p->kh * (size_t)p->kw * (size_t)p->oh *
	       (size_t)p->ow;
}

/* The column matrix of output depth plane oz, for all c channels at x. */
static void vol2col_plane(const cvrt_conv3d_params *p, const float *x, int oz, float *ws)
{
	int rows = p->c * p->kd * p->kh * p->kw, r;
	int64_t plane = (int64_t)p->oh * p->ow, in_plane = (int64_t)p->h * p->w;
	double work = (double)rows * plane;

	(void)work;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (rows > 1 && work > PAR_MIN_WORK)
#endif
	for (r = 0; r < rows; r++) {
		int kx = r % p->kw, ky = (r / p->kw) % p->kh, kz = (r / (p->kw * p->kh)) % p->kd;
		int ci = r / (p->kw * p->kh * p->kd);
		int iz = oz * p->sd - p->pad_f + kz * p->dd;
		int off = kx * p->dw - p->pad_l;
		float *dst = ws + (int64_t)r * plane;
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

void cvrt_conv3d(const cvrt_conv3d_params *p, const float *x, const float *w,
		 const float *bias, float *y, float *ws)
{
	int cg = p->c / p->group, mg = p->m / p->group;
	int kdim = cg * p->kd * p->kh * p->kw;
	int64_t plane = (int64_t)p->oh * p->ow, out_vol = (int64_t)p->od * plane;
	int64_t in_vol = (int64_t)p->d * p->h * p->w;
	int img, oz, g;

	for (img = 0; img < p->n; img++)
		for (oz = 0; oz < p->od; oz++) {
			vol2col_plane(p, x + (int64_t)img * p->c * in_vol, oz, ws);
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
				ga.n = (int)plane;
				ga.k = kdim;
				ga.a = w + (int64_t)g * mg * kdim;
				ga.a_rs = kdim;
				ga.a_cs = 1;
				ga.b = ws + (int64_t)g * kdim * plane;
				ga.ldb = plane;
				ga.pc = 0;
				ga.y = y + ((int64_t)img * p->m + (int64_t)g * mg) * out_vol + oz * plane;
				ga.ldy = out_vol;
				ga.ep = &ep;
				ga.serial = 0;
				gemm_core(&ga);
			}
		}
}
