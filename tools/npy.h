/*
 * npy.h - minimal NumPy .npy files for the test tools: float32, C order,
 * little-endian, format versions 1.0-3.0 read, 1.0 written.
 */
#ifndef CONVC_TOOLS_NPY_H
#define CONVC_TOOLS_NPY_H

#include <stdint.h>

#define NPY_MAX_RANK 8

typedef struct npy_array {
	int rank;
	int64_t dims[NPY_MAX_RANK];
	int64_t numel;
	float *data; /* owned: free with npy_free */
} npy_array;

/* Read path into *a. Returns 0, or -1 with a reason in err (err_size bytes):
 * unreadable file, bad magic or header, a dtype other than '<f4', Fortran
 * order, rank above NPY_MAX_RANK, truncated data, out of memory. */
int npy_read(const char *path, npy_array *a, char *err, int err_size);

/* Write numel float32 elements with the given dims to path. 0, or -1 with
 * a reason in err. */
int npy_write(const char *path, const float *data, int rank, const int64_t *dims, char *err,
	      int err_size);

void npy_free(npy_array *a);

#endif
