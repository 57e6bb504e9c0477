/*
 * cvrt_kernels.h - the cvrt.h entry points by kernel family (internal).
 *
 * One list per family, CVRT_<FAMILY>_KERNELS(V, R): V(name, params, args)
 * for a function returning void, R(ret, name, params, args) otherwise. The
 * family's source cvrt_<family>.c defines each one per ISA (name__portable,
 * name__avx2, name__avx512); cvrt_<family>_api.c expands the list into the
 * public functions that call the selected ISA's version (cvrt_dispatch.h);
 * convc reads the lists to build only the families a model.c calls.
 *
 * CVRT_FAMILIES(F): F(family, LIST, needs, avx512) for every family, the
 * slowest to compile first (the Makefile starts them first); needs is a
 * string naming the other family whose objects it calls into, or "";
 * avx512 is 1 for a family with AVX-512 code of its own, 0 for one whose
 * only vector code is what the compiler makes of plain loops (and AVX2
 * register tiles): it is built portable and AVX2 only, and the AVX-512
 * path calls its AVX2 build (cvrt_dispatch.h). A third build of those
 * families cost the emitted Makefile about 1 s of compile for no kernel
 * the AVX2 build lacks.
 */
#ifndef CVRT_KERNELS_H
#define CVRT_KERNELS_H

#define CVRT_ELEMENTWISE_KERNELS(V, R)                                                    \
	V(cvrt_unary, (int64_t count, const float *x, float *y, cvrt_act act),           \
	  (count, x, y, act))                                                             \
	V(cvrt_batchnorm,                                                                 \
	  (int n, int c, int64_t hw, const float *x, const float *scale, const float *shift, \
	   const float *mean, const float *var, float eps, float *y),                     \
	  (n, c, hw, x, scale, shift, mean, var, eps, y))                                 \
	V(cvrt_binary,                                                                    \
	  (int op, int ndim, const int64_t *out_dims, const float *a,                     \
	   const int64_t *a_strides, const float *b, const int64_t *b_strides, float *y,  \
	   cvrt_act act),                                                                 \
	  (op, ndim, out_dims, a, a_strides, b, b_strides, y, act))

#define CVRT_GEMM_KERNELS(V, R)                                                           \
	V(cvrt_gemm,                                                                      \
	  (int m, int n, int k, const float *a, int trans_a, const float *b, int b_form,  \
	   float alpha, const float *c, int64_t c_stride_m, int64_t c_stride_n,           \
	   float beta, float *y, cvrt_act act),                                           \
	  (m, n, k, a, trans_a, b, b_form, alpha, c, c_stride_m, c_stride_n, beta, y, act)) \
	V(cvrt_matmul,                                                                    \
	  (int nb, const int64_t *batch_dims, const int64_t *a_bstrides,                  \
	   const int64_t *b_bstrides, int m, int n, int k, const float *a, const float *b, \
	   float *y),                                                                     \
	  (nb, batch_dims, a_bstrides, b_bstrides, m, n, k, a, b, y))                     \
	V(cvrt_pack_panels, (int k, int n, const float *b, int trans, float *panels),     \
	  (k, n, b, trans, panels))

#define CVRT_CONV_KERNELS(V, R)                                                           \
	R(size_t, cvrt_conv2d_workspace, (const cvrt_conv2d_params *p), (p))             \
	V(cvrt_conv2d,                                                                    \
	  (const cvrt_conv2d_params *p, const float *x, const float *w, const float *bias, \
	   const float *residual, float *y, float *ws),                                   \
	  (p, x, w, bias, residual, y, ws))                                               \
	R(size_t, cvrt_conv2d_nhwc_workspace, (const cvrt_conv2d_params *p), (p))        \
	V(cvrt_conv2d_nhwc,                                                               \
	  (const cvrt_conv2d_params *p, const float *x, const float *w, const float *bias, \
	   const float *residual, float *y, float *ws),                                   \
	  (p, x, w, bias, residual, y, ws))                                               \
	R(size_t, cvrt_conv2d_nhwc_packed_floats, (const cvrt_conv2d_params *p), (p))    \
	V(cvrt_pack_conv2d_nhwc,                                                          \
	  (const cvrt_conv2d_params *p, const float *w_hwio, float *packed),              \
	  (p, w_hwio, packed))                                                            \
	R(size_t, cvrt_conv2d_nhwc_scaled_workspace, (const cvrt_conv2d_params *p), (p)) \
	V(cvrt_conv2d_nhwc_scaled,                                                        \
	  (const cvrt_conv2d_params *p, const float *x, const float *w, const float *s,   \
	   const float *bias, const float *residual, float *y, float *ws),                \
	  (p, x, w, s, bias, residual, y, ws))                                            \
	V(cvrt_conv_transpose2d,                                                          \
	  (const cvrt_conv_transpose2d_params *p, const float *x, const float *w,         \
	   const float *bias, float *y),                                                  \
	  (p, x, w, bias, y))                                                             \
	R(size_t, cvrt_conv_transpose2d_nhwc_workspace,                                   \
	  (const cvrt_conv_transpose2d_params *p), (p))                                   \
	V(cvrt_conv_transpose2d_nhwc,                                                     \
	  (const cvrt_conv_transpose2d_params *p, const float *x, const float *w,         \
	   const float *bias, float *y, float *ws),                                       \
	  (p, x, w, bias, y, ws)) \
	R(size_t, cvrt_conv3d_workspace, (const cvrt_conv3d_params *p), (p))             \
	V(cvrt_conv3d,                                                                    \
	  (const cvrt_conv3d_params *p, const float *x, const float *w, const float *bias, \
	   float *y, float *ws),                                                          \
	  (p, x, w, bias, y, ws))                                                         \
	R(size_t, cvrt_conv_transpose3d_workspace, (const cvrt_conv3d_params *p), (p))   \
	V(cvrt_conv_transpose3d,                                                          \
	  (const cvrt_conv3d_params *p, const float *x, const float *w, const float *bias, \
	   float *y, float *ws),                                                          \
	  (p, x, w, bias, y, ws))

