#pragma once

#include <math.h>

#include <algorithm>
#include <iterator>
#include <string>

#include "backend/cuda/host_device.h"
#include "core/error.h"

// The elementwise activations of the catalogue as the CUDA kernels compute them, in f32 whatever
// the buffers' type, with the CPU backend's formulas (oneDNN's eltwise, boundaries included).
namespace twb::gpu {

enum class ActivationKind {
  relu,         // max(x, 0); NaN gives 0, as the CPU backend's
  leakyRelu,    // x > 0 ? x : alpha x
  gelu,         // x Phi(x), the erf form
  sigmoid,      //
  tanh,         //
  silu,         // x sigmoid(x)
  hardswish,    // x min(max(x + 3, 0), 6) / 6
  elu,          // x > 0 ? x : alpha (exp(x) - 1)
  softplus,     // log(1 + exp(x))
  mish,         // x tanh(softplus(x))
  abs,          // |x|; its gradient 0 at 0, as oneDNN's
  exp,          //
  log,          //
  hardSigmoid,  // min(max(alpha x + beta, 0), 1)
  sqrt,         //
  pow,          // x ^ beta
  linear,       // alpha x + beta
  clip,         // min(max(x, alpha), beta)
};

struct Activation {
  ActivationKind kind = ActivationKind::relu;
  float alpha = 0, beta = 0;

  TWB_HOST_DEVICE float operator()(float x) const {
    switch (kind) {
      case ActivationKind::relu:
        return x > 0.f ? x : 0.f;
      case ActivationKind::leakyRelu:
        return x > 0.f ? x : alpha * x;
      case ActivationKind::gelu:
        return 0.5f * x * (1.f + erff(x * kSqrtHalf));
      case ActivationKind::sigmoid:
        return sigmoidOf(x);
      case ActivationKind::tanh:
        return tanhf(x);
      case ActivationKind::silu:
        return x * sigmoidOf(x);
      case ActivationKind::hardswish:
        return x * fminf(fmaxf(x + 3.f, 0.f), 6.f) / 6.f;
      case ActivationKind::elu:
        return x > 0.f ? x : alpha * expm1f(x);
      case ActivationKind::softplus:
        return softplusOf(x);
      case ActivationKind::mish:
        return x * tanhf(softplusOf(x));
      case ActivationKind::abs:
        return fabsf(x);
      case ActivationKind::exp:
        return expf(x);
      case ActivationKind::log:
        return logf(x);
      case ActivationKind::hardSigmoid:
        return fminf(fmaxf(alpha * x + beta, 0.f), 1.f);
      case ActivationKind::sqrt:
        return sqrtf(x);
      case ActivationKind::pow:
        return powf(x, beta);
      case ActivationKind::linear:
        return alpha * x + beta;
      case ActivationKind::clip:
        return x <= alpha ? alpha : x >= beta ? beta : x;
    }
    return x;
  }

