/*
 * report.c - cv_report_write: analyse, pick the writer by the file's
 * extension, render into memory and write the file in one go, so a failed
 * report leaves no partial file behind.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/report/report_impl.h"

typedef enum format { FMT_MD, FMT_JSON, FMT_HTML, FMT_UNKNOWN } format;

static format format_of(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (!dot || strchr(dot, '/'))
		return FMT_UNKNOWN;
	if (!strcmp(dot, ".md"))
		return FMT_MD;
	if (!strcmp(dot, ".json"))
		return FMT_JSON;
	if (!strcmp(dot, ".html") || !strcmp(dot, ".htm"))
		return FMT_HTML;
	return FMT_UNKNOWN;
}

static cv_status render(const rp_report *r, format fmt, FILE *f, cv_diag *d)
{
	switch (fmt) {
	case FMT_MD:
		return rp_write_md(r, f) ? cv_diag_error(d, CV_ERR_NOMEM, "report: out of memory")
					 : CV_OK;
	case FMT_JSON:
		return rp_write_json(r, f, d);
	case FMT_HTML:
		return rp_write_html(r, f, d);
	default:
		return cv_diag_error(d, CV_ERR_INPUT, "report: unknown format");
	}
}

static cv_status write_file(const char *path, const char *buf, size_t len, cv_diag *d)
{
	FILE *f = fopen(path, "wb");
	int bad;

	if (!f)
		return cv_diag_error(d, CV_ERR_IO, "cannot write report: %s", strerror(errno));
	bad = fwrite(buf, 1, len, f) != len;
	bad |= fclose(f) != 0;
	if (bad) {
		remove(path);
		return cv_diag_error(d, CV_ERR_IO, "cannot write report: %s", strerror(errno));
	}
	return CV_OK;
}

cv_status cv_report_write(const cv_report_input *in, const char *path, cv_diag *d)
{
	format fmt = format_of(path);
	rp_report r;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem;
	cv_status s;

	if (fmt == FMT_UNKNOWN)
		return cv_diag_error(d, CV_ERR_INPUT,
				     "unknown report format: the file name must end in .md, .json or .html");
	if (in->module && (s = cv_verify(in->module, d))) {
		char why[CV_DIAG_MSG_MAX / 2];
		snprintf(why, sizeof why, "%.1000s", d->msg);
		snprintf(d->msg, sizeof d->msg, "refusing to write a report on an invalid module: %s",
			 why);
		return s;
	}
	if ((s = rp_analyse(in, &r, d)) != CV_OK)
		goto done;
	if (!(mem = open_memstream(&buf, &len))) {
		s = cv_diag_error(d, CV_ERR_NOMEM, "report: out of memory");
		goto done;
	}
	s = render(&r, fmt, mem, d);
	if (fclose(mem) && s == CV_OK)
		s = cv_diag_error(d, CV_ERR_NOMEM, "report: out of memory");
	if (s == CV_OK)
		s = write_file(path, buf, len, d);
done:
	free(buf);
	rp_report_free(&r);
	return s;
}
