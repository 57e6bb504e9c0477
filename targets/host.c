/*
 * host.c - the host target: detection (affinity mask, sysfs cache sizes,
 * CPUID SIMD width, documented defaults for peak and bandwidth) and
 * calibration (`convc --calibrate`: a one-core FMA-chain microbenchmark and
 * a one-core stream triad, median of repeats, written as a target file).
 *
 * The sysfs part of detection reads from a root directory it is given
 * (cv_host_detect, targets/host_detect.h), so tests run it on fake trees.
 */
#define _GNU_SOURCE /* sched_getaffinity, CPU_ISSET */
#include <ctype.h>
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "convc/target.h"
#include "targets/host_detect.h"

/* The project's measured figures for its 2-core AVX2/FMA hosts (FACTS). */
#define DEFAULT_PEAK 150e9
#define DEFAULT_BANDWIDTH 23e9
#define DEFAULT_NOTE "default: the project's figure for its AVX2/FMA hosts; run convc --calibrate to measure"
#define MAX_CACHE_INDEX 32 /* cpuN/cache/index0..31: more than any CPU has */

/* ---- detection: sysfs ---- */

/* One cache of one CPU as sysfs describes it. */
typedef struct cache_info {
	int index;               /* N of cache/indexN; -1 if there is no such cache */
	char size[32];           /* the size file as written, e.g. "1024K" */
	double bytes;            /* the size parsed; 0 if not understood */
	int sharers;             /* CPUs sharing the cache; 0 if not stated */
	const char *shared_file; /* "shared_cpu_list" or "shared_cpu_map" when stated */
	char shared[256];        /* that file's text */
} cache_info;

/* First line of a small sysfs file, without the newline; 0 if unreadable
 * or longer than the buffer (a cut cpulist would count the wrong CPUs). */
static int read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	int ok = f && fgets(buf, (int)size, f);

	if (ok && !strchr(buf, '\n') && fgetc(f) != EOF)
		ok = 0;
	if (f)
		fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

/* ROOT/cpuCPU/cache/indexINDEX/FILE into buf; 0 if unreadable. */
static int read_cache_file(const char *root, int cpu, int index, const char *file, char *buf, size_t size)
{
	char path[4096];
	int n = snprintf(path, sizeof path, "%s/cpu%d/cache/index%d/%s", root, cpu, index, file);

	return n > 0 && (size_t)n < sizeof path && read_line(path, buf, size);
}

/* "512K", "2M", "1G", "524288", also "512KiB" / "512KB": bytes; 0 if not
 * understood (no digits, a sign, zero, an unknown suffix, overflow). */
static double parse_size(const char *s)
{
	static const struct { const char *suffix; double scale; } units[] = {
		{"", 1}, {"B", 1},
		{"K", 1024.0}, {"KB", 1024.0}, {"KiB", 1024.0},
		{"M", 1048576.0}, {"MB", 1048576.0}, {"MiB", 1048576.0},
		{"G", 1073741824.0}, {"GB", 1073741824.0}, {"GiB", 1073741824.0},
	};
	char *end;
	unsigned long long v;
	size_t i, len;

	if (!isdigit((unsigned char)*s))
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || v == 0)
		return 0;
	for (len = strlen(end); len > 0 && isspace((unsigned char)end[len - 1]); len--)
		;
	for (i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strlen(units[i].suffix) == len && !strncmp(end, units[i].suffix, len))
			return (double)v * units[i].scale;
	return 0;
}

/* CPUs in a cpulist ("0-1", "0,4", "0-3,8-11"); 0 if not understood. */
static int count_cpu_list(const char *s)
{
	long n = 0, a, b;
	char *end;

	while (isdigit((unsigned char)*s)) {
		a = b = strtol(s, &end, 10);
		if (*end == '-') {
			if (!isdigit((unsigned char)end[1]))
				return 0;
			b = strtol(end + 1, &end, 10);
		}
		if (b < a || b - a >= 1 << 20 || (n += b - a + 1) >= 1 << 20)
			return 0;
		if (*end != ',')
			return *end == '\0' || isspace((unsigned char)*end) ? (int)n : 0;
		s = end + 1;
	}
	return 0;
}

/* CPUs in a hex cpumask ("00000003", "00000000,0000000f"); 0 if not understood. */
static int count_cpu_map(const char *s)
{
	int n = 0, digit;

	for (; *s && !isspace((unsigned char)*s); s++) {
		if (*s == ',')
			continue;
		if (!isxdigit((unsigned char)*s))
			return 0;
		digit = isdigit((unsigned char)*s) ? *s - '0' : tolower((unsigned char)*s) - 'a' + 10;
		n += __builtin_popcount((unsigned)digit);
	}
	return n;
}

