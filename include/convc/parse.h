/*
 * convc/parse.h - reading convc's text IR (docs/ir.md), the inverse of
 * cv_module_print: print -> parse -> print is byte-identical.
 */
#ifndef CONVC_PARSE_H
#define CONVC_PARSE_H

#include <stddef.h>

#include "convc/diag.h"
#include "convc/ir.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Parse `len` bytes of text IR (`text` need not be NUL-terminated; NULL is
 * allowed when len is 0) into a new module, stored in *out; the caller owns
 * it and frees it with cv_module_free(). `filename` (borrowed, may be NULL)
 * becomes d->file, so messages read `FILE: error: line N, col M: what`.
 *
 * Constants written as a digest (`#9f2c4e0d1a7b3356`) are filled
 * deterministically from it (docs/ir.md, "Digest constants") and remember
 * it, so they print back unchanged.
 *
 * Errors (*out is NULL afterwards): CV_ERR_INPUT with the line and column
 * (1-based, in bytes) for anything malformed: bad syntax, an unknown op,
 * dtype, layout or attribute, a value used before it is defined or defined
 * twice, a dim or integer attribute beyond 2^30 in magnitude, a result type
 * that differs from shape inference (layout aside), a digest constant over
 * 1 GiB; CV_ERR_NOMEM when memory runs out.
 */
cv_status cv_module_parse(const char *text, size_t len, const char *filename, cv_module **out,
			  cv_diag *d);

#ifdef __cplusplus
}
#endif

#endif
