#!/usr/bin/env python3
"""Exports PyTorch models to ONNX for tst_onnx_import, with their input and PyTorch's output.

Usage: onnx_models.py OUT_DIR
Writes OUT_DIR/NAME.onnx, OUT_DIR/NAME.io (safetensors: "image" and "logits") and the same as
NAME.input.npy and NAME.output.npy for the mlp,
lenet5, resnet18-cifar, a small net with batch norm, pooling, GELU and softmax, and an MLP with
every other activation (plain PyTorch, random weights, random batch-norm statistics, eval mode);
the activations net also at opsets 11 and 17 (NAME-opsetN), a net of Linear and LayerNorm over
tokens (N, 8, 16) at 17, one head of self-attention, a gating net of Mul, Sub and Div, a net pooled by ReduceMean and ReduceSum (also at
opset 11), a DenseNet block (a Concat of one input first), pooling in ceil mode, zero Pads before a pool and a convolution (also at opset 10), a ConvNeXt
block (layer scale: a Mul by a constant tensor; also at 17), torch.einsum's forms at opsets 12 and 13,
Neg, Exp, Log, Abs, Reciprocal and Softsign, a
1-D convolutional net and GroupNorm and InstanceNorm2d (each also at opset 9), nn.Upsample nearest
(Resize, and Upsample at opset 9) and bilinear (also at opset 11), F.interpolate to a size, a ViT and a MobileNetV2 with squeeze-excite as
people write them, at opsets 11, 13
and 17, a ViT whose attention is nn.MultiheadAttention (sequence first inside, heads folded into the batch) at
the same opsets, torchvision's own VisionTransformer (a class token expanded to the batch) at the same opsets, an nn.Embedding over int64 token ids, lenet5 with its weights as external data;
torchvision's ViT and Swin, the MultiheadAttention ViT, attention sequence first and a flatten by
`x.view(x.size(0), -1)` exported with the batch fixed at 1 and at 2 (NAME-batchB), their
inputs of 4 samples; nn.TransformerEncoder sequence first, its norm after and before, at opsets
13 and 17, and a per-token gate sequence first; a text classifier with its sequence length
free (text-free-length), and two inputs with sizes left free (two-free-inputs); pooling in ceil mode at opset 9 and torchvision's ShuffleNetV2 at opset 8
(batch fixed at 1); and for the error cases: unsupported.onnx
(a SELU), no_output.onnx (a graph output no node produces) and sequence-first-output.onnx (an
output whose batch is on axis 1), sequence-first-sum.onnx (such a value plus a batch-first one),
external-escape.onnx (external data outside the model's folder), asymmetric-qdq.onnx (int8
activations with a zero point), einsum-diagonal.onnx and einsum-batch-summed.onnx (an Einsum
taking a diagonal, one summing over the batch), corner-aligned.onnx (bilinear, align_corners=True),
lstm-cell-read.onnx and lstm-lengths.onnx (an LSTM's last cell state read, sequence lengths given),
gru-reset-first.onnx (a GRU with linear_before_reset 0), gru-learned-state.onnx (a GRU starting
from a learned state),
batch-cut.onnx (a reshape that splits the batch), fixed-batch-cut.onnx (the same exported with
the batch fixed), expanded-input.onnx (an Expand of a computed
value) and added-token.onnx (a parameter expanded to the batch and added, not put first).
"""
import copy
import functools
import os
import shutil
import sys

import numpy
import onnx
import onnx.numpy_helper
import torch
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_models  # noqa: E402
from torch_reference import write_safetensors  # noqa: E402

BATCH = 4


def export(model, shape, path, opset=13, fixed_batch=None):
    """Exports with the batch free, or fixed at `fixed_batch` (PyTorch's default, no dynamic_axes);
    returns an input of BATCH samples either way."""
    model.eval()
    x = torch.randn(BATCH, *shape)
    free = {"dynamic_axes": {"image": {0: "batch"}, "logits": {0: "batch"}}}
    torch.onnx.export(model, x if fixed_batch is None else torch.randn(fixed_batch, *shape), path,
                      opset_version=opset, input_names=["image"], output_names=["logits"],
                      **({} if fixed_batch else free))
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


