/* onnx_ops.h - the table of ONNX op lowerings (private to the frontend). */
#ifndef CONVC_ONNX_OPS_H
#define CONVC_ONNX_OPS_H

#include "frontends/onnx/onnx_internal.h"

struct lower_entry {
	const char *op_type;
	cv_status (*lower)(imp *im); /* lowers im->node into im->g */
};

/* Remove the rank-3 views of 1-D lowerings that no node reads and that are
 * no graph output (a chain of 1-D layers reads the 4-D values under them),
 * so that each 4-D producer has the uses a 2-D network's would. */
void drop_unit_h_views(imp *im);

/* The entry for an ONNX op type, or NULL. */
const struct lower_entry *lower_find(const char *op_type);

#endif
