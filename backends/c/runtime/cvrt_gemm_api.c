/* cvrt_gemm_api.c - the cvrt.h entry points of the gemm family (cvrt_gemm.c):
 * each calls the version of the selected ISA (cvrt_dispatch.h). */
#include "cvrt_dispatch.h"

CVRT_GEMM_KERNELS(CVRT_DISPATCH_V, CVRT_DISPATCH_R)