class VitStyle(torch.nn.Module):
    """A ViT as people write it (timm's form): patch convolution, a (1, T, D) positional
    embedding, pre-norm blocks whose attention is one fused q/k/v Linear cut up with
    `B, T, C = x.shape; qkv.reshape(B, T, 3, h, C // h).permute(2, 0, 3, 1, 4)` and scaled by
    `(C // h) ** -0.5`, a GELU MLP, mean pooling over tokens."""

    class Attention(torch.nn.Module):
        def __init__(self, dim, heads):
            super().__init__()
            self.heads = heads
            self.qkv, self.proj = torch.nn.Linear(dim, 3 * dim), torch.nn.Linear(dim, dim)

        def forward(self, x):
            B, T, C = x.shape
            q, k, v = self.qkv(x).reshape(B, T, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
            scores = (q @ k.transpose(-2, -1)) * (C // self.heads) ** -0.5
            return self.proj((scores.softmax(dim=-1) @ v).transpose(1, 2).reshape(B, T, C))

    class TorchAttention(torch.nn.Module):
        """nn.MultiheadAttention, which computes sequence first and folds the heads into the
        batch."""

        def __init__(self, dim, heads):
            super().__init__()
            self.attention = torch.nn.MultiheadAttention(dim, heads, batch_first=True)

        def forward(self, x):
            return self.attention(x, x, x, need_weights=False)[0]

    def __init__(self, dim=24, heads=4, depth=2, torch_attention=False):
        super().__init__()
        nn = torch.nn
        attention = self.TorchAttention if torch_attention else self.Attention
        self.patches = nn.Conv2d(1, dim, 7, stride=7)
        self.position = nn.Parameter(torch.randn(1, 16, dim) * 0.1)
        self.blocks = nn.ModuleList()
        for _ in range(depth):
            self.blocks.append(nn.ModuleList([nn.LayerNorm(dim), attention(dim, heads), nn.LayerNorm(dim),
                                              nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(),
                                                            nn.Linear(2 * dim, dim))]))
        self.norm, self.head = nn.LayerNorm(dim), nn.Linear(dim, 10)

    def forward(self, x):
        x = self.patches(x).flatten(2).transpose(1, 2) + self.position
        for ln1, attention, ln2, mlp in self.blocks:
            x = x + attention(ln1(x))
            x = x + mlp(ln2(x))
        return self.head(self.norm(x).mean(dim=1))


class MobileNetStyle(torch.nn.Module):
    """MobileNetV2's inverted residuals (1x1 expansion, 3x3 depthwise, ReLU6, linear projection,
    shortcut) with MobileNetV3's squeeze-excite: a gate of HardSigmoid over pooled channels (the
    gate second, then first as torchvision's SqueezeExcitation multiplies), and Hardswish in the
    head."""

    class Block(torch.nn.Module):
        def __init__(self, cin, cout, stride, t, gate_first=False):
            super().__init__()
            self.gate_first = gate_first
            nn = torch.nn
            hidden = cin * t
            self.expand = nn.Sequential(nn.Conv2d(cin, hidden, 1, bias=False), nn.BatchNorm2d(hidden), nn.ReLU6())
            self.depthwise = nn.Sequential(nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False),
                                           nn.BatchNorm2d(hidden), nn.ReLU6())
            self.squeeze = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(hidden, hidden // 4, 1), nn.ReLU(),
                                         nn.Conv2d(hidden // 4, hidden, 1), nn.Hardsigmoid())
            self.project = nn.Sequential(nn.Conv2d(hidden, cout, 1, bias=False), nn.BatchNorm2d(cout))
            self.residual = stride == 1 and cin == cout

        def forward(self, x):
            h = self.depthwise(self.expand(x))
            h = self.project(self.squeeze(h) * h if self.gate_first else h * self.squeeze(h))
            return x + h if self.residual else h

    def __init__(self):
        super().__init__()
        nn = torch.nn
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU6())
        self.blocks = nn.Sequential(self.Block(16, 16, 1, 4), self.Block(16, 24, 2, 4), self.Block(24, 24, 1, 4, gate_first=True))
        self.head = nn.Sequential(nn.Conv2d(24, 64, 1), nn.Hardswish(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                  nn.Linear(64, 10))

    def forward(self, x):
        return self.head(self.blocks(self.stem(x)))


class DenseStyle(torch.nn.Module):
    """DenseNet's dense block as torchvision writes it: each layer reads torch.cat of every
    feature map so far, the first a cat of one (a Concat of a single input)."""

    def __init__(self, layers=3, growth=4):
        super().__init__()
        nn = torch.nn
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.layers = nn.ModuleList(
            nn.Sequential(nn.BatchNorm2d(8 + i * growth), nn.ReLU(),
                          nn.Conv2d(8 + i * growth, growth, 3, padding=1))
            for i in range(layers))
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                  nn.Linear(8 + layers * growth, 5))

    def forward(self, x):
        features = [self.stem(x)]
        for layer in self.layers:
            features.append(layer(torch.cat(features, 1)))
        return self.head(torch.cat(features, 1))


class ConvNextStyle(torch.nn.Module):
    """ConvNeXt's block as torchvision writes it: a 7x7 depthwise convolution, LayerNorm and an
    MLP over channels-last features, a learned per-channel layer scale (a Mul by a constant
    tensor in ONNX), a residual; the input divided by per-channel constants first."""

    def __init__(self, dim=8):
        super().__init__()
        nn = torch.nn
        self.register_buffer("std", torch.rand(3, 1, 1) + 0.5)
        self.stem = nn.Conv2d(3, dim, 2, stride=2)
        self.depthwise = nn.Conv2d(dim, dim, 7, padding=3, groups=dim)
        self.norm = nn.LayerNorm(dim)
        self.up, self.down = nn.Linear(dim, 4 * dim), nn.Linear(4 * dim, dim)
        self.gamma = nn.Parameter(torch.rand(dim, 1, 1) + 0.5)
        self.head = nn.Linear(dim, 5)

    def forward(self, x):
        x = self.stem(x / self.std)
        y = self.depthwise(x).permute(0, 2, 3, 1)
        y = self.down(torch.nn.functional.gelu(self.up(self.norm(y)))).permute(0, 3, 1, 2)
        x = x + self.gamma * y
        return self.head(x.mean((2, 3)))


class PaddedPools(torch.nn.Module):
    """Pads of zeros the exporter writes as their own nodes: Inception's F.avg_pool2d(x, 3, 1, 1)
    (a Pad, then an AveragePool without pads) and an F.pad before a convolution (whose pads
    opsets 11 on compute from constants: ConstantOfShape, Concat, Reshape, Slice, Transpose)."""

    def __init__(self):
        super().__init__()
        nn = torch.nn
        self.conv = nn.Conv2d(3, 8, 3)
        self.padded_conv = nn.Conv2d(8, 8, 3, padding=1)
        self.head = nn.Linear(8, 5)

    def forward(self, x):
        x = torch.relu(self.conv(x))
        x = torch.nn.functional.avg_pool2d(x, 3, 1, 1)
        x = self.padded_conv(torch.nn.functional.pad(x, (1, 1, 2, 2)))
        return self.head(x.mean((2, 3)))


class ZerosBeforeMaxPool(torch.nn.Module):
    """Zeros padded before a max pool, whose own padding would be -inf: a Pad of its own."""

    def forward(self, x):
        return torch.nn.functional.max_pool2d(torch.nn.functional.pad(x, (1, 1, 1, 1)), 2).mean((2, 3))


class OptionAShortcut(torch.nn.Module):
    """The CIFAR ResNets' (ResNet-20 to -110) downsampling block whose shortcut has no weights:
    every other pixel (a Slice with steps 2) widened with zero channels (a Pad of the channels)."""

    def __init__(self):
        super().__init__()
        nn = torch.nn
        self.conv = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.head = nn.Linear(16, 5)

    def forward(self, x):
        shortcut = torch.nn.functional.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, 4, 4))
        return self.head(torch.relu(self.conv(x) + shortcut).mean((2, 3)))


