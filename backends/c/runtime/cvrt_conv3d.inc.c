/*
 * cvrt_conv3d.inc.c - 3-D convolution (NCDHW): vol2col + the packed GEMM.
 *
 * Included by cvrt_conv.c, so it is built once per ISA with that family;
 * the GEMM it calls (gemm_core) is the same object's.
 *
 * A chunk of output depth planes at a time: their column matrix
 *   ws[((ci*kd + kz)*kh + ky)*kw + kx][(oz - oz0)*oh*ow + oy*ow + ox]
 *     = x[ci][oz*sd - pad_f + kz*dd][oy*sh - pad_t + ky*dh][ox*sw - pad_l + kx*dw]
 * (zero outside the input) times the group's [m/group, (c/group)*kd*kh*kw]
 * weight rows gives the chunk's outputs, which are contiguous in y (rows
 * od*oh*ow apart). A chunk holds as many planes as fit CONV3D_WS_FLOATS
 * (at least one), so the deep layers, whose planes are a few pixels, still
 * make GEMMs hundreds of columns wide, while a video-sized input does not
 * need od times a plane's column matrix.
 */

#define CONV3D_WS_FLOATS ((int64_t)8 << 20) /* 32 MiB: an L3's worth, a chunk's columns */

/* Output depth planes per chunk. */
static int conv3d_chunk(const cvrt_conv3d_params *p)
{
	int64_t one = (int64_t)p->c * p->kd * p->kh * p->kw * p->oh * p->ow;
	int64_t k = one > 0 ? CONV3D_WS_FLOATS / one : 1;

	return k < 1 ? 1 : k > p->od ? p->od : (int)k;
}

size_t cvrt_conv3d_workspace(const cvrt_conv3d_params *p)
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

void cvrt_conv3d(const cvrt_conv3d_params *p, const float *x, const float *w,
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
