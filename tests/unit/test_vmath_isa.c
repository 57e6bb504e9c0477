/*
 * test_vmath_isa.c - cvrt_vmath.h's functions over an array, compiled once
 * per ISA with that ISA's flags and -DCVRT_SFX=__<isa> (tests/unit/CMakeLists.txt),
 * for test_vmath.c to compare with libm.
 */
#include "cvrt_vmath.h"

#include "test_vmath.h"

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)

#define HSIG(v) vm_hard_sigmoid((v), 0.2f, 0.5f)
#define ELU1(v) vm_elu((v), 1.0f)
#define SELU(v) vm_selu((v), 1.67326319217681884765625f, 1.05070102214813232421875f)

void CAT(vmath_eval, CVRT_SFX)(int fn, int64_t n, float *y)
{
	switch (fn) {
	case VMATH_EXP:
		VM_MAP(vm_exp, y, n);
		break;
	case VMATH_SIGMOID:
		VM_MAP(vm_sigmoid, y, n);
		break;
	case VMATH_SILU:
		VM_MAP(vm_silu, y, n);
		break;
	case VMATH_TANH:
		VM_MAP(vm_tanh, y, n);
		break;
	case VMATH_ERF:
		VM_MAP(vm_erf, y, n);
		break;
	case VMATH_GELU:
		VM_MAP(vm_gelu, y, n);
		break;
	case VMATH_GELU_TANH:
		VM_MAP(vm_gelu_tanh, y, n);
		break;
	case VMATH_LOG:
		VM_MAP(vm_log, y, n);
		break;
	case VMATH_EXPM1:
		VM_MAP(vm_expm1, y, n);
		break;
	case VMATH_SOFTPLUS:
		VM_MAP(vm_softplus, y, n);
		break;
	case VMATH_ELU:
		VM_MAP(ELU1, y, n);
		break;
	case VMATH_SELU:
		VM_MAP(SELU, y, n);
		break;
	case VMATH_MISH:
		VM_MAP(vm_mish, y, n);
		break;
	case VMATH_HARD_SIGMOID:
		VM_MAP(HSIG, y, n);
		break;
	case VMATH_HARD_SWISH:
		VM_MAP(vm_hard_swish, y, n);
		break;
	default:
		break;
	}
}
