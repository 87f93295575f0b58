/* CPU streams: asynchronous in-order queues; events as markers in them. */
#include "test_common.h"

#include <chrono>
#include <thread>

int main()
{
    /* forwards that take a while (24 x 0.15e9 MACs), then a copy of the output and an event: the submissions
       must return at once, and the copy must see the finished output (in order). 24, not 8: with AVX-512
       on 2 cores 8 forwards took only ~14 ms, and a submitter preempted by the worker for ~4 ms (CI
       machine, fresh clone at f1b8f0b) broke the 4x margin without any synchronous work. */
    fc_conv_desc d;
    fc_conv_desc_init(&d);
    d.in_channels = 64;
    d.out_channels = 64;
    d.in_size[0] = d.in_size[1] = 64;
    d.kernel_size[0] = d.kernel_size[1] = 3;
    d.pad_begin[0] = d.pad_begin[1] = d.pad_end[0] = d.pad_end[1] = 1;
    fc_conv_plan plan;
    CHECK_OK(fc_conv_plan_create(&d, 0, &plan));
    size_t wsb = 0;
    CHECK_OK(fc_conv_plan_workspace_size(plan, &wsb));
    const size_t xn = 64 * 64 * 64, wn = 64 * 64 * 9;
    std::vector<float> x(xn, 1.0f), w(wn, 1.0f), y(xn, 0.0f), ycopy(xn, -1.0f), yref(xn, 0.0f);
    void *ws = nullptr;
    if (wsb) CHECK_OK(fc_malloc(0, wsb, &ws));
    CHECK_OK(fc_conv_forward(plan, nullptr, x.data(), w.data(), nullptr, yref.data(), ws)); /* NULL stream: now */
    CHECK(yref[64 * 64 + 65] == 64.0f * 9, "yref %g", yref[64 * 64 + 65]);

    fc_stream s;
    CHECK_OK(fc_stream_create(0, &s));
    fc_event e0, e1;
    CHECK_OK(fc_event_create(0, &e0));
    CHECK_OK(fc_event_create(0, &e1));
    auto t0 = std::chrono::steady_clock::now();
    CHECK_OK(fc_event_record(e0, s));
    for (int i = 0; i < 24; i++) CHECK_OK(fc_conv_forward(plan, s, x.data(), w.data(), nullptr, y.data(), ws));
    CHECK_OK(fc_memcpy(s, ycopy.data(), 0, y.data(), 0, xn * sizeof(float)));
    CHECK_OK(fc_event_record(e1, s));
    double submit_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    CHECK_OK(fc_event_synchronize(e1));
    double total_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    CHECK(submit_ms * 4 < total_ms, "submitting took %.3f ms of %.3f ms: not asynchronous", submit_ms, total_ms);
    CHECK(std::memcmp(ycopy.data(), yref.data(), xn * sizeof(float)) == 0, "the copy ran before the forward finished");
    float ms = -1;
    CHECK_OK(fc_event_elapsed_ms(e0, e1, &ms));
    CHECK(ms > 0 && ms <= total_ms + 1, "elapsed %g of %g", ms, total_ms);

    /* re-recording: synchronize waits for the newest record */
    std::fill(ycopy.begin(), ycopy.end(), -1.0f);
    CHECK_OK(fc_conv_forward(plan, s, x.data(), w.data(), nullptr, y.data(), ws));
    CHECK_OK(fc_memcpy(s, ycopy.data(), 0, y.data(), 0, xn * sizeof(float)));
    CHECK_OK(fc_event_record(e1, s));
    CHECK_OK(fc_event_synchronize(e1));
    CHECK(ycopy[5] == yref[5], "after re-record");

    /* two streams run concurrently, each in order; destroy drains */
    fc_stream s2;
    CHECK_OK(fc_stream_create(0, &s2));
    std::vector<float> y2(xn, 0.0f);
    void *ws2 = nullptr;
    if (wsb) CHECK_OK(fc_malloc(0, wsb, &ws2));
    for (int i = 0; i < 3; i++) CHECK_OK(fc_conv_forward(plan, s2, x.data(), w.data(), nullptr, y2.data(), ws2));
    CHECK_OK(fc_stream_synchronize(s));
    CHECK_OK(fc_stream_destroy(s2));
    CHECK(std::memcmp(y2.data(), yref.data(), xn * sizeof(float)) == 0, "stream 2 result");
    /* an event destroyed right after a record waits for the marker */
    CHECK_OK(fc_conv_forward(plan, s, x.data(), w.data(), nullptr, y.data(), ws));
    CHECK_OK(fc_event_record(e0, s));
    CHECK_OK(fc_event_destroy(e0));
    CHECK_OK(fc_event_destroy(e1));
    CHECK_OK(fc_stream_destroy(s));
    if (ws) CHECK_OK(fc_free(0, ws));
    if (ws2) CHECK_OK(fc_free(0, ws2));
    CHECK_OK(fc_conv_plan_destroy(plan));
    int64_t live = -1;
    CHECK_OK(fc_live_objects(&live));
    CHECK(live == 0, "live %lld", (long long)live);
    return test_finish("test_cpu_stream");
}
