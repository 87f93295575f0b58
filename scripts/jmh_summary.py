#!/usr/bin/env python3
"""Summarise target/jmh/results.json (scripts/jmh.sh): the four groups, ns/op and B/op, ratios."""
import json
import sys

rows = {}
for r in json.load(open(sys.argv[1])):
    name = r["benchmark"].rsplit(".", 2)
    key = name[-2] + "." + name[-1]
    p = r.get("params", {})
    if "shape" in p:
        key += "[" + p["shape"] + "]"
    # the median of the measurement iterations (all forks): robust on a shared, noisy machine
    raw = sorted(v for fork in r["primaryMetric"].get("rawData", []) for v in fork)
    ns = (raw[len(raw) // 2] if len(raw) % 2 else (raw[len(raw) // 2 - 1] + raw[len(raw) // 2]) / 2) if raw \
        else r["primaryMetric"]["score"]
    unit = r["primaryMetric"]["scoreUnit"]
    scale = {"ns/op": 1, "us/op": 1e3, "ms/op": 1e6, "s/op": 1e9}.get(unit, 1)
    b = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score", float("nan"))
    rows[key] = (ns * scale, b, r.get("threads", 1))


def show(title, keys):
    print("\n" + title)
    print("  %-46s %14s %10s" % ("benchmark", "ns/op", "B/op"))
    for k in keys:
        if k in rows:
            ns, b, _ = rows[k]
            print("  %-46s %14.1f %10.1f" % (k, ns, b))


def get(k):
    return rows[k][0] if k in rows else None


print("\n==== fastconv JMH summary (ns/op: median of the measurement iterations, lower is better; B/op: -prof gc"
      " gc.alloc.rate.norm, which includes JMH's own per-iteration allocation spread over few ops for slow benchmarks)")
show("1. Java-layer overhead (1x1x1x1 conv)", ["OverheadBench.floorVersionDowncall", "OverheadBench.rawForward1x1",
     "OverheadBench.forward1x1", "OverheadBench.forward1x1HeapArrays", "OverheadBench.forwardAsync1x1"])
f, raw, fw = get("OverheadBench.floorVersionDowncall"), get("OverheadBench.rawForward1x1"), get("OverheadBench.forward1x1")
if f is not None and fw is not None:
    print("  forward1x1 - floor = %.1f ns (target <= 150)%s" % (fw - f, "" if raw is None else
          "; forward1x1 - raw fc_conv_forward downcall = %.1f ns (the Java layer itself)" % (fw - raw)))
for title, shapes in (("2. small shape (1x16x32x32 -> 16, 3x3)", ["small"]),
                      ("3. note 1x3x1024x1024 -> 16; ResNet 1x64x56x56 -> 64; 1x256x14x14 -> 256", ["note", "r56", "r14"])):
    methods = ("fastconvSegment", "fastconvHeapArray", "fastconvHeapArrayZeroCopy", "onnxRuntime")
    show(title, ["ConvBench.%s[%s]" % (m, s) for s in shapes for m in methods])
    for s in shapes:
        a, h, z, o = (get("ConvBench.%s[%s]" % (m, s)) for m in methods)
        if a and o:
            print("  %-5s ONNX Runtime / fastconv = %.2fx (%s)%s%s" % (s, o / a, "fastconv faster" if o > a else "ONNX Runtime faster",
                  "" if not h else "; float[] / segment = %.2fx" % (h / a),
                  "" if not z else "; float[] zero-copy / segment = %.2fx" % (z / a)))
show("4. threads sharing one plan (small shape; ns per call per thread)", ["ThroughputBench.threads1", "ThroughputBench.threads2",
     "ThroughputBench.threads4"])
for k, t in (("ThroughputBench.threads1", 1), ("ThroughputBench.threads2", 2), ("ThroughputBench.threads4", 4)):
    if k in rows:
        print("  %d thread(s): %.0f calls/s in total" % (t, t * 1e9 / rows[k][0]))
