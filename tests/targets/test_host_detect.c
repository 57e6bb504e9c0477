/*
 * test_host_detect.c - host detection (targets/host.c, cv_host_detect) on
 * fake sysfs trees.
 *
 * Each test builds a tree laid out like /sys/devices/system/cpu in a fresh
 * mkdtemp directory (removed again by the teardown), passes it an affinity
 * mask, and checks the exact cores, l1d and local-memory bytes and whether
 * each source line says "detected:" or "default".
 */
#define _XOPEN_SOURCE 700 /* nftw, mkdtemp */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "targets/host_detect.h"

#define KIB 1024.0
#define MIB (1024.0 * 1024.0)

/* ---- fake trees ---- */

/* Write TEXT to ROOT/REL, creating the directories on the way. */
static void put(const char *root, const char *rel, const char *text)
{
	char path[4096];
	char *slash;
	FILE *f;

	assert_true(snprintf(path, sizeof path, "%s/%s", root, rel) < (int)sizeof path);
	for (slash = path + strlen(root) + 1; (slash = strchr(slash, '/')); slash++) {
		*slash = '\0';
		assert_true(mkdir(path, 0700) == 0 || errno == EEXIST);
		*slash = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", text);
	assert_int_equal(fclose(f), 0);
}

/* cpuCPU/cache/indexINDEX with its level, type and size; SHARED, if not
 * NULL, as shared_cpu_list. */
static void put_cache(const char *root, int cpu, int index, const char *level, const char *type,
		      const char *size, const char *shared)
{
	char rel[256];

	snprintf(rel, sizeof rel, "cpu%d/cache/index%d/level", cpu, index);
	put(root, rel, level);
	snprintf(rel, sizeof rel, "cpu%d/cache/index%d/type", cpu, index);
	put(root, rel, type);
	snprintf(rel, sizeof rel, "cpu%d/cache/index%d/size", cpu, index);
	put(root, rel, size);
	if (shared) {
		snprintf(rel, sizeof rel, "cpu%d/cache/index%d/shared_cpu_list", cpu, index);
		put(root, rel, shared);
	}
}

/* A CPU as x86 sysfs lists it: index0 L1 Data, index1 L1 Instruction,
 * index2 L2 Unified (private), index3 L3 Unified (shared by all). */
static void put_cpu(const char *root, int cpu, const char *l1d, const char *l2)
{
	char self[16];

	snprintf(self, sizeof self, "%d", cpu);
	put_cache(root, cpu, 0, "1", "Data", l1d, self);
	put_cache(root, cpu, 1, "1", "Instruction", "32K", self);
	put_cache(root, cpu, 2, "2", "Unified", l2, self);
	put_cache(root, cpu, 3, "3", "Unified", "32768K", "0-3");
}

static void put_online(const char *root, int cpu, const char *value)
{
	char rel[64];

	snprintf(rel, sizeof rel, "cpu%d/online", cpu);
	put(root, rel, value);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* A fresh directory under $TMPDIR (else the system's, P_tmpdir). */
static int make_root(void **state)
{
	const char *tmp = getenv("TMPDIR");
	char *root;

	if (!tmp || !*tmp)
		tmp = P_tmpdir;
	root = malloc(strlen(tmp) + sizeof "/convc-sysfs-XXXXXX");
	if (root)
		sprintf(root, "%s/convc-sysfs-XXXXXX", tmp);
	if (!root || !mkdtemp(root)) {
		free(root);
		return -1;
	}
	*state = root;
	return 0;
}

static int remove_root(void **state)
{
	char *root = *state;
	int rc = nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);

	free(root);
	return rc;
}

/* ---- checks ---- */

static cv_target detect(const char *root, const int *cpus, int ncpus)
{
	cv_target t;

	memset(&t, 0, sizeof t);
	cv_host_detect(root, cpus, ncpus, &t);
	return t;
}

static void assert_starts(const char *s, const char *prefix)
{
	if (strncmp(s, prefix, strlen(prefix)) != 0)
		fail_msg("'%s' does not start with '%s'", s, prefix);
}

static void assert_contains(const char *s, const char *part)
{
	if (!strstr(s, part))
		fail_msg("'%s' does not contain '%s'", s, part);
}

static void assert_bytes(double got, double want)
{
	if (got != want)
		fail_msg("%.0f bytes, want %.0f", got, want);
}

static const int ALL4[] = {0, 1, 2, 3};

/* ---- cases ---- */

/* Two CPUs, L1d 32K, private L2 512K: everything detected from cpu0. */
static void test_normal(void **state)
{
	const char *root = *state;
	cv_target t;

	put_cpu(root, 0, "32K", "512K");
	put_cpu(root, 1, "32K", "512K");
	put_online(root, 1, "1");
	t = detect(root, ALL4, 2);
	assert_int_equal(t.cores, 2);
	assert_bytes(t.l1d, 32 * KIB);
	assert_bytes(t.local_memory, 512 * KIB);
	assert_starts(t.source.cores, "detected:");
	assert_starts(t.source.l1d, "detected:");
	assert_contains(t.source.l1d, "of cpu0");
	assert_starts(t.source.local_memory, "detected:");
	assert_contains(t.source.local_memory, "private");
}

/* The L2 sizes Linux writes for current cores. */
static void test_l2_sizes(void **state)
{
	static const struct { const char *size; double bytes; } cases[] = {
		{"1024K", 1 * MIB}, {"2048K", 2 * MIB}, {"256K", 256 * KIB}, {"1280K", 1280 * KIB},
	};
	const char *root = *state;
	size_t i;
	cv_target t;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		put_cpu(root, 0, "48K", cases[i].size);
		t = detect(root, ALL4, 1);
		assert_bytes(t.local_memory, cases[i].bytes);
		assert_bytes(t.l1d, 48 * KIB);
		assert_starts(t.source.local_memory, "detected:");
		assert_contains(t.source.local_memory, cases[i].size);
	}
}

/* Suffixes other than K: M, G, none (bytes), and the KiB-like spellings. */
static void test_size_suffixes(void **state)
{
	static const struct { const char *size; double bytes; } cases[] = {
		{"2M", 2 * MIB}, {"1G", 1024 * MIB}, {"524288", 512 * KIB}, {"512KiB", 512 * KIB},
		{"512KB", 512 * KIB}, {"2MiB", 2 * MIB}, {"1048576B", 1 * MIB},
	};
	const char *root = *state;
	size_t i;
	cv_target t;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		put_cpu(root, 0, cases[i].size, cases[i].size);
		t = detect(root, ALL4, 1);
		assert_bytes(t.local_memory, cases[i].bytes);
		assert_bytes(t.l1d, cases[i].bytes);
		assert_starts(t.source.local_memory, "detected:");
		assert_starts(t.source.l1d, "detected:");
	}
}

