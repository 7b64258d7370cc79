#pragma once

namespace twb {

// Whether this CPU has AVX2 and lacks VNNI: there oneDNN's int8 kernels multiply u8 x s8 in pairs
// summed in s16 and then widened, 16 products a cycle, no more than s16 pairs summed into s32
// give, so the forms that multiply less or pad less (Winograd in integers, convolution patches)
// are the faster; with VNNI the direct kernels multiply four pairs a lane at once.
bool int8WithoutVnni();

}  // namespace twb