class SequenceFirstAttention(torch.nn.Module):
    """nn.MultiheadAttention sequence first, as it works inside: (T, N, E). Exported at batch 1 its
    `view(T * N, E)` reads (T, E), where the batch could sit before E as well as after T."""

    def __init__(self):
        super().__init__()
        self.attention = torch.nn.MultiheadAttention(16, 4)
        self.head = torch.nn.Linear(16, 5)

    def forward(self, x):
        y = x.transpose(0, 1)
        y, _ = self.attention(y, y, y, need_weights=False)
        return self.head(y.transpose(0, 1).mean(1))


class SequenceFirstEncoder(torch.nn.Module):
    """nn.TransformerEncoder with batch_first left False, fed (N, T, E) transposed, pooled over
    the tokens (axis 0): a mean, or with the norm first a sum keeping the axis."""

    def __init__(self, norm_first):
        super().__init__()
        layer = torch.nn.TransformerEncoderLayer(16, 4, 32, dropout=0.0, activation="gelu",
                                                 norm_first=norm_first)
        self.encoder = torch.nn.TransformerEncoder(layer, 2)
        self.head = torch.nn.Linear(16, 5)
        self.norm_first = norm_first

    def forward(self, x):
        y = self.encoder(x.transpose(0, 1))
        return self.head(y.sum(0, keepdim=True).squeeze(0) if self.norm_first else y.mean(0))


class SequenceFirstGate(torch.nn.Module):
    """A gate of one value per token times the tokens, sequence first: (T, N, 1) * (T, N, E),
    then reshaped by -1 (which reads the product's shape: the broadcast one)."""

    def __init__(self):
        super().__init__()
        self.head = torch.nn.Linear(8 * 16, 5)

    def forward(self, x):
        t = x.transpose(0, 1)
        gated = torch.sigmoid(t.mean(-1, keepdim=True)) * t
        return self.head(gated.reshape(8, -1, 4, 4).transpose(0, 1).flatten(1))


class TextClassifier(torch.nn.Module):
    """Token ids through an embedding and a batch-first encoder layer, mean-pooled."""

    def __init__(self):
        super().__init__()
        self.embedding = torch.nn.Embedding(50, 16)
        self.encoder = torch.nn.TransformerEncoderLayer(16, 4, 32, dropout=0.0, batch_first=True)
        self.head = torch.nn.Linear(16, 5)

    def forward(self, ids):
        return self.head(self.encoder(self.embedding(ids)).mean(1))


class FlattenedBySize(torch.nn.Module):
    """`x.view(x.size(0), -1)`, as older torchvision models flatten."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3)
        self.linear = torch.nn.Linear(4 * 6 * 6, 5)

    def forward(self, x):
        return self.linear(self.conv(x).view(x.size(0), -1))


class TwoInputs(torch.nn.Module):
    def forward(self, tokens, picture):
        return tokens.relu(), picture.relu()


def one_dimensional():
    """A 1-D convolutional net over (N, C, L), as audio and sequence models are: Conv1d with stride,
    padding, dilation and groups, BatchNorm1d after a PReLU (not folded into the convolution) on
    (N, C, L) and on (N, C), MaxPool1d, AvgPool1d padded, and the mean over L; PReLU's slopes one
    per channel and one for all."""
    nn = torch.nn
    net = nn.Sequential(nn.Conv1d(3, 8, 5, stride=2, padding=2), nn.PReLU(8), nn.BatchNorm1d(8),
                        nn.MaxPool1d(2), nn.Conv1d(8, 8, 3, padding=2, dilation=2, groups=2),
                        nn.AvgPool1d(3, 2, 1), nn.ReLU(), nn.AdaptiveAvgPool1d(1), nn.Flatten(),
                        nn.Linear(8, 16), nn.PReLU(), nn.BatchNorm1d(16), nn.Linear(16, 5))
    with torch.no_grad():  # slopes of their own, not PyTorch's 0.25 for all
        for m in net.modules():
            if isinstance(m, nn.PReLU):
                m.weight.uniform_(-0.5, 0.5)
    return net


def normalised_per_sample():
    """nn.GroupNorm (an InstanceNormalization of the groups, then the channels' scale and shift)
    on images and on (N, C, L), and nn.InstanceNorm2d with its affine parameters."""
    nn = torch.nn
    net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.GroupNorm(4, 8), nn.ReLU(),
                        nn.InstanceNorm2d(8, affine=True), nn.Flatten(2), nn.Conv1d(8, 6, 3),
                        nn.GroupNorm(2, 6), nn.Flatten(), nn.Linear(6 * 34, 5))
    with torch.no_grad():  # affine parameters that are no identity
        for m in net.modules():
            if isinstance(m, (nn.GroupNorm, nn.InstanceNorm2d)):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
    return net


def parameter_count(model):
    """What PyTorch trains of `model`, as a tensor for the .io file."""
    return torch.tensor([float(sum(p.numel() for p in model.parameters()))])


def layer_norms():
    """nn.LayerNorm without parameters (elementwise_affine=False) beside one with them."""
    nn = torch.nn
    net = nn.Sequential(nn.Flatten(), nn.Linear(48, 16), nn.LayerNorm(16, elementwise_affine=False),
                        nn.GELU(), nn.Linear(16, 12), nn.LayerNorm(12), nn.Linear(12, 5))
    with torch.no_grad():
        net[5].weight.uniform_(0.5, 1.5)
        net[5].bias.uniform_(-0.5, 0.5)
    return net


def upsampled(mode):
    """nn.Upsample by 2 and by (2, 3) and nn.ConvTranspose2d (stride, padding, output_padding,
    dilation) between convolutions, as decoders and feature pyramids enlarge maps."""
    nn = torch.nn
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.Upsample(scale_factor=2, mode=mode), nn.ReLU(),
                         nn.ConvTranspose2d(4, 4, 3, stride=2, padding=1, output_padding=1),
                         nn.ConvTranspose2d(4, 4, (3, 2), dilation=2, bias=False),
                         nn.Conv2d(4, 4, 3), nn.Upsample(scale_factor=(2, 3), mode=mode),
                         nn.AdaptiveAvgPool2d(2), nn.Flatten(), nn.Linear(16, 5))


class InterpolatedToSize(torch.nn.Module):
    """F.interpolate(size=...): Resize by sizes computed from the input's shape (Shape, Slice,
    Concat)."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3)
        self.head = torch.nn.Linear(4 * 10 * 8, 5)

    def forward(self, x):
        y = torch.nn.functional.interpolate(self.conv(x), size=(10, 8), mode="bilinear")
        return self.head(y.flatten(1))


