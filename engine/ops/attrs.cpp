#include "core/error.h"
#include "ops/op.h"

namespace twb {

int64_t Attrs::integer(const std::string& name) const { return m_values.at(name).get<int64_t>(); }
double Attrs::number(const std::string& name) const { return m_values.at(name).get<double>(); }
bool Attrs::boolean(const std::string& name) const { return m_values.at(name).get<bool>(); }
std::string Attrs::string(const std::string& name) const {
  return m_values.at(name).get<std::string>();
}
std::vector<int64_t> Attrs::integers(const std::string& name) const {
  return m_values.at(name).get<std::vector<int64_t>>();
}
std::vector<int64_t> Attrs::pair(const std::string& name) const {
  const auto& v = m_values.at(name);
  if (v.is_array()) return v.get<std::vector<int64_t>>();
  return {v.get<int64_t>(), v.get<int64_t>()};
}

}  // namespace twb
