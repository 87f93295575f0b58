package dev.fastconv.jmh;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A one-node ONNX model (Conv, with weight and bias as initializers) written as protobuf bytes by
 * hand: ModelProto / GraphProto / NodeProto / AttributeProto / TensorProto / ValueInfoProto, only the
 * fields a Conv needs. No protobuf dependency.
 */
final class OnnxModel {

    private OnnxModel() {}

    /** Protobuf writer: varints, length-delimited fields. */
    private static final class Pb {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pb varint(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
            return this;
        }

        Pb tag(int field, int wire) {
            return varint(((long) field << 3) | wire);
        }

        Pb i64(int field, long v) {
            return tag(field, 0).varint(v);
        }

        Pb bytes(int field, byte[] b) {
            tag(field, 2).varint(b.length);
            out.writeBytes(b);
            return this;
        }

        Pb str(int field, String s) {
            return bytes(field, s.getBytes(StandardCharsets.UTF_8));
        }

        Pb msg(int field, Pb m) {
            return bytes(field, m.out.toByteArray());
        }

        byte[] toBytes() {
            return out.toByteArray();
        }
    }

    private static Pb tensor(String name, long[] dims, float[] data) {
        Pb t = new Pb();
        for (long d : dims) {
            t.i64(1, d); // dims
        }
        t.i64(2, 1); // data_type FLOAT
        t.str(8, name);
        ByteBuffer bb = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().put(data);
        t.bytes(9, bb.array()); // raw_data
        return t;
    }

    private static Pb valueInfo(String name, long[] dims) {
        Pb shape = new Pb();
        for (long d : dims) {
            shape.msg(1, new Pb().i64(1, d)); // dim { dim_value }
        }
        Pb tensorType = new Pb().i64(1, 1).msg(2, shape); // elem_type FLOAT, shape
        Pb type = new Pb().msg(1, tensorType);            // TypeProto.tensor_type
        return new Pb().str(1, name).msg(2, type);
    }

    private static Pb intsAttr(String name, long... v) {
        Pb a = new Pb().str(1, name);
        for (long x : v) {
            a.i64(8, x); // ints
        }
        a.i64(20, 7); // type INTS
        return a;
    }

    /** conv2d NCHW with symmetric padding and stride; input "X", output "Y". */
    static byte[] conv2d(long[] xShape, long[] wShape, float[] w, float[] b, int pad, int stride, long[] yShape) {
        Pb node = new Pb().str(1, "X").str(1, "W");
        if (b != null) {
            node.str(1, "B");
        }
        node.str(2, "Y").str(3, "conv").str(4, "Conv")
                .msg(5, intsAttr("kernel_shape", wShape[2], wShape[3]))
                .msg(5, intsAttr("pads", pad, pad, pad, pad))
                .msg(5, intsAttr("strides", stride, stride))
                .msg(5, intsAttr("dilations", 1, 1));
        Pb graph = new Pb().msg(1, node).str(2, "g").msg(5, tensor("W", wShape, w));
        if (b != null) {
            graph.msg(5, tensor("B", new long[] {wShape[0]}, b));
        }
        graph.msg(11, valueInfo("X", xShape)).msg(12, valueInfo("Y", yShape));
        Pb opset = new Pb().str(1, "").i64(2, 13);
        return new Pb().i64(1, 8).str(2, "fastconv-jmh").msg(7, graph).msg(8, opset).toBytes(); // ir_version 8, opset 13
    }
}
