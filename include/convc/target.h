/*
 * convc/target.h - the machine convc compiles for: core grid, per-core local
 * memory, peak fp32 FLOP/s per core, main-memory and inter-core bandwidth,
 * SIMD width, and where each number comes from.
 *
 * A target is either the host (detected when convc runs, see
 * cv_target_host) or an XML file valid against targets/target.rng; the
 * built-in files (targets/wormhole_b0.xml, targets/blackhole.xml) are
 * embedded in convc, so `cv_target_load("blackhole", ...)` needs no install
 * location. docs/targets.md describes the format and every number's source.
 *
 * A cv_target owns no heap memory: every string is a fixed array inside it,
 * so it can be copied by value and needs no free.
 */
#ifndef CONVC_TARGET_H
#define CONVC_TARGET_H

#include <stdio.h>

#include "convc/diag.h"
#include "convc/report.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CV_TARGET_NAME_MAX 64
#define CV_TARGET_SOURCE_MAX 512

/* Where each number of a target comes from (one line each, "" if unknown). */
typedef struct cv_target_sources {
	char cores[CV_TARGET_SOURCE_MAX];
	char local_memory[CV_TARGET_SOURCE_MAX];
	char l1d[CV_TARGET_SOURCE_MAX];
	char peak_flops[CV_TARGET_SOURCE_MAX];
	char memory_bandwidth[CV_TARGET_SOURCE_MAX];
	char core_bandwidth[CV_TARGET_SOURCE_MAX];
	char simd_width[CV_TARGET_SOURCE_MAX];
} cv_target_sources;

/*
 * What a target's local memory is, and so what a working set beyond it
 * means to the shard pass (docs/sharding.md, "Footprint"):
 *   CV_MEMORY_SCRATCHPAD  an accelerator's per-core SRAM (Tenstorrent L1):
 *                         a hard limit; tiles shrink to fit, and a
 *                         placement whose smallest tiles do not fit is
 *                         infeasible;
 *   CV_MEMORY_CACHE       a CPU's L2: a cost, never a limit; the bytes
 *                         beyond it are priced at main-memory bandwidth.
 */
typedef enum cv_memory_kind {
	CV_MEMORY_SCRATCHPAD = 0,
	CV_MEMORY_CACHE
} cv_memory_kind;

typedef struct cv_target {
	char name[CV_TARGET_NAME_MAX]; /* e.g. "host", "wormhole_b0" */
	char origin[CV_TARGET_SOURCE_MAX]; /* "built-in", the file's path, or "detected" */
	int rows, cols;             /* the core grid; 0 x 0 when given as a count */
	int cores;                  /* usable cores (>= 1; <= rows*cols with a grid) */
	double local_memory;        /* bytes of local memory per core (host: L2 per core) */
	cv_memory_kind memory_kind; /* scratchpad (a limit) or cache (a cost) */
	double l1d;                 /* bytes of L1 data cache per core; 0 if none/unknown */
	double peak_flops;          /* peak fp32 FLOP/s of one core */
	double memory_bandwidth;    /* main-memory bytes/s, all cores together */
	double core_bandwidth;      /* inter-core bytes/s (one core to another) */
	int simd_width;             /* fp32 lanes of one core's vector unit */
	cv_target_sources source;
	char roofline_source[CV_TARGET_SOURCE_MAX]; /* one-line summary for reports */
} cv_target;

/*
 * Load a target by name or file. NAME_OR_PATH is "host" (cv_target_host), a
 * built-in name ("wormhole_b0", "blackhole"), or a path to an XML file (any
 * argument containing '/' or ending in ".xml"). The file is parsed with
 * libxml2 without network access, validated against the embedded
 * targets/target.rng, then checked for values the schema cannot express
 * (finite numbers, whole bytes, cores <= rows*cols).
 * Errors, with d->file set to the file (or the built-in's name):
 *   CV_ERR_IO    the file cannot be read;
 *   CV_ERR_INPUT not well-formed XML, a schema violation or a bad value
 *                ("line N: ..."), or an unknown built-in name (lists them);
 *   CV_ERR_NOMEM out of memory.
 * *out is written only on success.
 */
cv_status cv_target_load(const char *name_or_path, cv_target *out, cv_diag *d);

/*
 * The host as detected now (docs/targets.md, "host", has the details):
 *   cores        the CPUs of this process's affinity mask (sched_getaffinity),
 *                less any that /sys/devices/system/cpu/cpuN/online marks
 *                offline ("0");
 *   l1d          bytes of the level-1 data cache, and
 *   local_memory bytes of the level-2 data/unified cache divided by the
 *                number of CPUs sharing it (shared_cpu_list, else
 *                shared_cpu_map; neither: private) - the per-core share of a
 *                shared cache, as oneDNN's get_per_core_cache_size computes
 *                it - both read from cpuN/cache/indexM/{level,type,size} of
 *                the first CPU of the mask that is online (cpuN/online absent
 *                or not "0"), not necessarily cpu0. Sizes are digits with an
 *                optional K, M or G suffix (x 1024^k; "iB"/"B" may follow)
 *                or plain bytes;
 *   simd_width   from CPUID (AVX-512F: 16, AVX2: 8, else 4);
 *   peak_flops, memory_bandwidth, core_bandwidth  the project's defaults
 *                (150 GFLOP/s per core, 23 GB/s); `convc --calibrate`
 *                measures them.
 * Never fails on missing or unreadable sysfs entries: l1d falls back to
 * 32 KiB and local_memory to 512 KiB, and the source line starts with
 * "default" and says why (else "detected:"). Returns CV_OK.
 */
cv_status cv_target_host(cv_target *out, cv_diag *d);

/*
 * Measure this host (one core's FMA-chain peak, one core's stream-triad
 * bandwidth; about 1-3 s), fill *out like cv_target_host with the measured
 * numbers, and write it as a target file to OUT_PATH (valid against the
 * schema; loadable with cv_target_load). OUT_PATH NULL: write nothing.
 * Errors: CV_ERR_NOMEM (the benchmark's arrays), CV_ERR_IO (cannot write
 * OUT_PATH; d->file is set to it).
 */
cv_status cv_target_calibrate(const char *out_path, cv_target *out, cv_diag *d);

/* The report's roofline for a target; its strings point into *t. */
cv_roofline cv_target_roofline(const cv_target *t);

/* Print the target as `key = value` lines (numbers in their units). */
void cv_target_print(const cv_target *t, FILE *f);

/* The built-in target names, NULL-terminated (static storage). */
const char *const *cv_target_builtin_names(void);

#ifdef __cplusplus
}
#endif

#endif