/* No level-2 entry (L1d, L1i and L3 only): the 512 KiB default, labelled. */
static void test_no_l2(void **state)
{
	const char *root = *state;
	cv_target t;

	put_cache(root, 0, 0, "1", "Data", "32K", "0");
	put_cache(root, 0, 1, "1", "Instruction", "32K", "0");
	put_cache(root, 0, 2, "3", "Unified", "8192K", "0-3");
	t = detect(root, ALL4, 4);
	assert_int_equal(t.cores, 4);
	assert_bytes(t.l1d, 32 * KIB);
	assert_bytes(t.local_memory, CV_HOST_DEFAULT_L2);
	assert_bytes(t.local_memory, 512 * KIB);
	assert_starts(t.source.l1d, "detected:");
	assert_starts(t.source.local_memory, "default 512 KiB");
	assert_contains(t.source.local_memory, "no L2");
}

/* An instruction-only L2 is not local memory for data either. */
static void test_l2_instruction_only(void **state)
{
	const char *root = *state;
	cv_target t;

	put_cache(root, 0, 0, "1", "Data", "32K", "0");
	put_cache(root, 0, 1, "2", "Instruction", "1024K", "0");
	t = detect(root, ALL4, 1);
	assert_bytes(t.local_memory, 512 * KIB);
	assert_starts(t.source.local_memory, "default");
}

