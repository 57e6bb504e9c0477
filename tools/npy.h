/*
 * npy.h - minimal NumPy .npy files for the tools: float32, float64,
 * float16, int64, int32, int16, int8, uint64, uint32, uint16 (also
 * bfloat16 bit patterns), uint8 and bool, C order, little-endian, format versions 1.0-3.0 read, 1.0
 * written.
 */
#ifndef CONVC_TOOLS_NPY_H
#define CONVC_TOOLS_NPY_H

#include <stdint.h>

#define NPY_MAX_RANK 8

enum { NPY_F32 = 0, NPY_I64, NPY_I32, NPY_F64, NPY_F16, NPY_I8, NPY_U8, NPY_BOOL, NPY_U16,
       NPY_I16, NPY_U32, NPY_U64, NPY_DTYPE_COUNT };

typedef struct npy_array {
	int rank;
	int64_t dims[NPY_MAX_RANK];
	int64_t numel;
	int dtype;   /* NPY_F32, ... */
	void *raw;   /* numel elements of dtype; owned: free with npy_free */
	float *data; /* raw when dtype is NPY_F32, else NULL */
} npy_array;

/* Read path into *a. Returns 0, or -1 with "PATH: reason" in err (err_size
 * bytes): unreadable file, bad magic or header, a dtype other than '<f4',
 * Fortran order, rank above NPY_MAX_RANK, truncated data or data beyond the
 * shape, out of memory. */
int npy_read(const char *path, npy_array *a, char *err, int err_size);

/* npy_read, also accepting int64 ('<i8') and int32 ('<i4') data. */
int npy_read_any(const char *path, npy_array *a, char *err, int err_size);

/* npy_read of an array of dtype `dtype` (NPY_*) only; the reason names the
 * descr expected ('<i8', '|b1', ...). */
int npy_read_dtype(const char *path, int dtype, npy_array *a, char *err, int err_size);

/* The descr of NPY_* dtype ("<f4", "|b1", ...) and its bytes per element. */
const char *npy_descr(int dtype);
size_t npy_dtype_size(int dtype);

/* Write numel float32 elements with the given dims to path. 0, or -1 with
 * a reason in err. */
int npy_write(const char *path, const float *data, int rank, const int64_t *dims, char *err,
	      int err_size);
/* npy_write of numel elements of dtype (NPY_*). */
int npy_write_dtype(const char *path, const void *data, int dtype, int rank, const int64_t *dims,
		    char *err, int err_size);

void npy_free(npy_array *a);

#endif
