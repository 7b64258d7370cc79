// Einsum, as MaxViT's attention and hand-written models use it ("bhid,bhjd->bhij"): rewritten at
// import into the ONNX ops the importer already reads, each translated in turn. Operands are
// contracted left to right, two at a time, as one batched MatMul: the indices both keep are its
// batch, those one keeps its rows or columns, those it sums its inner dimension (merged by a
// Reshape where there are several); an index only one operand has and nothing after needs is
// summed away first (ReduceSum), and a last Transpose gives the output's order. A constant
// operand makes the MatMul a Linear.

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <numeric>

#include "core/error.h"
#include "io/onnx_importer.h"

namespace twb::onnx_import {

namespace {

// One operand: the ONNX value and its indices, one letter per axis.
struct Term {
  std::string value;
  std::string indices;
};

std::string without(const std::string& text, const std::string& letters) {
  std::string kept;
  for (const char c : text)
    if (letters.find(c) == std::string::npos) kept += c;
  return kept;
}

std::string common(const std::string& a, const std::string& b) {
  std::string both;
  for (const char c : a)
    if (b.find(c) != std::string::npos) both += c;
  return both;
}

// The positions of `to`'s letters in `from`: a Transpose's perm.
std::vector<int64_t> permutation(const std::string& from, const std::string& to) {
  std::vector<int64_t> perm;
  for (const char c : to) perm.push_back(static_cast<int64_t>(from.find(c)));
  return perm;
}

bool isIdentity(const std::vector<int64_t>& perm) {
  for (size_t i = 0; i < perm.size(); ++i)
    if (perm[i] != static_cast<int64_t>(i)) return false;
  return true;
}

// The equation's terms, its "..." spelled as letters it does not use (aligned from the right, as
// NumPy broadcasts them), and its output (implicit: the letters used once, in alphabetical
// order, after the ellipsis's).
std::pair<std::vector<std::string>, std::string> parsed(const ImportedNode& n,
                                                        const std::vector<size_t>& ranks) {
  std::string equation;
  for (const char c : n.text("equation", ""))
    if (c != ' ') equation += c;
  const size_t arrow = equation.find("->");
  const std::string inputs = equation.substr(0, arrow);
  std::vector<std::string> terms(1);
  for (const char c : inputs) {
    if (c == ',')
      terms.emplace_back();
    else
      terms.back() += c;
  }
  if (terms.size() != ranks.size())
    throw n.error("its equation '" + equation + "' names " + std::to_string(terms.size()) +
                  " operand(s), the node has " + std::to_string(ranks.size()));
  std::string spare;
  for (char c = 'A'; c <= 'z'; ++c)
    if (std::isalpha(static_cast<unsigned char>(c)) && equation.find(c) == std::string::npos)
      spare += c;
  size_t ellipsisRank = 0;
  auto spelled = [&](std::string term, size_t rank, bool isOutput) {
    const size_t dots = term.find("...");
    const size_t letters = term.size() - (dots == std::string::npos ? 0 : 3);
    if (dots != std::string::npos) {
      if (!isOutput && rank < letters)
        throw n.error("its term '" + term + "' has more indices than its operand's " +
                      std::to_string(rank) + " axes");
      const size_t count = isOutput ? ellipsisRank : rank - letters;
      ellipsisRank = std::max(ellipsisRank, count);
      term.replace(dots, 3, spare.substr(spare.size() - count));
    }
    for (size_t i = 0; i < term.size(); ++i) {
      if (!std::isalpha(static_cast<unsigned char>(term[i])))
        throw n.error("its equation '" + equation + "' has '" + term[i] +
                      "' where an index (a letter) or '...' belongs");
      if (term.find(term[i], i + 1) != std::string::npos)
        throw n.error(std::string("index '") + term[i] + "' repeats in '" + term +
                      (isOutput ? "'" : "' (a diagonal), which is not supported"));
    }
    if (!isOutput && term.size() != rank)
      throw n.error("its term '" + term + "' has " + std::to_string(term.size()) +
                    " indices for an operand of " + std::to_string(rank) + " axes");
    return term;
  };
  for (size_t i = 0; i < terms.size(); ++i) terms[i] = spelled(terms[i], ranks[i], false);
  std::string output;
  if (arrow != std::string::npos) {
    output = spelled(equation.substr(arrow + 2), 0, true);
  } else {
    output = spare.substr(spare.size() - ellipsisRank);
    std::string once;
    const std::string all = std::accumulate(terms.begin(), terms.end(), std::string());
    for (const char c : all)
      if (std::count(all.begin(), all.end(), c) == 1 && spare.find(c) == std::string::npos)
        once += c;
    std::sort(once.begin(), once.end());
    output += once;
  }
  const std::string all = std::accumulate(terms.begin(), terms.end(), std::string());
  for (const char c : output)
    if (all.find(c) == std::string::npos)
      throw n.error(std::string("its output index '") + c + "' is in no operand");
  return {terms, output};
}

}  // namespace

// The ONNX nodes an Einsum becomes, each translated as it is made.
class Importer::EinsumLowering {
 public:
  EinsumLowering(Importer& importer, const ImportedNode& n)
      : m_importer(importer), m_node(n), m_rewrite(importer, n, "einsum") {}

