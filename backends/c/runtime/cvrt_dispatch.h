/*
 * cvrt_dispatch.h - the public entry points of a kernel family (internal).
 *
 * CVRT_DISPATCH_V/R expand one entry of a cvrt_kernels.h list into the
 * cvrt.h function: a table of the family's versions, indexed by the ISA
 * cvrt_isa.c selected (enum cvrt_isa), called with the same arguments.
 * Built for x86 (the Makefile defines CVRT_X86 there), the table holds the
 * portable, AVX2 and AVX-512 versions, or, for a family built without an
 * AVX-512 object (CVRT_FAMILIES' avx512 = 0; its _api.c defines
 * CVRT_NO_AVX512), the AVX2 version in the AVX-512 slot; elsewhere only
 * the portable one.
 * Compiled without ISA flags, like cvrt_isa.c.
 */
#ifndef CVRT_DISPATCH_H
#define CVRT_DISPATCH_H

#include "cvrt.h"
#include "cvrt_kernels.h"

/* The selected ISA, < 0 before the first selection (cvrt_isa.c). */
extern int cvrt_isa_current;
int cvrt_isa_pick(void);

static inline int cvrt_isa_index(void)
{
	return cvrt_isa_current >= 0 ? cvrt_isa_current : cvrt_isa_pick();
}

#if defined(CVRT_X86) && defined(CVRT_NO_AVX512)
#define CVRT_DECLARE(ret, name, params) \
	ret name##__portable params;    \
	ret name##__avx2 params;
#define CVRT_TABLE(name) {name##__portable, name##__avx2, name##__avx2}
#elif defined(CVRT_X86)
#define CVRT_DECLARE(ret, name, params) \
	ret name##__portable params;    \
	ret name##__avx2 params;        \
	ret name##__avx512 params;
#define CVRT_TABLE(name) {name##__portable, name##__avx2, name##__avx512}
#else
#define CVRT_DECLARE(ret, name, params) ret name##__portable params;
#define CVRT_TABLE(name) {name##__portable}
#endif

#define CVRT_DISPATCH_V(name, params, args)                            \
	CVRT_DECLARE(void, name, params)                               \
	void name params                                               \
	{                                                              \
		static void (*const isa_fn[]) params = CVRT_TABLE(name); \
		isa_fn[cvrt_isa_index()] args;                         \
	}
#define CVRT_DISPATCH_R(ret, name, params, args)                       \
	CVRT_DECLARE(ret, name, params)                                \
	ret name params                                                \
	{                                                              \
		static ret (*const isa_fn[]) params = CVRT_TABLE(name);  \
		return isa_fn[cvrt_isa_index()] args;                  \
	}

#endif
