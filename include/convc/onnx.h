/*
 * convc/onnx.h - the ONNX frontend: ModelProto (opsets 6-17) -> convc IR.
 */
#ifndef CONVC_ONNX_H
#define CONVC_ONNX_H

#include <stdint.h>

#include "convc/diag.h"
#include "convc/ir.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A user-pinned graph input shape (--input-shape NAME=d0,d1,...). */
typedef struct cv_input_shape {
	const char *name;          /* graph input name (borrowed) */
	int rank;
	int64_t dims[CV_MAX_RANK]; /* elements, all >= 0 */
} cv_input_shape;

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
 *   CV_ERR_UNSUPPORTED  opset outside 6-17, op types convc does not lower (all
 *                       listed with their counts in one message), or an
 *                       attribute value / dtype convc does not implement
 *                       (names the node and the fact)
 *   CV_ERR_NOMEM        out of memory or a size overflow
 */
cv_status cv_onnx_import(const char *path, const cv_input_shape *pins, int num_pins,
			 cv_module **out, cv_diag *d);

/* The ONNX op types the frontend lowers, NULL-terminated (static storage). */
const char *const *cv_onnx_supported_ops(void);

#ifdef __cplusplus
}
#endif

#endif
