/*
 * model.h - the API of a network compiled by convc.
 *
 * convc writes this header, model.c (the network), the kernel library cvrt
 * (cvrt.h and cvrt_*.c/.h; see cvrt.h), main.c (a command-line runner),
 * weights.bin and a Makefile into the output directory. The code needs libc,
 * libm and, for threads, OpenMP. Built once, it runs on any CPU of its target
 * architecture: on x86-64 the kernels exist for three instruction sets and
 * the best one the CPU has is used (model_isa below).
 *
 * Tensors crossing the API are dense, C order, in the layout the ONNX model
 * declares (NCHW for image tensors); their dims are fixed at compile time
 * and reported by model_input_dims()/model_output_dims(), their element
 * type by model_input_dtype()/model_output_dtype() (float32 for image
 * tensors; int64, bool, ... for index and mask tensors).
 */
#ifndef CONVC_MODEL_H
#define CONVC_MODEL_H

#include <stddef.h>
#include <stdint.h>

typedef struct model_ctx model_ctx;

/* Graph inputs/outputs, in the order of the ONNX graph. i is 0-based; out of
 * range returns NULL / 0. Names and dims are static storage. */
int model_num_inputs(void);
int model_num_outputs(void);
const char *model_input_name(int i);
const char *model_output_name(int i);
int model_input_rank(int i);
int model_output_rank(int i);
const int64_t *model_input_dims(int i);
const int64_t *model_output_dims(int i);
/* Number of elements of input/output i. */
size_t model_input_size(int i);
size_t model_output_size(int i);

/* Element types, numbered as convc numbers them. MODEL_F16 and MODEL_BF16
 * elements are 16-bit patterns (IEEE binary16; the upper half of a
 * float32), MODEL_BOOL one byte holding 0 or 1. */
enum model_dtype {
	MODEL_F32 = 0, MODEL_F64, MODEL_F16, MODEL_I64, MODEL_I32, MODEL_I8, MODEL_U8, MODEL_BOOL,
	MODEL_BF16, MODEL_I16, MODEL_U16, MODEL_U32, MODEL_U64
};
/* The enum model_dtype of input/output i; -1 out of range. */
int model_input_dtype(int i);
int model_output_dtype(int i);
/* Bytes of input/output i: elements times the dtype's size. */
size_t model_input_bytes(int i);
size_t model_output_bytes(int i);

/* Bytes of activation workspace one context allocates (the static arena that
 * holds every intermediate tensor, reused by liveness). */
size_t model_workspace_bytes(void);

/* The most threads model_create accepts (any machine has fewer cores). */
#define MODEL_MAX_THREADS 1024

/*
 * Create a context: reads the weights written by convc from weights_path
 * (weights.bin) and allocates the workspace. num_threads is the number of
 * threads model_run uses, 1 to MODEL_MAX_THREADS; a context runs at most as
 * many as the CPUs this process may use (omp_get_num_procs()): more would
 * only take turns on the same cores, so a larger count is lowered to that
 * (as OpenBLAS and MKL do; model_threads() says how many). Built without
 * OpenMP, everything runs on the calling thread (model_threads() is 1).
 *
 * Returns NULL on failure and writes a one-line reason into err (err_size
 * bytes, may be 0; NUL-terminated, truncated to fit), "<where>: <what>":
 *   "model: num_threads must be from 1 to 1024, got 0"   (also < 0, > 1024)
 *   "model: no weights file given (weights_path is NULL)"
 *   "CVRT_ISA=avx512: this CPU lacks ..." or "CVRT_ISA=foo: unknown ..."
 *     (the environment variable names an unknown instruction set or one
 *     this CPU lacks; see model_isa)
 *   "PATH: cannot open the weights file: <strerror>"
 *   "PATH: cannot read the weights file: <strerror>"   (e.g. a directory)
 *   "PATH: the weights file has N bytes, this model's has M (truncated, ...)"
 *     or "... (extended, ...)": weights.bin must be exactly convc's file
 *   "PATH: the weights file does not belong to this model or is damaged
 *     (checksum mismatch)": its bytes differ (FNV-1a 64 of the whole file)
 *   "model: out of memory ..."
 * A failed call allocates nothing that remains. The caller owns the
 * context; free it with model_free().
 */
