/*
 * onnx_attrs.c - reading ONNX attributes and TensorProtos.
 *
 * protobuf-c leaves unset optional strings NULL; every accessor here treats
 * NULL as "" so callers need not.
 */
#include <float.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "frontends/onnx/onnx_internal.h"

const Onnx__AttributeProto *attr_find(const Onnx__NodeProto *n, const char *name)
{
	size_t i;

	for (i = 0; i < n->n_attribute; i++)
		if (n->attribute[i]->name && !strcmp(n->attribute[i]->name, name))
			return n->attribute[i];
	return NULL;
}

int64_t attr_int(const Onnx__NodeProto *n, const char *name, int64_t dflt)
{
	const Onnx__AttributeProto *a = attr_find(n, name);

	return a && a->has_i ? a->i : dflt;
}

float attr_float(const Onnx__NodeProto *n, const char *name, float dflt)
{
	const Onnx__AttributeProto *a = attr_find(n, name);

	return a && a->has_f ? a->f : dflt;
}

const char *attr_string(const Onnx__NodeProto *n, const char *name, const char *dflt,
			char *buf, size_t size)
{
	const Onnx__AttributeProto *a = attr_find(n, name);
	size_t len;

	if (!a || !a->has_s) {
		snprintf(buf, size, "%s", dflt);
		return buf;
	}
	len = a->s.len < size - 1 ? a->s.len : size - 1;
	if (len)
		memcpy(buf, a->s.data, len);
	buf[len] = '\0';
	return buf;
}

int attr_ints(const Onnx__NodeProto *n, const char *name, int64_t *out, int max)
{
	const Onnx__AttributeProto *a = attr_find(n, name);
	size_t i;

	if (!a)
		return -1;
	if (a->n_ints > (size_t)max)
		return -2;
	for (i = 0; i < a->n_ints; i++)
		out[i] = a->ints[i];
	return (int)a->n_ints;
}

const char *onnx_dtype_name(int32_t t)
{
	static const char *const names[] = {
		"undefined", "float32", "uint8", "int8", "uint16", "int16", "int32", "int64", "string",
		"bool", "float16", "float64", "uint32", "uint64", "complex64", "complex128", "bfloat16",
	};
	return t >= 0 && t < (int32_t)(sizeof names / sizeof names[0]) ? names[t] : "unknown";
}

int onnx_dtype(int32_t t)
{
	switch (t) {
	case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT: return CV_F32;
	case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE: return CV_F64;
	case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16: return CV_F16;
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT64: return CV_I64;
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT32: return CV_I32;
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT8: return CV_I8;
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT8: return CV_U8;
	case ONNX__TENSOR_PROTO__DATA_TYPE__BOOL: return CV_BOOL;
	case ONNX__TENSOR_PROTO__DATA_TYPE__BFLOAT16: return CV_BF16;
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT16: return CV_I16;
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT16: return CV_U16;
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT32: return CV_U32;
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT64: return CV_U64;
	default: return -1;
	}
}

/* Items in the typed repeated field that holds dtype dt's data. */
static size_t typed_count(const Onnx__TensorProto *t, cv_dtype dt)
{
	switch (dt) {
	case CV_F32: return t->n_float_data;
	case CV_F64: return t->n_double_data;
	case CV_I64: return t->n_int64_data;
	case CV_U32:
	case CV_U64: return t->n_uint64_data;
	default: return t->n_int32_data; /* int32, int16, uint16, int8, uint8, bool, f16, bf16 */
	}
}

/* Copy the typed repeated field of t (not raw_data) into dst (numel items). */
static int copy_typed(const Onnx__TensorProto *t, cv_dtype dt, void *dst, size_t numel)
{
	size_t i;

	/* An empty tensor has nothing to copy (and protobuf-c leaves its
	 * repeated fields NULL, which memcpy may not be given). */
	if (!numel)
		return typed_count(t, dt) ? -1 : 0;
	switch (dt) {
	case CV_F32:
		if (t->n_float_data != numel)
			return -1;
		memcpy(dst, t->float_data, numel * 4);
		return 0;
	case CV_F64:
		if (t->n_double_data != numel)
			return -1;
		memcpy(dst, t->double_data, numel * 8);
		return 0;
	case CV_I64:
		if (t->n_int64_data != numel)
			return -1;
		memcpy(dst, t->int64_data, numel * 8);
		return 0;
	case CV_U32:
	case CV_U64: /* uint32 and uint64 travel in uint64_data */
		if (t->n_uint64_data != numel)
			return -1;
		for (i = 0; i < numel; i++)
			cv_elem_set_i(dst, dt, (int64_t)i, (int64_t)t->uint64_data[i]);
		return 0;
	default:
		/* int32, int8, uint8, bool, float16 and bfloat16 travel in int32_data. */
		if (t->n_int32_data != numel)
			return -1;
		for (i = 0; i < numel; i++) {
			int32_t v = t->int32_data[i];
			switch (dt) {
			case CV_I32: ((int32_t *)dst)[i] = v; break;
			case CV_I8: ((int8_t *)dst)[i] = (int8_t)v; break;
			case CV_F16:
			case CV_BF16:
			case CV_I16:
			case CV_U16: ((uint16_t *)dst)[i] = (uint16_t)v; break;
			default: ((uint8_t *)dst)[i] = (uint8_t)v; break;
			}
		}
		return 0;
	}
}

