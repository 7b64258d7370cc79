#pragma once

// NumPy's .npy format (version 1.0 to 3.0): what np.save writes and np.load reads.

#include <istream>
#include <string>

#include "core/tensor.h"

namespace twb {

// Reads a C-ordered array of float32, float64, (u)int8, int16, int32 or int64 as f32.
// Throws twb::Error naming the file and what is wrong (a bad magic, header, type, Fortran
// order, or fewer bytes than the shape needs).
Tensor readNpyFile(const std::string& path);
// The same from a stream (an entry of a .npz archive); errors name `where`.
Tensor readNpy(std::istream& in, const std::string& where);

// Writes an f32 tensor as a version 1.0 .npy file (np.load reads it back exactly).
void writeNpyFile(const std::string& path, const Tensor& tensor);

}  // namespace twb
