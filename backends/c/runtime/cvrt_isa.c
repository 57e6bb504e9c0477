/*
 * cvrt_isa.c - which ISA's kernels run (cvrt.h, "Instruction sets").
 *
 * Compiled without ISA flags, so it runs on any CPU of the target. On x86
 * (CVRT_X86, set by the Makefile) it asks the CPU with
 * __builtin_cpu_supports, which also checks that the OS saves the vector
 * state (XCR0: YMM for AVX2, opmask and ZMM for AVX-512).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cvrt_dispatch.h"

#if defined(CVRT_X86) && !(defined(__x86_64__) || defined(__i386__))
#error "CVRT_X86 is for x86 builds only"
#endif

int cvrt_isa_current = -1;

static const char *const isa_names[] = {"portable", "avx2", "avx512"};

/* Whether this build has isa's kernels and this machine runs them; if not,
 * *why says why. */
static int isa_usable(int isa, const char **why)
{
	if (isa == CVRT_ISA_PORTABLE)
		return 1;
#ifdef CVRT_X86
	__builtin_cpu_init();
	if (isa == CVRT_ISA_AVX2) {
		if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
			return 1;
		*why = "this CPU lacks AVX2 or FMA, or the OS does not enable the AVX state";
		return 0;
	}
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
	    __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
	    __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		return 1;
	*why = "this CPU lacks AVX-512 (F, DQ, BW, VL), or the OS does not enable the AVX-512 state";
	return 0;
#else
	*why = "this build has only the portable kernels (it is not an x86 build)";
	return 0;
#endif
}

static int isa_best(void)
{
	const char *why;
	int isa;

	for (isa = CVRT_ISA_AVX512; isa > CVRT_ISA_PORTABLE; isa--)
		if (isa_usable(isa, &why))
			return isa;
	return CVRT_ISA_PORTABLE;
}

int cvrt_isa_init(char *err, size_t err_size)
{
	const char *want = getenv("CVRT_ISA"), *why = "";
	int isa = -1, i;

	if (want && *want) {
		for (i = 0; i < CVRT_ISA_COUNT; i++)
			if (!strcmp(want, isa_names[i]))
				isa = i;
		if (isa < 0) {
			if (err && err_size)
				snprintf(err, err_size,
					 "CVRT_ISA=%s: unknown instruction set (use portable, avx2 or avx512)",
					 want);
			return CVRT_ISA_EUNKNOWN;
		}
		if (!isa_usable(isa, &why)) {
			if (err && err_size)
				snprintf(err, err_size, "CVRT_ISA=%s: %s", want, why);
			return CVRT_ISA_EUNSUPPORTED;
		}
	} else {
		isa = isa_best();
	}
	if (cvrt_isa_current < 0)
		cvrt_isa_current = isa;
	return 0;
}

/* A kernel called before cvrt_isa_init: select now, the best ISA when
 * CVRT_ISA is bad (cvrt_isa_init reports that to whoever calls it). */
int cvrt_isa_pick(void)
{
	if (cvrt_isa_init(NULL, 0))
		cvrt_isa_current = isa_best();
	return cvrt_isa_current;
}

const char *cvrt_isa_name(void)
{
	return isa_names[cvrt_isa_index()];
}
