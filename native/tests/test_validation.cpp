/* Bad descriptors and arguments: each must fail with the right status and an
 * error message naming the field/argument (substring of fc_last_error()). */
#include "test_common.h"

#include <functional>

struct Bad {
    const char *what;
    std::function<void(fc_conv_desc &)> edit;
    const char *substr;
};

int main()
{
    const int64_t BIG = (int64_t)1 << 40;
    std::vector<Bad> bad = {
        {"spatial_dims 0", [](fc_conv_desc &d) { d.spatial_dims = 0; }, "spatial_dims must be 1, 2 or 3 (got 0)"},
        {"spatial_dims 4", [](fc_conv_desc &d) { d.spatial_dims = 4; }, "spatial_dims"},
        {"dtype 7", [](fc_conv_desc &d) { d.dtype = 7; }, "unknown dtype 7 (expected FC_DTYPE_F32=0 or FC_DTYPE_F16=1)"},
        {"precision 9", [](fc_conv_desc &d) { d.precision = 9; }, "unknown precision 9"},
        {"layout -1", [](fc_conv_desc &d) { d.layout = -1; }, "unknown layout -1"},
        {"algorithm 4", [](fc_conv_desc &d) { d.algorithm = 4; }, "unknown algorithm 4"},
        {"activation 2", [](fc_conv_desc &d) { d.activation = 2; }, "unknown activation 2"},
        {"has_bias 2", [](fc_conv_desc &d) { d.has_bias = 2; }, "has_bias must be 0 or 1 (got 2)"},
        {"batch 0", [](fc_conv_desc &d) { d.batch = 0; }, "batch must be >= 1 (got 0)"},
        {"in_channels -3", [](fc_conv_desc &d) { d.in_channels = -3; }, "in_channels must be >= 1 (got -3)"},
        {"out_channels 0", [](fc_conv_desc &d) { d.out_channels = 0; }, "out_channels must be >= 1 (got 0)"},
        {"groups 0", [](fc_conv_desc &d) { d.groups = 0; }, "groups must be >= 1 (got 0)"},
        {"C % g", [](fc_conv_desc &d) { d.in_channels = 6; d.out_channels = 8; d.groups = 4; },
         "in_channels (6) must be divisible by groups (4)"},
        {"K % g", [](fc_conv_desc &d) { d.in_channels = 8; d.out_channels = 6; d.groups = 4; },
         "out_channels (6) must be divisible by groups (4)"},
        {"in_size 0", [](fc_conv_desc &d) { d.in_size[1] = 0; }, "in_size[1] must be >= 1 (got 0)"},
        {"kernel 0", [](fc_conv_desc &d) { d.kernel_size[0] = 0; }, "kernel_size[0] must be >= 1 (got 0)"},
        {"stride 0", [](fc_conv_desc &d) { d.stride[1] = 0; }, "stride[1] must be >= 1 (got 0)"},
        {"dilation 0", [](fc_conv_desc &d) { d.dilation[0] = 0; }, "dilation[0] must be >= 1 (got 0)"},
        {"pad -1", [](fc_conv_desc &d) { d.pad_begin[1] = -1; }, "pad_begin[1] must be >= 0 (got -1)"},
        {"pad_end -2", [](fc_conv_desc &d) { d.pad_end[0] = -2; }, "pad_end[0] must be >= 0 (got -2)"},
        {"kernel > input", [](fc_conv_desc &d) { d.in_size[0] = 3; d.kernel_size[0] = 5; },
         "computed output size[0] is 0 < 1: (in_size 3 + pad 0+0 - dilation 1*(kernel 5-1) - 1)/stride 1 + 1"},
        {"dilated kernel > input", [](fc_conv_desc &d) { d.in_size[1] = 5; d.kernel_size[1] = 3; d.dilation[1] = 3; },
         "computed output size[1]"},
        /* overflow cases */
        {"x overflow", [BIG](fc_conv_desc &d) { d.batch = BIG; d.in_channels = BIG; }, "input x"},
        {"x bytes >= 2^62", [](fc_conv_desc &d) { d.batch = (int64_t)1 << 30; d.in_channels = (int64_t)1 << 31; },
         "input x"},
        {"w overflow", [BIG](fc_conv_desc &d) { d.out_channels = BIG; d.in_channels = BIG; d.kernel_size[0] = d.kernel_size[1] = 1; }, "weight w"},
        {"y overflow", [BIG](fc_conv_desc &d) { d.out_channels = BIG; d.in_size[0] = BIG; d.in_size[1] = 4; }, "output y"},
        {"cols overflow", [BIG](fc_conv_desc &d) { d.in_size[0] = BIG; d.in_size[1] = 4; d.kernel_size[1] = 1;
                                                   d.kernel_size[0] = (int64_t)1 << 22; d.pad_end[0] = (int64_t)1 << 22; },
         "unfold cols"},
        {"pad overflow", [](fc_conv_desc &d) { d.pad_begin[0] = INT64_MAX; }, "overflows"},
        {"dilation*kernel overflow", [](fc_conv_desc &d) { d.dilation[0] = INT64_MAX / 2; d.kernel_size[0] = 5; },
         "overflows"},
    };
    for (const Bad &b : bad) {
        fc_conv_desc d;
        fc_conv_desc_init(&d);
        d.in_size[0] = d.in_size[1] = 8;
        d.kernel_size[0] = d.kernel_size[1] = 3;
        b.edit(d);
        fc_status st = fc_conv_desc_validate(&d);
        CHECK(st == FC_ERROR_INVALID_ARGUMENT, "%s: status %d", b.what, (int)st);
        CHECK(std::strstr(fc_last_error(), b.substr) != nullptr, "%s: message '%s' lacks '%s'", b.what, fc_last_error(),
              b.substr);
        fc_conv_plan plan = (fc_conv_plan)0x1;
        st = fc_conv_plan_create(&d, 0, &plan);
        CHECK(st == FC_ERROR_INVALID_ARGUMENT && plan == nullptr, "%s: plan_create status %d", b.what, (int)st);
        int64_t o[3];
        CHECK(fc_conv_output_size(&d, o) == FC_ERROR_INVALID_ARGUMENT, "%s: output_size", b.what);
    }
    /* valid edge: precision FP16 with f32, every precision with f16 */
    for (int dt = 0; dt < 2; dt++)
        for (int p = 0; p < 4; p++) {
            fc_conv_desc d;
            fc_conv_desc_init(&d);
            d.dtype = dt;
            d.precision = p;
            CHECK(fc_conv_desc_validate(&d) == FC_SUCCESS, "dtype %d precision %d: %s", dt, p, fc_last_error());
        }
    /* unfold ignores groups / out_channels / precision */
    {
        fc_conv_desc d;
        fc_conv_desc_init(&d);
        d.in_channels = 5;
        d.groups = 2;
        d.precision = 99;
        int64_t n = 0;
        CHECK(fc_unfold_size(&d, &n) == FC_SUCCESS && n == 5, "unfold_size ignores groups: %s", fc_last_error());
        d.kernel_size[0] = 3;
        CHECK(fc_unfold_size(&d, &n) == FC_ERROR_INVALID_ARGUMENT, "unfold kernel > input");
        CHECK(std::strstr(fc_last_error(), "computed output size[0]") != nullptr, "%s", fc_last_error());
    }
    /* argument errors */
    {
        fc_conv_desc d;
        fc_conv_desc_init(&d);
        CHECK(fc_conv_desc_validate(nullptr) == FC_ERROR_INVALID_ARGUMENT, "NULL desc");
        CHECK(std::strstr(fc_last_error(), "desc must not be NULL") != nullptr, "%s", fc_last_error());
        fc_conv_plan plan;
        CHECK(fc_conv_plan_create(&d, 3, &plan) == FC_ERROR_INVALID_ARGUMENT, "device 3");
        CHECK(std::strstr(fc_last_error(), "device 3 does not exist (fc_device_count() = ") != nullptr, "%s",
              fc_last_error());
        CHECK(fc_conv_plan_create(&d, -1, &plan) == FC_ERROR_INVALID_ARGUMENT, "device -1");
        CHECK(fc_conv_plan_create(&d, 0, nullptr) == FC_ERROR_INVALID_ARGUMENT, "NULL plan");
        CHECK(std::strstr(fc_last_error(), "plan must not be NULL") != nullptr, "%s", fc_last_error());
        d.has_bias = 1;
        CHECK_OK(fc_conv_plan_create(&d, 0, &plan));
        float x = 1, w = 1, y = 0;
        CHECK(fc_conv_forward(plan, nullptr, &x, &w, nullptr, &y, nullptr) == FC_ERROR_INVALID_ARGUMENT, "NULL bias");
        CHECK(std::strstr(fc_last_error(), "bias") != nullptr, "%s", fc_last_error());
        CHECK(fc_conv_forward(plan, nullptr, nullptr, &w, &w, &y, nullptr) == FC_ERROR_INVALID_ARGUMENT, "NULL x");
        CHECK(std::strstr(fc_last_error(), "x must not be NULL") != nullptr, "%s", fc_last_error());
        CHECK(fc_conv_forward(plan, nullptr, &x, &w, &w, nullptr, nullptr) == FC_ERROR_INVALID_ARGUMENT, "NULL y");
        size_t ws = 0;
        CHECK_OK(fc_conv_plan_workspace_size(plan, &ws));
        if (ws) {
            CHECK(fc_conv_forward(plan, nullptr, &x, &w, &w, &y, nullptr) == FC_ERROR_INVALID_ARGUMENT, "NULL ws");
            CHECK(std::strstr(fc_last_error(), "workspace") != nullptr, "%s", fc_last_error());
        }
        CHECK_OK(fc_conv_plan_destroy(plan));
        CHECK(fc_conv_plan_destroy(nullptr) == FC_ERROR_INVALID_ARGUMENT, "destroy NULL");
        void *p;
        CHECK(fc_malloc(5, 16, &p) == FC_ERROR_INVALID_ARGUMENT, "malloc bad device");
        CHECK(fc_malloc(0, 16, nullptr) == FC_ERROR_INVALID_ARGUMENT, "malloc NULL ptr");
        CHECK(fc_free(0, nullptr) == FC_ERROR_INVALID_ARGUMENT, "free NULL");
        CHECK(fc_cpu_set_num_threads(-1) == FC_ERROR_INVALID_ARGUMENT, "threads -1");
        CHECK(std::strstr(fc_last_error(), "threads") != nullptr, "%s", fc_last_error());
    }
    int64_t live = -1;
    CHECK_OK(fc_live_objects(&live));
    CHECK(live == 0, "live objects %lld", (long long)live);
    std::printf("%zu bad descriptors\n", bad.size());
    return test_finish("test_validation");
}
