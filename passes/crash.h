/*
 * crash.h - name the code that crashed: while a pass (or a plugin's entry
 * point or register function) runs, a fault (SIGSEGV, SIGBUS, SIGFPE,
 * SIGILL), an abort() (SIGABRT) or an exit() inside it prints
 *
 *   PROG: error: pass 'NAME' (plugin FILE) crashed: SIGSEGV
 *   backtrace:
 *   ...
 *
 * to stderr and ends the process with exit status 1, so nothing after it
 * (output files, the report) is written and buffered standard output is
 * dropped. Outside a guard convc's own signal dispositions are untouched:
 * the guard installs its handlers on entry and restores the previous ones
 * on leave. Private to passes/.
 */
#ifndef CONVC_CRASH_H
#define CONVC_CRASH_H

/*
 * Enter a guarded region. `what` is the whole description of the code that
 * runs, as it goes after "error: " (e.g. "pass 'x' (plugin ./x.so)"); it is
 * copied. Guards do not nest: enter, run, leave.
 */
void crash_guard_enter(const char *what);
/* Leave it: restore the signal handlers that were there before. */
void crash_guard_leave(void);

#endif
