/*
 * convc/backend_c.h - the C backend: IR -> a directory of C sources.
 */
#ifndef CONVC_BACKEND_C_H
#define CONVC_BACKEND_C_H

#include "convc/diag.h"
#include "convc/ir.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Write the compiled model into directory out_dir: model.c (the network),
 * model.h (its API), the kernel library (cvrt.h, cvrt_*.c/.h: one source per
 * kernel family, each built once per ISA and picked at run time), main.c
 * (the runner), weights.bin (every constant the network reads, float32,
 * 64-byte aligned) and a Makefile whose default target builds out_dir/model,
 * compiling only the kernel families model.c calls.
 *
 * All files are written into a fresh sibling directory which is renamed to
 * out_dir only when complete, so a failure leaves no partial output. An
 * existing out_dir is replaced only if it holds convc's marker file
 * (.convc-output); any other existing path is an error.
 *
 * The graph must verify and contain float32 run-time values only.
 * Errors: CV_ERR_IO (cannot create, write or rename; names the path),
 * CV_ERR_INPUT (out_dir exists and is not a convc output directory),
 * CV_ERR_UNSUPPORTED (a value or op the backend cannot emit), CV_ERR_NOMEM.
 */
cv_status cv_emit_c(const cv_module *m, const char *out_dir, cv_diag *d);

#ifdef __cplusplus
}
#endif

#endif