class ElementwiseMath(torch.nn.Module):
    """Neg, Exp, Log, Abs, Reciprocal and Softsign (Abs, Add, Div) of computed values."""

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(16, 16)
        self.head = torch.nn.Linear(16, 5)

    def forward(self, x):
        h = self.linear(x)
        h = torch.log(torch.exp(-h) + 2) + torch.reciprocal(torch.abs(h) + 1) + \
            torch.nn.functional.softsign(h)
        return self.head(h)


class Einsums(torch.nn.Module):
    """torch.einsum as MaxViT's attention and hand-written models use it: a constant weight of
    several columns and one of none, attention's scores and mix (its output transposed), several
    indices contracted at once, a sum over indices of one operand, three operands, and "..." with
    the output left implicit."""

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.randn(8, 2, 4) * 0.3)
        self.v = torch.nn.Parameter(torch.randn(8))
        self.head = torch.nn.Linear(2 * 4 * 8 + 6 + 6 * 6 + 6, 5)

    def forward(self, x):
        qkv = torch.einsum("ntd,dhe->nhte", x, self.w)
        scores = torch.einsum("nhte,nhse->nhts", qkv, qkv)
        mixed = torch.einsum("nhts,nhse->nthe", scores.softmax(-1), qkv)
        pooled = torch.einsum("nthe,ntd->nhed", mixed, x)
        gate = torch.einsum("ntd,d->nt", x, self.v)
        summed = torch.einsum("nhed->nd", pooled)
        triple = torch.einsum("nd,nt,nd->nt", summed, gate, summed)
        gram = torch.einsum("...ij,...kj", x, x)
        return self.head(torch.cat([pooled.flatten(1), gate, gram.flatten(1), triple], 1))


class Recurrent(torch.nn.Module):
    """nn.LSTM, nn.GRU or nn.RNN as sequence classifiers use them (batch_first): two layers, then a
    bidirectional one; read are the last step's output, the first step's, the last hidden states
    of both directions (h_n[-2], h_n[-1]) and of both layers (h_n moved batch first)."""

    def __init__(self, cell=torch.nn.LSTM):
        super().__init__()
        self.rows = cell(8, 12, num_layers=2, batch_first=True)
        self.both = cell(12, 6, batch_first=True, bidirectional=True)
        self.head = torch.nn.Linear(12 + 12 + 12 + 24, 5)

    def forward(self, x):
        y, layers = self.rows(x)
        z, h = self.both(y)
        if isinstance(h, tuple):  # an LSTM's (h_n, c_n)
            layers, h = layers[0], h[0]
        return self.head(torch.cat([y[:, -1], z[:, 0], torch.cat([h[-2], h[-1]], dim=1),
                                    layers.transpose(0, 1).reshape(-1, 24)], dim=1))