model_ctx *model_create(const char *weights_path, int num_threads, char *err,
			size_t err_size);

/* The number of threads ctx runs with (see model_create); 0 for NULL. */
int model_threads(const model_ctx *ctx);

/*
 * Run the network once. inputs[i] points at model_input_bytes(i) bytes of
 * elements of model_input_dtype(i) (model_input_size(i) floats for a
 * float32 input; pass other element types' buffers cast to float *),
 * outputs[i] at model_output_bytes(i) bytes (an output that convc computed
 * at compile time, e.g. a Shape, is copied from the weights); both are
 * owned by the caller. The kernels read most inputs where the caller left
 * them and write most outputs straight into outputs[i] (convc copies only
 * an input that is also an output, an output two outputs share, and the
 * like); they never write an input. Any alignment of the element type
 * works; 64-byte aligned buffers load fastest (a vector then never
 * straddles two cache lines).
 * Returns 0, or -1 without running when ctx, inputs, outputs or one of
 * their model_num_inputs() / model_num_outputs() pointers is NULL, or when
 * an output's bytes overlap an input's or another output's.
 * Allocates nothing. A context runs one call at a time.
 */
int model_run(model_ctx *ctx, const float *const *inputs, float *const *outputs);

/* Free a context and everything it owns; NULL is allowed. */
void model_free(model_ctx *ctx);

/*
 * The instruction set the kernels run with, for every context of the process:
 * "portable" (plain C), "avx2" (AVX2 + FMA) or "avx512" (AVX-512). Static
 * storage. It is chosen once per process, at the first model_create (or
 * model_isa, or model_workspace_bytes): CVRT_ISA=portable|avx2|avx512 in the
 * environment forces one (model_create fails if the CPU lacks it), else the
 * best the CPU has; builds for other architectures than x86 have only
 * "portable".
 */
const char *model_isa(void);

/*
 * The nodes of the compiled graph (after optimization), in the order
 * model_run executes them. i is 0-based in [0, model_num_nodes()); out of
 * range returns NULL. Strings are static storage.
 *
 * model_node_label(i) is the node's label as convc's reports use it: its
 * ONNX name when that is non-empty and unique in the graph, else
 * "<name or op>#<i>". Labels are unique, and are bytes as given by the model
 * (normally UTF-8; may contain quotes, backslashes or control characters).
 * model_node_op(i) is the convc IR op name ("conv2d", "add", ...). A node
 * that needs no code (a reshape the memory plan turned into an alias) is
 * still listed and profiles as ~0 ms.
 */
int model_num_nodes(void);
const char *model_node_label(int i);
const char *model_node_op(int i);

/*
 * Per-node profiling. With on != 0, every later model_run on ctx reads
 * CLOCK_MONOTONIC before and after each node and records the times; on == 0
 * (the default) stops it, and then costs one well-predicted branch per node.
 * NULL ctx is ignored. Allocates nothing (the arrays come with the context).
 */
void model_set_profiling(model_ctx *ctx, int on);

/*
 * Times of the last model_run made while profiling was on, model_num_nodes()
 * doubles indexed like model_node_label(), in milliseconds:
 * model_node_start_ms: when node i started, measured from the start of that
 * model_run call (so it includes copying the inputs in); model_node_ms: how
 * long it ran. Nodes run one after another, so start[i] + ms[i] == start[i+1]
 * up to rounding, and the durations add up to at most the run's wall time.
 * All zero before the first profiled run; a run without profiling leaves
 * them unchanged. The arrays are owned by ctx: valid until model_free, and
 * overwritten by the next profiled run (copy them out to keep them). NULL
 * when ctx is NULL.
 */
const double *model_node_start_ms(const model_ctx *ctx);
const double *model_node_ms(const model_ctx *ctx);

#endif
