/*
 * abi_check.c - a plugin that checks, when it registers, that the convc
 * loading it has the op table of the headers it was built against: every
 * CV_OP_* value names the same op on both sides. A mismatch means the
 * installed headers and the convc binary disagree (a stale build, or an
 * ops.def change without a CV_PLUGIN_ABI_VERSION bump) and every plugin
 * switching on n->op would silently misread the IR.
 */
#include <string.h>

#include <convc/plugin.h>

static const char *const header_names[] = {
#define OP(id, text, attrs, min_in, max_in, outs) text,
#include <convc/ops.def>
#undef OP
};

static cv_status register_passes(cv_pass_registry *r, cv_diag *d)
{
	int op;

	for (op = 0; op < CV_OP_COUNT; op++) {
		const char *name = cv_op_name((cv_op)op);
		if (!name || strcmp(name, header_names[op]) || cv_op_from_name(header_names[op]) != (cv_op)op)
			return cv_diag_error(d, CV_ERR_INPUT,
					     "op %d is '%s' in these headers but '%s' in this convc",
					     op, header_names[op], name ? name : "(none)");
	}
	/* cv_op_name() answers "?" past the end of convc's own table. */
	if (strcmp(cv_op_name(CV_OP_COUNT), "?"))
		return cv_diag_error(d, CV_ERR_INPUT, "this convc has more ops than these headers (%d): '%s'",
				     (int)CV_OP_COUNT, cv_op_name(CV_OP_COUNT));
	return CV_OK;
}

CV_PLUGIN_EXPORT const cv_plugin_info *convc_plugin_info(void)
{
	static const cv_plugin_info info = {
		CV_PLUGIN_ABI_VERSION, sizeof(cv_plugin_info), "abi-check", "1.0", register_passes};
	return &info;
}
