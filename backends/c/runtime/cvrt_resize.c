/*
 * cvrt_resize.c - resizing (nearest, linear, cubic).
 *
 * Kernels of cvrt.h, compiled once per ISA (cvrt_impl.h).
 */
#include "cvrt_impl.h"

/* This object's versions of the entry points (cvrt_resize_api.c calls them). */
#define cvrt_resize2d CVRT_FN(cvrt_resize2d)
#define cvrt_resize2d_nhwc CVRT_FN(cvrt_resize2d_nhwc)

/* ------------------------------------------------------------------------ */
/* Resize                                                                   */
/* ------------------------------------------------------------------------ */

static float resize_coord(int coord, int o, int in_len, int out_len, float scale)
{
	switch (coord) {
	case CVRT_COORD_HALF_PIXEL_SYMMETRIC:
		return (float)in_len / 2 * (1 - (float)out_len / (scale * (float)in_len)) + ((float)o + 0.5f) / scale -
		       0.5f;
	case CVRT_COORD_PYTORCH_HALF_PIXEL:
		return out_len > 1 ? ((float)o + 0.5f) / scale - 0.5f : 0.0f;
	case CVRT_COORD_ALIGN_CORNERS:
		return out_len > 1 ? (float)o * (float)(in_len - 1) / (float)(out_len - 1) : 0.0f;
	case CVRT_COORD_ASYMMETRIC:
		return (float)o / scale;
	case CVRT_COORD_TF_HALF_PIXEL_FOR_NEAREST:
		return ((float)o + 0.5f) / scale;
	default:
		return ((float)o + 0.5f) / scale - 0.5f;
	}
}

static int nearest_index(float v, int mode, int len)
{
	float r;
	int64_t i;

	switch (mode) {
	case CVRT_NEAREST_ROUND_PREFER_CEIL:
		r = roundf(v);
		if (v - floorf(v) == 0.5f)
			r = ceilf(v);
		break;
	case CVRT_NEAREST_FLOOR:
		r = floorf(v);
		break;
	case CVRT_NEAREST_CEIL:
		r = ceilf(v);
		break;
	default:
		r = roundf(v);
		if (v - floorf(v) == 0.5f)
			r = floorf(v);
		break;
	}
	if (!(r > 0.0f))
		return 0;
	if (r >= (float)len)
		return len - 1;
	i = (int64_t)r;
	return i >= len ? len - 1 : (int)i;
}

/* Linear taps along one axis: lo/hi indices and the weight of hi. */
static void linear_tap(float v, int len, int *lo, int *hi, float *frac)
{
	int i0;

	if (!(v > 0.0f))
		v = 0.0f;
	if (v > (float)(len - 1))
		v = (float)(len - 1);
	i0 = (int)v;
	if (i0 > len - 1)
		i0 = len - 1;
	*lo = i0;
	*hi = i0 + 1 < len ? i0 + 1 : len - 1;
	*frac = v - (float)i0;
}

/* The taps of output index o along axis (0: h, 1: w) for cubic or
 * tf_crop_and_resize (cvrt.h): n indices in [0, len) and their weights;
 * returns 0 when the coordinate leaves the crop (the result is
 * p->extrapolation). */