static void read_sharers(const char *root, int cpu, cache_info *c)
{
	if (read_cache_file(root, cpu, c->index, "shared_cpu_list", c->shared, sizeof c->shared)) {
		c->shared_file = "shared_cpu_list";
		c->sharers = count_cpu_list(c->shared);
	} else if (read_cache_file(root, cpu, c->index, "shared_cpu_map", c->shared, sizeof c->shared)) {
		c->shared_file = "shared_cpu_map";
		c->sharers = count_cpu_map(c->shared);
	}
}

/* The first data or unified cache of LEVEL of CPU (c->index -1 if none). */
static void find_cache(const char *root, int cpu, int level, cache_info *c)
{
	char lv[16], type[32];
	int i;

	memset(c, 0, sizeof *c);
	c->index = -1;
	for (i = 0; i < MAX_CACHE_INDEX; i++) {
		if (!read_cache_file(root, cpu, i, "level", lv, sizeof lv) || atoi(lv) != level ||
		    !read_cache_file(root, cpu, i, "type", type, sizeof type) ||
		    (strcmp(type, "Data") && strcmp(type, "Unified")))
			continue;
		c->index = i;
		if (read_cache_file(root, cpu, i, "size", c->size, sizeof c->size))
			c->bytes = parse_size(c->size);
		read_sharers(root, cpu, c);
		return;
	}
}

/* Absent cpuN/online means online: the kernel gives cpu0 none when it cannot be unplugged. */
static int cpu_online(const char *root, int cpu)
{
	char path[4096], buf[16];
	int n = snprintf(path, sizeof path, "%s/cpu%d/online", root, cpu);

	return n <= 0 || (size_t)n >= sizeof path || !read_line(path, buf, sizeof buf) || strcmp(buf, "0") != 0;
}

static void set_l1d(cv_target *t, const char *root, int cpu)
{
	cache_info c;

	if (cpu < 0) {
		t->l1d = CV_HOST_DEFAULT_L1D;
		snprintf(t->source.l1d, CV_TARGET_SOURCE_MAX,
			 "default 32 KiB: sysfs marks every CPU of the affinity mask offline");
		return;
	}
	find_cache(root, cpu, 1, &c);
	t->l1d = c.bytes > 0 ? c.bytes : CV_HOST_DEFAULT_L1D;
	if (c.bytes > 0)
		snprintf(t->source.l1d, CV_TARGET_SOURCE_MAX, "detected: L1 data cache of cpu%d, %s/cpu%d/cache/index%d/size = %s",
			 cpu, root, cpu, c.index, c.size);
	else if (c.index >= 0)
		snprintf(t->source.l1d, CV_TARGET_SOURCE_MAX, "default 32 KiB: %s/cpu%d/cache/index%d/size is not a size ('%s')",
			 root, cpu, c.index, c.size);
	else
		snprintf(t->source.l1d, CV_TARGET_SOURCE_MAX, "default 32 KiB: no L1 data cache under %s/cpu%d/cache",
			 root, cpu);
}

/* The per-core share of a shared cache, as oneDNN's get_per_core_cache_size
 * divides a cache by the cores sharing it: threads on the CPUs that share an
 * L2 compete for it, so one core can plan on its share only. */
static void set_local_memory(cv_target *t, const char *root, int cpu)
{
	char *src = t->source.local_memory;
	cache_info c;

	t->local_memory = CV_HOST_DEFAULT_L2;
	if (cpu < 0) {
		snprintf(src, CV_TARGET_SOURCE_MAX, "default 512 KiB: sysfs marks every CPU of the affinity mask offline");
		return;
	}
	find_cache(root, cpu, 2, &c);
	if (c.index < 0) {
		snprintf(src, CV_TARGET_SOURCE_MAX, "default 512 KiB: no L2 cache under %s/cpu%d/cache", root, cpu);
	} else if (c.bytes <= 0) {
		snprintf(src, CV_TARGET_SOURCE_MAX, "default 512 KiB: %s/cpu%d/cache/index%d/size is not a size ('%s')",
			 root, cpu, c.index, c.size);
	} else if (c.sharers > 1) {
		t->local_memory = c.bytes / c.sharers;
		snprintf(src, CV_TARGET_SOURCE_MAX,
			 "detected: L2 of cpu%d (%s/cpu%d/cache/index%d/size = %s) shared by %d CPUs (%s %s), "
			 "so each core's share: size / %d",
			 cpu, root, cpu, c.index, c.size, c.sharers, c.shared_file, c.shared, c.sharers);
	} else {
		t->local_memory = c.bytes;
		snprintf(src, CV_TARGET_SOURCE_MAX, "detected: L2 of cpu%d (%s/cpu%d/cache/index%d/size = %s), %s",
			 cpu, root, cpu, c.index, c.size,
			 c.sharers == 1 ? "private to it" : "taken as private (no readable shared_cpu_list or shared_cpu_map)");
	}
}

