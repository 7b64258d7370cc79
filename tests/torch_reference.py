#!/usr/bin/env python3
"""PyTorch reference for the engine's parity tests.

Reads safetensors files written by tst_torch_parity (pairs of IN OUT paths), runs the same computation in PyTorch on
the same weights and inputs, and writes the results as another safetensors file.

A case's metadata holds "spec" (the ModelSpec JSON) and "mode":
  op     one forward and backward: inputs "in/NAME", parameters "param/NAME", the output's
         upstream gradient "grad/OUT"; writes "out/OUT", "grad_in/NAME", "grad_param/NAME",
         and for BatchNorm the updated running statistics "state/NAME" (a fixed tensor's too).
  train  "steps" optimizer steps on one batch with the optimizer in "optimizer" (JSON, the job
         file's form); writes "loss/STEP" and the final "param/NAME".
"""
import json
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

DTYPES = {"F32": np.float32, "I32": np.int32}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, e in header.items():
        b, end = e["data_offsets"]
        arr = np.frombuffer(data[8 + n + b:8 + n + end], dtype=DTYPES[e["dtype"]])
        tensors[name] = torch.from_numpy(arr.reshape(e["shape"]).copy())
    return meta, tensors


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        a = t.detach().contiguous().numpy().astype(np.float32)
        blobs.append(a.tobytes())
        header[name] = {"dtype": "F32", "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(blobs[-1])]}
        offset += len(blobs[-1])
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def pair(v):
    return tuple(v) if isinstance(v, list) else (v, v)


def recurrent(op, x, a, p, states):
    """nn.LSTM's, nn.GRU's and nn.RNN's equations (batch_first=True), step by step, on the
    engine's parameters: one direction per row, the gates in PyTorch's order (LSTM input, forget,
    cell, output; GRU reset, update, new; RNN its one); from the states (N, D, H) given (h, then
    c), else from zeros."""
    hidden = a["hidden_size"]
    directions = []
    for d in range(2 if a.get("bidirectional", False) else 1):
        h, c = (states[i][:, d] if len(states) > i else x.new_zeros(x.shape[0], hidden)
                for i in (0, 1))
        steps = []
        for t in (range(x.shape[1]) if d == 0 else reversed(range(x.shape[1]))):
            gi = x[:, t] @ p("weight_ih")[d].T
            gh = h @ p("weight_hh")[d].T
            if p("bias_ih") is not None:
                gi, gh = gi + p("bias_ih")[d], gh + p("bias_hh")[d]
            if op == "RNN":
                pre = gi + gh
                h = torch.relu(pre) if a.get("nonlinearity", "tanh") == "relu" else torch.tanh(pre)
            elif op == "LSTM":
                i, f, g, o = (gi + gh).chunk(4, dim=1)
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                h = torch.sigmoid(o) * torch.tanh(c)
            else:
                (ir, iz, i_n), (hr, hz, h_n) = gi.chunk(3, dim=1), gh.chunk(3, dim=1)
                r, z = torch.sigmoid(ir + hr), torch.sigmoid(iz + hz)
                h = (1 - z) * torch.tanh(i_n + r * h_n) + z * h
            steps.append(h)
        directions.append(torch.stack(steps if d == 0 else steps[::-1], dim=1))
    return torch.cat(directions, dim=2)


def run_node(node, args, params, training):
    op, a, name = node["op"], node.get("attrs", {}), node["name"]
    p = lambda s: params.get(f"{name}.{s}")
    x = args[0]
    if op == "Linear":
        return F.linear(x, p("weight"), p("bias"))
    if op == "Conv2d":
        return F.conv2d(x, p("weight"), p("bias"), pair(a.get("stride", 1)),
                        pair(a.get("padding", 0)), pair(a.get("dilation", 1)), a.get("groups", 1))
    if op == "ConvTranspose2d":
        return F.conv_transpose2d(x, p("weight"), p("bias"), pair(a.get("stride", 1)),
                                  pair(a.get("padding", 0)), pair(a.get("output_padding", 0)), 1,
                                  pair(a.get("dilation", 1)))
    if op in ("LSTM", "GRU", "RNN"):
        return recurrent(op, x, a, p, args[1:])
    if op in ("MaxPool2d", "AvgPool2d"):
        k, s = pair(a["kernel"]), pair(a.get("stride", 0))
        s = k if s == (0, 0) else s
        if op == "MaxPool2d":
            return F.max_pool2d(x, k, s, pair(a.get("padding", 0)),
                                ceil_mode=a.get("ceil_mode", False))
        return F.avg_pool2d(x, k, s, pair(a.get("padding", 0)), ceil_mode=a.get("ceil_mode", False),
                            count_include_pad=a.get("count_include_pad", True))
    if op in ("ReduceMean", "ReduceSum"):
        reduce = torch.mean if op == "ReduceMean" else torch.sum
        return reduce(x, dim=tuple(a["axes"]), keepdim=a.get("keepdims", True))
    if op == "GlobalAvgPool":
        return x.mean(dim=(2, 3))
    if op == "BatchNorm2d":
        return F.batch_norm(x, p("running_mean"), p("running_var"), p("weight"), p("bias"),
                            training, a.get("momentum", 0.1), a.get("eps", 1e-5))
    if op == "LayerNorm":
        return F.layer_norm(x, x.shape[-1:], p("weight"), p("bias"), a.get("eps", 1e-5))
    if op == "ReLU":
        return F.relu(x)
    if op == "GELU":
        return F.gelu(x)
    if op == "Sigmoid":
        return torch.sigmoid(x)
    if op == "Tanh":
        return torch.tanh(x)
    if op == "LeakyReLU":
        return F.leaky_relu(x, a.get("negative_slope", 0.01))
    if op == "SiLU":
        return F.silu(x)
    if op == "Hardswish":
        return F.hardswish(x)
    if op == "Upsample":
        scale = a.get("scale", 2)
        scale = tuple(scale) if isinstance(scale, list) else (scale, scale)
        mode = a.get("mode", "nearest")
        return F.interpolate(x, scale_factor=scale, mode=mode,
                             align_corners=False if mode == "bilinear" else None)
    if op == "PReLU":
        return torch.where(x > 0, x, p("slope") * x)
    if op == "ELU":
        return F.elu(x, a.get("alpha", 1.0))
    if op == "Softplus":
        return F.softplus(x)
    if op == "Mish":
        return F.mish(x)
    if op == "Abs":
        return torch.abs(x)
    if op == "Exp":
        return torch.exp(x)
    if op == "Log":
        return torch.log(x)
    if op == "HardSigmoid":
        return torch.clamp(a.get("alpha", 1 / 6) * x + a.get("beta", 0.5), 0, 1)
    if op == "Sqrt":
        return torch.sqrt(x)
    if op == "Pow":
        return torch.pow(x, a["exponent"])
    if op == "Scale":
        return x * a["factor"]
    if op == "Embedding":
        return F.embedding(x.long(), p("weight"))
    if op == "Slice":
        return x.narrow(a["axis"], a["start"], a["end"] - a["start"])
    if op == "Pad":  # F.pad names the last axis's pads first
        pads = [0, 0] * (x.dim() - 1 - a["axis"]) + [a.get("before", 0), a.get("after", 0)]
        return F.pad(x, pads)
    if op == "Bias":
        return x + p("bias")
    if op == "LayerScale":
        return x * p("scale")
    if op == "PrependTokens":
        tokens = p("tokens")
        return torch.cat([tokens.expand(x.shape[0], *tokens.shape[1:]), x], 1)
    if op == "ReLU6":
        return F.relu6(x)
    if op == "Clip":
        return torch.clamp(x, a["min"], a["max"])
    if op == "MatMul":
        return torch.matmul(x, args[1])
    if op == "Transpose":
        return x.permute(*a["perm"])
    if op == "Flatten":
        return x.flatten(1)
    if op == "Reshape":
        return x.reshape([x.shape[0]] + a["shape"])
    if op == "Add":
        return sum(args[1:], args[0])
    if op == "Mul":
        return x * args[1]
    if op == "Sub":
        return x - args[1]
    if op == "Div":
        return x / args[1]
    if op == "Concat":
        return torch.cat(args, dim=a.get("axis", 1))
    if op == "Softmax":
        return F.softmax(x, dim=a.get("axis", -1))
    if op == "LogSoftmax":
        return F.log_softmax(x, dim=a.get("axis", -1))
    if op == "SoftmaxCrossEntropy":
        return F.cross_entropy(x, args[1].long()).reshape(1)
    if op == "MSE":
        return F.mse_loss(x, args[1]).reshape(1)
    raise SystemExit(f"torch_reference: no reference for op {op}")


def run_graph(spec, inputs, params, training):
    values = dict(inputs)
    for node in spec["nodes"]:
        values[node["name"]] = run_node(node, [values[i] for i in node["inputs"]], params, training)
    return values


def make_optimizer(cfg, params):
    kind, lr, wd = cfg.get("type", "sgd"), cfg["lr"], cfg.get("weight_decay", 0.0)
    if kind == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=cfg.get("momentum", 0.0),
                               nesterov=cfg.get("nesterov", False), weight_decay=wd)
    betas = (cfg.get("beta1", 0.9), cfg.get("beta2", 0.999))
    cls = torch.optim.Adam if kind == "adam" else torch.optim.AdamW
    return cls(params, lr=lr, betas=betas, eps=cfg.get("eps", 1e-8), weight_decay=wd)


