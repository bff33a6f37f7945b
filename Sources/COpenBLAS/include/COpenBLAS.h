// ragsync — COpenBLAS: OpenBLAS's cblas_sgemm, loaded on first use.
//
// The library is opened with dlopen when the local model is loaded, not linked: a daemon that embeds through an
// OpenAI-compatible server never maps OpenBLAS or starts its threads (3.6 MB and three threads idle when linked).

#ifndef RAGSYNC_COPENBLAS_H
#define RAGSYNC_COPENBLAS_H

#include <stdbool.h>
#include <stddef.h>

/// The CBLAS standard's values for the arguments ragsync passes.
enum {
    RAGSYNC_CBLAS_ROW_MAJOR = 101,
    RAGSYNC_CBLAS_NO_TRANS = 111,
    RAGSYNC_CBLAS_TRANS = 112,
};

/// Opens libopenblas.so.0 once (dlopen), finds cblas_sgemm and sets OpenBLAS to one thread (ragsync runs its own
/// workers). Safe to call from several threads.
/// - Returns: false when the library or a symbol is missing; `error` then holds dlerror's message.
bool ragsync_openblas_load(char *error, size_t capacity);

/// cblas_sgemm (32-bit integer interface) of the loaded library. Call only after ragsync_openblas_load returned true.
void ragsync_sgemm(int order, int transposeA, int transposeB, int m, int n, int k, float alpha, const float *a, int lda,
                   const float *b, int ldb, float beta, float *c, int ldc);

#endif
