/* diag.c - the first-error-wins diagnostic record (convc/diag.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "convc/diag.h"

void cv_diag_init(cv_diag *d, const char *file)
{
	d->file = file;
	d->status = CV_OK;
	d->msg[0] = '\0';
}

cv_status cv_diag_error(cv_diag *d, cv_status status, const char *fmt, ...)
{
	va_list ap;

	/* Keep the first error: later ones are usually consequences of it. */
	if (!d || d->status != CV_OK)
		return status;
	d->status = status;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof d->msg, fmt, ap);
	va_end(ap);
	return status;
}

void cv_diag_print(const cv_diag *d)
{
	fprintf(stderr, "%s: error: %s\n", d->file ? d->file : "convc", d->msg);
}

int cv_status_exit_code(cv_status s)
{
	if (s == CV_OK)
		return 0;
	return s == CV_ERR_UNSUPPORTED ? 3 : 1;
}
