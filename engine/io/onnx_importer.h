#pragma once

// The ONNX importer (io/onnx_import.h is its entry point): one pass over the graph's nodes, each
// translated into engine nodes. Its steps live in these files: onnx_import.cpp reads the file,
// names values and translates each op; onnx_import_views.cpp keeps values whose batch is not
// alone on axis 0 as views and runs the ops that move axes (Reshape, Squeeze, Slice, Gather,
// Split) and those along an axis or on each value of a view; onnx_import_patterns.cpp folds the
// forms PyTorch writes ops in (GELU's erf form, LayerNorm before opset 17, SiLU, Hardswish, MatMul
// + Add) back into one engine op; onnx_constant_folding.cpp computes what constants alone make;
// onnx_rewrite.cpp makes ONNX nodes in place of one read in another form: an Einsum
// (onnx_einsum.cpp), 1-D ops (onnx_one_dimensional.cpp), InstanceNormalization
// (onnx_instance_norm.cpp); onnx_resize.cpp reads Resize and Upsample; onnx_recurrent.cpp reads
// LSTM, GRU and RNN; onnx_fixed_batch.cpp reads
// the sizes a file with a fixed batch spells as numbers.

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "exec/quant_plan.h"
#include "graph/graph.h"
#include "io/model_file.h"
#include "io/onnx_batch_layout.h"
#include "io/onnx_import.h"
#include "io/onnx_imported_node.h"
#include "io/onnx_qdq.h"
#include "io/onnx_shape_arithmetic.h"

namespace twb::onnx_import {

// An ONNX tensor as an engine Tensor: FLOAT as f32, INT64 as s32 (shapes and axes; past int32
// clamped, as a Slice's "to the end" is), INT8 and UINT8 as they are. `where` names it in errors.
Tensor toTensor(const onnx::TensorProto& t, const std::string& where);

inline constexpr const char* kBatchMoved =
    "has its batch moved off axis 0 or merged with another axis (by a Transpose or Reshape); "
    "the engine keeps the batch alone on axis 0";

class Importer {
 public:
  Importer(std::string path, std::map<std::string, Shape> inputShapes)
      : m_path(std::move(path)), m_inputShapes(std::move(inputShapes)) {}
  ModelFile run();

 private:
  // GELU arrives in its erf form, five nodes: x / sqrt(2) -> Erf -> + 1 -> x * . -> * 0.5.
  // Each step records how far along the pattern its output is; the last one emits GELU.
  struct GeluStage {
    std::string x;
    int stage;
  };

  // onnx_import.cpp: values, constants, emitted nodes, the int8 plan, each op.
  std::string resolve(const std::string& name) const;
  void alias(const std::string& name, const std::string& target, const ImportedNode* node);
  const Tensor& constant(const ImportedNode& n, int input) const;
  void add(const ImportedNode& n, const std::string& op, std::vector<std::string> inputs,
           nlohmann::json attrs = nlohmann::json::object(), const std::string& name = "");
  std::string value(const ImportedNode& n, int input);
  std::string computed(const ImportedNode& n, const std::string& name);
  std::optional<QuantPlan> quantPlan() const;
  void checkQuantPlan(const Graph& graph, const QuantPlan& plan) const;
  // Empty, with the input added to `free`, where the file leaves a size free and none is given.
  Shape inputShape(
      const std::string& name,
      const google::protobuf::RepeatedPtrField<onnx::TensorShapeProto::Dimension>& dims,
      std::vector<FreeInput>& free) const;
  Shape shapeOf(const std::string& onnxName) const;
  std::vector<SymbolicDim> onnxShapeOf(const std::string& onnxName) const;
  void translate(const ImportedNode& n);
  void qdq(const ImportedNode& n);
  int64_t linear(const ImportedNode& n, const std::string& input, const std::string& out);
  void layerNorm(const ImportedNode& n);
  void convTranspose(const ImportedNode& n);
  NodeSpec* emittedNode(const std::string& name);
  void renameTo(NodeSpec& node, const std::string& name);