void cv_host_detect(const char *sysfs_root, const int *cpus, int ncpus, cv_target *t)
{
	int i, first = -1, offline = 0;

	for (i = 0; i < ncpus; i++) {
		if (!cpu_online(sysfs_root, cpus[i]))
			offline++;
		else if (first < 0)
			first = cpus[i];
	}
	t->cores = ncpus - offline >= 1 ? ncpus - offline : 1;
	if (offline)
		snprintf(t->source.cores, CV_TARGET_SOURCE_MAX,
			 "detected: CPUs in this process's affinity mask (sched_getaffinity), less %d that %s/cpuN/online "
			 "marks offline", offline, sysfs_root);
	else
		snprintf(t->source.cores, CV_TARGET_SOURCE_MAX,
			 "detected: CPUs in this process's affinity mask (sched_getaffinity)");
	set_l1d(t, sysfs_root, first);
	set_local_memory(t, sysfs_root, first);
}

/* ---- detection: the rest ---- */

/* This process's affinity mask as ascending CPU numbers; if it cannot be
 * read, CPUs 0..n-1 for the n online ones (*from_mask 0). Returns >= 1. */
static int affinity_cpus(int *cpus, int *from_mask)
{
	cpu_set_t set;
	long n;
	int i, count = 0;

	CPU_ZERO(&set);
	*from_mask = sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) >= 1;
	if (*from_mask) {
		for (i = 0; i < CPU_SETSIZE; i++)
			if (CPU_ISSET(i, &set))
				cpus[count++] = i;
		return count;
	}
	n = sysconf(_SC_NPROCESSORS_ONLN);
	for (count = 0; count < (n >= 1 ? n : 1) && count < CPU_SETSIZE; count++)
		cpus[count] = count;
	return count;
}

static int simd_lanes(const char **isa)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f")) {
		*isa = "AVX-512F";
		return 16;
	}
	if (__builtin_cpu_supports("avx2")) {
		*isa = "AVX2";
		return 8;
	}
#endif
	*isa = "no AVX2 (128-bit vectors assumed)";
	return 4;
}

cv_status cv_target_host(cv_target *out, cv_diag *d)
{
	int cpus[CPU_SETSIZE], ncpus, from_mask;
	cv_target t;
	const char *isa;

	(void)d;
	memset(&t, 0, sizeof t);
	snprintf(t.name, sizeof t.name, "host");
	t.memory_kind = CV_MEMORY_CACHE; /* L2: a cost, never a limit */
	snprintf(t.origin, sizeof t.origin, "detected");
	ncpus = affinity_cpus(cpus, &from_mask);
	cv_host_detect(CV_HOST_SYSFS_CPU, cpus, ncpus, &t);
	if (!from_mask)
		snprintf(t.source.cores, CV_TARGET_SOURCE_MAX,
			 "detected: online CPUs (sysconf _SC_NPROCESSORS_ONLN); the affinity mask could not be read");
	t.simd_width = simd_lanes(&isa);
	snprintf(t.source.simd_width, CV_TARGET_SOURCE_MAX, "detected: CPUID reports %s", isa);
	t.peak_flops = DEFAULT_PEAK;
	snprintf(t.source.peak_flops, CV_TARGET_SOURCE_MAX, "150 GFLOP/s fp32 per core, FMA-chain microbenchmark; " DEFAULT_NOTE);
	t.memory_bandwidth = DEFAULT_BANDWIDTH;
	snprintf(t.source.memory_bandwidth, CV_TARGET_SOURCE_MAX, "23 GB/s, one core's stream triad; " DEFAULT_NOTE);
	t.core_bandwidth = DEFAULT_BANDWIDTH;
	snprintf(t.source.core_bandwidth, CV_TARGET_SOURCE_MAX,
		 "assumed equal to the memory bandwidth: host cores share data through the cache hierarchy and memory");
	snprintf(t.roofline_source, sizeof t.roofline_source,
		 "target host (detected): %d cores from the affinity mask; 150 GFLOP/s fp32 per core and 23 GB/s are "
		 "defaults (the project's FMA-chain and stream-triad figures), convc --calibrate measures them", t.cores);
	*out = t;
	return CV_OK;
}

