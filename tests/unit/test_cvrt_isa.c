/*
 * test_cvrt_isa.c - the instruction-set part of the kernel tests
 * (tests/unit/CMakeLists.txt).
 *
 * test_isa_setup, called first by test_cvrt's main:
 *   test_cvrt                 selects the ISA CVRT_ISA names (the best one
 *                             when unset), checks that it is the one in use
 *                             and lets the kernel tests run; exits 77 (ctest:
 *                             skipped) with the reason when this CPU lacks it
 *   test_cvrt --isa-errors    checks cvrt_isa_init's answers: an unknown name
 *                             is CVRT_ISA_EUNKNOWN, avx2 and avx512 either
 *                             work or are CVRT_ISA_EUNSUPPORTED, each error
 *                             with a message naming the value and the reason
 *   test_cvrt --isa-missing   the same, but avx2 and avx512 must be
 *                             CVRT_ISA_EUNSUPPORTED: for a build without the
 *                             x86 kernels (TEST_ISA_MAIN, cvrt_isa.c without
 *                             CVRT_X86, as on aarch64)
 */
#define _POSIX_C_SOURCE 200809L

#include "cvrt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_SKIP 77

int test_isa_setup(int argc, char **argv);

/* CVRT_ISA=value: cvrt_isa_init returns want_rc (or, with may_work, 0), and
 * an error message containing want_text. */
static int check_init(const char *value, int want_rc, int may_work, const char *want_text)
{
	char err[256] = "";
	int rc;

	setenv("CVRT_ISA", value, 1);
	rc = cvrt_isa_init(err, sizeof err);
	if (rc == 0 && may_work) {
		printf("CVRT_ISA=%s: usable here\n", value);
		return 0;
	}
	if (rc != want_rc || !strstr(err, want_text)) {
		printf("CVRT_ISA=%s: got %d \"%s\", want %d and a message with \"%s\"\n", value, rc,
		       err, want_rc, want_text);
		return 1;
	}
	printf("CVRT_ISA=%s: %s\n", value, err);
	return 0;
}

static int isa_errors(int missing)
{
	int bad = 0;

	bad |= check_init("bogus", CVRT_ISA_EUNKNOWN, 0,
			  "CVRT_ISA=bogus: unknown instruction set (use portable, avx2 or avx512)");
	bad |= check_init("AVX2", CVRT_ISA_EUNKNOWN, 0, "CVRT_ISA=AVX2: unknown");
	bad |= check_init("avx2", CVRT_ISA_EUNSUPPORTED, !missing, "CVRT_ISA=avx2: ");
	bad |= check_init("avx512", CVRT_ISA_EUNSUPPORTED, !missing, "CVRT_ISA=avx512: ");
	if (missing) {
		bad |= check_init("avx2", CVRT_ISA_EUNSUPPORTED, 0, "not an x86 build");
		bad |= check_init("avx512", CVRT_ISA_EUNSUPPORTED, 0, "not an x86 build");
	}
	/* Empty is unset; portable works everywhere. */
	bad |= check_init("", 0, 1, "");
	bad |= check_init("portable", 0, 1, "");
	printf("%s\n", bad ? "FAILED" : "all passed");
	return bad;
}

int test_isa_setup(int argc, char **argv)
{
	const char *want = getenv("CVRT_ISA");
	char err[256] = "";
	int rc;

	if (argc > 1 && !strcmp(argv[1], "--isa-errors"))
		return isa_errors(0);
	if (argc > 1 && !strcmp(argv[1], "--isa-missing"))
		return isa_errors(1);
	rc = cvrt_isa_init(err, sizeof err);
	if (rc == CVRT_ISA_EUNSUPPORTED) {
		printf("skipped: %s\n", err);
		return EXIT_SKIP;
	}
	if (rc) {
		printf("error: %s\n", err);
		return 1;
	}
	if (want && *want && strcmp(want, cvrt_isa_name())) {
		printf("error: CVRT_ISA=%s, but the kernels in use are %s\n", want, cvrt_isa_name());
		return 1;
	}
	printf("isa: %s\n", cvrt_isa_name());
	return -1;
}

#ifdef TEST_ISA_MAIN
int main(int argc, char **argv)
{
	return test_isa_setup(argc, argv);
}
#endif
