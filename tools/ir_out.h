/* ir_out.h - writing text IR from the tools (convc --emit=ir, convc-opt). */
#ifndef CONVC_IR_OUT_H
#define CONVC_IR_OUT_H

#include "convc/ir.h"

/*
 * Print m as text IR to `path`, or to stdout when path is NULL. A regular
 * file (or a new one) is written to a temp file renamed into place, so a
 * failure leaves nothing partial; a device or pipe (/dev/null, /dev/stdout)
 * is written in place, since renaming over it would replace it.
 * Errors: CV_ERR_IO naming the path, CV_ERR_NOMEM.
 */
cv_status ir_out_write(const cv_module *m, const char *path, cv_diag *d);

#endif