/* ---- calibration ---- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return v[n / 2];
}

/* Twelve independent multiply-add chains of one vector type: enough to
 * cover FMA latency x throughput on current x86 cores. Contraction into
 * FMA is enabled per function (ISO C mode leaves it off). Returns a value
 * derived from every chain so none is optimized away. */
#define FMA_BODY(vec)                                                               \
	{                                                                           \
		volatile float vm = 0.9999999f, va = 1e-7f;                         \
		vec m = (vec){0} + vm, a = (vec){0} + va;                           \
		/* one volatile read each, so no two chains can be merged */        \
		vec c0 = (vec){0} + vm, c1 = (vec){0} + vm, c2 = (vec){0} + vm;     \
		vec c3 = (vec){0} + vm, c4 = (vec){0} + vm, c5 = (vec){0} + vm;     \
		vec c6 = (vec){0} + va, c7 = (vec){0} + va, c8 = (vec){0} + va;     \
		vec c9 = (vec){0} + va, c10 = (vec){0} + va, c11 = (vec){0} + va;   \
		long i;                                                             \
		for (i = 0; i < iters; i++) {                                       \
			c0 = c0 * m + a; c1 = c1 * m + a; c2 = c2 * m + a;          \
			c3 = c3 * m + a; c4 = c4 * m + a; c5 = c5 * m + a;          \
			c6 = c6 * m + a; c7 = c7 * m + a; c8 = c8 * m + a;          \
			c9 = c9 * m + a; c10 = c10 * m + a; c11 = c11 * m + a;      \
		}                                                                   \
		c0 = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11;   \
		return (double)c0[0];                                               \
	}
#define FMA_CHAINS 12

typedef float v4f __attribute__((vector_size(16)));
__attribute__((optimize("fp-contract=fast"), noinline))
static double fma_chains_4(long iters) FMA_BODY(v4f)

#if defined(__x86_64__) || defined(__i386__)
typedef float v8f __attribute__((vector_size(32)));
typedef float v16f __attribute__((vector_size(64)));
__attribute__((target("avx2,fma"), optimize("fp-contract=fast"), noinline))
static double fma_chains_8(long iters) FMA_BODY(v8f)
__attribute__((target("avx512f,fma"), optimize("fp-contract=fast"), noinline))
static double fma_chains_16(long iters) FMA_BODY(v16f)
#endif

typedef double (*fma_fn)(long);

static fma_fn pick_fma(int lanes)
{
#if defined(__x86_64__) || defined(__i386__)
	if (lanes == 16)
		return fma_chains_16;
	if (lanes == 8)
		return fma_chains_8;
#endif
	(void)lanes;
	return fma_chains_4;
}

static volatile double cv_calibrate_sink; /* keeps benchmark results alive */

/* One core's fp32 FLOP/s: median of 5 timed runs of >= 20 ms each. */
static double measure_peak(int lanes)
{
	fma_fn fn = pick_fma(lanes);
	double times[5], t0;
	long iters = 1 << 16;
	int r;

	for (;;) { /* size a run to >= 20 ms */
		t0 = now_s();
		cv_calibrate_sink = fn(iters);
		if (now_s() - t0 >= 0.02 || iters > (1L << 40))
			break;
		iters *= 2;
	}
	for (r = 0; r < 5; r++) {
		t0 = now_s();
		cv_calibrate_sink = fn(iters);
		times[r] = now_s() - t0;
	}
	return (double)iters * FMA_CHAINS * lanes * 2 / median(times, 5);
}

/* One core's stream triad a = b + s*c over 3 x 64 MiB of doubles (well
 * beyond the last-level cache), counting 24 bytes per element as STREAM
 * does; median of 7 passes. Returns 0 if the arrays cannot be allocated. */
static double measure_bandwidth(void)
{
	const size_t n = (size_t)1 << 23;
	double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *c = malloc(n * sizeof *c);
	volatile double vs = 3.0;
	double s = vs, times[7], t0, bw = 0;
	size_t i;
	int r;

	if (a && b && c) {
		for (i = 0; i < n; i++) { /* touch every page before timing */
			a[i] = 0;
			b[i] = 1;
			c[i] = 2;
		}
		for (r = 0; r < 7; r++) {
			t0 = now_s();
			for (i = 0; i < n; i++)
				a[i] = b[i] + s * c[i];
			times[r] = now_s() - t0;
			cv_calibrate_sink = a[n / 2 + (size_t)r];
		}
		bw = 24.0 * (double)n / median(times, 7);
	}
	free(a);
	free(b);
	free(c);
	return bw;
}

