#pragma once

// NumPy's .npy format (version 1.0 to 3.0): what np.save writes and np.load reads.

#include <istream>
#include <string>

#include "core/tensor.h"

namespace twb {

// What a .npy header says: the array's shape and element type, and where its values start.
struct NpyHeader {
  Shape shape;
  std::string descr;  // NumPy's, as written: "<f4"
  std::string type;   // without the byte order: "f4", "f2", "i8", "u2", ...
  size_t itemBytes = 0;
  int64_t count = 0;       // values
  int64_t dataOffset = 0;  // bytes from the start of the file to the first value
};

// Reads the header of a C-ordered array of float16/32/64, int8/16/32/64 or uint8/16/32,
// leaving `in` at its first value. Throws like readNpy.
NpyHeader readNpyHeader(std::istream& in, const std::string& where);
// Converts `count` values of the header's type at `bytes` to floats.
void npyToFloats(const NpyHeader& header, const char* bytes, int64_t count, float* out);

// Refuses, before the array is made, an array whose values `heldBytes` (what follows the header)
// cannot hold, or whose f32 values this machine cannot (core/memory_need; `remedy` ends that
// message).
void checkNpyValuesFit(const NpyHeader& header, uint64_t heldBytes, const std::string& where,
                       const std::string& remedy);
// Reads the values `header` describes from `in` (left at the first) as f32, a piece at a time:
// no copy of the file's bytes is held beside the array.
Tensor readNpyValues(std::istream& in, const NpyHeader& header, const std::string& where);

// Reads a C-ordered array of any of those types as f32.
// Throws twb::Error naming the file and what is wrong (a bad magic, header, type, Fortran
// order, fewer bytes than the shape needs, more values than memory holds).
Tensor readNpyFile(const std::string& path);

// Throws naming `where`, the sample and the value when `count` samples of `sampleValues` values
// each hold a NaN or an infinity (sample numbers count from `firstSample`). One such value in a
// training set turns the weights it reaches into NaN, which a ReLU then hides from the loss.
void checkFiniteSamples(const float* values, int64_t count, int64_t sampleValues,
                        const std::string& where, int64_t firstSample = 0);

// Writes an f32 tensor as a version 1.0 .npy file (np.load reads it back exactly).
void writeNpyFile(const std::string& path, const Tensor& tensor);

}  // namespace twb
