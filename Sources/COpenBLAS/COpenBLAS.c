// ragsync — COpenBLAS: dlopen of OpenBLAS on first use; see include/COpenBLAS.h.

#include "COpenBLAS.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

typedef void (*sgemm_function)(int, int, int, int, int, int, float, const float *, int, const float *, int, float,
                               float *, int);
typedef void (*set_threads_function)(int);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static sgemm_function sgemm;
static char load_error[512];

static void load(void) {
    const char *names[] = {"libopenblas.so.0", "libopenblas.so"};
    void *library = NULL;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && library == NULL; i++) {
        library = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    }
    if (library == NULL) {
        const char *message = dlerror();
        snprintf(load_error, sizeof(load_error), "%s", message ? message : "libopenblas.so.0 not found");
        return;
    }
    set_threads_function set_threads = (set_threads_function)dlsym(library, "openblas_set_num_threads");
    sgemm_function found = (sgemm_function)dlsym(library, "cblas_sgemm");
    if (found == NULL) {
        const char *message = dlerror();
        snprintf(load_error, sizeof(load_error), "%s", message ? message : "cblas_sgemm not found in libopenblas");
        return;
    }
    if (set_threads != NULL) set_threads(1);
    sgemm = found;
}

bool ragsync_openblas_load(char *error, size_t capacity) {
    pthread_once(&once, load);
    if (sgemm != NULL) return true;
    if (error != NULL && capacity > 0) snprintf(error, capacity, "%s", load_error);
    return false;
}

void ragsync_sgemm(int order, int transposeA, int transposeB, int m, int n, int k, float alpha, const float *a, int lda,
                   const float *b, int ldb, float beta, float *c, int ldc) {
    sgemm(order, transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