/* L2 2048K shared by 2 CPUs ("0-1"): each core's share is 1 MiB. */
static void test_l2_shared_list(void **state)
{
	const char *root = *state;
	cv_target t;

	put_cache(root, 0, 0, "1", "Data", "32K", "0");
	put_cache(root, 0, 2, "2", "Unified", "2048K", "0-1");
	t = detect(root, ALL4, 2);
	assert_int_equal(t.cores, 2);
	assert_bytes(t.local_memory, 1 * MIB);
	assert_starts(t.source.local_memory, "detected:");
	assert_contains(t.source.local_memory, "shared by 2 CPUs (shared_cpu_list 0-1)");

	/* SMT siblings far apart, as Linux numbers them: "0,4" */
	put_cache(root, 0, 2, "2", "Unified", "2048K", "0,4");
	t = detect(root, ALL4, 2);
	assert_bytes(t.local_memory, 1 * MIB);

	/* a cluster of four ("0-3") */
	put_cache(root, 0, 2, "2", "Unified", "2M", "0-3");
	t = detect(root, ALL4, 4);
	assert_bytes(t.local_memory, 512 * KIB);
	assert_contains(t.source.local_memory, "shared by 4 CPUs");
}

/* Only shared_cpu_map (hex mask, 32-bit words): 4 CPUs share 2M. */
static void test_l2_shared_map(void **state)
{
	const char *root = *state;
	cv_target t;

	put_cache(root, 0, 0, "1", "Data", "32K", NULL);
	put_cache(root, 0, 2, "2", "Unified", "2M", NULL);
	put(root, "cpu0/cache/index2/shared_cpu_map", "00000000,0000000f");
	t = detect(root, ALL4, 4);
	assert_bytes(t.local_memory, 512 * KIB);
	assert_contains(t.source.local_memory, "shared by 4 CPUs (shared_cpu_map 00000000,0000000f)");
}

/* Neither shared_cpu_list nor shared_cpu_map: taken as private, and said so. */
static void test_l2_sharing_unknown(void **state)
{
	const char *root = *state;
	cv_target t;

	put_cache(root, 0, 2, "2", "Unified", "1024K", NULL);
	t = detect(root, ALL4, 1);
	assert_bytes(t.local_memory, 1 * MIB);
	assert_starts(t.source.local_memory, "detected:");
	assert_contains(t.source.local_memory, "taken as private");
}

/* Size files that are not sizes: the defaults, labelled, no crash. */
static void test_garbage_size(void **state)
{
	static const char *const sizes[] = {
		"lots", "", "512X", "-512K", "0K", "K", " 512K", "512K512", "0x200K", "inf",
		"99999999999999999999999K",
	};
	const char *root = *state;
	size_t i;
	cv_target t;

	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		put_cpu(root, 0, sizes[i], sizes[i]);
		t = detect(root, ALL4, 1);
		assert_bytes(t.l1d, 32 * KIB);
		assert_bytes(t.local_memory, 512 * KIB);
		assert_starts(t.source.l1d, "default 32 KiB");
		assert_starts(t.source.local_memory, "default 512 KiB");
		assert_contains(t.source.local_memory, "is not a size");
	}
}

/* A garbage shared_cpu_list is no sharing information: private, said so. */
static void test_garbage_shared_list(void **state)
{
	const char *root = *state;
	cv_target t;

	put_cache(root, 0, 2, "2", "Unified", "1024K", "1-0");
	t = detect(root, ALL4, 1);
	assert_bytes(t.local_memory, 1 * MIB);
	assert_contains(t.source.local_memory, "taken as private");
}

/* cpu0 offline: cores leave it out and the caches come from cpu1 (given
 * sizes unlike cpu0's, so reading cpu0 would show). */
