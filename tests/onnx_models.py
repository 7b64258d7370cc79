#!/usr/bin/env python3
"""Exports PyTorch models to ONNX for tst_onnx_import, with their input and PyTorch's output.

Usage: onnx_models.py OUT_DIR
Writes OUT_DIR/NAME.onnx, OUT_DIR/NAME.io (safetensors: "image" and "logits") and the same as
NAME.input.npy and NAME.output.npy for the mlp,
lenet5, resnet18-cifar, a small net with batch norm, pooling, GELU and softmax, and an MLP with
every other activation (plain PyTorch, random weights, random batch-norm statistics, eval mode);
the activations net also at opsets 11 and 17 (NAME-opsetN), a net of Linear and LayerNorm over
tokens (N, 8, 16) at 17, one head of self-attention, a gating net of Mul, Sub and Div, a net pooled by ReduceMean and ReduceSum (also at
opset 11); and for the error cases:
unsupported.onnx (an ELU) and no_output.onnx (a graph output no node produces).
"""
import os
import sys

import numpy
import onnx
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_models  # noqa: E402
from torch_reference import write_safetensors  # noqa: E402

BATCH = 4


def export(model, shape, path, opset=13):
    model.eval()
    x = torch.randn(BATCH, *shape)
    torch.onnx.export(model, x, path, opset_version=opset, input_names=["image"],
                      output_names=["logits"],
                      dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})
    return x


class Attention(torch.nn.Module):
    """One head of self-attention over tokens (N, T, 16), its scale folded into the query."""

    def __init__(self):
        super().__init__()
        nn = torch.nn
        self.q, self.k, self.v = nn.Linear(16, 16), nn.Linear(16, 16), nn.Linear(16, 16)
        self.out = nn.Linear(16, 5)

    def forward(self, x):
        scores = self.q(x) @ self.k(x).transpose(1, 2)
        return self.out(torch.softmax(scores, dim=-1) @ self.v(x))


class Gating(torch.nn.Module):
    """Mul, Sub and Div of computed values over tokens (N, T, 16), one of them broadcast."""

    def __init__(self):
        super().__init__()
        nn = torch.nn
        self.a, self.b, self.c = nn.Linear(16, 12), nn.Linear(16, 12), nn.Linear(16, 12)
        self.scale, self.out = nn.Linear(16, 1), nn.Linear(12, 5)

    def forward(self, x):
        gated = self.a(x) * torch.sigmoid(self.b(x))
        return self.out(gated - self.c(x) / torch.sigmoid(self.scale(x)))


class MeanPooled(torch.nn.Module):
    """A convolution pooled by x.mean(dim=(2, 3)) and by sums over one axis, then the mean."""

    def __init__(self):
        super().__init__()
        nn = torch.nn
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.fc, self.fc2 = nn.Linear(8, 5), nn.Linear(8, 5)

    def forward(self, x):
        h = torch.relu(self.conv(x))
        return self.fc(h.mean(dim=(2, 3))) + self.fc2(h.sum(dim=3).mean(dim=2))


def main(out):
    torch.manual_seed(0)
    nn = torch.nn
    # The exporter folds batch norm into a preceding convolution; this one has none before it.
    batch_norm_first = nn.Sequential(nn.BatchNorm2d(3), nn.Conv2d(3, 8, 3, padding=1), nn.Sigmoid(),
                                     nn.AvgPool2d(2), nn.GELU(), nn.Tanh(), nn.AdaptiveAvgPool2d(1),
                                     nn.Flatten(), nn.Linear(8, 5), nn.Softmax(dim=1))
    # Wide inputs reach both sides of every kink (Hardswish at +-3, ReLU6 at 6).
    activations = nn.Sequential(nn.Flatten(), nn.Linear(16, 24), nn.LeakyReLU(0.2),
                                nn.Linear(24, 24), nn.SiLU(), nn.Linear(24, 24), nn.Hardswish(),
                                nn.Linear(24, 24), nn.Hardsigmoid(), nn.Linear(24, 24), nn.ReLU6(),
                                nn.Linear(24, 24), nn.Hardtanh(-3, 6), nn.Linear(24, 5),
                                nn.LogSoftmax(dim=1))
    with torch.no_grad():
        for m in activations.modules():
            if isinstance(m, nn.Linear):
                m.weight.mul_(8)
    # Tokens (N, 8, 16): Linear layers as MatMul + Add; LayerNormalization is one ONNX op from
    # opset 17.
    layer_norm = nn.Sequential(nn.Linear(16, 24), nn.LayerNorm(24), nn.GELU(), nn.Linear(24, 5))
    with torch.no_grad():
        layer_norm[1].weight.uniform_(0.5, 1.5)
        layer_norm[1].bias.uniform_(-0.5, 0.5)
    models = (("mlp", (1, 28, 28), torch_models.mlp(torch), 13),
              ("lenet5", (1, 28, 28), torch_models.lenet5(torch), 13),
              ("resnet18-cifar", (3, 32, 32), torch_models.resnet(torch, 18, True, 10), 13),
              ("batch-norm-first", (3, 8, 8), batch_norm_first, 13),
              ("activations", (16,), activations, 13),
              ("activations-opset11", (16,), activations, 11),
              ("activations-opset17", (16,), activations, 17),
              ("layer-norm-opset17", (8, 16), layer_norm, 17),
              ("attention", (8, 16), Attention(), 13),
              ("gating", (8, 16), Gating(), 13),
              ("mean-pooled", (3, 8, 8), MeanPooled(), 13),
              ("mean-pooled-opset11", (3, 8, 8), MeanPooled(), 11))
    for name, shape, model, opset in models:
        for m in model.modules():  # batch norm that is not the identity in eval mode
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.data.uniform_(0.5, 1.5)
                m.bias.data.uniform_(-0.5, 0.5)
        x = export(model, shape, os.path.join(out, name + ".onnx"), opset)
        with torch.no_grad():
            y = model(x)
        write_safetensors(os.path.join(out, name + ".io"), {"image": x, "logits": y})
        numpy.save(os.path.join(out, name + ".input.npy"), x.numpy())  # for twb-engine predict
        numpy.save(os.path.join(out, name + ".output.npy"), y.numpy())
        exported = onnx.load(os.path.join(out, name + ".onnx"))
        onnx.checker.check_model(exported)
        assert [o.name for o in exported.graph.output] == ["logits"], f"{name}: unexpected outputs"

    elu = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 3), torch.nn.ELU())
    export(elu, (4,), os.path.join(out, "unsupported.onnx"))
    model = onnx.load(os.path.join(out, "mlp.onnx"))
    model.graph.output[0].name = "nobody_makes_this"
    onnx.save(model, os.path.join(out, "no_output.onnx"))


if __name__ == "__main__":
    main(sys.argv[1])
