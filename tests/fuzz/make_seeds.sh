#!/bin/bash
# Seed corpora for the fuzz targets, from the project's own files: the example jobs, every model
# template exported as .twbm (and its spec) and as ONNX, a short run's event log, small IDX / CSV / image
# / safetensors files, and one request of each node-service method.
# Usage: tests/fuzz/make_seeds.sh [OUT_DIR] [ENGINE]   (an engine of the release build)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/build/fuzz/seeds}
engine=${2:-$root/build/release/engine/twb-engine}
[ -x "$engine" ] || { echo "make_seeds: $engine: build the release preset first" >&2; exit 1; }
rm -rf "$out"
for target in job_file model_spec model_file safetensors idx npy csv image onnx event_log node_requests; do
  mkdir -p "$out/$target"
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cp "$root"/resources/examples/*.json "$out/job_file/"
# Small models (a fuzzer mutates kilobytes, not the megabytes of the templates' weights): an mlp
# and a CNN with batch norm and pooling, on 8x8 inputs.
cat > "$work/mlp.json" <<'JSON'
{"name": "tiny-mlp", "dataset": "synthetic:1x8x8:4", "batch": 8, "max_steps": 3,
 "log_every_steps": 1, "threads": 1,
 "model": {"template": "mlp", "args": {"input": [1, 8, 8], "classes": 4, "hidden": [6]}}}
JSON
cat > "$work/cnn.json" <<'JSON'
{"name": "tiny-cnn", "dataset": "synthetic:1x8x8:4", "batch": 8, "max_steps": 3, "threads": 1,
 "model": {"spec": {"name": "tiny-cnn", "inputs": [{"name": "image", "shape": [1, 8, 8]}],
  "nodes": [
   {"name": "conv", "op": "Conv2d", "inputs": ["image"], "attrs": {"out_channels": 3, "kernel": 3, "padding": 1}},
   {"name": "bn", "op": "BatchNorm2d", "inputs": ["conv"]},
   {"name": "relu", "op": "ReLU", "inputs": ["bn"]},
   {"name": "pool", "op": "MaxPool2d", "inputs": ["relu"], "attrs": {"kernel": 2}},
   {"name": "flat", "op": "Flatten", "inputs": ["pool"]},
   {"name": "logits", "op": "Linear", "inputs": ["flat"], "attrs": {"out_features": 4}}],
  "outputs": ["logits"]}}}
JSON
for model in mlp cnn; do
  cp "$work/$model.json" "$out/job_file/"
  "$engine" export "$work/$model.json" --format twbm --out "$out/model_file/$model.twbm" >/dev/null
  "$engine" export "$work/$model.json" --format onnx --out "$out/onnx/$model.onnx" >/dev/null
done
"$engine" train "$work/cnn.json" --out "$work/run" --events "$out/event_log/events.jsonl" >/dev/null

# ONNX as PyTorch writes it where the importer folds most: a tiny torchvision Swin (its shifted
# windows' mask from Range and ScatterND; 20 x 20 pixels are 5 x 5 patches, padded to 6 x 6 for
# windows of 2), its values renamed short to keep the seed small; once with the batch free, once
# fixed at 1 (PyTorch's default: sizes computed from the batch are numbers).
/usr/bin/python3 - "$out/onnx/swin.onnx" "$out/onnx/swin-batch1.onnx" <<'PY' 2>/dev/null
import sys, onnx, torch
from torchvision.models.swin_transformer import SwinTransformer
torch.manual_seed(0)
model = SwinTransformer(patch_size=[4, 4], embed_dim=4, depths=[2], num_heads=[1],
                        window_size=[2, 2], num_classes=2).eval()
for path, free in ((sys.argv[1], {"dynamic_axes": {"x": {0: "batch"}}}), (sys.argv[2], {})):
    torch.onnx.export(model, torch.randn(1, 3, 20, 20), path, opset_version=13,
                      input_names=["x"], output_names=["y"], **free)
    m = onnx.load(path)
    short = {}
    rename = lambda v: v if v in ("", "x", "y") else short.setdefault(v, f"v{len(short)}")
    for t in m.graph.initializer:
        t.name = rename(t.name)
    for n in m.graph.node:
        n.name = ""
        n.input[:] = [rename(v) for v in n.input]
        n.output[:] = [rename(v) for v in n.output]
    del m.graph.value_info[:]
    onnx.save(m, path)
PY

/usr/bin/python3 - "$root" "$out" <<'PY'
import gzip, json, os, struct, subprocess, sys, tempfile
root, out = sys.argv[1], sys.argv[2]

# Model specs: the "spec" each exported .twbm holds in its safetensors metadata.
for name in os.listdir(f"{out}/model_file"):
    blob = open(f"{out}/model_file/{name}", "rb").read()
    header = json.loads(blob[8:8 + struct.unpack("<Q", blob[:8])[0]])
    open(f"{out}/model_spec/{name[:-5]}.json", "w").write(header["__metadata__"]["spec"])

def safetensors(tensors):
    header, data = {}, b""
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data
open(f"{out}/safetensors/two.safetensors", "wb").write(safetensors({
    "w": ("F32", [2, 3], struct.pack("<6f", *range(6))), "b": ("I8", [4], bytes([1, 2, 3, 4]))}))

labels = struct.pack(">II", 0x00000801, 6) + bytes([0, 1, 2, 3, 4, 5])
images = struct.pack(">IIII", 0x00000803, 2, 3, 3) + bytes(range(18))
open(f"{out}/idx/labels.idx", "wb").write(labels)
open(f"{out}/idx/images.idx", "wb").write(images)
open(f"{out}/idx/labels.idx.gz", "wb").write(gzip.compress(labels, mtime=0))
# Arrays as NumPy writes them: two types and a 2-D shape; an archive of two, one compressed.
import numpy as np
np.save(f"{out}/npy/floats.npy", np.arange(6, dtype=np.float32).reshape(2, 3))
np.save(f"{out}/npy/halves.npy", np.arange(4, dtype=np.float16))
np.savez(f"{out}/npy/pair.npz", x_train=np.arange(6, dtype=np.uint8).reshape(3, 2),
         y_train=np.arange(3, dtype=np.int64))
np.savez_compressed(f"{out}/npy/compressed.npz", x=np.zeros((4, 4), np.int16))
open(f"{out}/csv/iris.csv", "w").write("f1,f2,f3,label\n5.1,3.5,1.4,0\n6.2,2.9,4.3,1\n7.7,3.0,6.1,2\n")
open(f"{out}/csv/quoted.csv", "w").write('"f 1","f, 2",label\r\n "0.5" ,1,"0"\r\n')

# Small images in each kind the decoders meet: grey, RGB and RGBA PNGs, grey and colour JPEGs.
from PIL import Image
pixels = bytes((x * 37 + y * 11) % 256 for y in range(6) for x in range(8))
grey = Image.frombytes("L", (8, 6), pixels)
grey.save(f"{out}/image/grey.png")
grey.convert("RGB").save(f"{out}/image/rgb.png")
grey.convert("RGBA").save(f"{out}/image/rgba.png")
grey.save(f"{out}/image/grey.jpg", quality=90)
grey.convert("RGB").save(f"{out}/image/rgb.jpg", quality=90)

# One request per node-service method: the method's byte, then the message.
with tempfile.TemporaryDirectory() as stubs:
    subprocess.run(["protoc", f"-I{root}", f"--python_out={stubs}",
                    f"{root}/engine/rpc/proto/node_service.proto"], check=True)
    sys.path.insert(0, stubs)
    from engine.rpc.proto import node_service_pb2 as pb
    job = open(f"{root}/resources/examples/fmnist-mlp.json").read()
    requests = [
        (0, pb.ValidateJobRequest(job_json=job)),
        (0, pb.ValidateJobRequest(job_json=job, files=[pb.JobFile(name="a.csv", content=b"1,0\n")])),
        (0, pb.ValidateJobRequest(job_json=job, placement=pb.RankPlacement(
            first_rank=1, rendezvous="127.0.0.1:7000", secret="ab" * 32))),
        (1, pb.GetJobRequest(id="j0001")),
        (2, pb.CancelJobRequest(id="j0001")),
        (3, pb.ListArtifactsRequest(id="j0001")),
        (4, pb.ListJobsRequest()),
    ]
    for number, (method, request) in enumerate(requests):
        open(f"{out}/node_requests/{number}.bin", "wb").write(bytes([method]) + request.SerializeToString())
PY
echo "$out"