static void test_cpu0_offline(void **state)
{
	static const int mask123[] = {1, 2, 3};
	const char *root = *state;
	int cpu;
	cv_target t;

	put_cpu(root, 0, "32K", "256K");
	put_online(root, 0, "0");
	for (cpu = 1; cpu < 4; cpu++) {
		put_cpu(root, cpu, "48K", "1280K");
		put_online(root, cpu, "1");
	}
	t = detect(root, ALL4, 4);
	assert_int_equal(t.cores, 3);
	assert_bytes(t.l1d, 48 * KIB);
	assert_bytes(t.local_memory, 1280 * KIB);
	assert_contains(t.source.l1d, "of cpu1");
	assert_contains(t.source.local_memory, "L2 of cpu1");
	assert_contains(t.source.cores, "less 1");

	/* what the kernel really reports: cpu0 not in the mask */
	t = detect(root, mask123, 3);
	assert_int_equal(t.cores, 3);
	assert_bytes(t.local_memory, 1280 * KIB);
	assert_contains(t.source.local_memory, "L2 of cpu1");
}

/* taskset -c 2 on a 4-CPU machine: one core, cpu2's caches. */
static void test_mask_one_of_four(void **state)
{
	static const int mask2[] = {2};
	const char *root = *state;
	int cpu;
	cv_target t;

	for (cpu = 0; cpu < 4; cpu++) {
		put_cpu(root, cpu, cpu == 2 ? "48K" : "32K", cpu == 2 ? "2048K" : "512K");
		if (cpu)
			put_online(root, cpu, "1");
	}
	t = detect(root, mask2, 1);
	assert_int_equal(t.cores, 1);
	assert_bytes(t.l1d, 48 * KIB);
	assert_bytes(t.local_memory, 2 * MIB);
	assert_starts(t.source.cores, "detected:");
	assert_contains(t.source.local_memory, "L2 of cpu2");
}

/* No tree at all (no sysfs): the mask's count and both defaults. */
static void test_no_sysfs(void **state)
{
	char missing[4200];
	cv_target t;

	snprintf(missing, sizeof missing, "%s/none", (const char *)*state);
	t = detect(missing, ALL4, 4);
	assert_int_equal(t.cores, 4);
	assert_bytes(t.l1d, CV_HOST_DEFAULT_L1D);
	assert_bytes(t.local_memory, CV_HOST_DEFAULT_L2);
	assert_starts(t.source.cores, "detected:");
	assert_starts(t.source.l1d, "default 32 KiB");
	assert_starts(t.source.local_memory, "default 512 KiB");
	assert_contains(t.source.local_memory, "no L2");
}

/* Every CPU of the mask marked offline: one core, both defaults. */
static void test_all_offline(void **state)
{
	const char *root = *state;
	cv_target t;

	put_cpu(root, 0, "32K", "1024K");
	put_online(root, 0, "0");
	t = detect(root, ALL4, 1);
	assert_int_equal(t.cores, 1);
	assert_bytes(t.l1d, 32 * KIB);
	assert_bytes(t.local_memory, 512 * KIB);
	assert_starts(t.source.l1d, "default");
	assert_contains(t.source.local_memory, "offline");
}

/* The public entry on this machine: never fails, numbers in range. */
static void test_target_host(void **state)
{
	cv_target t;
	cv_diag d;

	(void)state;
	cv_diag_init(&d, NULL);
	assert_int_equal(cv_target_host(&t, &d), CV_OK);
	assert_true(t.cores >= 1);
	assert_true(t.l1d > 0 && t.local_memory > 0);
	assert_true(t.source.l1d[0] && t.source.local_memory[0] && t.source.cores[0]);
}

#define CASE(fn) cmocka_unit_test_setup_teardown(fn, make_root, remove_root)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(test_normal),
		CASE(test_l2_sizes),
		CASE(test_size_suffixes),
		CASE(test_no_l2),
		CASE(test_l2_instruction_only),
		CASE(test_l2_shared_list),
		CASE(test_l2_shared_map),
		CASE(test_l2_sharing_unknown),
		CASE(test_garbage_size),
		CASE(test_garbage_shared_list),
		CASE(test_cpu0_offline),
		CASE(test_mask_one_of_four),
		CASE(test_no_sysfs),
		CASE(test_all_offline),
		cmocka_unit_test(test_target_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
