/*
 * crash_stub.c - the fuzzers' replacement of passes/crash.c.
 *
 * The pass manager guards each pass with signal handlers that print the
 * pass's name and _exit(1) on a fault or abort(). Inside a fuzzer that would
 * hide the crash from libFuzzer and AddressSanitizer (no report, no saved
 * input), so the fuzzers link these no-ops instead: linked before the
 * library archive, they keep passes/crash.o out of the link.
 */
#include "passes/crash.h"

void crash_guard_enter(const char *what)
{
	(void)what;
}

void crash_guard_leave(void)
{
}