  // onnx_import_views.cpp: values held as views of engine values, and the ops that move axes.
  BatchLayout layoutOf(const std::string& name) const;
  BatchLayout applied(const LayoutChange& change, const std::string& name,
                      const char* reshapeSuffix);
  static std::string engineName(const std::string& name, const BatchLayout& layout);
  void keep(const std::string& name, const BatchLayout& layout);
  std::string engineOf(const std::string& name) const;
  const BatchLayout& normalised(const std::string& name);
  std::optional<std::string> engineForm(const std::string& name);
  int64_t axisAfterBatch(const ImportedNode& n, int64_t axis, int input) const;
  std::vector<int64_t> integersOf(const ImportedNode& n, const std::string& attr, int input,
                                  std::vector<int64_t> fallback) const;
  void split(const ImportedNode& n);
  std::pair<int64_t, int64_t> sliceAxis(const ImportedNode& n, const std::string& input,
                                        int64_t axis) const;
  void sliced(const ImportedNode& n, const std::string& input, int64_t axis, int64_t start,
              int64_t end, const std::string& out);
  BatchLayout sliceOf(const ImportedNode& n, const std::string& input, BatchLayout layout,
                      int64_t axis, int64_t start, int64_t end, const std::string& name);
  void slice(const ImportedNode& n);
  void slicedWithStep(const ImportedNode& n, const std::string& input, int64_t axis, int64_t start,
                      int64_t end, int64_t step, const std::string& out);
  void squeeze(const ImportedNode& n);
  void gather(const ImportedNode& n);
  void squeezeLayout(const ImportedNode& n, const std::string& input, std::vector<int64_t> axes,
                     bool unsqueeze);
  std::vector<SymbolicDim> explicitTarget(const ImportedNode& n, const std::string& input,
                                          std::vector<SymbolicDim> target) const;
  void reshapeLayout(const ImportedNode& n, const std::string& input,
                     const std::vector<SymbolicDim>& target, const std::string& out);
  std::vector<SymbolicDim> sizesOf(const ImportedNode& n, int input) const;
  void reshape(const ImportedNode& n);
  // onnx_fixed_batch.cpp: a Reshape's target of numbers, in a file whose batch is fixed, with
  // the batch a symbol again where the input's lands; `target` as it is otherwise.
  std::vector<SymbolicDim> batchFreed(const std::string& input,
                                      const std::vector<SymbolicDim>& target) const;
  std::optional<Tensor> tokensOfFixedBatch(const ImportedNode& n) const;
  bool onLayout(const ImportedNode& n);
  bool elementwiseOnView(const ImportedNode& n);
  bool reducedView(const ImportedNode& n, const std::string& input);
  bool joinedViews(const ImportedNode& n);

  bool foldConstants(const ImportedNode& n);  // onnx_constant_folding.cpp

  // onnx_rewrite.cpp: ONNX nodes made in place of `n`, each translated as it is made; their
  // names start with n's and `purpose`.
  class Rewrite {
   public:
    Rewrite(Importer& importer, const ImportedNode& n, std::string purpose)
        : m_importer(importer), m_node(n), m_purpose(std::move(purpose)) {}
    // Returns the output: `output`, or a fresh name where it is empty.
    std::string emit(const std::string& op, const std::vector<std::string>& inputs,
                     const std::vector<onnx::AttributeProto>& attrs = {},
                     const std::string& output = "");
    std::string emit(onnx::NodeProto node, const std::string& output = "");
    // A Reshape to `target` (0 copies the input's dimension, -1 takes the rest).
    std::string reshaped(const std::string& value, const std::vector<int64_t>& target,
                         const std::string& output = "");
    // A new constant; `learned` where it is one of the file's parameters in another shape.
    std::string constant(const std::string& what, Tensor value, bool learned);
    std::string fresh(const std::string& what);
    static onnx::AttributeProto ints(const std::string& name, const std::vector<int64_t>& values);
    static onnx::AttributeProto integer(const std::string& name, int64_t value);
    static onnx::AttributeProto number(const std::string& name, float value);

   private:
    Importer& m_importer;
    const ImportedNode& m_node;
    std::string m_purpose;
    int m_count = 0;
  };

