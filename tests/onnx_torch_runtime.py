#!/usr/bin/python3
"""A small ONNX runtime on PyTorch operators, an independent check of the engine's ONNX export
(Debian 12 has no onnxruntime, and onnx 1.12 has no reference evaluator). It runs the operators
the exporter writes, QuantizeLinear / DequantizeLinear included, with ONNX's semantics: round
half to even, saturate, per-axis scales.

usage: onnx_torch_runtime.py MODEL.onnx INPUT.f32 BATCH OUTPUT.f32
INPUT.f32 holds BATCH samples of the model's input as raw float32; OUTPUT.f32 receives the
model's first output the same way."""
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

INT_RANGE = {np.dtype(np.uint8): (0, 255), np.dtype(np.int8): (-128, 127)}


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def per_axis(param, x, axis):
    """A scale or zero point broadcast along `axis` of x (a scalar broadcasts as is)."""
    if param.dim() == 0:
        return param
    shape = [1] * x.dim()
    shape[axis] = -1
    return param.reshape(shape)


def quantize(x, scale, zero, a):
    axis = a.get("axis", 1)
    lo, hi = INT_RANGE[zero.numpy().dtype]
    zero_t = torch.from_numpy(zero.numpy().astype(np.float32))
    q = torch.round(x / per_axis(scale, x, axis)) + per_axis(zero_t, x, axis)
    return torch.clamp(q, lo, hi)  # kept as float holding integers


def dequantize(q, scale, zero, a):
    axis = a.get("axis", 1)
    zero_t = torch.from_numpy(np.asarray(zero.numpy(), dtype=np.float32))
    return (q - per_axis(zero_t, q, axis)) * per_axis(scale, q, axis)


def conv(x, w, b=None, **a):
    """A 2-D convolution, or a 1-D one for a weight (out, in, kernel)."""
    axes = w.dim() - 2
    pads = a.get("pads", [0] * 2 * axes)
    if pads[:axes] != pads[axes:]:
        raise ValueError("asymmetric Conv padding is not supported here")
    return (F.conv1d if axes == 1 else F.conv2d)(
        x, w, b, stride=a.get("strides", [1] * axes), padding=pads[:axes],
        dilation=a.get("dilations", [1] * axes), groups=a.get("group", 1))


def gemm(x, w, b=None, **a):
    if a.get("transA", 0):
        x = x.t()
    if a.get("transB", 0):
        w = w.t()
    y = a.get("alpha", 1.0) * (x @ w)
    return y if b is None else y + a.get("beta", 1.0) * b


def pool(kind):
    def run(x, **a):
        k, s = a["kernel_shape"], a.get("strides", [1, 1])
        p = a.get("pads", [0, 0, 0, 0])[:2]
        if kind == "max":
            return F.max_pool2d(x, k, s, p)
        return F.avg_pool2d(x, k, s, p, count_include_pad=bool(a.get("count_include_pad", 0)))
    return run


OPS = {
    "Conv": conv,
    "Gemm": gemm,
    "MatMul": lambda a, b: a @ b,
    "Relu": lambda x: torch.relu(x),
    "Clip": lambda x, lo, hi: torch.clamp(x, lo.item(), hi.item()),
    "Sigmoid": torch.sigmoid,
    "HardSwish": F.hardswish,
    "Tanh": torch.tanh,
    "Erf": torch.erf,
    "MaxPool": pool("max"),
    "AveragePool": pool("avg"),
    "GlobalAveragePool": lambda x: x.mean(dim=(2, 3), keepdim=True),
    "Flatten": lambda x, axis=1: x.reshape(int(np.prod(x.shape[:axis])), -1),
    "Reshape": lambda x, shape: x.reshape([x.shape[i] if int(d) == 0 else int(d)
                                           for i, d in enumerate(shape.tolist())]),
    "Add": lambda a, b: a + b,
    "Sum": lambda *xs: sum(xs),
    "Mul": lambda a, b: a * b,
    "Div": lambda a, b: a / b,
    "Concat": lambda *xs, axis: torch.cat(xs, dim=axis),
    "Softmax": lambda x, axis=-1: torch.softmax(x, dim=axis),
    "Identity": lambda x: x,
    "BatchNormalization": lambda x, g, b, m, v, epsilon=1e-5, momentum=0.9:
        F.batch_norm(x, m, v, g, b, False, 0.0, epsilon),
}


def run(model, x):
    values = {}
    raw = {}  # integer initializers keep their numpy type for Q/DQ zero points
    for init in model.graph.initializer:
        array = numpy_helper.to_array(init)
        raw[init.name] = array
        values[init.name] = torch.from_numpy(array.astype(np.float32) if array.dtype != np.int64
                                             else array)
    values[model.graph.input[0].name] = x
    for node in model.graph.node:
        a = attrs(node)
        args = [values[i] for i in node.input]
        if node.op_type == "QuantizeLinear":
            zero = torch.from_numpy(raw[node.input[2]])
            out = quantize(args[0], args[1], zero, a)
        elif node.op_type == "DequantizeLinear":
            zero = torch.from_numpy(raw[node.input[2]])
            out = dequantize(args[0], args[1], zero, a)
        elif node.op_type in OPS:
            out = OPS[node.op_type](*args, **a)
        else:
            raise ValueError(f"node '{node.name}': op {node.op_type} is not supported here")
        assert torch.isfinite(out).all(), f"node '{node.name}' ({node.op_type}) produced NaN or Inf"
        values[node.output[0]] = out
    return values[model.graph.output[0].name]


def main():
    path, inputs, batch, outputs = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    model = onnx.load(path)
    dims = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim[1:]]
    data = np.fromfile(inputs, dtype=np.float32)
    assert data.size == batch * int(np.prod(dims)), \
        f"{inputs}: {data.size} floats, {batch} samples of {dims} need {batch * int(np.prod(dims))}"
    x = torch.from_numpy(data.reshape([batch] + dims))
    with torch.no_grad():
        y = run(model, x)
    y.numpy().astype(np.float32).tofile(outputs)


if __name__ == "__main__":
    main()