static int general_taps(const cvrt_resize2d_params *p, int axis, int o, int *idx, float *w, int *n)
{
	int len = axis ? p->w : p->h, olen = axis ? p->ow : p->oh, i0, k;
	float c, t, A = p->cubic_a, sum = 0.0f;

	if (p->coord == CVRT_COORD_TF_CROP_AND_RESIZE) {
		float a = p->roi[axis], b = p->roi[2 + axis];
		c = olen > 1 ? a * (float)(len - 1) + (float)o * (b - a) * (float)(len - 1) / (float)(olen - 1)
			     : 0.5f * (a + b) * (float)(len - 1);
		if (!(c >= 0.0f && c <= (float)(len - 1)))
			return 0;
	} else {
		c = resize_coord(p->coord, o, len, olen, axis ? p->scale_w : p->scale_h);
	}
	if (p->mode == CVRT_RESIZE_NEAREST) {
		*n = 1;
		idx[0] = nearest_index(c, p->nearest_mode, len);
		w[0] = 1.0f;
		return 1;
	}
	i0 = (int)floorf(c);
	t = c - (float)i0;
	if (p->mode == CVRT_RESIZE_LINEAR) {
		*n = 2;
		idx[0] = i0, idx[1] = i0 + 1;
		w[0] = 1.0f - t, w[1] = t;
	} else {
		const float d[4] = {1.0f + t, t, 1.0f - t, 2.0f - t};
		*n = 4;
		for (k = 0; k < 4; k++) {
			idx[k] = i0 - 1 + k;
			w[k] = d[k] <= 1.0f ? ((A + 2.0f) * d[k] - (A + 3.0f)) * d[k] * d[k] + 1.0f
					    : ((A * d[k] - 5.0f * A) * d[k] + 8.0f * A) * d[k] - 4.0f * A;
		}
	}
	for (k = 0; k < *n; k++) {
		if (p->exclude_outside && (idx[k] < 0 || idx[k] >= len))
			w[k] = 0.0f;
		sum += w[k];
		idx[k] = idx[k] < 0 ? 0 : idx[k] >= len ? len - 1 : idx[k];
	}
	if (p->exclude_outside && sum != 0.0f)
		for (k = 0; k < *n; k++)
			w[k] /= sum;
	return 1;
}

/* Cubic and tf_crop_and_resize, both layouts: x is [nc, h, w, c] (NCHW:
 * c = 1 and nc planes). Each result is sum over row taps r of wy[r] *
 * (sum over column taps of wx * x), the channels a contiguous run. */
static void resize_general(const cvrt_resize2d_params *p, int c, const float *x, float *y)
{
	int64_t rows = p->nc * p->oh, t;

#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (rows > 1 && rows * p->ow * c > PAR_MIN_WORK)
#endif
	for (t = 0; t < rows; t++) {
		int64_t img = t / p->oh;
		int oy = (int)(t % p->oh), ox, j, r, q, ny = 0, nx = 0, iy[4], ix[4], in_y;
		const float *xi = x + img * p->h * p->w * c;
		float *yr = y + t * p->ow * c, wy[4], wx[4];

		in_y = general_taps(p, 0, oy, iy, wy, &ny);
		for (ox = 0; ox < p->ow; ox++) {
			float *yp = yr + (int64_t)ox * c;
			if (!in_y || !general_taps(p, 1, ox, ix, wx, &nx)) {
				for (j = 0; j < c; j++)
					yp[j] = p->extrapolation;
				continue;
			}
			for (j = 0; j < c; j++)
				yp[j] = 0.0f;
			for (r = 0; r < ny; r++) {
				const float *xr = xi + (int64_t)iy[r] * p->w * c;
				for (q = 0; q < nx; q++) {
					const float *xp = xr + (int64_t)ix[q] * c;
					float wq = wy[r] * wx[q];
					for (j = 0; j < c; j++)
						yp[j] += wq * xp[j];
				}
			}
		}
	}
}

/*
 * Column taps depend only on ox, row taps only on oy: both are recomputed per
 * use (a few flops) because kernels may not allocate tables.
 */