  // dy * f'(x). Where f is flat the gradient is 0 whatever dy holds, as the CPU backend's.
  TWB_HOST_DEVICE float gradient(float x, float dy) const {
    switch (kind) {
      case ActivationKind::relu:
        return x > 0.f ? dy : 0.f;
      case ActivationKind::leakyRelu:
        return x > 0.f ? dy : alpha * dy;
      case ActivationKind::gelu:
        return dy * (0.5f * (1.f + erff(x * kSqrtHalf)) + x * kInvSqrt2Pi * expf(-0.5f * x * x));
      case ActivationKind::sigmoid: {
        const float s = sigmoidOf(x);
        return dy * s * (1.f - s);
      }
      case ActivationKind::tanh: {
        const float t = tanhf(x);
        return dy * (1.f - t * t);
      }
      case ActivationKind::silu: {
        const float s = sigmoidOf(x);
        return dy * s * (1.f + x * (1.f - s));
      }
      case ActivationKind::hardswish:
        return x <= -3.f ? 0.f : x >= 3.f ? dy : dy * (2.f * x + 3.f) / 6.f;
      case ActivationKind::elu:
        return x > 0.f ? dy : dy * alpha * expf(x);
      case ActivationKind::softplus:
        return dy * sigmoidOf(x);
      case ActivationKind::mish: {
        const float t = tanhf(softplusOf(x));
        return dy * (t + x * (1.f - t * t) * sigmoidOf(x));
      }
      case ActivationKind::abs:
        return x > 0.f ? dy : x < 0.f ? -dy : 0.f;
      case ActivationKind::exp:
        return dy * expf(x);
      case ActivationKind::log:
        return dy / x;
      case ActivationKind::hardSigmoid: {
        const float v = alpha * x + beta;
        return v > 0.f && v < 1.f ? alpha * dy : 0.f;
      }
      case ActivationKind::sqrt:
        return dy / (2.f * sqrtf(x));
      case ActivationKind::pow:
        return beta == 0.f ? 0.f : dy * beta * powf(x, beta - 1.f);
      case ActivationKind::linear:
        return alpha * dy;
      case ActivationKind::clip:
        return x > alpha && x < beta ? dy : 0.f;
    }
    return dy;
  }

 private:
  static constexpr float kSqrtHalf = 0.70710678f, kInvSqrt2Pi = 0.39894228f;
  TWB_HOST_DEVICE static float sigmoidOf(float x) { return 1.f / (1.f + expf(-x)); }
  // Without overflow for large x: max(x, 0) + log(1 + exp(-|x|)).
  TWB_HOST_DEVICE static float softplusOf(float x) {
    return fmaxf(x, 0.f) + log1pf(expf(-fabsf(x)));
  }
};

// The catalogue's ops that activationOf knows.
inline constexpr const char* kActivationOps[] = {
    "ReLU", "LeakyReLU", "GELU",  "Sigmoid", "Tanh", "SiLU", "Hardswish",
    "ELU",  "Softplus",  "Mish",  "Abs",     "Exp",  "Log",  "HardSigmoid",
    "Sqrt", "Pow",       "Scale", "ReLU6",   "Clip"};

inline bool isActivation(const std::string& op) {
  return std::find(std::begin(kActivationOps), std::end(kActivationOps), op) !=
         std::end(kActivationOps);
}

// The activation of a catalogue op, its attributes read through number(name) (a node's
// validated attributes, defaults filled in). Throws twb::Error for an op that is none.
template <typename Number>
Activation activationOf(const std::string& op, Number number) {
  using K = ActivationKind;
  auto f = [&](const char* name) { return static_cast<float>(number(name)); };
  if (op == "ReLU") return {K::relu};
  if (op == "LeakyReLU") return {K::leakyRelu, f("negative_slope")};
  if (op == "GELU") return {K::gelu};
  if (op == "Sigmoid") return {K::sigmoid};
  if (op == "Tanh") return {K::tanh};
  if (op == "SiLU") return {K::silu};
  if (op == "Hardswish") return {K::hardswish};
  if (op == "ELU") return {K::elu, f("alpha")};
  if (op == "Softplus") return {K::softplus};
  if (op == "Mish") return {K::mish};
  if (op == "Abs") return {K::abs};
  if (op == "Exp") return {K::exp};
  if (op == "Log") return {K::log};
  if (op == "HardSigmoid") return {K::hardSigmoid, f("alpha"), f("beta")};
  if (op == "Sqrt") return {K::sqrt};
  if (op == "Pow") return {K::pow, 1.f, f("exponent")};
  if (op == "Scale") return {K::linear, f("factor"), 0.f};
  if (op == "ReLU6") return {K::clip, 0.f, 6.f};
  if (op == "Clip") return {K::clip, f("min"), f("max")};
  throw Error(op + " is not an activation");
}

}  // namespace twb::gpu