#define CVRT_WINDOW_KERNELS(V, R)                                                         \
	V(cvrt_maxpool2d, (const cvrt_pool2d_params *p, const float *x, float *y), (p, x, y)) \
	V(cvrt_avgpool2d, (const cvrt_pool2d_params *p, const float *x, float *y), (p, x, y)) \
	V(cvrt_maxpool2d_nhwc, (const cvrt_pool2d_params *p, const float *x, float *y),   \
	  (p, x, y))                                                                      \
	V(cvrt_avgpool2d_nhwc, (const cvrt_pool2d_params *p, const float *x, float *y),   \
	  (p, x, y))                                                                      \
	V(cvrt_dwconv2d,                                                                  \
	  (const cvrt_conv2d_params *p, const float *x, const float *w, const float *bias, \
	   const float *residual, float *y),                                              \
	  (p, x, w, bias, residual, y))                                                   \
	V(cvrt_dwconv2d_nhwc,                                                             \
	  (const cvrt_conv2d_params *p, const float *x, const float *w, const float *bias, \
	   const float *residual, float *y),                                              \
	  (p, x, w, bias, residual, y))

#define CVRT_REDUCE_KERNELS(V, R)                                                         \
	V(cvrt_reduce,                                                                    \
	  (int op, int ndim, const int64_t *in_dims, const int *reduce, const float *x,   \
	   float *y),                                                                     \
	  (op, ndim, in_dims, reduce, x, y))                                              \
	V(cvrt_softmax,                                                                   \
	  (int64_t outer, int64_t axis_len, int64_t inner, const float *x, float *y),     \
	  (outer, axis_len, inner, x, y))                                                 \
	V(cvrt_layernorm,                                                                 \
	  (int64_t outer, int64_t len, const float *x, const float *scale,                \
	   const float *bias, float eps, float *y, float *mean, float *inv_std),          \
	  (outer, len, x, scale, bias, eps, y, mean, inv_std))                            \
	V(cvrt_lrn,                                                                       \
	  (int64_t n, int64_t c, int64_t s, int64_t size, float alpha, float beta,        \
	   float bias, const float *x, float *y),                                         \
	  (n, c, s, size, alpha, beta, bias, x, y))

#define CVRT_COPY_KERNELS(V, R)                                                           \
	V(cvrt_strided_copy,                                                              \
	  (int ndim, const int64_t *out_dims, const float *x, const int64_t *x_strides,   \
	   float *y),                                                                     \
	  (ndim, out_dims, x, x_strides, y))                                              \
	V(cvrt_copy_rows,                                                                 \
	  (int64_t outer, int64_t row, const float *x, float *y, int64_t y_stride),       \
	  (outer, row, x, y, y_stride))                                                   \
	V(cvrt_pad,                                                                       \
	  (int ndim, const int64_t *in_dims, const int64_t *out_dims,                     \
	   const int64_t *pad_begin, int mode, float value, const float *x, float *y),    \
	  (ndim, in_dims, out_dims, pad_begin, mode, value, x, y))