class StartedRecurrent(torch.nn.Module):
    """Recurrent layers started from computed states: for a GRU or an RNN, a bidirectional
    encoder's last states start a decoder (seq2seq); for an LSTM, h_0 and c_0 projected from the
    sequence's mean, as a captioning decoder starts from an image's features."""

    def __init__(self, cell=torch.nn.GRU):
        super().__init__()
        nn = torch.nn
        self.lstm = cell is nn.LSTM
        self.encoder = cell(8, 12, batch_first=True, bidirectional=True)
        if self.lstm:
            self.h0, self.c0 = nn.Linear(8, 24), nn.Linear(8, 24)
        else:
            self.decoder = cell(8, 12, batch_first=True, bidirectional=True)
        self.head = nn.Linear(24, 5)

    def forward(self, x):
        if self.lstm:
            mean = x.mean(1)
            h0 = self.h0(mean).reshape(-1, 2, 12).transpose(0, 1).contiguous()
            c0 = torch.tanh(self.c0(mean)).reshape(-1, 2, 12).transpose(0, 1).contiguous()
            y, _ = self.encoder(x, (h0, c0))
        else:
            _, h = self.encoder(x)
            y, _ = self.decoder(x, h)
        return self.head(y[:, -1])


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
                                nn.Linear(24, 24), nn.Hardtanh(-3, 6), nn.Linear(24, 24),
                                nn.ELU(0.7), nn.Linear(24, 24), nn.Softplus(), nn.Linear(24, 24),
                                nn.Mish(), nn.Linear(24, 5),
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
    # SqueezeNet's and GoogLeNet's pools round their output size up: 12 -> 6 rows (a last
    # window over the edge); 5 -> 3 with padding (the window that would start in it dropped).
    ceil_mode_pooling = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.MaxPool2d(3, 2, ceil_mode=True),
                                      nn.Conv2d(8, 8, 2), nn.MaxPool2d(2, 2, 1, ceil_mode=True),
                                      nn.Flatten(), nn.Linear(72, 5))
    # One convolution and one Linear applied twice: each node that reads a shared initializer
    # gets its own parameter.
    shared = nn.Conv2d(8, 8, 3, padding=1)
    shared_head = nn.Linear(8, 8)
    shared_weights = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), shared, nn.ReLU(), shared,
                                   nn.AdaptiveAvgPool2d(1), nn.Flatten(), shared_head, nn.ReLU(),
                                   shared_head, nn.Linear(8, 5))
    # ResNet-D's shortcut pool (2 / 2, ceil_mode, the padding left out: 13 -> 7) and a 3 / 2 one
    # whose last window overhangs the edge (6 -> 3): each such window the mean of what it covers.
    ceil_mode_average = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(),
                                      nn.AvgPool2d(2, 2, ceil_mode=True, count_include_pad=False),
                                      nn.Conv2d(8, 8, 2), nn.AvgPool2d(3, 2, ceil_mode=True),
                                      nn.Flatten(), nn.Linear(72, 5))
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
              ("mean-pooled-opset11", (3, 8, 8), MeanPooled(), 11),
              ("dense-style", (3, 8, 8), DenseStyle(), 13),
              ("ceil-mode-pooling", (3, 14, 14), ceil_mode_pooling, 13),
              ("ceil-mode-average", (3, 15, 15), ceil_mode_average, 13),
              ("convnext-style", (3, 8, 8), ConvNextStyle(), 13),
              ("padded-pools", (3, 9, 9), PaddedPools(), 13),
              ("padded-pools-opset10", (3, 9, 9), PaddedPools(), 10),
              ("convnext-style-opset17", (3, 8, 8), ConvNextStyle(), 17),
              ("shared-weights", (3, 10, 10), shared_weights, 13),
              ("zeros-before-max-pool", (3, 6, 6), ZerosBeforeMaxPool(), 13),
              ("option-a-shortcut", (8, 8, 8), OptionAShortcut(), 13),
              ("one-dimensional", (3, 24), one_dimensional(), 13),
              ("one-dimensional-opset9", (3, 24), one_dimensional(), 9),
              ("normalised-per-sample", (3, 8, 8), normalised_per_sample(), 13),
              ("normalised-per-sample-opset9", (3, 8, 8), normalised_per_sample(), 9),
              ("layer-norms", (3, 4, 4), layer_norms(), 13),
              ("upsampled-nearest", (3, 7, 6), upsampled("nearest"), 13),
              ("upsampled-nearest-opset9", (3, 7, 6), upsampled("nearest"), 9),
              ("upsampled-bilinear", (3, 7, 6), upsampled("bilinear"), 13),
              ("upsampled-bilinear-opset11", (3, 7, 6), upsampled("bilinear"), 11),
              ("interpolated-to-size", (3, 7, 6), InterpolatedToSize(), 13),
              ("elementwise-math", (16,), ElementwiseMath(), 13),
              ("einsum-opset12", (6, 8), Einsums(), 12),
              ("einsum-opset13", (6, 8), Einsums(), 13),
              ("recurrent", (6, 8), Recurrent(), 13),
              ("recurrent-opset9", (6, 8), Recurrent(), 9),
              ("recurrent-gru", (6, 8), Recurrent(torch.nn.GRU), 13),
              ("recurrent-gru-opset9", (6, 8), Recurrent(torch.nn.GRU), 9),
              ("recurrent-rnn", (6, 8), Recurrent(torch.nn.RNN), 13),
              ("recurrent-started-gru", (6, 8), StartedRecurrent(torch.nn.GRU), 13),
              ("recurrent-started-rnn", (6, 8), StartedRecurrent(torch.nn.RNN), 13),
              ("recurrent-started-lstm", (6, 8), StartedRecurrent(torch.nn.LSTM), 13),
              ("recurrent-rnn-relu", (6, 8),
               Recurrent(functools.partial(torch.nn.RNN, nonlinearity="relu")), 13))
    vit, vit_mha, mobilenet = VitStyle(), VitStyle(torch_attention=True), MobileNetStyle()
    # torchvision's ViT: `class_token.expand(n, -1, -1)` (shape arithmetic turns the -1s into 1s:
    # Reshape, ConstantOfShape, Equal, Where) put before the patches, the head reading its output.
    # Its class token and head start at zero: every parameter drawn instead.
    torchvision_vit = torchvision.models.vision_transformer.VisionTransformer(
        image_size=28, patch_size=7, num_layers=2, num_heads=4, hidden_dim=24, mlp_dim=48,
        num_classes=10)
    with torch.no_grad():
        for parameter in torchvision_vit.parameters():
            parameter.normal_(0, 0.2)
    # The same with its class token at zero, as torchvision makes it: an Expand of zeros to the
    # batch is that token, not a recurrent layer's zero state.
    zero_token_vit = copy.deepcopy(torchvision_vit)
    with torch.no_grad():
        zero_token_vit.class_token.zero_()
    models += (("torchvision-vit-zero-token", (3, 28, 28), zero_token_vit, 13),)
    # torchvision's Swin: windows cut by Reshape and Transpose with the batch merged into them,
    # shifted by Slice and Concat, an attention mask computed from the shapes (Range, ScatterND,
    # Equal, Where), the relative position bias added to the windows' scores, patch merging by
    # strided slices. 32 x 32: 8 x 8 patches in 4 x 4 windows, the second block's shifted.
    swin = torchvision.models.swin_transformer.SwinTransformer(
        patch_size=[4, 4], embed_dim=24, depths=[2, 2], num_heads=[2, 4], window_size=[4, 4],
        num_classes=10)
    models += tuple((f"torchvision-swin-opset{opset}", (3, 32, 32), swin, opset)
                    for opset in (13, 17))
    # 36 x 36: 9 x 9 patches, padded to 12 x 12 for the windows (a Pad of the tokens' height and
    # width, computed with Mod), cropped back after.
    models += (("torchvision-swin-padded", (3, 36, 36), swin, 13),)
    models += tuple((f"{name}-opset{opset}", shape, model, opset)
                    for name, shape, model in (("vit-style", (1, 28, 28), vit),
                                               ("vit-mha", (1, 28, 28), vit_mha),
                                               ("torchvision-vit", (3, 28, 28), torchvision_vit),
                                               ("mobilenet-style", (3, 16, 16), mobilenet))
                    for opset in (11, 13, 17))
    # Exported with the batch fixed, as torch.onnx.export does by default: every size computed from
    # the batch is a number. Imported with the batch free, run on BATCH samples.
    models = tuple((name, shape, model, opset, None) for name, shape, model, opset in models)
    models += tuple((f"{name}-batch{batch}", shape, model, 17, batch)
                    for name, shape, model in (("recurrent", (6, 8), Recurrent()),
                                               ("torchvision-vit", (3, 28, 28), torchvision_vit),
                                               ("torchvision-vit-zero-token", (3, 28, 28),
                                                zero_token_vit),
                                               ("torchvision-swin", (3, 32, 32), swin),
                                               ("vit-mha", (1, 28, 28), vit_mha),
                                               ("sequence-first-mha", (6, 16), SequenceFirstAttention()),
                                               ("flattened-by-size", (3, 8, 8), FlattenedBySize()))
                    for batch in (1, 2))
    # Older opsets, as the ONNX model zoo's files are: a max pool in ceil mode written as more
    # padding at the end (opset 9); torchvision's ShuffleNetV2 at opset 8 (its channel split and
    # shuffle sized by double constants, exported only with the batch fixed; at 32 x 32 its last
    # maps are 1 x 1, averaged over nothing).
    # nn.TransformerEncoder as PyTorch defaults it, sequence first: residual adds, LayerNorms and
    # GELU on (T, N, E) values; after the norm (LayerNorm decomposed at opset 13) and before it.
    models += tuple((f"sequence-first-encoder{'-norm-first' if norm_first else ''}-opset{opset}",
                     (8, 16), SequenceFirstEncoder(norm_first), opset, None)
                    for norm_first in (False, True) for opset in (13, 17))
    models += (("sequence-first-gate", (8, 16), SequenceFirstGate(), 13, None),
               ("ceil-mode-pooling-opset9", (3, 14, 14), ceil_mode_pooling, 9, None),
               ("torchvision-shufflenet-opset8", (3, 32, 32),
                torchvision.models.shufflenet_v2_x0_5(num_classes=10), 8, 1))
    for name, shape, model, opset, fixed_batch in models:
        for m in model.modules():  # batch norm that is not the identity in eval mode
            if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.data.uniform_(0.5, 1.5)
                m.bias.data.uniform_(-0.5, 0.5)
        x = export(model, shape, os.path.join(out, name + ".onnx"), opset, fixed_batch)
        with torch.no_grad():
            y = model(x)
        write_safetensors(os.path.join(out, name + ".io"),
                          {"image": x, "logits": y, "parameters": parameter_count(model)})
        numpy.save(os.path.join(out, name + ".input.npy"), x.numpy())  # for twb-engine predict
        numpy.save(os.path.join(out, name + ".output.npy"), y.numpy())
        exported = onnx.load(os.path.join(out, name + ".onnx"))
        onnx.checker.check_model(exported)
        assert [o.name for o in exported.graph.output] == ["logits"], f"{name}: unexpected outputs"

    # nn.Embedding over int64 token ids (N, 6): a Gather from its table.
    embedding = torch.nn.Sequential(torch.nn.Embedding(20, 8), torch.nn.Flatten(), torch.nn.Linear(48, 5)).eval()
    ids = torch.randint(0, 20, (BATCH, 6))
    torch.onnx.export(embedding, ids, os.path.join(out, "embedding.onnx"), opset_version=13,
                      input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})
    with torch.no_grad():
        write_safetensors(os.path.join(out, "embedding.io"), {"image": ids.float(), "logits": embedding(ids),
                                                              "parameters": parameter_count(embedding)})

    # A text classifier exported with its sequence length free too, as text models are: its ids
    # (N, 12) run once the length is given at import.
    text = TextClassifier().eval()
    ids = torch.randint(0, 50, (BATCH, 12))
    torch.onnx.export(text, ids[:2, :7], os.path.join(out, "text-free-length.onnx"), opset_version=17,
                      input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "batch", 1: "sequence"}, "logits": {0: "batch"}})
    with torch.no_grad():
        write_safetensors(os.path.join(out, "text-free-length.io"), {"image": ids.float(), "logits": text(ids),
                                                                     "parameters": parameter_count(text)})

    # Two inputs leaving sizes free: a sequence, and an image's height and width.
    torch.onnx.export(TwoInputs(), (ids[:2, :7].float(), torch.randn(2, 3, 5, 5)),
                      os.path.join(out, "two-free-inputs.onnx"), opset_version=17,
                      input_names=["tokens", "picture"], output_names=["a", "b"],
                      dynamic_axes={"tokens": {0: "batch", 1: "sequence"},
                                    "picture": {0: "batch", 2: "height", 3: "width"}})

    # lenet5 with its weights in a file beside the model (ONNX external data); and a copy whose
    # location climbs out of the model's folder.
    lenet5 = onnx.load(os.path.join(out, "lenet5.onnx"))
    onnx.save_model(lenet5, os.path.join(out, "lenet5-external.onnx"), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="lenet5-external.weights", size_threshold=0)
    shutil.copy(os.path.join(out, "lenet5.io"), os.path.join(out, "lenet5-external.io"))
    escaping = onnx.load(os.path.join(out, "lenet5-external.onnx"), load_external_data=False)
    for tensor in escaping.graph.initializer:
        for entry in tensor.external_data:
            if entry.key == "location":
                entry.value = "../lenet5-external.weights"
    onnx.save(escaping, os.path.join(out, "external-escape.onnx"))

    # A QDQ model whose activations are quantized with a zero point (asymmetric): refused.
    h = onnx.helper
    tensor = onnx.numpy_helper.from_array
    asymmetric = h.make_model(h.make_graph(
        [h.make_node("QuantizeLinear", ["image", "scale", "zero"], ["q"]),
         h.make_node("DequantizeLinear", ["q", "scale", "zero"], ["dq"]),
         h.make_node("Gemm", ["dq", "weight"], ["logits"], transB=1)],
        "asymmetric", [h.make_tensor_value_info("image", onnx.TensorProto.FLOAT, ["batch", 4])],
        [h.make_tensor_value_info("logits", onnx.TensorProto.FLOAT, ["batch", 3])],
        [tensor(numpy.array(0.1, numpy.float32), "scale"), tensor(numpy.array(128, numpy.uint8), "zero"),
         tensor(numpy.ones((3, 4), numpy.float32), "weight")]), opset_imports=[h.make_opsetid("", 13)])
    onnx.checker.check_model(asymmetric)
    onnx.save(asymmetric, os.path.join(out, "asymmetric-qdq.onnx"))

    # Integer constants a malformed file asks to fold (bad-fold-NAME.onnx): each is refused naming
    # its node, none is computed.
    def ints(name, values):
        return tensor(numpy.array(values, numpy.int64), name)

    bad_folds = {
        "huge": ([h.make_node("ConstantOfShape", ["shape"], ["c"])], [ints("shape", [1 << 20, 1 << 20])]),
        "negative": ([h.make_node("ConstantOfShape", ["shape"], ["c"])], [ints("shape", [2, -3])]),
        "reshape": ([h.make_node("Reshape", ["a", "to"], ["c"])], [ints("a", [1, 2, 3]), ints("to", [2, 2])]),
        "perm": ([h.make_node("Transpose", ["a"], ["c"], perm=[0, 5])], [ints("a", [[1, 2], [3, 4]])]),
        "slice": ([h.make_node("Slice", ["a", "starts", "ends"], ["c"])],
                  [ints("a", [1, 2, 3]), ints("starts", [0, 0]), ints("ends", [2])]),
        "concat": ([h.make_node("Concat", ["a", "b"], ["c"], axis=0)], [ints("a", [1, 2]), ints("b", [[3]])]),
        "broadcast": ([h.make_node("Mul", ["a", "b"], ["c"])], [ints("a", [1, 2, 3]), ints("b", [1, 2])]),
        "divide": ([h.make_node("Div", ["a", "b"], ["c"])], [ints("a", [4, 6]), ints("b", [2, 0])]),
        "batch-equal": ([h.make_node("Shape", ["image"], ["s"]), h.make_node("Equal", ["s", "b"], ["c"])],
                        [ints("b", [3, 3])]),
        "short-where": ([h.make_node("Shape", ["image"], ["s"]), h.make_node("Where", ["s", "s"], ["c"])], []),
    }
    for name, (nodes, constants) in bad_folds.items():
        graph = h.make_graph(nodes + [h.make_node("Identity", ["image"], ["logits"])], name,
                             [h.make_tensor_value_info("image", onnx.TensorProto.FLOAT, ["batch", 4])],
                             [h.make_tensor_value_info("logits", onnx.TensorProto.FLOAT, ["batch", 4])],
                             constants)
        onnx.save(h.make_model(graph, opset_imports=[h.make_opsetid("", 13)]),
                  os.path.join(out, f"bad-fold-{name}.onnx"))

    # Bilinear upsampling with align_corners=True: sampled at the corners, refused.
    class CornerAligned(torch.nn.Module):
        def forward(self, x):
            return torch.nn.functional.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)

    export(CornerAligned(), (3, 4, 4), os.path.join(out, "corner-aligned.onnx"))

    # Einsums the engine cannot compute: a diagonal, and a sum over the batch.
    for name, equation, shape in (("diagonal", "nii->ni", [4]), ("batch-summed", "nij->ij", [4, 4])):
        graph = h.make_graph([h.make_node("Einsum", ["image"], ["logits"], equation=equation)], name,
                             [h.make_tensor_value_info("image", onnx.TensorProto.FLOAT, ["batch", 4, 4])],
                             [h.make_tensor_value_info("logits", onnx.TensorProto.FLOAT, ["batch"] + shape)])
        onnx.save(h.make_model(graph, opset_imports=[h.make_opsetid("", 13)]),
                  os.path.join(out, f"einsum-{name}.onnx"))

    # An LSTM whose last cell state is read, and one given sequence lengths: refused.
    class CellRead(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = torch.nn.LSTM(4, 3, batch_first=True)

        def forward(self, x):
            return self.lstm(x)[1][1][0]

    export(CellRead(), (5, 4), os.path.join(out, "lstm-cell-read.onnx"))

    # A GRU starting from a learned state expanded to the batch: refused at the GRU.
    class LearnedState(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.gru = torch.nn.GRU(4, 3, batch_first=True)
            self.h0 = torch.nn.Parameter(torch.randn(1, 1, 3))

        def forward(self, x):
            return self.gru(x, self.h0.expand(1, x.shape[0], 3).contiguous())[0]

    export(LearnedState(), (5, 4), os.path.join(out, "gru-learned-state.onnx"))

    # An LSTM given a cell state and a zero hidden state: refused (the op takes h0 first).
    class CellStateOnly(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = torch.nn.LSTM(4, 3, batch_first=True)
            self.c0 = torch.nn.Linear(4, 3)

        def forward(self, x):
            c0 = self.c0(x.mean(1)).reshape(-1, 1, 3).transpose(0, 1).contiguous()
            return self.lstm(x, (torch.zeros_like(c0), c0))[0]

    export(CellStateOnly(), (5, 4), os.path.join(out, "lstm-cell-state-only.onnx"))
    rng = numpy.random.default_rng(0)
    lengths = h.make_graph(
        [h.make_node("Transpose", ["image"], ["steps"], perm=[1, 0, 2]),
         h.make_node("LSTM", ["steps", "W", "R", "", "lengths"], ["logits"], hidden_size=3)],
        "lengths", [h.make_tensor_value_info("image", onnx.TensorProto.FLOAT, ["batch", 5, 4])],
        [h.make_tensor_value_info("logits", onnx.TensorProto.FLOAT, [5, 1, "batch", 3])],
        [tensor(rng.standard_normal((1, 12, 4), numpy.float32), "W"),
         tensor(rng.standard_normal((1, 12, 3), numpy.float32), "R"),
         tensor(numpy.array([5, 3], numpy.int32), "lengths")])
    onnx.save(h.make_model(lengths, opset_imports=[h.make_opsetid("", 13)]),
              os.path.join(out, "lstm-lengths.onnx"))
    # A GRU applying its reset gate before the hidden state's product (ONNX's default; PyTorch
    # writes linear_before_reset=1): refused.
    reset_first = h.make_graph(
        [h.make_node("Transpose", ["image"], ["steps"], perm=[1, 0, 2]),
         h.make_node("GRU", ["steps", "W", "R"], ["logits"], hidden_size=3)],
        "reset_first", [h.make_tensor_value_info("image", onnx.TensorProto.FLOAT, ["batch", 5, 4])],
        [h.make_tensor_value_info("logits", onnx.TensorProto.FLOAT, [5, 1, "batch", 3])],
        [tensor(rng.standard_normal((1, 9, 4), numpy.float32), "W"),
         tensor(rng.standard_normal((1, 9, 3), numpy.float32), "R")])
    onnx.save(h.make_model(reset_first, opset_imports=[h.make_opsetid("", 13)]),
              os.path.join(out, "gru-reset-first.onnx"))

    # An output that keeps the batch on axis 1: refused.
    class SequenceFirst(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(16, 16)

        def forward(self, x):
            return self.linear(x).transpose(0, 1)

    export(SequenceFirst(), (8, 16), os.path.join(out, "sequence-first-output.onnx"))

    # A sequence-first value plus a batch-first one broadcast along the sequence: refused.
    class SequenceFirstPlusBatchFirst(torch.nn.Module):
        def forward(self, x):
            return (x.transpose(0, 1) + x[:, 0]).transpose(0, 1)

    export(SequenceFirstPlusBatchFirst(), (8, 16), os.path.join(out, "sequence-first-sum.onnx"))

    # A reshape that cuts the batch in two: refused.
    class BatchCut(torch.nn.Module):
        def forward(self, x):
            return x.reshape(2, -1, 16).sum(dim=0)

    export(BatchCut(), (8, 16), os.path.join(out, "batch-cut.onnx"))

    # Expands the engine cannot keep: of a computed value, and of a constant added rather than put
    # before the tokens.
    class ExpandedInput(torch.nn.Module):
        def forward(self, x):
            return x[:, :1].expand(-1, 8, -1) * x

    class AddedToken(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.token = torch.nn.Parameter(torch.randn(1, 1, 16))

        def forward(self, x):
            return x + self.token.expand(x.shape[0], -1, -1)

    # The same exported with the batch fixed (at 4): no dimension of its target holds the samples.
    export(BatchCut(), (8, 16), os.path.join(out, "fixed-batch-cut.onnx"), fixed_batch=BATCH)
    export(ExpandedInput(), (8, 16), os.path.join(out, "expanded-input.onnx"))
    export(AddedToken(), (8, 16), os.path.join(out, "added-token.onnx"))
    # A pad the engine does not compute: reflected.
    class ReflectPad(torch.nn.Module):
        def forward(self, x):
            return torch.nn.functional.pad(x, (1, 1, 1, 1), mode="reflect").mean((2, 3))

    export(ReflectPad(), (3, 6, 6), os.path.join(out, "reflect-pad.onnx"))
    selu = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 3), torch.nn.SELU())
    export(selu, (4,), os.path.join(out, "unsupported.onnx"))
    model = onnx.load(os.path.join(out, "mlp.onnx"))
    model.graph.output[0].name = "nobody_makes_this"
    onnx.save(model, os.path.join(out, "no_output.onnx"))


if __name__ == "__main__":
    main(sys.argv[1])
