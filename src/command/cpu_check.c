/*
 * Start-up check that this CPU has every instruction set extension the
 * binary was compiled for (`-C target-cpu=native` on another machine, or a
 * level such as x86-64-v4): a clear message and exit code instead of
 * SIGILL. main() calls it before anything else.
 *
 * Why C: the Rust code is compiled with those extensions, and Rust's own
 * detection (`is_x86_feature_detected!`) answers "yes" at compile time for
 * every feature enabled at compile time. This file is compiled by build.rs
 * for the baseline x86-64 (build.rs passes -march=x86-64), so it runs on
 * any x86-64 CPU, and it asks the CPU itself (CPUID, and XGETBV for the
 * register state the operating system saves).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>

enum reg { EAX, EBX, ECX, EDX };
/* Register state the OS must enable (XCR0) for a feature to be usable. */
enum xstate {
    XS_NONE = 0,
    XS_AVX = 0x6,    /* SSE + AVX (YMM) state */
    XS_AVX512 = 0xe6 /* + opmask, ZMM_Hi256, Hi16_ZMM state */
};

struct feature {
    const char *name; /* Rust's target_feature name */
    unsigned leaf, subleaf;
    enum reg reg;
    int bit;
    unsigned xstate;
};

static const struct feature FEATURES[] = {
    {"sse3", 1, 0, ECX, 0, XS_NONE},
    {"pclmulqdq", 1, 0, ECX, 1, XS_NONE},
    {"ssse3", 1, 0, ECX, 9, XS_NONE},
    {"fma", 1, 0, ECX, 12, XS_AVX},
    {"cmpxchg16b", 1, 0, ECX, 13, XS_NONE},
    {"sse4.1", 1, 0, ECX, 19, XS_NONE},
    {"sse4.2", 1, 0, ECX, 20, XS_NONE},
    {"movbe", 1, 0, ECX, 22, XS_NONE},
    {"popcnt", 1, 0, ECX, 23, XS_NONE},
    {"aes", 1, 0, ECX, 25, XS_NONE},
    {"xsave", 1, 0, ECX, 26, XS_NONE},
    {"avx", 1, 0, ECX, 28, XS_AVX},
    {"f16c", 1, 0, ECX, 29, XS_AVX},
    {"rdrand", 1, 0, ECX, 30, XS_NONE},
    {"fxsr", 1, 0, EDX, 24, XS_NONE},
    {"sse", 1, 0, EDX, 25, XS_NONE},
    {"sse2", 1, 0, EDX, 26, XS_NONE},
    {"bmi1", 7, 0, EBX, 3, XS_NONE},
    {"avx2", 7, 0, EBX, 5, XS_AVX},
    {"bmi2", 7, 0, EBX, 8, XS_NONE},
    {"ermsb", 7, 0, EBX, 9, XS_NONE},
    {"rtm", 7, 0, EBX, 11, XS_NONE},
    {"avx512f", 7, 0, EBX, 16, XS_AVX512},
    {"avx512dq", 7, 0, EBX, 17, XS_AVX512},
    {"rdseed", 7, 0, EBX, 18, XS_NONE},
    {"adx", 7, 0, EBX, 19, XS_NONE},
    {"avx512ifma", 7, 0, EBX, 21, XS_AVX512},
    {"avx512cd", 7, 0, EBX, 28, XS_AVX512},
    {"sha", 7, 0, EBX, 29, XS_NONE},
    {"avx512bw", 7, 0, EBX, 30, XS_AVX512},
    {"avx512vl", 7, 0, EBX, 31, XS_AVX512},
    {"avx512vbmi", 7, 0, ECX, 1, XS_AVX512},
    {"avx512vbmi2", 7, 0, ECX, 6, XS_AVX512},
    {"gfni", 7, 0, ECX, 8, XS_NONE},
    {"vaes", 7, 0, ECX, 9, XS_AVX},
    {"vpclmulqdq", 7, 0, ECX, 10, XS_AVX},
    {"avx512vnni", 7, 0, ECX, 11, XS_AVX512},
    {"avx512bitalg", 7, 0, ECX, 12, XS_AVX512},
    {"avx512vpopcntdq", 7, 0, ECX, 14, XS_AVX512},
    {"avx512vp2intersect", 7, 0, EDX, 8, XS_AVX512},
    {"avx512fp16", 7, 0, EDX, 23, XS_AVX512},
    {"avxvnni", 7, 1, EAX, 4, XS_AVX},
    {"avx512bf16", 7, 1, EAX, 5, XS_AVX512},
    {"xsaveopt", 0xd, 1, EAX, 0, XS_NONE},
    {"xsavec", 0xd, 1, EAX, 1, XS_NONE},
    {"xsaves", 0xd, 1, EAX, 3, XS_NONE},
    {"lzcnt", 0x80000001u, 0, ECX, 5, XS_NONE},
    {"sse4a", 0x80000001u, 0, ECX, 6, XS_NONE},
    {"tbm", 0x80000001u, 0, ECX, 21, XS_NONE},
};

