/*
 * fuzz_common.h — shared helpers of the libFuzzer harnesses (C++17).
 *
 * The harnesses are plain LLVMFuzzerTestOneInput functions. They build two ways:
 *  - with clang + libFuzzer (-fsanitize=fuzzer,address,undefined): fuzz_desc, fuzz_exec, for
 *    scripts/fuzz.sh and the short run in scripts/test.sh;
 *  - with any compiler, linked to libfastconv.so plus replay_main.cpp: fuzz_*_replay, which ctest runs
 *    over the committed corpus (so the corpus is a regression suite in every build, the ASan+UBSan
 *    one included).
 * A violated property calls FUZZ_FAIL: message on stderr, then abort() so libFuzzer saves the input.
 */
#ifndef FASTCONV_FUZZ_COMMON_H
#define FASTCONV_FUZZ_COMMON_H

#include "fastconv.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#define FUZZ_FAIL(...)                                                    \
    do {                                                                  \
        std::fprintf(stderr, "FUZZ PROPERTY VIOLATED %s:%d: ", __FILE__, __LINE__); \
        std::fprintf(stderr, __VA_ARGS__);                                \
        std::fprintf(stderr, "\n");                                       \
        std::abort();                                                     \
    } while (0)

#define FUZZ_ASSERT(cond, ...)                                            \
    do {                                                                  \
        if (!(cond)) FUZZ_FAIL("%s: " "%s", #cond, fuzz_fmt(__VA_ARGS__)); \
    } while (0)

static inline const char *fuzz_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#include <cstdarg>
static inline const char *fuzz_fmt(const char *fmt, ...)
{
    static thread_local char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return buf;
}

/* Consumes the input front to back; past the end every read gives 0. */
struct ByteReader {
    const uint8_t *p;
    size_t n;
    uint8_t u8()
    {
        if (!n) return 0;
        n--;
        return *p++;
    }
    uint64_t u64()
    {
        uint64_t v = 0;
        for (int i = 0; i < 8; i++) v = v << 8 | u8();
        return v;
    }
};

/* A failed call must leave a message naming the problem. */
static inline void expect_error_message(fc_status st, const char *call)
{
    if (st < FC_ERROR_INVALID_ARGUMENT || st > FC_ERROR_INTERNAL) FUZZ_FAIL("%s returned unknown status %d", call, (int)st);
    if (st == FC_ERROR_INTERNAL) FUZZ_FAIL("%s returned FC_ERROR_INTERNAL: %s", call, fc_last_error());
    const char *m = fc_last_error();
    if (!m || !*m) FUZZ_FAIL("%s failed with status %d but fc_last_error() is empty", call, (int)st);
    if (std::strlen(m) >= 1024) FUZZ_FAIL("%s: error message is not terminated within its buffer", call);
}

static inline int64_t live_objects()
{
    int64_t n = -1;
    if (fc_live_objects(&n) != FC_SUCCESS) FUZZ_FAIL("fc_live_objects failed: %s", fc_last_error());
    return n;
}

#endif
