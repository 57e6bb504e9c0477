/* ir_out.c - see ir_out.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/ir_out.h"

static cv_status write_in_place(const cv_module *m, const char *path, cv_diag *d)
{
	FILE *f = fopen(path, "w");

	if (!f || cv_module_print(m, f) | fclose(f))
		return cv_diag_error(d, CV_ERR_IO, "cannot write %s: %s", path, strerror(errno));
	return CV_OK;
}

cv_status ir_out_write(const cv_module *m, const char *path, cv_diag *d)
{
	struct stat sb;
	char *tmp;
	FILE *f;
	size_t n;

	if (!path || !strcmp(path, "-")) {
		if (cv_module_print(m, stdout) || fflush(stdout))
			return cv_diag_error(d, CV_ERR_IO, "cannot write to standard output");
		return CV_OK;
	}
	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
		return write_in_place(m, path, d);
	n = strlen(path) + 32;
	if (!(tmp = malloc(n)))
		return cv_diag_error(d, CV_ERR_NOMEM, "out of memory");
	snprintf(tmp, n, "%s.convc-tmp-%ld", path, (long)getpid());
	if (!(f = fopen(tmp, "w"))) {
		cv_diag_error(d, CV_ERR_IO, "cannot create %s: %s", path, strerror(errno));
		free(tmp);
		return d->status;
	}
	if (cv_module_print(m, f) | fclose(f) || rename(tmp, path)) {
		cv_diag_error(d, CV_ERR_IO, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	return d->status;
}