  void run() {
    std::vector<size_t> ranks;
    std::vector<std::vector<SymbolicDim>> shapes;
    for (int i = 0; i < m_node.proto().input_size(); ++i) {
      const std::string& input = m_node.input(i);
      if (auto it = m_importer.m_constants.find(input); it != m_importer.m_constants.end()) {
        std::vector<SymbolicDim> shape;
        for (const int64_t d : it->second.shape()) shape.push_back({0, d});
        shapes.push_back(shape);
      } else {
        shapes.push_back(m_importer.onnxShapeOf(input));
      }
      ranks.push_back(shapes.back().size());
    }
    if (ranks.empty()) throw m_node.error("has no operands");
    const auto [letters, output] = parsed(m_node, ranks);
    std::vector<Term> terms;
    for (size_t i = 0; i < letters.size(); ++i) {
      terms.push_back({m_node.input(static_cast<int>(i)), letters[i]});
      for (size_t axis = 0; axis < ranks[i]; ++axis) sized(letters[i][axis], shapes[i][axis]);
    }
    Term result = summedAway(terms[0], needed(terms, 1, output));
    for (size_t i = 1; i < terms.size(); ++i) {
      const std::string kept = needed(terms, i + 1, output);
      result = contracted(result, summedAway(terms[i], kept + result.indices), kept);
    }
    const std::vector<int64_t> perm = permutation(result.indices, output);
    if (isIdentity(perm))
      m_rewrite.emit("Identity", {result.value}, {}, m_node.output());
    else
      m_rewrite.emit("Transpose", {result.value}, {Rewrite::ints("perm", perm)}, m_node.output());
  }

 private:
  // The letters the terms from `from` on and the output use.
  static std::string needed(const std::vector<Term>& terms, size_t from,
                            const std::string& output) {
    std::string letters = output;
    for (size_t i = from; i < terms.size(); ++i) letters += terms[i].indices;
    return letters;
  }

  void sized(char index, SymbolicDim size) {
    auto [it, first] = m_sizes.try_emplace(index, size);
    if (!first && (it->second.batch != size.batch || it->second.value != size.value))
      throw m_node.error(std::string("index '") + index + "' has two sizes" +
                         (it->second.value == 1 || size.value == 1
                              ? " (one of 1: broadcasting is not supported)"
                              : ""));
  }
  bool holdsBatch(char index) const { return m_sizes.at(index).batch != 0; }
  bool isConstant(const Term& t) const { return m_importer.m_constants.count(t.value) > 0; }