void cvrt_resize2d(const cvrt_resize2d_params *p, const float *x, float *y)
{
	int64_t pi;

	if (p->mode == CVRT_RESIZE_CUBIC || p->coord == CVRT_COORD_TF_CROP_AND_RESIZE) {
		resize_general(p, 1, x, y);
		return;
	}

#ifdef _OPENMP
#pragma omp parallel for schedule(static)
#endif
	for (pi = 0; pi < p->nc; pi++) {
		const float *xc = x + pi * p->h * p->w;
		float *yc = y + pi * p->oh * p->ow;
		int oy, ox;

		for (oy = 0; oy < p->oh; oy++) {
			float *yr = yc + (int64_t)oy * p->ow;
			float fy = resize_coord(p->coord, oy, p->h, p->oh, p->scale_h);
			if (p->mode == CVRT_RESIZE_NEAREST) {
				const float *xr = xc + (int64_t)nearest_index(fy, p->nearest_mode, p->h) * p->w;
				for (ox = 0; ox < p->ow; ox++) {
					float fx = resize_coord(p->coord, ox, p->w, p->ow, p->scale_w);
					yr[ox] = xr[nearest_index(fx, p->nearest_mode, p->w)];
				}
			} else {
				int y0, y1;
				float wy;
				const float *r0, *r1;
				linear_tap(fy, p->h, &y0, &y1, &wy);
				r0 = xc + (int64_t)y0 * p->w;
				r1 = xc + (int64_t)y1 * p->w;
				for (ox = 0; ox < p->ow; ox++) {
					float fx = resize_coord(p->coord, ox, p->w, p->ow, p->scale_w);
					int x0, x1;
					float wx, top, bot;
					linear_tap(fx, p->w, &x0, &x1, &wx);
					top = r0[x0] + (r0[x1] - r0[x0]) * wx;
					bot = r1[x0] + (r1[x1] - r1[x0]) * wx;
					yr[ox] = top + (bot - top) * wy;
				}
			}
		}
	}
}

/* NHWC: per output pixel the same taps as above, then a contiguous run over c. */
void cvrt_resize2d_nhwc(const cvrt_resize2d_params *p, int c, const float *x, float *y)
{
	int64_t rows = p->nc * p->oh, t;

	if (p->mode == CVRT_RESIZE_CUBIC || p->coord == CVRT_COORD_TF_CROP_AND_RESIZE) {
		resize_general(p, c, x, y);
		return;
	}

#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (rows > 1 && rows * p->ow * c > PAR_MIN_WORK)
#endif
	for (t = 0; t < rows; t++) {
		int64_t img = t / p->oh;
		int oy = (int)(t % p->oh), ox, j;
		const float *xi = x + img * p->h * p->w * c;
		float *yr = y + t * p->ow * c;
		int64_t rowlen = (int64_t)p->w * c;
		float fy = resize_coord(p->coord, oy, p->h, p->oh, p->scale_h);

		if (p->mode == CVRT_RESIZE_NEAREST) {
			const float *xr = xi + (int64_t)nearest_index(fy, p->nearest_mode, p->h) * rowlen;
			for (ox = 0; ox < p->ow; ox++) {
				float fx = resize_coord(p->coord, ox, p->w, p->ow, p->scale_w);
				memcpy(yr + (int64_t)ox * c,
				       xr + (int64_t)nearest_index(fx, p->nearest_mode, p->w) * c,
				       (size_t)c * sizeof(float));
			}
		} else {
			int y0, y1;
			float wy;
			const float *r0, *r1;
			linear_tap(fy, p->h, &y0, &y1, &wy);
			r0 = xi + (int64_t)y0 * rowlen;
			r1 = xi + (int64_t)y1 * rowlen;
			for (ox = 0; ox < p->ow; ox++) {
				float fx = resize_coord(p->coord, ox, p->w, p->ow, p->scale_w), wx;
				int x0, x1;
				const float *a0, *a1, *b0, *b1;
				float *yp = yr + (int64_t)ox * c;
				linear_tap(fx, p->w, &x0, &x1, &wx);
				a0 = r0 + (int64_t)x0 * c, a1 = r0 + (int64_t)x1 * c;
				b0 = r1 + (int64_t)x0 * c, b1 = r1 + (int64_t)x1 * c;
				/* Same operation order as the NCHW kernel: equal results. */
				for (j = 0; j < c; j++) {
					float top = a0[j] + (a1[j] - a0[j]) * wx;
					float bot = b0[j] + (b1[j] - b0[j]) * wx;
					yp[j] = top + (bot - top) * wy;
				}
			}
		}
	}
}
