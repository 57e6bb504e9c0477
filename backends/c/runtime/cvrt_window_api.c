/* cvrt_window_api.c - the cvrt.h entry points of the window family (cvrt_window.c):
 * each calls the version of the selected ISA (cvrt_dispatch.h). */
#include "cvrt_dispatch.h"

CVRT_WINDOW_KERNELS(CVRT_DISPATCH_V, CVRT_DISPATCH_R)