static void xml_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '"')
			fputs("&quot;", f);
		else
			fputc(*s, f);
	}
}

static void xml_field(FILE *f, const char *elem, const char *value, const char *source)
{
	fprintf(f, "  <%s source=\"", elem);
	xml_escaped(f, source);
	fprintf(f, "\">%s</%s>\n", value, elem);
}

static void xml_number(FILE *f, const char *elem, double v, const char *source)
{
	char buf[64];

	snprintf(buf, sizeof buf, "%.6g", v);
	xml_field(f, elem, buf, source);
}

static void xml_bytes(FILE *f, const char *elem, double v, const char *source)
{
	char buf[64];

	snprintf(buf, sizeof buf, "%.0f", v);
	xml_field(f, elem, buf, source);
}

static cv_status write_target(const char *path, const cv_target *t, cv_diag *d)
{
	FILE *f = fopen(path, "w");
	char buf[32];

	d->file = path;
	if (!f)
		return cv_diag_error(d, CV_ERR_IO, "cannot write: %s", strerror(errno));
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<!-- Written by convc (calibrate); load it with convc (target) set to this file. -->\n"
		   "<target name=\"%s\">\n  <description>this host, calibrated</description>\n", t->name);
	snprintf(buf, sizeof buf, "%d", t->cores);
	xml_field(f, "cores", buf, t->source.cores);
	fputs("  <local-memory kind=\"cache\" source=\"", f);
	xml_escaped(f, t->source.local_memory);
	fprintf(f, "\">%.0f</local-memory>\n", t->local_memory);
	xml_bytes(f, "l1d", t->l1d, t->source.l1d);
	xml_number(f, "peak-flops", t->peak_flops, t->source.peak_flops);
	xml_number(f, "memory-bandwidth", t->memory_bandwidth, t->source.memory_bandwidth);
	xml_number(f, "core-bandwidth", t->core_bandwidth, t->source.core_bandwidth);
	snprintf(buf, sizeof buf, "%d", t->simd_width);
	xml_field(f, "simd-width", buf, t->source.simd_width);
	fputs("</target>\n", f);
	if (fclose(f) != 0)
		return cv_diag_error(d, CV_ERR_IO, "cannot write: %s", strerror(errno));
	return CV_OK;
}

cv_status cv_target_calibrate(const char *out_path, cv_target *out, cv_diag *d)
{
	char date[32];
	time_t now = time(NULL);
	struct tm tm;
	cv_target t;
	double bw;

	cv_target_host(&t, d);
	if (!localtime_r(&now, &tm) || !strftime(date, sizeof date, "%Y-%m-%d", &tm))
		snprintf(date, sizeof date, "an unknown date");
	t.peak_flops = measure_peak(t.simd_width);
	snprintf(t.source.peak_flops, CV_TARGET_SOURCE_MAX,
		 "measured by convc --calibrate on %s: %d independent %d-lane fp32 multiply-add chains on one core, "
		 "median of 5 runs", date, FMA_CHAINS, t.simd_width);
	if ((bw = measure_bandwidth()) <= 0)
		return cv_diag_error(d, CV_ERR_NOMEM, "out of memory (the stream-triad arrays, 192 MiB)");
	t.memory_bandwidth = t.core_bandwidth = bw;
	snprintf(t.source.memory_bandwidth, CV_TARGET_SOURCE_MAX,
		 "measured by convc --calibrate on %s: one core's stream triad over 3 x 64 MiB of doubles "
		 "(24 bytes per element), median of 7 passes", date);
	snprintf(t.source.core_bandwidth, CV_TARGET_SOURCE_MAX,
		 "assumed equal to the measured memory bandwidth (%s): host cores share data through the cache "
		 "hierarchy and memory", date);
	snprintf(t.origin, sizeof t.origin, "calibrated");
	snprintf(t.roofline_source, sizeof t.roofline_source,
		 "target host (calibrated on %s): peak: one core's FMA chains; bandwidth: one core's stream triad", date);
	if (out_path) {
		cv_status st = write_target(out_path, &t, d);
		if (st)
			return st;
	}
	*out = t;
	return CV_OK;
}
