#!/usr/bin/python3
"""Writes an MNIST-style IDX dataset out as image folders: OUT/train/<class>/<index>.png and
OUT/test/<class>/<index>.png, the layout `images:OUT` reads (and torchvision's ImageFolder).

  write_image_folder.py OUT [--idx DIR] [--train N] [--test N] [--format png|jpeg] [--size S]

--train/--test keep the first N samples of each split; --size rescales (bilinear) to SxS.
"""
import argparse
import gzip
import os
import struct

import numpy as np
from PIL import Image


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def find(dir, name):
    for candidate in (os.path.join(dir, name), os.path.join(dir, name + ".gz")):
        if os.path.exists(candidate):
            return candidate
    raise SystemExit(f"{dir}: missing {name}")


def write_split(images, labels, out, image_format, size):
    extension = "jpg" if image_format == "jpeg" else "png"
    for index, (pixels, label) in enumerate(zip(images, labels)):
        folder = os.path.join(out, str(label))
        os.makedirs(folder, exist_ok=True)
        image = Image.fromarray(pixels, mode="L")
        if size:
            image = image.resize((size, size), Image.BILINEAR)
        image.save(os.path.join(folder, f"{index:05d}.{extension}"),
                   **({"quality": 95} if image_format == "jpeg" else {}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--idx", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--train", type=int, default=None)
    parser.add_argument("--test", type=int, default=None)
    parser.add_argument("--format", choices=("png", "jpeg"), default="png")
    parser.add_argument("--size", type=int, default=0)
    args = parser.parse_args()
    for split, prefix, count in (("train", "train", args.train), ("test", "t10k", args.test)):
        images = read_idx(find(args.idx, f"{prefix}-images-idx3-ubyte"))[:count]
        labels = read_idx(find(args.idx, f"{prefix}-labels-idx1-ubyte"))[:count]
        write_split(images, labels, os.path.join(args.out, split), args.format, args.size)


if __name__ == "__main__":
    main()
