// Minimal check helpers for the emulation's own tests.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <string>

#include "simt/simt.h"

static int g_simt_test_failures = 0;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            ++g_simt_test_failures;                                                  \
        }                                                                            \
    } while (0)

#define CHECK_MSG(cond, ...)                                                         \
    do {                                                                             \
        if (!(cond)) {                                                               \
            std::fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
            std::fprintf(stderr, __VA_ARGS__);                                       \
            std::fprintf(stderr, "\n");                                              \
            ++g_simt_test_failures;                                                  \
        }                                                                            \
    } while (0)

inline int simt_test_result(const char* name) {
    if (g_simt_test_failures) {
        std::fprintf(stderr, "%s: %d check(s) FAILED\n", name, g_simt_test_failures);
        return 1;
    }
    std::printf("%s: all checks passed\n", name);
    return 0;
}

// What f (a launch, in throw mode: fc_simt::set_throw_on_error(true)) raised: the emulation's error message, or
// "" if it ran.
template <class F>
std::string expect_error(F&& f) {
    try {
        f();
    } catch (const fc_simt::SimtError& e) {
        return e.what();
    }
    return "";
}
