/* runtime_files.h - the runtime sources embedded into convc (cmake/embed.cmake). */
#ifndef CONVC_RUNTIME_FILES_H
#define CONVC_RUNTIME_FILES_H

#include <stddef.h>

struct cv_runtime_file {
	const char *name;           /* file name in the output directory */
	const unsigned char *data;  /* its bytes (static storage) */
	size_t size;                /* bytes */
};

/* Terminated by an entry with name == NULL. */
extern const struct cv_runtime_file cv_runtime_files[];

#endif
