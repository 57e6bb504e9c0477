/* onnx_ops.h - the table of ONNX op lowerings (private to the frontend). */
#ifndef CONVC_ONNX_OPS_H
#define CONVC_ONNX_OPS_H

#include "frontends/onnx/onnx_internal.h"

struct lower_entry {
	const char *op_type;
	cv_status (*lower)(imp *im); /* lowers im->node into im->g */
};

/* The entry for an ONNX op type, or NULL. */
const struct lower_entry *lower_find(const char *op_type);

#endif