def main(src, dst):
    torch.set_num_threads(1)
    meta, t = read_safetensors(src)
    assert meta.get("mode") in ("op", "train"), f"{src}: unknown mode {meta.get('mode')!r}"
    spec = json.loads(meta["spec"])
    inputs = {k[3:]: v for k, v in t.items() if k.startswith("in/")}
    params = {k[6:]: v for k, v in t.items() if k.startswith("param/")}
    # Running statistics and fixed tensors (an imported constant) are state, not trained.
    fixed = {n["name"] for n in spec["nodes"] if n.get("attrs", {}).get("fixed")}
    # A job's frozen layers: requires_grad off, as a fine-tuning script sets it.
    fixed |= set(json.loads(meta.get("frozen", "[]")))

    def is_state(name):
        return name.endswith(("running_mean", "running_var")) or name.rsplit(".", 1)[0] in fixed

    trainable = {k: v.requires_grad_() for k, v in params.items() if not is_state(k)}
    out = {}
    if meta["mode"] == "op":
        for k, v in inputs.items():
            if v.dtype == torch.float32:
                v.requires_grad_()
        output = spec["outputs"][0]
        y = run_graph(spec, inputs, params, True)[output]
        y.backward(t["grad/" + output])
        out["out/" + output] = y
        for k, v in inputs.items():
            if v.grad is not None:
                out["grad_in/" + k] = v.grad
        for k, v in trainable.items():
            out["grad_param/" + k] = v.grad
        for k, v in params.items():
            if is_state(k):
                out["state/" + k] = v
    else:
        opt = make_optimizer(json.loads(meta["optimizer"]), list(trainable.values()))
        for step in range(int(meta["steps"])):
            opt.zero_grad()
            loss = run_graph(spec, inputs, params, True)["loss"]
            loss.backward()
            opt.step()
            out[f"loss/{step}"] = loss.detach()
        for k, v in params.items():
            out["param/" + k] = v
    write_safetensors(dst, out)


if __name__ == "__main__":
    if len(sys.argv) < 3 or len(sys.argv) % 2 == 0:
        raise SystemExit("usage: torch_reference.py IN.safetensors OUT.safetensors [IN OUT ...]")
    for i in range(1, len(sys.argv), 2):
        main(sys.argv[i], sys.argv[i + 1])
