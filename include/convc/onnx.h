/*
 * convc/onnx.h - the ONNX frontend: ModelProto (opsets 1-21) -> convc IR.
 */
#ifndef CONVC_ONNX_H
#define CONVC_ONNX_H

#include <stdint.h>

#include "convc/diag.h"
#include "convc/ir.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The default-domain opsets the frontend reads (ai.onnx, "" in a model). */
#define CV_ONNX_OPSET_MIN 1
#define CV_ONNX_OPSET_MAX 21

/* A user-pinned graph input shape (--input-shape NAME=d0,d1,...). */
typedef struct cv_input_shape {
	const char *name;          /* graph input name (borrowed) */
	int rank;
	int64_t dims[CV_MAX_RANK]; /* elements, all >= 0 */
} cv_input_shape;

/*
 * A graph input's value fixed at compile time (--input-value NAME=FILE.npy):
 * the input becomes a constant and leaves the graph's inputs, the way model
 * simplifiers specialize a model, so that shapes it sets (Reshape's shape,
 * Slice's starts, Resize's scales, Pad's pads, ...) are known.
 */
typedef struct cv_input_value {
	const char *name;          /* graph input name (borrowed) */
	cv_dtype dtype;            /* CV_F32, CV_I64 or CV_I32 */
	int rank;
	int64_t dims[CV_MAX_RANK]; /* elements, all >= 0 */
	const void *data;          /* numel elements of dtype, dense C order
				    * (borrowed; copied into the module) */
} cv_input_value;

/*
 * Read the ONNX model at `path` and lower it into a new module (*out, owned by
 * the caller, free with cv_module_free). Shape chains computed from static
 * shapes (Shape/Gather/Unsqueeze/Concat/Cast/...) are evaluated during import,
 * so every IR type is static. Graph inputs that are also initializers are
 * constants. `pins` (may be NULL when num_pins is 0) fix dynamic input dims.
 *
 * Errors (d names the file; *out is NULL):
 *   CV_ERR_IO           the file cannot be opened or read
 *   CV_ERR_INPUT        not a valid ONNX model (protobuf parse failure, e.g.
 *                       truncated or random bytes), inconsistent graph
 *                       (unknown value name, shape mismatch), a dynamic input
 *                       dim not pinned (names the input and dim), a pin for an
 *                       unknown input or of the wrong rank
 *   CV_ERR_UNSUPPORTED  opset outside 1-21, op types convc does not lower (all
 *                       listed with their counts in one message), or an
 *                       attribute value / dtype convc does not implement
 *                       (names the node and the fact)
 *   CV_ERR_NOMEM        out of memory or a size overflow
 */
cv_status cv_onnx_import(const char *path, const cv_input_shape *pins, int num_pins,
			 cv_module **out, cv_diag *d);

/*
 * cv_onnx_import, and graph inputs named by `values` (may be NULL when
 * num_values is 0) become constants holding those values. A float32 input
 * takes a CV_F32 value; an int64 or int32 input takes a CV_I64 or CV_I32
 * value, converted to the input's type (an int64 value outside int32's range
 * for an int32 input is an error). The value's rank must be the input's and
 * every dim the model fixes must match (dynamic dims take the value's).
 *
 * Errors, besides cv_onnx_import's: CV_ERR_INPUT for a value naming no graph
 * input, one named twice or also pinned with a cv_input_shape, a dtype that
 * does not fit the input's, a rank or dim that differs from the model's.
 */
cv_status cv_onnx_import_values(const char *path, const cv_input_shape *pins, int num_pins,
				const cv_input_value *values, int num_values, cv_module **out,
				cv_diag *d);

/* The ONNX op types the frontend lowers, NULL-terminated (static storage). */
const char *const *cv_onnx_supported_ops(void);

#ifdef __cplusplus
}
#endif

#endif
