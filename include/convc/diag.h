/*
 * convc/diag.h - diagnostics and status codes.
 *
 * Library code never exits because of input: it returns a cv_status and
 * records one diagnostic in a cv_diag, formatted `FILE: error: what, where`.
 * The caller owns the cv_diag (usually on its stack) and decides what to print.
 */
#ifndef CONVC_DIAG_H
#define CONVC_DIAG_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cv_status {
	CV_OK = 0,
	CV_ERR_INPUT = 1,       /* malformed or inconsistent input (model, IR text, option value) */
	CV_ERR_IO = 2,          /* a file could not be read or written */
	CV_ERR_UNSUPPORTED = 3, /* valid input that uses something convc does not implement */
	CV_ERR_NOMEM = 4,       /* allocation failed or a size computation overflowed */
	CV_ERR_INTERNAL = 5     /* a pass broke an IR invariant (verifier) */
} cv_status;

#define CV_DIAG_MSG_MAX 2048

typedef struct cv_diag {
	const char *file;          /* borrowed: the file the message is about, or NULL */
	cv_status status;          /* the status of the first error recorded */
	char msg[CV_DIAG_MSG_MAX]; /* "what, where" without the "FILE: error: " prefix */
} cv_diag;

/* Initialize d for errors about `file` (borrowed; may be NULL). */
void cv_diag_init(cv_diag *d, const char *file);

/*
 * Record an error (printf format) and return `status`, so callers can write
 * `return cv_diag_error(d, CV_ERR_INPUT, "...", ...)`. Only the first error is
 * kept; later ones return their status without overwriting it. d may be NULL.
 */
cv_status cv_diag_error(cv_diag *d, cv_status status, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

/* Write `FILE: error: MSG\n` (or `convc: error: MSG\n` without a file) to stderr. */
void cv_diag_print(const cv_diag *d);

/* The process exit code for a status: 0 OK, 3 unsupported, 1 otherwise. */
int cv_status_exit_code(cv_status s);

#ifdef __cplusplus
}
#endif

#endif
