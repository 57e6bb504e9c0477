/* elem.c - typed element access and half-precision conversions (convc/ir.h). */
#include <math.h>
#include <string.h>

#include "convc/ir.h"

float cv_f16_to_f32(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000) << 16, e = (h >> 10) & 0x1f, m = h & 0x3ff, x;
	float f;

	if (e == 0) /* zero or subnormal: m * 2^-24 */
		return (sign ? -1.0f : 1.0f) * (float)m * 0x1p-24f;
	if (e == 31)
		x = sign | 0x7f800000 | m << 13;
	else
		x = sign | (e + 112) << 23 | m << 13; /* rebias 15 -> 127 */
	memcpy(&f, &x, 4);
	return f;
}

uint16_t cv_f32_to_f16(float f)
{
	uint32_t x, sign, a;

	memcpy(&x, &f, 4);
	sign = (x >> 16) & 0x8000;
	a = x & 0x7fffffff;
	if (a > 0x7f800000) /* NaN: quiet, keep the top payload bits */
		return (uint16_t)(sign | 0x7e00 | ((a >> 13) & 0x3ff));
	if (a >= 0x477ff000) /* >= 65520 (halfway to 2^16) rounds to infinity */
		return (uint16_t)(sign | 0x7c00);
	if (a < 0x38800000) { /* below 2^-14: a subnormal half, m = round(|f| * 2^24) */
		float af;
		memcpy(&af, &a, 4);
		return (uint16_t)(sign | (uint32_t)nearbyintf(af * 0x1p24f));
	}
	/* round the 13 dropped bits to nearest even, then rebias 127 -> 15 */
	a += 0xfff + ((a >> 13) & 1);
	return (uint16_t)(sign | ((a - 0x38000000) >> 13));
}

float cv_bf16_to_f32(uint16_t h)
{
	uint32_t x = (uint32_t)h << 16;
	float f;

	memcpy(&f, &x, 4);
	return f;
}

uint16_t cv_f32_to_bf16(float f)
{
	uint32_t x;

	memcpy(&x, &f, 4);
	if ((x & 0x7fffffff) > 0x7f800000)
		return (uint16_t)((x >> 16) | 0x40);
	return (uint16_t)((x + 0x7fff + ((x >> 16) & 1)) >> 16);
}

int cv_dtype_is_float(cv_dtype dt)
{
	return dt == CV_F32 || dt == CV_F64 || dt == CV_F16 || dt == CV_BF16;
}

static int64_t trunc_i64(double v)
{
	if (v != v)
		return 0;
	if (v >= 0x1p63)
		return INT64_MAX;
	if (v < -0x1p63)
		return INT64_MIN;
	return (int64_t)v;
}

double cv_elem_get_f(const void *p, cv_dtype dt, int64_t i)
{
	switch (dt) {
	case CV_F32: return ((const float *)p)[i];
	case CV_F64: return ((const double *)p)[i];
	case CV_F16: return cv_f16_to_f32(((const uint16_t *)p)[i]);
	case CV_BF16: return cv_bf16_to_f32(((const uint16_t *)p)[i]);
	case CV_U64: return (double)((const uint64_t *)p)[i];
	default: return (double)cv_elem_get_i(p, dt, i);
	}
}

int64_t cv_elem_get_i(const void *p, cv_dtype dt, int64_t i)
{
	switch (dt) {
	case CV_I64: return ((const int64_t *)p)[i];
	case CV_I32: return ((const int32_t *)p)[i];
	case CV_I8: return ((const int8_t *)p)[i];
	case CV_U8:
	case CV_BOOL: return ((const uint8_t *)p)[i];
	case CV_I16: return ((const int16_t *)p)[i];
	case CV_U16: return ((const uint16_t *)p)[i];
	case CV_U32: return ((const uint32_t *)p)[i];
	case CV_U64: return (int64_t)((const uint64_t *)p)[i]; /* the bits, modulo 2^64 */
	default: return trunc_i64(cv_elem_get_f(p, dt, i));
	}
}

void cv_elem_set_f(void *p, cv_dtype dt, int64_t i, double v)
{
	switch (dt) {
	case CV_F32: ((float *)p)[i] = (float)v; break;
	case CV_F64: ((double *)p)[i] = v; break;
	case CV_F16: ((uint16_t *)p)[i] = cv_f32_to_f16((float)v); break;
	case CV_BF16: ((uint16_t *)p)[i] = cv_f32_to_bf16((float)v); break;
	case CV_BOOL: ((uint8_t *)p)[i] = v != 0; break;
	case CV_U64: /* from 2^63 up the unsigned range, saturating at 2^64 - 1 */
		((uint64_t *)p)[i] = v >= 0x1p64 ? UINT64_MAX : v >= 0x1p63 ? (uint64_t)v : (uint64_t)trunc_i64(v);
		break;
	default: cv_elem_set_i(p, dt, i, trunc_i64(v)); break;
	}
}

void cv_elem_set_i(void *p, cv_dtype dt, int64_t i, int64_t v)
{
	switch (dt) {
	case CV_I64: ((int64_t *)p)[i] = v; break;
	/* narrowing through the unsigned type wraps modulo 2^width */
	case CV_I32: ((int32_t *)p)[i] = (int32_t)(uint32_t)(uint64_t)v; break;
	case CV_I8: ((int8_t *)p)[i] = (int8_t)(uint8_t)(uint64_t)v; break;
	case CV_U8: ((uint8_t *)p)[i] = (uint8_t)(uint64_t)v; break;
	case CV_BOOL: ((uint8_t *)p)[i] = v != 0; break;
	case CV_I16: ((int16_t *)p)[i] = (int16_t)(uint16_t)(uint64_t)v; break;
	case CV_U16: ((uint16_t *)p)[i] = (uint16_t)(uint64_t)v; break;
	case CV_U32: ((uint32_t *)p)[i] = (uint32_t)(uint64_t)v; break;
	case CV_U64: ((uint64_t *)p)[i] = (uint64_t)v; break;
	default: cv_elem_set_f(p, dt, i, (double)v); break;
	}
}

int cv_node_is_typed(const cv_node *n)
{
	int i;

	switch (n->op) {
	CV_CASE_TYPED_OPS:
		return 1;
	default:
		break;
	}
	for (i = 0; i < n->num_inputs; i++)
		if (n->inputs[i] && n->inputs[i]->type.dtype != CV_F32)
			return 1;
	for (i = 0; i < n->num_outputs; i++)
		if (n->outputs[i]->type.dtype != CV_F32)
			return 1;
	return 0;
}
