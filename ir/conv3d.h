/*
 * conv3d.h - the conv3d op's shape inference, FLOP count and reference
 * kernel (ir/conv3d.c), private to ir/. Shapes and attrs: cv_conv3d_attrs
 * (convc/ir.h).
 */
#ifndef CONVC_IR_CONV3D_H
#define CONVC_IR_CONV3D_H

#include "convc/diag.h"
#include "convc/ir.h"

/* conv_transpose3d shares these (its attrs are cv_conv3d_attrs with
 * output_padding; each function says what differs).
 *
 * The result type of conv3d n: [N,M,OD,OH,OW] ncdhw. CV_ERR_INPUT (through
 * d) when x or w is not rank 5 in ncdhw/plain and oidhw/plain, the
 * channels disagree with the group, the bias is not [M], an attribute is
 * out of range (< 1, negative pads, beyond 2^30) or the window does not
 * fit. */
cv_status cvi_conv3d_infer(const cv_node *n, cv_type *out, cv_diag *d);

/* 2 x multiply-adds: 2 * N*M*OD*OH*OW * (C/g)*KD*KH*KW. */
double cvi_conv3d_flops(const cv_node *n);
/* conv_transpose3d: x [N,C,D,H,W] ncdhw, w [C,M/g,KD,KH,KW] iodhw; type
 * [N,M,OD,OH,OW] ncdhw with out_k as in convc/ir.h; CV_ERR_INPUT also for
 * output_padding outside [0, max(stride, dilation)) or no output; FLOPs
 * 2 * N*C*D*H*W * (M/g)*KD*KH*KW; the reference scatters each input value
 * through its window. conv3d with a non-zero output_padding is an error. */

/* The reference: in[0] x, in[1] w, in[2] bias or NULL; out[0] y (dense, the
 * types' shapes). CV_ERR_INTERNAL when the types disagree with the attrs,
 * CV_ERR_UNSUPPORTED for an activation the interpreter does not know. */
cv_status cvi_conv3d_interp(const cv_node *n, const float *const *in, float *const *out,
			    cv_diag *d);

#endif
