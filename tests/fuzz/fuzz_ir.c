/*
 * fuzz_ir.c - text IR -> parse -> verify -> print -> parse -> print.
 *
 * The printed text of a module the parser accepted and the verifier passed
 * must parse again, and print the same bytes (include/convc/parse.h: print
 * -> parse -> print is the identity). A difference aborts: it is a bug.
 */
#include "tests/fuzz/fuzz_common.h"

#include "convc/ir.h"
#include "convc/parse.h"

/* m as text (malloc'd, *len bytes). */
static char *print_module(const cv_module *m, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		abort();
	FUZZ_CHECK(cv_module_print(m, f) == 0, "print failed");
	fclose(f);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cv_module *m1 = NULL, *m2 = NULL;
	char *t1 = NULL, *t2 = NULL;
	size_t n1 = 0, n2 = 0;
	cv_diag d;

	cv_diag_init(&d, "fuzz.cir");
	if (cv_module_parse((const char *)data, size, "fuzz.cir", &m1, &d))
		return 0;
	if (cv_verify(m1, &d) == CV_OK) {
		t1 = print_module(m1, &n1);
		cv_diag_init(&d, "printed.cir");
		FUZZ_CHECK(cv_module_parse(t1, n1, "printed.cir", &m2, &d) == CV_OK,
			   "the printed IR does not parse: %s\n--- printed:\n%s", d.msg, t1);
		t2 = print_module(m2, &n2);
		FUZZ_CHECK(n1 == n2 && !memcmp(t1, t2, n1), "print -> parse -> print differs\n--- first:\n%s--- second:\n%s",
			   t1, t2);
	}
	free(t1);
	free(t2);
	cv_module_free(m1);
	cv_module_free(m2);
	return 0;
}
