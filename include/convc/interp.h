/*
 * convc/interp.h - the IR reference interpreter.
 *
 * Evaluates a module's graph node by node in plain C (double accumulators
 * for every sum), independently of the C backend's kernels, so the IR can be
 * checked numerically before and after each pass (--check-numerics) and
 * against ONNX Runtime.
 *
 * Layouts: a value's dims are listed in the order its type's layout names
 * them, and its elements are dense in that order (C order):
 *   activations  nchw [N,C,H,W]   nhwc [N,H,W,C]   (plain rank 4 reads as nchw)
 *   conv2d weights  oihw [O,I,KH,KW]  ohwi [O,KH,KW,I]  hwio [KH,KW,I,O]
 *                   (plain rank 4 reads as oihw; I = input channels / group)
 *   conv_transpose2d weights  iohw [C,M/group,KH,KW]
 * conv2d, conv_transpose2d, pool2d and resize take nchw or nhwc activations
 * (resize: any other layout resizes the last two dims); batchnorm takes its
 * channels at dim 1, or last for nhwc. Elementwise ops, concat, split and
 * transpose work on the dims as stored (operands of a binary op with more than
 * one element must share the result's layout when it is nhwc/ohwi/hwio).
 * Every other op (reduce_mean, gemm, matmul, reshape, slice, pad, softmax)
 * indexes the dims as stored, whatever the layout says.
 */
#ifndef CONVC_INTERP_H
#define CONVC_INTERP_H

#include "convc/diag.h"
#include "convc/ir.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Run m's graph once.
 *   inputs[i]:  dense float32 elements of graph input i, numel of its type,
 *               C order in its type's layout (borrowed, only read)
 *   outputs[i]: caller-allocated room for numel(graph output i) float32
 *               elements, written in the output's type layout
 * Constants are read from value->data. Intermediate buffers are allocated per
 * value and freed after its last use; nothing the call allocates outlives it,
 * on any path. The module is not changed. On error the contents of outputs
 * are unspecified.
 *
 * Errors (d names the node and the fact):
 *   CV_ERR_UNSUPPORTED  an op, layout or attribute value the interpreter does
 *                       not implement; an op other than data movement,
 *                       add ... abs, cast, the comparisons, logical ops,
 *                       where and argmax/argmin on a value that is not
 *                       float32; a graph input or output that is not
 *                       float32 (cv_interp_run only)
 *   CV_ERR_NOMEM        out of memory, or a buffer size overflows
 *   CV_ERR_INTERNAL     the graph is inconsistent: an operand that no earlier
 *                       node produces, shapes that do not fit the op, a
 *                       constant whose byte count does not match its type
 */
cv_status cv_interp_run(const cv_module *m, const float *const *inputs, float *const *outputs,
			cv_diag *d);

/*
 * cv_interp_run for graphs with inputs and outputs of any dtype:
 *   inputs[i]:  dense elements of graph input i in its type's dtype (f32:
 *               float, i64: int64_t, bool: one byte 0/1, f16/bf16: the
 *               16-bit patterns, ...), numel of its type (borrowed, only read)
 *   outputs[i]: caller-allocated room for numel * cv_dtype_size(dtype)
 *               bytes of graph output i
 * Ownership and errors as cv_interp_run, except that every dtype is
 * accepted; cv_interp_run itself refuses (CV_ERR_UNSUPPORTED) a graph input
 * or output that is not float32 and otherwise calls this.
 */
cv_status cv_interp_run_typed(const cv_module *m, const void *const *inputs, void *const *outputs,
			      cv_diag *d);

#ifdef __cplusplus
}
#endif

#endif
