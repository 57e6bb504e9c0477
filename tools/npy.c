/*
 * npy.c - minimal .npy reader and writer (see npy.h). The header is a
 * Python dict literal; only its three keys are looked at, by plain string
 * search, which is all the files numpy.save writes need. Elements are
 * copied as raw bytes, so the host must be little-endian (checked).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/npy.h"

static int fail(char *err, int err_size, const char *what, const char *path)
{
	snprintf(err, (size_t)err_size, "%s: %s", path, what);
	return -1;
}

static int host_is_little_endian(void)
{
	uint16_t one = 1;
	unsigned char b;

	memcpy(&b, &one, 1);
	return b == 1;
}

/* The text after `'key':` in the header, skipping blanks; NULL if absent. */
static const char *header_value(const char *h, const char *key)
{
	char pat[32];
	const char *p;

	snprintf(pat, sizeof pat, "'%s'", key);
	p = strstr(h, pat);
	if (!p || !(p = strchr(p + strlen(pat), ':')))
		return NULL;
	for (p++; *p == ' '; p++)
		;
	return p;
}

/* Parse "(d0, d1, ...)" (a 1-tuple has a trailing comma; () is a scalar). */
static int parse_shape(const char *p, npy_array *a)
{
	int64_t numel = 1;

	if (!p || *p++ != '(')
		return -1;
	a->rank = 0;
	for (;;) {
		char *end;
		long long v;
		while (*p == ' ' || *p == ',')
			p++;
		if (*p == ')')
			break;
		v = strtoll(p, &end, 10);
		if (end == p || v < 0 || a->rank == NPY_MAX_RANK)
			return -1;
		if (v && numel > INT64_MAX / v)
			return -1;
		numel *= v;
		a->dims[a->rank++] = v;
		p = end;
	}
	a->numel = numel;
	return 0;
}

static int read_header(FILE *f, char **header)
{
	unsigned char pre[10], len4[4];
	size_t len;

	if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6))
		return -1;
	if (pre[6] == 1) {
		len = (size_t)pre[8] | (size_t)pre[9] << 8;
	} else if (pre[6] == 2 || pre[6] == 3) {
		len4[0] = pre[8], len4[1] = pre[9];
		if (fread(len4 + 2, 1, 2, f) != 2)
			return -1;
		len = (size_t)len4[0] | (size_t)len4[1] << 8 | (size_t)len4[2] << 16 | (size_t)len4[3] << 24;
	} else {
		return -1;
	}
	if (len > (1u << 20) || !(*header = calloc(len + 1, 1)))
		return -1;
	if (fread(*header, 1, len, f) != len) {
		free(*header);
		*header = NULL;
		return -1;
	}
	return 0;
}

/* Each NPY_* dtype: its descr as NumPy writes it and its size. */
static const struct {
	const char *descr;
	size_t size;
} dtypes[NPY_DTYPE_COUNT] = {
	[NPY_F32] = {"<f4", 4}, [NPY_I64] = {"<i8", 8}, [NPY_I32] = {"<i4", 4},
	[NPY_F64] = {"<f8", 8}, [NPY_F16] = {"<f2", 2}, [NPY_I8] = {"|i1", 1},
	[NPY_U8] = {"|u1", 1},  [NPY_BOOL] = {"|b1", 1}, [NPY_U16] = {"<u2", 2},
	[NPY_I16] = {"<i2", 2}, [NPY_U32] = {"<u4", 4}, [NPY_U64] = {"<u8", 8},
};

const char *npy_descr(int dtype)
{
	return dtype >= 0 && dtype < NPY_DTYPE_COUNT ? dtypes[dtype].descr : "?";
}

size_t npy_dtype_size(int dtype)
{
	return dtype >= 0 && dtype < NPY_DTYPE_COUNT ? dtypes[dtype].size : 0;
}

/* The element type the header's descr names (little-endian; '|' or '='
 * also mean native), or -1. */
static int parse_descr(const char *descr)
{
	int i;

	if (!descr || descr[0] != '\'' || !strchr("<=|", descr[1]))
		return -1;
	for (i = 0; i < NPY_DTYPE_COUNT; i++)
		if (!strncmp(descr + 2, dtypes[i].descr + 1, 2) && descr[4] == '\'')
			return i;
	return -1;
}

