/*
 * crash.c - see crash.h.
 *
 * The handlers only call async-signal-safe functions (write, _exit) plus
 * backtrace_symbols_fd, which writes with write(2); backtrace() itself is
 * called once on the first entry so that glibc loads libgcc's unwinder
 * then, not inside a handler. A fault from a stack overflow needs another
 * stack to run on: one is set up unless the thread has one (AddressSanitizer
 * installs its own).
 */
#define _GNU_SOURCE 1 /* program_invocation_short_name */
#include <errno.h>
#include <execinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "passes/crash.h"

#define MAX_FRAMES 64

static const int signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
#define NUM_SIGNALS ((int)(sizeof signals / sizeof signals[0]))

static struct sigaction saved[NUM_SIGNALS];
static volatile sig_atomic_t active;
static char prefix[1024]; /* "PROG: error: WHAT crashed: " */
static size_t prefix_len;
static char alt_stack[1 << 16];

static void say(const char *s)
{
	size_t n = strlen(s);

	while (n) {
		ssize_t k = write(STDERR_FILENO, s, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return;
		s += k;
		n -= (size_t)k;
	}
}

static const char *signal_name(int sig)
{
	switch (sig) {
	case SIGSEGV: return "SIGSEGV";
	case SIGBUS: return "SIGBUS";
	case SIGFPE: return "SIGFPE";
	case SIGILL: return "SIGILL";
	case SIGABRT: return "SIGABRT";
	default: return "a signal";
	}
}

static void report(const char *why)
{
	void *frames[MAX_FRAMES];
	int n;

	if (write(STDERR_FILENO, prefix, prefix_len) < 0)
		_exit(1);
	say(why);
	say("\nbacktrace:\n");
	n = backtrace(frames, MAX_FRAMES);
	backtrace_symbols_fd(frames, n, STDERR_FILENO);
	_exit(1);
}

static void on_signal(int sig)
{
	report(signal_name(sig));
}

/* exit() inside a guarded region runs this (atexit handlers run before
 * LeakSanitizer's, which registered first, so no leak report follows). */
static void on_exit_call(void)
{
	if (active)
		report("exit() called (a pass must return a status instead)");
}

static void first_entry(void)
{
	static int done;
	void *frame[1];
	stack_t ss;

	if (done)
		return;
	done = 1;
	backtrace(frame, 1);
	atexit(on_exit_call);
	if (sigaltstack(NULL, &ss) == 0 && (ss.ss_flags & SS_DISABLE)) {
		ss.ss_sp = alt_stack;
		ss.ss_size = sizeof alt_stack;
		ss.ss_flags = 0;
		sigaltstack(&ss, NULL);
	}
}

void crash_guard_enter(const char *what)
{
	struct sigaction sa;
	int i, n;

	first_entry();
	n = snprintf(prefix, sizeof prefix, "%s: error: %s crashed: ", program_invocation_short_name,
		     what);
	prefix_len = n < 0 ? 0 : (size_t)n < sizeof prefix ? (size_t)n : sizeof prefix - 1;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < NUM_SIGNALS; i++)
		sigaction(signals[i], &sa, &saved[i]);
	active = 1;
}

void crash_guard_leave(void)
{
	int i;

	active = 0;
	for (i = 0; i < NUM_SIGNALS; i++)
		sigaction(signals[i], &saved[i], NULL);
}
