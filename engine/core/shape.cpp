#include "core/shape.h"

#include "core/error.h"

namespace twb {

int64_t numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string toString(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

Shape parseShape(const std::string& text) {
  Shape shape;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('x', pos);
    if (end == std::string::npos) end = text.size();
    const std::string part = text.substr(pos, end - pos);
    if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos ||
        part.size() > 9 || std::stoll(part) <= 0)
      throw Error("bad shape '" + text + "': expected positive sizes joined by 'x', e.g. 3x32x32");
    shape.push_back(std::stoll(part));
    pos = end + 1;
  }
  return shape;
}

}  // namespace twb