cv_status tensor_to_const(imp *im, const Onnx__TensorProto *t, const char *name,
			  cv_value **out)
{
	cv_type type = {0};
	int dt = onnx_dtype(t->has_data_type ? t->data_type : 0);
	int64_t numel;
	size_t nbytes, i;
	void *buf;
	cv_value *v;

	if (dt < 0)
		return imp_error(im, CV_ERR_UNSUPPORTED, "tensor '%s' has data type %s, which convc does not support",
				 name, onnx_dtype_name(t->data_type));
	if (t->has_data_location && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
		return imp_error(im, CV_ERR_UNSUPPORTED, "tensor '%s' keeps its data in an external file", name);
	if (t->n_dims > CV_MAX_RANK)
		return imp_error(im, CV_ERR_UNSUPPORTED, "tensor '%s' has rank %zu > %d", name, t->n_dims,
				 CV_MAX_RANK);
	type.dtype = (cv_dtype)dt;
	type.rank = (int)t->n_dims;
	for (i = 0; i < t->n_dims; i++) {
		if (t->dims[i] < 0)
			return imp_error(im, CV_ERR_INPUT, "tensor '%s' has negative dim %lld", name,
					 (long long)t->dims[i]);
		type.dims[i] = t->dims[i];
	}
	numel = cv_type_numel(&type);
	if (numel < 0 || (uint64_t)numel > SIZE_MAX / 8)
		return imp_error(im, CV_ERR_INPUT,
				 "tensor '%s' is too large: the product of its dims exceeds 2^61 elements", name);
	nbytes = (size_t)numel * cv_dtype_size(type.dtype);
	/* The data must be there before anything is allocated for it, so that
	 * what convc allocates is bounded by the file's size. */
	if (t->has_raw_data && t->raw_data.len != nbytes)
		return imp_error(im, CV_ERR_INPUT, "tensor '%s': raw_data holds %zu bytes, dims need %zu",
				 name, t->raw_data.len, nbytes);
	if (!t->has_raw_data && typed_count(t, type.dtype) != (size_t)numel)
		return imp_error(im, CV_ERR_INPUT, "tensor '%s': dims need %lld elements, its data holds %zu",
				 name, (long long)numel, typed_count(t, type.dtype));
	/* Add with no data first, then fill in place: no second copy of the weights. */
	v = cv_graph_add_const(im->g, name, &type, NULL, 0);
	if (!v)
		return imp_error(im, CV_ERR_NOMEM, "out of memory");
	buf = cv_alloc(im->m, nbytes ? nbytes : 1);
	if (!buf)
		return imp_error(im, CV_ERR_NOMEM, "out of memory for tensor '%s' (%zu bytes)", name, nbytes);
	v->data = buf;
	v->nbytes = nbytes;
	if (t->has_raw_data) {
		/* raw_data is little-endian, as is every machine convc targets. */
		if (nbytes)
			memcpy(buf, t->raw_data.data, nbytes);
	} else if (copy_typed(t, type.dtype, buf, (size_t)numel)) {
		return imp_error(im, CV_ERR_INPUT, "tensor '%s': data field size does not match dims", name);
	}
	*out = v;
	return CV_OK;
}

int const_ints(const cv_value *v, int64_t *out, int max)
{
	int64_t n, i;

	if (!v || v->kind != CV_VALUE_CONST)
		return -1;
	n = cv_type_numel(&v->type);
	if (n < 0 || n > max)
		return -1;
	for (i = 0; i < n; i++) {
		switch (v->type.dtype) {
		case CV_I64: out[i] = ((const int64_t *)v->data)[i]; break;
		case CV_I32: out[i] = ((const int32_t *)v->data)[i]; break;
		case CV_I8: out[i] = ((const int8_t *)v->data)[i]; break;
		case CV_U8:
		case CV_BOOL: out[i] = ((const uint8_t *)v->data)[i]; break;
		default: return -1;
		}
	}
	return (int)n;
}

double const_float_at(const cv_value *v, int64_t i)
{
	if (!v || v->kind != CV_VALUE_CONST || i < 0 || i >= cv_type_numel(&v->type))
		return 0;
	switch (v->type.dtype) {
	case CV_F32: return ((const float *)v->data)[i];
	case CV_F64: return ((const double *)v->data)[i];
	case CV_I64: return (double)((const int64_t *)v->data)[i];
	case CV_I32: return ((const int32_t *)v->data)[i];
	default: return 0;
	}
}

/* ---- attributes whose form changed between opsets ---- */

int64_t cast_to(const imp *im, const Onnx__NodeProto *n)
{
	const Onnx__AttributeProto *a = attr_find(n, "to");
	const ProtobufCEnumValue *e;
	char name[32];

	if (im->opset >= 6 || !a || !a->has_s)
		return attr_int(n, "to", 0);
	/* Cast-1: the type's name ("FLOAT"), as the TensorProto enum spells it */
	attr_string(n, "to", "", name, sizeof name);
	e = protobuf_c_enum_descriptor_get_value_by_name(&onnx__tensor_proto__data_type__descriptor, name);
	return e ? e->value : 0;
}

int64_t concat_axis(const imp *im, const Onnx__NodeProto *n)
{
	/* Concat-1 defaults to axis 1; from Concat-4 on the axis is required */
	return attr_int(n, "axis", im->opset < 4 ? 1 : 0);
}
