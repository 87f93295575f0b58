/* Library / device / memory / stream / event API and the live-object counter. */
#include "test_common.h"

#include <thread>

int main()
{
    CHECK(fc_version() == FC_VERSION, "version %d", fc_version());
    CHECK(fc_cuda_status() != nullptr && std::strlen(fc_cuda_status()) > 0, "cuda status");
    int32_t n = 0;
    CHECK_OK(fc_device_count(&n));
    CHECK(n >= 1, "device count %d", n);
    fc_device_info info;
    CHECK_OK(fc_device_get_info(0, &info));
    CHECK(info.kind == FC_DEVICE_CPU && info.index == 0, "cpu info kind %d", info.kind);
    CHECK(std::strlen(info.name) > 0 && info.total_memory > 0 && info.num_threads >= 1, "cpu info %s %lld %d",
          info.name, (long long)info.total_memory, info.num_threads);
    CHECK(info.simd_level >= FC_SIMD_SCALAR && info.simd_level <= FC_SIMD_AVX512, "simd %d", info.simd_level);
    std::printf("device 0: %s, %lld bytes, %d threads, simd %d; cuda: %s\n", info.name, (long long)info.total_memory,
                info.num_threads, info.simd_level, fc_cuda_status());
    CHECK(fc_device_get_info(n, &info) == FC_ERROR_INVALID_ARGUMENT, "bad device");
    for (int32_t d = 1; d < n; d++) {
        CHECK_OK(fc_device_get_info(d, &info));
        CHECK(info.kind == FC_DEVICE_CUDA && info.index == d, "cuda info");
    }
    CHECK_OK(fc_cpu_set_num_threads(3));
    CHECK_OK(fc_device_get_info(0, &info));
    CHECK(info.num_threads == 3, "threads %d", info.num_threads);
    CHECK_OK(fc_cpu_set_num_threads(0));

    /* autotuning switch: explicit on/off win over the environment; DEFAULT defers to it; a bad mode
       is refused with a message naming the argument and the allowed values, and changes nothing */
    {
        int32_t on = -1;
        unsetenv("FASTCONV_AUTOTUNE");
        CHECK_OK(fc_autotune_enabled(&on));
        CHECK(on == 0, "autotune without the variable: %d", on);
        setenv("FASTCONV_AUTOTUNE", "1", 1);
        CHECK_OK(fc_autotune_enabled(&on));
        CHECK(on == 1, "autotune with FASTCONV_AUTOTUNE=1: %d", on);
        CHECK_OK(fc_set_autotune(FC_AUTOTUNE_OFF));
        CHECK_OK(fc_autotune_enabled(&on));
        CHECK(on == 0, "FC_AUTOTUNE_OFF over the variable: %d", on);
        unsetenv("FASTCONV_AUTOTUNE");
        CHECK_OK(fc_set_autotune(FC_AUTOTUNE_ON));
        CHECK_OK(fc_autotune_enabled(&on));
        CHECK(on == 1, "FC_AUTOTUNE_ON: %d", on);
        CHECK(fc_set_autotune(2) == FC_ERROR_INVALID_ARGUMENT, "mode 2 accepted");
        CHECK(strstr(fc_last_error(), "mode") && strstr(fc_last_error(), "FC_AUTOTUNE_ON"), "message: %s",
              fc_last_error());
        CHECK_OK(fc_autotune_enabled(&on));
        CHECK(on == 1, "a refused mode changed the setting: %d", on);
        CHECK(fc_autotune_enabled(nullptr) == FC_ERROR_INVALID_ARGUMENT, "NULL accepted");
        CHECK_OK(fc_set_autotune(FC_AUTOTUNE_DEFAULT));
        CHECK_OK(fc_autotune_enabled(&on));
        CHECK(on == 0, "FC_AUTOTUNE_DEFAULT without the variable: %d", on);
    }

    int64_t live = -1;
    CHECK_OK(fc_live_objects(&live));
    CHECK(live == 0, "live at start %lld", (long long)live);
    void *a = nullptr, *b = nullptr, *z1 = nullptr, *z2 = nullptr, *h = nullptr;
    CHECK_OK(fc_malloc(0, 1000, &a));
    CHECK(((uintptr_t)a & 63) == 0, "alignment");
    CHECK_OK(fc_malloc(0, 1000, &b));
    CHECK_OK(fc_malloc(0, 0, &z1));
    CHECK_OK(fc_malloc(0, 0, &z2));
    CHECK(z1 && z2 && z1 != z2, "zero-byte allocations are unique");
    CHECK_OK(fc_malloc_host(100, &h));
    CHECK_OK(fc_live_objects(&live));
    CHECK(live == 5, "live %lld", (long long)live);
    std::memset(a, 0x5A, 1000);
    fc_stream s;
    CHECK_OK(fc_stream_create(0, &s));
    int32_t dev = -1;
    CHECK_OK(fc_stream_device(s, &dev));
    CHECK(dev == 0, "stream device");
    CHECK_OK(fc_memcpy(s, b, 0, a, 0, 1000));
    CHECK_OK(fc_stream_synchronize(s));
    CHECK(std::memcmp(a, b, 1000) == 0, "memcpy");
    CHECK_OK(fc_memcpy(nullptr, h, 0, a, 0, 100));
    CHECK(fc_memcpy(nullptr, h, 4, a, 0, 100) == FC_ERROR_INVALID_ARGUMENT, "memcpy bad device");
    CHECK(fc_memcpy(nullptr, nullptr, 0, a, 0, 100) == FC_ERROR_INVALID_ARGUMENT, "memcpy NULL dst");
    CHECK(std::strstr(fc_last_error(), "dst") != nullptr, "%s", fc_last_error());
    fc_event e0, e1;
    CHECK_OK(fc_event_create(0, &e0));
    CHECK_OK(fc_event_create(0, &e1));
    float ms = -1;
    CHECK(fc_event_elapsed_ms(e0, e1, &ms) != FC_SUCCESS, "unrecorded events");
    CHECK_OK(fc_event_record(e0, s));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK_OK(fc_event_record(e1, nullptr));
    CHECK_OK(fc_event_synchronize(e1));
    CHECK_OK(fc_event_elapsed_ms(e0, e1, &ms));
    CHECK(ms >= 15.0f && ms < 5000.0f, "elapsed %f", ms);
    CHECK_OK(fc_live_objects(&live));
    CHECK(live == 8, "live %lld", (long long)live);
    /* a forward on an explicit stream, plan descriptor round trip */
    fc_conv_desc d;
    fc_conv_desc_init(&d);
    d.in_size[0] = d.in_size[1] = 4;
    d.kernel_size[0] = d.kernel_size[1] = 3;
    fc_conv_plan plan;
    CHECK_OK(fc_conv_plan_create(&d, 0, &plan));
    fc_conv_desc back;
    CHECK_OK(fc_conv_plan_desc(plan, &back));
    int32_t algo = -1;
    CHECK_OK(fc_conv_plan_algorithm(plan, &algo));
    CHECK(algo >= FC_ALGO_DIRECT && algo <= FC_ALGO_IMPLICIT_GEMM && back.algorithm == algo, "algo %d", algo);
    CHECK(back.kernel_size[1] == 3 && back.in_size[0] == 4, "desc copy");
    size_t ws = 0;
    CHECK_OK(fc_conv_plan_workspace_size(plan, &ws));
    void *wsp = nullptr;
    if (ws) CHECK_OK(fc_malloc(0, ws, &wsp));
    float x[16], w[9], y[4];
    for (int i = 0; i < 16; i++) x[i] = (float)i;
    for (int i = 0; i < 9; i++) w[i] = 1.0f;
    CHECK_OK(fc_conv_forward(plan, s, x, w, nullptr, y, wsp));
    CHECK_OK(fc_stream_synchronize(s)); /* CPU streams are asynchronous queues */
    CHECK(y[0] == 45.0f && y[1] == 54.0f && y[2] == 81.0f && y[3] == 90.0f, "y = %g %g %g %g", y[0], y[1], y[2], y[3]);
    if (wsp) CHECK_OK(fc_free(0, wsp));
    CHECK_OK(fc_conv_plan_destroy(plan));
    CHECK_OK(fc_event_destroy(e0));
    CHECK_OK(fc_event_destroy(e1));
    CHECK_OK(fc_stream_destroy(s));
    CHECK_OK(fc_free(0, a));
    CHECK_OK(fc_free(0, b));
    CHECK_OK(fc_free(0, z1));
    CHECK_OK(fc_free(0, z2));
    CHECK_OK(fc_free_host(h));
    CHECK_OK(fc_live_objects(&live));
    CHECK(live == 0, "live at end %lld", (long long)live);
    return test_finish("test_api");
}
