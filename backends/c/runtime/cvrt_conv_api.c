/* cvrt_conv_api.c - the cvrt.h entry points of the conv family (cvrt_conv.c):
 * each calls the version of the selected ISA (cvrt_dispatch.h). */
#include "cvrt_dispatch.h"

CVRT_CONV_KERNELS(CVRT_DISPATCH_V, CVRT_DISPATCH_R)
