/*
 * host_detect.h - the host's cores and cache sizes, with the inputs explicit
 * (private to targets/; cv_target_host in host.c is the public entry).
 *
 * cv_target_host passes the real sysfs CPU directory and this process's
 * affinity mask; tests pass a fake tree built in a temporary directory and a
 * mask of their choosing, so every rule below can be checked without the
 * machine it describes.
 */
#ifndef CONVC_HOST_DETECT_H
#define CONVC_HOST_DETECT_H

#include "convc/target.h"

#define CV_HOST_SYSFS_CPU "/sys/devices/system/cpu"
#define CV_HOST_DEFAULT_L1D 32768.0   /* bytes, 32 KiB */
#define CV_HOST_DEFAULT_L2 524288.0   /* bytes, 512 KiB */

/*
 * Fill t->cores, t->l1d, t->local_memory and their t->source lines; leave
 * every other field of *t as it is.
 *
 * SYSFS_ROOT is a directory laid out like /sys/devices/system/cpu (borrowed;
 * CV_HOST_SYSFS_CPU on a real host). CPUS[0..NCPUS-1] are the CPU numbers of
 * the affinity mask in ascending order (borrowed; NCPUS >= 1).
 *
 *   cores        = the CPUs of the mask, less any whose cpuN/online reads "0"
 *                  (at least 1);
 *   the CPU read = the first CPU of the mask whose cpuN/online is absent (as
 *                  for cpu0 on most kernels) or does not read "0";
 *   l1d          = that CPU's level-1 Data (or Unified) cache size;
 *   local_memory = that CPU's level-2 Data or Unified cache size divided by
 *                  the number of CPUs sharing it (shared_cpu_list, else
 *                  shared_cpu_map; neither: private) - the per-core share of
 *                  a shared cache.
 * Sizes are "<digits>[K|M|G]" with an optional "iB" or "B" after the
 * suffix, in bytes x 1024^k. Anything missing or not understood falls back
 * to CV_HOST_DEFAULT_L1D / CV_HOST_DEFAULT_L2; the source line then starts
 * with "default" and says why, else with "detected:". Never fails.
 */
void cv_host_detect(const char *sysfs_root, const int *cpus, int ncpus, cv_target *t);

#endif