/* want: a bit set of the dtypes accepted (1 << NPY_F32, ...). */
static int parse_header(const char *h, npy_array *a, unsigned want, const char **why)
{
	const char *fortran = header_value(h, "fortran_order");
	int dt = parse_descr(header_value(h, "descr"));

	if (dt < 0 || !(want & (1u << dt))) {
		static char msg[NPY_DTYPE_COUNT][64];
		int k;
		for (k = 0; k < NPY_DTYPE_COUNT && want != 1u << k; k++)
			;
		if (k < NPY_DTYPE_COUNT) {
			snprintf(msg[k], sizeof msg[k], "dtype is not '%s'", dtypes[k].descr);
			return *why = msg[k], -1;
		}
		return *why = "dtype is not little-endian float32, int64 or int32 ('<f4', '<i8', '<i4')", -1;
	}
	a->dtype = dt;
	if (!fortran || strncmp(fortran, "False", 5))
		return *why = "Fortran order is not supported", -1;
	if (parse_shape(header_value(h, "shape"), a))
		return *why = "bad shape in the header", -1;
	if ((uint64_t)a->numel > SIZE_MAX / 8)
		return *why = "too many elements", -1;
	return 0;
}


static int read_typed(const char *path, npy_array *a, unsigned want, char *err, int err_size)
{
	const char *why = NULL;
	char *header = NULL;
	size_t size;
	FILE *f;

	memset(a, 0, sizeof *a);
	if (!host_is_little_endian())
		return fail(err, err_size, "big-endian hosts are not supported", path);
	if (!(f = fopen(path, "rb"))) {
		char why_open[128];
		snprintf(why_open, sizeof why_open, "cannot open: %s", strerror(errno));
		return fail(err, err_size, why_open, path);
	}
	if (read_header(f, &header))
		why = "not a .npy file (bad magic or header)";
	else if (parse_header(header, a, want, &why))
		;
	else if (size = npy_dtype_size(a->dtype), !(a->raw = malloc(a->numel ? (size_t)a->numel * size : 1)))
		why = "out of memory";
	else if (fread(a->raw, size, (size_t)a->numel, f) != (size_t)a->numel)
		why = "truncated data";
	else if (fgetc(f) != EOF)
		why = "more data than the shape in the header holds";
	free(header);
	fclose(f);
	if (why) {
		npy_free(a);
		return fail(err, err_size, why, path);
	}
	a->data = a->dtype == NPY_F32 ? a->raw : NULL;
	return 0;
}

int npy_read(const char *path, npy_array *a, char *err, int err_size)
{
	return read_typed(path, a, 1u << NPY_F32, err, err_size);
}

int npy_read_any(const char *path, npy_array *a, char *err, int err_size)
{
	return read_typed(path, a, 1u << NPY_F32 | 1u << NPY_I64 | 1u << NPY_I32, err, err_size);
}

int npy_read_dtype(const char *path, int dtype, npy_array *a, char *err, int err_size)
{
	return read_typed(path, a, 1u << dtype, err, err_size);
}

int npy_write(const char *path, const float *data, int rank, const int64_t *dims, char *err,
	      int err_size)
{
	return npy_write_dtype(path, data, NPY_F32, rank, dims, err, err_size);
}

int npy_write_dtype(const char *path, const void *data, int dtype, int rank, const int64_t *dims,
		    char *err, int err_size)
{
	char header[512];
	int64_t numel = 1;
	int k, len, ok;
	FILE *f;

	len = snprintf(header, sizeof header, "{'descr': '%s', 'fortran_order': False, 'shape': (",
		       dtypes[dtype].descr);
	for (k = 0; k < rank; k++) {
		numel *= dims[k];
		len += snprintf(header + len, sizeof header - (size_t)len, rank == 1 ? "%lld," : k ? ", %lld" : "%lld",
				(long long)dims[k]);
	}
	len += snprintf(header + len, sizeof header - (size_t)len, "), }");
	/* pad with spaces so data starts at a multiple of 64; the header ends in \n */
	while ((10 + len + 1) % 64)
		header[len++] = ' ';
	header[len++] = '\n';
	if (!host_is_little_endian())
		return fail(err, err_size, "big-endian hosts are not supported", path);
	if (!(f = fopen(path, "wb")))
		return fail(err, err_size, "cannot create", path);
	ok = fwrite("\x93NUMPY\x01\x00", 1, 8, f) == 8 && fputc(len & 0xff, f) != EOF &&
	     fputc(len >> 8, f) != EOF && fwrite(header, 1, (size_t)len, f) == (size_t)len &&
	     fwrite(data, dtypes[dtype].size, (size_t)numel, f) == (size_t)numel;
	ok = fclose(f) == 0 && ok;
	return ok ? 0 : fail(err, err_size, "write error", path);
}

void npy_free(npy_array *a)
{
	free(a->raw);
	a->raw = NULL;
	a->data = NULL;
}
