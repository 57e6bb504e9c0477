/*
 * guard_selftest.c - deliberate overruns for guard_test.py --selftest: proof
 * that the GUARD=1 build of the emitted code reports a kernel touching memory
 * outside its tensors.
 *
 * guard_test.py compiles an emitted model.c (conv_basic at -O0: NCHW convs
 * with an im2col scratch, separate Relu nodes) with GUARD=1 and
 * -Dcvrt_conv2d=selftest_conv2d -Dcvrt_unary=selftest_unary, so its calls go
 * through the functions below, which run the real kernel and then, as the
 * environment variable CONVC_GUARD_SELFTEST says, make one bad access, the
 * kind a buggy kernel makes:
 *   none          nothing (the run must pass: no false report)
 *   read_past     read y[count], one float past the unary's output
 *   write_past    write y[count]
 *   read_before   read x[-1], one float before the unary's input
 *   vector_tail   an unmasked 8-float AVX2 load of the output's last 4 floats
 *                 and 4 past (a tail read as a whole vector)
 *   masked_tail   the same load masked to the 4 floats that exist, after the
 *                 guarded build's lane check of those 4 (legal: must pass)
 *   masked_lane_past  that lane check (cvrt_guard_read_lanes, which the
 *                 kernels' masked loads call in the guarded build) with 5
 *                 lanes, one past the output
 *   dead_tensor   read the graph input after its last reader (the first conv)
 *                 ran: outside its lifetime
 *   scratch_past  read the conv's scratch one float past what it asked for
 *   weight_past   read one float past the conv's weight tensor
 * Every mode but none and masked_tail must end in an AddressSanitizer report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cvrt.h"
/* cvrt_guard_read_lanes: the lane check of the kernels' masked accesses in
 * the guarded build (compiled here with -DCVRT_GUARD, as the kernels are) */
#define CVRT_SFX __selftest
#include "cvrt_impl.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SELFTEST_X86 1
#endif

static volatile float sink;
static const float *graph_input; /* the first conv's input: dead after it */

static int is(const char *m)
{
	const char *mode = getenv("CONVC_GUARD_SELFTEST");

	return mode && !strcmp(mode, m);
}

#ifdef SELFTEST_X86
/* Stored whole into a volatile vector, so no compiler narrows the load. */
static volatile __m256 vsink;

__attribute__((target("avx2"))) static void load8(const float *p)
{
	vsink = _mm256_loadu_ps(p);
}

__attribute__((target("avx2"))) static void maskload4(const float *p)
{
	vsink = _mm256_maskload_ps(p, _mm256_setr_epi32(-1, -1, -1, -1, 0, 0, 0, 0));
}
#endif

void selftest_conv2d(const cvrt_conv2d_params *p, const float *x, const float *w, const float *bias,
		     const float *residual, float *y, float *ws);
void selftest_unary(int64_t count, const float *x, float *y, cvrt_act act);

void selftest_conv2d(const cvrt_conv2d_params *p, const float *x, const float *w, const float *bias,
		     const float *residual, float *y, float *ws)
{
	if (!graph_input)
		graph_input = x;
	cvrt_conv2d(p, x, w, bias, residual, y, ws);
	if (is("scratch_past"))
		sink = ws[cvrt_conv2d_workspace(p)];
	else if (is("weight_past"))
		sink = w[(size_t)p->m * (size_t)(p->c / p->group) * (size_t)p->kh * (size_t)p->kw];
}

void selftest_unary(int64_t count, const float *x, float *y, cvrt_act act)
{
	cvrt_unary(count, x, y, act);
	if (is("read_past"))
		sink = y[count];
	else if (is("write_past"))
		y[count] = 1.0f;
	else if (is("read_before"))
		sink = x[-1];
	else if (is("dead_tensor"))
		sink = graph_input[0];
	else if (is("masked_lane_past"))
		cvrt_guard_read_lanes(y + count - 4, 0x1fu);
#ifdef SELFTEST_X86
	else if (is("vector_tail") && __builtin_cpu_supports("avx2"))
		load8(y + count - 4);
	else if (is("masked_tail") && __builtin_cpu_supports("avx2")) {
		cvrt_guard_read_lanes(y + count - 4, 0xfu);
		maskload4(y + count - 4);
	}
#endif
}
