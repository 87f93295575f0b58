// conv_params.h — the convolution problem as the CUDA kernels see it (plain C++,
// shared by host code, the kernels and the emulation tests).
//
// Every problem is normalised to 3-D: 1-D (W) and 2-D (H, W) problems get unit
// leading dims (size 1, kernel 1, stride 1, pad 0, dilation 1). Tensor strides
// are element strides, so kernels never branch on the layout to address x or y;
// only the GEMM k order depends on it (see conv_iterator.cuh):
//   NCHW: k = c*T*R*S + (t*R + r)*S + s     (weight K, C/g, T, R, S)
//   NHWC: k = ((t*R + r)*S + s)*C/g + c     (weight K, T, R, S, C/g)
// In both layouts the weight of output channel kk is the contiguous row
// w[kk*Kgemm .. kk*Kgemm + Kgemm), i.e. GEMM operand B is N x K "column major".
// All offsets are 32-bit: make_conv_params() refuses problems whose x, w, y
// (or unfold workspace) have >= 2^31 elements.
#ifndef FASTCONV_CUDA_CONV_PARAMS_H
#define FASTCONV_CUDA_CONV_PARAMS_H

#include <stdint.h>

#include "fastconv.h"

namespace fc {
namespace cuda {

struct ConvParams {
    int N, C, K, G, Cg, Kg;
    int D, H, W;        // input spatial
    int T, R, S;        // kernel
    int O, P, Q;        // output spatial (d, h, w)
    int sd, sh, sw;     // stride
    int pd, ph, pw;     // padding at the beginning
    int dd, dh, dw;     // dilation
    int chlast;         // 1: NHWC (channels last)
    int M;              // GEMM M per group = N*O*P*Q
    int Kgemm;          // GEMM K = Cg*T*R*S
    int TRS, RS, OPQ, PQ;
    int xs_n, xs_c, xs_d, xs_h, xs_w;  // x element strides
    int ys_n, ys_k, ys_p;              // y element strides (batch, channel, output pixel)
    int has_bias, relu;
    // GEMM-k step of one BK = 32 slice as (c, t, r, s) digits in the layout's
    // k order (set_k_step): the implicit-GEMM iterator adds it per slice.
    int kstep_c, kstep_t, kstep_r, kstep_s;
};

constexpr int kGemmBK = 32;  // BK of every GEMM tile (tile_config.cuh asserts it)

inline void set_k_step(ConvParams* p) {
    int c, trs;
    if (p->chlast) {
        trs = kGemmBK / p->Cg;
        c = kGemmBK - trs * p->Cg;
    } else {
        c = kGemmBK / p->TRS;
        trs = kGemmBK - c * p->TRS;
    }
    p->kstep_c = c;
    p->kstep_t = trs / p->RS;
    const int rs = trs - p->kstep_t * p->RS;
    p->kstep_r = rs / p->S;
    p->kstep_s = rs - p->kstep_r * p->S;
}

// Fills *p from a validated descriptor. groups_override > 0 replaces groups
// (fc_unfold ignores groups: pass 1). Returns 0 or a static message.
inline const char* make_conv_params(const fc_conv_desc* d, ConvParams* p, int64_t groups_override = 0) {
    const int nd = d->spatial_dims;
    int64_t in[3] = {1, 1, 1}, ks[3] = {1, 1, 1}, st[3] = {1, 1, 1}, pb[3] = {0, 0, 0}, pe[3] = {0, 0, 0},
            dl[3] = {1, 1, 1}, out[3] = {1, 1, 1};
    for (int i = 0; i < nd; ++i) {
        const int j = 3 - nd + i;
        in[j] = d->in_size[i];
        ks[j] = d->kernel_size[i];
        st[j] = d->stride[i];
        pb[j] = d->pad_begin[i];
        pe[j] = d->pad_end[i];
        dl[j] = d->dilation[i];
    }
    for (int j = 0; j < 3; ++j) {
        const int64_t span = dl[j] * (ks[j] - 1) + 1;
        const int64_t padded = in[j] + pb[j] + pe[j];
        if (padded < span) return "kernel larger than the padded input";
        out[j] = (padded - span) / st[j] + 1;
    }
    const int64_t G = groups_override > 0 ? groups_override : d->groups;
    const int64_t N = d->batch, C = d->in_channels, K = d->out_channels;
    const int64_t DHW = in[0] * in[1] * in[2], OPQ = out[0] * out[1] * out[2], TRS = ks[0] * ks[1] * ks[2];
    const int64_t Cg = C / G, Kg = K / G;
    const int64_t lim = (int64_t)1 << 31;
    const int64_t M = N * OPQ, Kgemm = Cg * TRS;
    if (N * C * DHW >= lim || K * Cg * TRS >= lim || N * K * OPQ >= lim || G * M * Kgemm >= lim ||
        N * C * TRS * OPQ >= lim)
        return "a tensor (or the unfold matrix) has >= 2^31 elements: the CUDA kernels use 32-bit offsets";
    for (int j = 0; j < 3; ++j)
        if (pb[j] >= lim / 4 || st[j] >= lim / 4 || dl[j] * ks[j] >= lim / 4) return "stride/padding/dilation too large";
    // The GEMM iterators form offsets relative to a window origin that may lie in
    // the padding (base + tap offset): the padded + dilated input volume must fit
    // 32-bit offsets too.
    {
        int64_t vol = N * C;
        for (int j = 0; j < 3; ++j) vol *= in[j] + pb[j] + pe[j];
        if (vol >= lim) return "the padded input has >= 2^31 elements: the CUDA kernels use 32-bit offsets";
    }
    p->N = (int)N; p->C = (int)C; p->K = (int)K; p->G = (int)G; p->Cg = (int)Cg; p->Kg = (int)Kg;
    p->D = (int)in[0]; p->H = (int)in[1]; p->W = (int)in[2];
    p->T = (int)ks[0]; p->R = (int)ks[1]; p->S = (int)ks[2];
    p->O = (int)out[0]; p->P = (int)out[1]; p->Q = (int)out[2];
    p->sd = (int)st[0]; p->sh = (int)st[1]; p->sw = (int)st[2];
    p->pd = (int)pb[0]; p->ph = (int)pb[1]; p->pw = (int)pb[2];
    p->dd = (int)dl[0]; p->dh = (int)dl[1]; p->dw = (int)dl[2];
    p->chlast = d->layout == FC_LAYOUT_NHWC ? 1 : 0;
    p->M = (int)M; p->Kgemm = (int)Kgemm; p->TRS = (int)TRS; p->RS = (int)(ks[1] * ks[2]);
    p->OPQ = (int)OPQ; p->PQ = (int)(out[1] * out[2]);
    if (p->chlast) {
        p->xs_c = 1; p->xs_w = (int)C; p->xs_h = (int)(C * in[2]); p->xs_d = (int)(C * in[1] * in[2]);
        p->xs_n = (int)(C * DHW);
        p->ys_k = 1; p->ys_p = (int)K; p->ys_n = (int)(K * OPQ);
    } else {
        p->xs_w = 1; p->xs_h = (int)in[2]; p->xs_d = (int)(in[1] * in[2]); p->xs_c = (int)DHW;
        p->xs_n = (int)(C * DHW);
        p->ys_p = 1; p->ys_k = (int)OPQ; p->ys_n = (int)(K * OPQ);
    }
    p->has_bias = d->has_bias ? 1 : 0;
    p->relu = d->activation == FC_ACTIVATION_RELU ? 1 : 0;
    set_k_step(p);
    return 0;
}

// The same problem with x (and the GEMM k order, hence the weights) in
// channels-last layout and y left as it is: what the implicit GEMM sees after
// the NCHW -> NHWC transform of x (and of w: [K][Cg][TRS] -> [K][TRS][Cg]).
// cgp > Cg: the channels of every group are zero-padded to cgp (x and w
// padded copies; zero products leave y unchanged), so that C/g becomes a
// multiple of the 16-byte vector.
inline ConvParams nhwc_input_view(const ConvParams& p, int cgp = 0) {
    ConvParams q = p;
    if (cgp > p.Cg) {
        q.Cg = cgp;
        q.C = cgp * p.G;
        q.Kgemm = cgp * p.TRS;
    }
    q.chlast = 1;
    q.xs_c = 1;
    q.xs_w = q.C;
    q.xs_h = q.C * p.W;
    q.xs_d = q.C * p.W * p.H;
    q.xs_n = q.C * p.W * p.H * p.D;
    set_k_step(&q);
    return q;
}

}  // namespace cuda
}  // namespace fc
#endif