/* The register state the OS saves and restores (0 without OSXSAVE). */
static unsigned long long os_xstate(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27)))
        return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

/* 1: present, 0: absent, -1: a feature this table does not know. */
static int has_feature(const char *name, size_t len) {
    for (size_t i = 0; i < sizeof FEATURES / sizeof FEATURES[0]; i++) {
        const struct feature *f = &FEATURES[i];
        if (strlen(f->name) != len || strncmp(f->name, name, len) != 0)
            continue;
        unsigned r[4] = {0, 0, 0, 0};
        if (__get_cpuid_max(f->leaf & 0x80000000u, NULL) < f->leaf)
            return 0;
        __cpuid_count(f->leaf, f->subleaf, r[EAX], r[EBX], r[ECX], r[EDX]);
        if (!(r[f->reg] & (1u << f->bit)))
            return 0;
        return f->xstate == XS_NONE || (os_xstate() & f->xstate) == f->xstate;
    }
    return -1;
}
#else
static int has_feature(const char *name, size_t len) {
    (void)name;
    (void)len;
    return -1;
}
#endif

/* Whether the comma-separated `list` holds `name[..len]`. */
static int listed(const char *list, const char *name, size_t len) {
    while (list && *list) {
        const char *end = strchr(list, ',');
        size_t n = end ? (size_t)(end - list) : strlen(list);
        if (n == len && strncmp(list, name, len) == 0)
            return 1;
        list = end ? end + 1 : NULL;
    }
    return 0;
}

/*
 * `required`: the comma-separated target features the binary was compiled
 * with; `target`: how it was built (for the message); `pretend_var`: the
 * test-only environment variable naming features to treat as missing.
 * Returns when the CPU has them all; else prints which are missing and how
 * to rebuild, and exits with `exit_code`.
 */
void hnn_mpi_check_cpu(const char *required, const char *target, const char *pretend_var,
                       int exit_code) {
    const char *pretend = getenv(pretend_var);
    char missing[1024];
    size_t used = 0;
    missing[0] = '\0';
    const char *p = required;
    while (p && *p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        int present = listed(pretend, p, len) ? 0 : has_feature(p, len);
        if (present == 0 && used + len + 3 < sizeof missing) {
            if (used > 0) {
                memcpy(missing + used, ", ", 2);
                used += 2;
            }
            memcpy(missing + used, p, len);
            used += len;
            missing[used] = '\0';
        }
        p = end ? end + 1 : NULL;
    }
    if (used == 0)
        return;
    fprintf(stderr,
            "hnn-mpi: error: this CPU lacks instruction set extensions this binary was "
            "compiled for (%s): %s.\n"
            "Rebuild it on this kind of machine (cargo build --release), or build once for "
            "every node of the cluster with a portable level:\n"
            "  cargo build-v3   # x86-64-v3 (AVX2, FMA)\n"
            "  cargo build-v4   # x86-64-v4 (AVX-512)\n"
            "(-> target/x86-64-v3/x86_64-unknown-linux-gnu/release/hnn-mpi), or any CPU:\n"
            "  RUSTFLAGS=\"-C target-cpu=NAME\" cargo build --release --target "
            "x86_64-unknown-linux-gnu\n"
            "(see jobs/README.md, \"Login node and compute nodes of another CPU\").\n",
            target, missing);
    fflush(stderr);
    exit(exit_code);
}
