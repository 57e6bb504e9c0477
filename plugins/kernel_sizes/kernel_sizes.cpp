/*
 * kernel_sizes.cpp - `kernel-sizes`: how many convs of each kernel size the
 * module has; a pass plugin written in C++.
 *
 * Matches: every conv2d and dwconv2d node (kernel size from the weight's
 * dims, read in its layout). Rewrites: nothing. Options: min=N counts only
 * kernels with both sides >= N (default 1).
 * Stats: "1x1", "3x3", "5x5", "7x7" and "other" (static strings, as stats
 * names must be: the counting happens in a std::map, the reporting maps each
 * key to one of these).
 *
 * The convc headers declare everything extern "C", so the calls resolve
 * against convc's C symbols. No exception may cross back into convc: run
 * catches them and returns a status with a message.
 */
#include <convc/plugin.h>

#include <cstdlib>
#include <map>
#include <new>
#include <string>
#include <utility>

namespace {

// Kernel height and width of a conv's weight, whatever its layout.
std::pair<long long, long long> kernel_of(const cv_value *w)
{
	const int64_t *d = w->type.dims;
	switch (w->type.layout) {
	case CV_LAYOUT_OHWI: return {d[1], d[2]};
	case CV_LAYOUT_HWIO: return {d[0], d[1]};
	default: return {d[2], d[3]}; // oihw, iohw
	}
}

const char *stat_name(const std::string &k)
{
	static const char *const known[] = {"1x1", "3x3", "5x5", "7x7"};
	for (const char *s : known)
		if (k == s)
			return s;
	return "other";
}

cv_status count(cv_module *m, long long min, cv_pass_stats *stats)
{
	std::map<std::string, long long> sizes;
	cv_node *n;

	cv_graph_for_each_node(&m->graph, n) {
		if ((n->op != CV_OP_CONV2D && n->op != CV_OP_DWCONV2D) || n->num_inputs < 2 ||
		    !n->inputs[1] || n->inputs[1]->type.rank != 4)
			continue;
		auto k = kernel_of(n->inputs[1]);
		if (k.first >= min && k.second >= min)
			sizes[std::to_string(k.first) + "x" + std::to_string(k.second)]++;
	}
	for (const auto &kv : sizes)
		cv_stat_add(stats, stat_name(kv.first), kv.second);
	return CV_OK;
}

cv_status run_kernel_sizes(cv_module *m, const cv_pass_options *opts, cv_pass_stats *stats,
			   cv_diag *d)
{
	const char *text = cv_pass_option(opts, "min", "1");
	char *end;
	long long min = std::strtoll(text, &end, 10);

	if (*end || min < 1)
		return cv_diag_error(d, CV_ERR_INPUT, "min=%s: expected an integer >= 1", text);
	try {
		return count(m, min, stats);
	} catch (const std::bad_alloc &) {
		return cv_diag_error(d, CV_ERR_NOMEM, "out of memory");
	}
}

const char *const kernel_sizes_options[] = {"min", nullptr};
const char *const kernel_sizes_defaults[] = {"1", nullptr};

const cv_pass kernel_sizes_pass = {
	"kernel-sizes", "count convs per kernel size (statistics only; a C++ plugin)",
	kernel_sizes_options, run_kernel_sizes, kernel_sizes_defaults};

cv_status register_passes(cv_pass_registry *r, cv_diag *d)
{
	return cv_pass_registry_add(r, &kernel_sizes_pass, "kernel-sizes", d);
}

} // namespace

extern "C" CV_PLUGIN_EXPORT const cv_plugin_info *convc_plugin_info(void)
{
	static const cv_plugin_info info = {
		CV_PLUGIN_ABI_VERSION, sizeof(cv_plugin_info), "kernel-sizes", "1.0", register_passes};
	return &info;
}