  // `t` with the indices `kept` does not name summed over.
  Term summedAway(const Term& t, const std::string& kept) {
    std::vector<int64_t> axes;
    std::string left;
    for (size_t i = 0; i < t.indices.size(); ++i) {
      const char index = t.indices[i];
      if (kept.find(index) != std::string::npos) {
        left += index;
        continue;
      }
      if (holdsBatch(index))
        throw m_node.error(std::string("it sums over index '") + index +
                           "', the batch; the engine keeps each sample apart");
      axes.push_back(static_cast<int64_t>(i));
    }
    if (axes.empty()) return t;
    return {m_rewrite.emit("ReduceSum", {t.value},
                           {Rewrite::ints("axes", axes), Rewrite::integer("keepdims", 0)}),
            left};
  }

  // a times b, summed over the indices both have and `kept` does not name: one MatMul, batched
  // over the indices both keep. A constant b is a Linear's weight, (inner, columns).
  Term contracted(Term a, Term b, const std::string& kept) {
    if (isConstant(a)) std::swap(a, b);
    const bool weight = isConstant(b);
    if (isConstant(a)) throw m_node.error("two constant operands are not supported");
    const std::string shared = common(a.indices, b.indices);
    const std::string inner = without(shared, kept), batch = without(shared, inner);
    const std::string rows = without(a.indices, shared), columns = without(b.indices, shared);
    for (const char c : weight ? batch + inner : inner + rows + columns)
      if (holdsBatch(c))
        throw m_node.error(std::string("index '") + c +
                           "' runs over the batch, so the output and every operand must have it");
    if (weight && !batch.empty())
      throw m_node.error(std::string("index '") + batch[0] +
                         "' of a constant operand is kept in the output; a constant operand is "
                         "a weight that every sample shares");
    const std::string indices = batch + rows + columns;
    const size_t copied = weight ? rows.size() : batch.size();  // the batch among them
    // One index on each side is a MatMul as it is; several are merged into one (and none is one
    // of size 1), and the product split back.
    const bool asIs = weight ? inner.size() == 1 && columns.size() == 1
                             : rows.size() == 1 && inner.size() == 1 && columns.size() == 1;
    std::string left = arranged(a, batch + rows + inner);
    std::string right = arranged(b, batch + inner + columns);
    if (asIs) return {m_rewrite.emit("MatMul", {left, right}), indices};
    if (weight) {
      if (inner.size() != 1) left = m_rewrite.reshaped(left, copiedThen(copied, {product(inner)}));
      right = m_rewrite.reshaped(right, {product(inner), product(columns)});
    } else {
      left = m_rewrite.reshaped(left, copiedThen(copied, {product(rows), product(inner)}));
      right = m_rewrite.reshaped(right, copiedThen(copied, {product(inner), product(columns)}));
    }
    const std::string result = m_rewrite.emit("MatMul", {left, right});
    std::vector<int64_t> sizes;
    for (const char c : indices.substr(copied)) sizes.push_back(size(c));
    return {m_rewrite.reshaped(result, copiedThen(copied, sizes)), indices};
  }

  // A Reshape's target: `copied` dimensions kept as they are (0), then `sizes`.
  static std::vector<int64_t> copiedThen(size_t copied, const std::vector<int64_t>& sizes) {
    std::vector<int64_t> target(copied, 0);
    target.insert(target.end(), sizes.begin(), sizes.end());
    return target;
  }

  int64_t size(char index) const {
    const SymbolicDim d = m_sizes.at(index);
    if (d.batch != 0)
      throw m_node.error(std::string("index '") + index +
                         "' runs over the batch, which the engine keeps alone on axis 0");
    return d.value;
  }
  int64_t product(const std::string& indices) const {
    int64_t p = 1;
    for (const char c : indices) p *= size(c);
    return p;
  }

  // `t` transposed to `order`.
  std::string arranged(const Term& t, const std::string& order) {
    const std::vector<int64_t> perm = permutation(t.indices, order);
    if (isIdentity(perm)) return t.value;
    return m_rewrite.emit("Transpose", {t.value}, {Rewrite::ints("perm", perm)});
  }

  Importer& m_importer;
  const ImportedNode& m_node;
  std::map<char, SymbolicDim> m_sizes;
  Rewrite m_rewrite;
};

void Importer::einsum(const ImportedNode& n) { EinsumLowering(*this, n).run(); }

}  // namespace twb::onnx_import