#define CVRT_RESIZE_KERNELS(V, R)                                                         \
	V(cvrt_resize2d, (const cvrt_resize2d_params *p, const float *x, float *y),       \
	  (p, x, y))                                                                      \
	V(cvrt_resize2d_nhwc,                                                             \
	  (const cvrt_resize2d_params *p, int c, const float *x, float *y), (p, c, x, y))

#define CVRT_MATH_KERNELS(V, R)                                                           \
	V(cvrt_math1, (int op, int64_t count, const float *x, float *y), (op, count, x, y))

#define CVRT_TYPED_KERNELS(V, R)                                                          \
	V(cvrt_strided_copy_x,                                                            \
	  (int esize, int ndim, const int64_t *out_dims, const void *x,                   \
	   const int64_t *x_strides, void *y),                                            \
	  (esize, ndim, out_dims, x, x_strides, y))                                       \
	V(cvrt_copy_rows_x,                                                               \
	  (int esize, int64_t outer, int64_t row, const void *x, void *y, int64_t y_stride), \
	  (esize, outer, row, x, y, y_stride))                                            \
	V(cvrt_pad_x,                                                                     \
	  (int dtype, int ndim, const int64_t *in_dims, const int64_t *out_dims,          \
	   const int64_t *pad_begin, int mode, double value, const void *x, void *y),     \
	  (dtype, ndim, in_dims, out_dims, pad_begin, mode, value, x, y))                 \
	V(cvrt_binary_x,                                                                  \
	  (int dtype, int op, int ndim, const int64_t *out_dims, const void *a,           \
	   const int64_t *a_strides, const void *b, const int64_t *b_strides, void *y),   \
	  (dtype, op, ndim, out_dims, a, a_strides, b, b_strides, y))                     \
	V(cvrt_pow_x,                                                                     \
	  (int a_dtype, int b_dtype, int ndim, const int64_t *out_dims, const void *a,    \
	   const int64_t *a_strides, const void *b, const int64_t *b_strides, void *y),   \
	  (a_dtype, b_dtype, ndim, out_dims, a, a_strides, b, b_strides, y))              \
	V(cvrt_unary_x, (int dtype, int op, int64_t count, const void *x, void *y),       \
	  (dtype, op, count, x, y))                                                       \
	V(cvrt_cast, (int from, int to, int64_t count, const void *x, void *y),           \
	  (from, to, count, x, y))                                                        \
	V(cvrt_where,                                                                     \
	  (int esize, int ndim, const int64_t *out_dims, const unsigned char *c,          \
	   const int64_t *c_strides, const void *a, const int64_t *a_strides,             \
	   const void *b, const int64_t *b_strides, void *y),                             \
	  (esize, ndim, out_dims, c, c_strides, a, a_strides, b, b_strides, y))           \
	V(cvrt_arg,                                                                       \
	  (int dtype, int is_min, int select_last, int64_t outer, int64_t len,            \
	   int64_t inner, const void *x, int64_t *y),                                     \
	  (dtype, is_min, select_last, outer, len, inner, x, y))                          \
	V(cvrt_gather,                                                                    \
	  (int esize, int idx_dtype, int64_t outer, int64_t len, int64_t inner,           \
	   const void *x, const void *idx, int64_t n_idx, void *y),                       \
	  (esize, idx_dtype, outer, len, inner, x, idx, n_idx, y))                        \
	V(cvrt_maxpool2d_x,                                                               \
	  (int dtype, const cvrt_pool2d_params *p, int storage_order, const void *x,      \
	   void *y, int64_t *indices),                                                    \
	  (dtype, p, storage_order, x, y, indices))                                       \
	V(cvrt_maxpool3d_x,                                                               \
	  (int dtype, int64_t planes, const int64_t *in_dims, const int64_t *out_dims,    \
	   const int64_t *win, int storage_order, const void *x, void *y,                 \
	   int64_t *indices),                                                             \
	  (dtype, planes, in_dims, out_dims, win, storage_order, x, y, indices))

#define CVRT_FAMILIES(F)                                      \
	F(gemm, CVRT_GEMM_KERNELS, "", 1)                     \
	F(conv, CVRT_CONV_KERNELS, "gemm", 1)                 \
	F(window, CVRT_WINDOW_KERNELS, "", 1)                 \
	F(elementwise, CVRT_ELEMENTWISE_KERNELS, "", 0)       \
	F(reduce, CVRT_REDUCE_KERNELS, "", 0)                 \
	F(copy, CVRT_COPY_KERNELS, "", 0)                     \
	F(resize, CVRT_RESIZE_KERNELS, "", 0)                 \
	F(math, CVRT_MATH_KERNELS, "", 0)                     \
	F(typed, CVRT_TYPED_KERNELS, "", 0)

#endif