  // onnx_einsum.cpp: an Einsum as the Transposes, ReduceSums, Reshapes and MatMuls it is.
  class EinsumLowering;
  void einsum(const ImportedNode& n);
  // onnx_one_dimensional.cpp: a 1-D convolution, pooling or batch norm as the 2-D one over
  // (N, C, L, 1); false for any other node.
  bool oneDimensional(const ImportedNode& n);
  // onnx_instance_norm.cpp: InstanceNormalization (nn.InstanceNorm2d, nn.GroupNorm) as a
  // LayerNorm over each channel's values, then the channel's scale and shift.
  void instanceNorm(const ImportedNode& n);
  // onnx_resize.cpp: Resize and Upsample by whole factors as an Upsample.
  void resize(const ImportedNode& n);
  // onnx_recurrent.cpp: LSTM, GRU and RNN, and the zeros of their initial states.
  bool isZeros(const std::string& name) const;
  bool batchState(const ImportedNode& n);
  void recurrent(const ImportedNode& n);
  void keepRecurrentOutputs(const ImportedNode& n, const std::string& y, int64_t steps,
                            int64_t directions, int64_t hidden, bool lastStateRead);

  // onnx_import_patterns.cpp: PyTorch's multi-node forms folded into one engine op.
  bool decomposedLayerNorm(const ImportedNode& n);
  bool layerNormAffine(const ImportedNode& n);
  static Tensor transposed(const ImportedNode& n, const Tensor& t);
  bool linearBias(const ImportedNode& n);
  std::optional<float> scalarFactor(const ImportedNode& n) const;
  bool addedConstant(const ImportedNode& n);
  void addedToView(const ImportedNode& n, const std::string& input, const Tensor& t, bool fixed);
  bool multipliedByConstant(const ImportedNode& n);
  void zeroPad(const ImportedNode& n);
  void padded(const ImportedNode& n, std::string input, const std::vector<int64_t>& pads,
              const std::string& out);
  void expandToBatch(const ImportedNode& n);
  bool prependedTokens(const ImportedNode& n);
  // The value a Conv or AveragePool reads and its pads ([top, left, bottom, right]): its own,
  // plus those of a Pad of zeros it reads (`padded`), whose input it then reads instead.
  struct PaddedInput {
    std::string value;
    std::vector<int64_t> pads;
    bool padded = false;
  };
  PaddedInput paddedInput(const ImportedNode& n);
  void clip(const ImportedNode& n);
  bool gatedActivation(const ImportedNode& n);
  const GeluStage* gelu(const ImportedNode& n, int input) const;
  bool isConstant(const ImportedNode& n, int input, float value) const;
  void geluStep(const ImportedNode& n);

  std::map<std::string, GeluStage> m_gelu;
  QdqReader m_qdq;
  std::map<std::string, std::vector<float>> m_int8Layers;  // node -> weight scales (QDQ)
  std::map<std::string, ActivationRange> m_ranges;         // value -> range (QDQ)
  ShapeArithmetic m_shapeArithmetic;
  // ONNX values whose batch is not alone on axis 0, as views of engine values.
  std::map<std::string, BatchLayout> m_layouts;
  // The engine values elementwiseOnView translates a view's node on: engine names already.
  std::set<std::string> m_onEngine;
  std::map<std::string, int> m_readers;                // ONNX value -> nodes and outputs reading it
  int64_t m_opset = 13;                                // of the default domain
  std::map<std::string, int64_t> m_flatteningSoftmax;  // node -> axis, opset < 13
  std::string m_path;
  std::map<std::string, Shape> m_inputShapes;  // given for inputs the file leaves free
  ModelSpec m_spec;
  std::map<std::string, Tensor> m_constants, m_weights;
  // Constants that are the file's initializers or computed from one: its parameters, which an
  // added or multiplying constant becomes a learned tensor of; others stay fixed.
  std::set<std::string> m_learned;
  std::map<std::string, std::string> m_aliases;
  std::map<std::string, PaddedInput> m_heldPads;  // a Pad of zeros' output -> its input, pads
  std::map<std::string, std::string> m_expandedToBatch;  // an Expand's output -> its constant
  // Recurrent initial states as large as the batch -> whether they are zeros.
  std::map<std::string, bool> m_batchStates;
  // An input whose batch the file fixes (exported without dynamic_axes), and that batch.
  std::optional<std::pair<std::string, int64_t>> m_fixedBatch;
  std::set<std::string> m_produced;
};

}  // namespace twb::onnx_import
