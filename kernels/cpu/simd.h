/* Private to kernels/cpu: wide vectors without -march flags in the build.
 *
 * TES_CPU_HOT marks an inner loop that GCC compiles for AVX-512, AVX2 and
 * baseline x86-64; at load time the best version the CPU supports is picked
 * (an ifunc). Loops that need gathers, which GCC's generic tuning will not
 * emit, have a hand-written AVX2 version next to the portable one, used when
 * TES_CPU_AVX2 is defined and tes_cpu_has_avx2() says the CPU has it.
 *
 * Every version gives the same floats: kernels/ builds with -ffp-contract=off
 * (no a * b + c contracted into FMA), the AVX2 versions do the portable
 * code's operations in their order, and no loop is reassociated, so vector
 * width changes speed, not results.
 *
 * tes_cpu_float4 and tes_cpu_float8 are small fixed-size vectors (GCC and
 * Clang vector extensions, any target) for read-modify-writes of a few
 * neighbouring values at once; their operations are lane-wise IEEE float
 * operations, the same as scalar code's. */
#ifndef TES_KERNELS_CPU_SIMD_H
#define TES_KERNELS_CPU_SIMD_H

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define TES_CPU_HOT  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#define TES_CPU_AVX2 __attribute__((target("avx2")))
#include <immintrin.h>
static inline int tes_cpu_has_avx2(void) {
    return __builtin_cpu_supports("avx2");
}
#else
#define TES_CPU_HOT
#endif

typedef float tes_cpu_float4 __attribute__((vector_size(4 * sizeof(float))));
typedef float tes_cpu_float8 __attribute__((vector_size(8 * sizeof(float))));

#endif
