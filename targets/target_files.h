/* target_files.h - the schema and built-in targets embedded into convc
 * (cmake/embed.cmake). */
#ifndef CONVC_TARGET_FILES_H
#define CONVC_TARGET_FILES_H

#include <stddef.h>

struct cv_target_file {
	const char *name;           /* file name, e.g. "blackhole.xml" */
	const unsigned char *data;  /* its bytes, NUL-terminated (static storage) */
	size_t size;                /* bytes, without the NUL */
};

/* Terminated by an entry with name == NULL. */
extern const struct cv_target_file cv_target_files[];

#endif
