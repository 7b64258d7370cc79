#!/usr/bin/python3
"""Writes the image-folder tests' inputs and PIL's answers into DIR:

  photo.png, photo.jpg   a 64x48 RGB picture (smooth gradients and noise, seeded)
  photo-3x32x32.npy      photo.png through torchvision's Resize(32) + CenterCrop(32) arithmetic
                         with PIL's bilinear filter, as float CHW in [0, 1]
  photo-jpg.npy          photo.jpg as PIL decodes it, float CHW in [0, 1]
  photo-cmyk.jpg         the picture as a CMYK JPEG (stored inverted, with an Adobe marker)
  photo-cmyk-jpg.npy     photo-cmyk.jpg as PIL decodes and converts it to RGB
"""
import os
import sys

import numpy as np
from PIL import Image


def chw(image):
    return (np.asarray(image, dtype=np.float32) / 255.0).transpose(2, 0, 1).copy()


def resize_and_crop(image, size):
    width, height = image.size
    if height <= width:
        scaled = (int(size * width / height), size)
    else:
        scaled = (size, int(size * height / width))
    image = image.resize(scaled, Image.BILINEAR)
    left = int(round((scaled[0] - size) / 2.0))
    top = int(round((scaled[1] - size) / 2.0))
    return image.crop((left, top, left + size, top + size))


def main():
    out = sys.argv[1]
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:48, 0:64]
    pixels = np.stack([x * 4, y * 5, (x + y) * 2], axis=-1) + rng.integers(0, 40, (48, 64, 3))
    photo = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), mode="RGB")
    photo.save(os.path.join(out, "photo.png"))
    photo.save(os.path.join(out, "photo.jpg"), quality=90)
    np.save(os.path.join(out, "photo-3x32x32.npy"), chw(resize_and_crop(photo, 32)))
    np.save(os.path.join(out, "photo-jpg.npy"), chw(Image.open(os.path.join(out, "photo.jpg"))))
    photo.convert("CMYK").save(os.path.join(out, "photo-cmyk.jpg"), quality=90)  # Adobe, inverted
    cmyk = Image.open(os.path.join(out, "photo-cmyk.jpg"))
    np.save(os.path.join(out, "photo-cmyk-jpg.npy"), chw(cmyk.convert("RGB")))


if __name__ == "__main__":
    main()
