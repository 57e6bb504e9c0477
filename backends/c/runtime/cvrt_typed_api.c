/* cvrt_typed_api.c - the cvrt.h entry points of the typed family (cvrt_typed.c):
 * each calls the version of the selected ISA (cvrt_dispatch.h). */
/* No AVX-512 object: its AVX-512 slot calls the AVX2 build (cvrt_kernels.h). */
#define CVRT_NO_AVX512
#include "cvrt_dispatch.h"

CVRT_TYPED_KERNELS(CVRT_DISPATCH_V, CVRT_DISPATCH_R)
