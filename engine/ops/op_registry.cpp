#include "ops/op_registry.h"

#include "core/error.h"
#include "core/json_object.h"

namespace twb {

namespace {
// Numbers print as written: 1, not 1.000000.
std::string numberText(double v) {
  nlohmann::json j = v;
  if (v == static_cast<double>(static_cast<int64_t>(v))) j = static_cast<int64_t>(v);
  return j.dump();
}

// `v` (already of its type) within the attribute's range: each element of a pair or list.
void checkRange(const AttrSpec& spec, const nlohmann::json& v, const std::string& path) {
  if (!v.is_number() && !v.is_array()) return;
  for (const auto& e : v.is_array() ? v : nlohmann::json::array({v})) {
    const double x = e.get<double>();
    if (spec.min && x < *spec.min)
      throw Error(path + ": must be >= " + numberText(*spec.min) + ", got " + e.dump());
    if (spec.max && x > *spec.max)
      throw Error(path + ": must be <= " + numberText(*spec.max) + ", got " + e.dump());
  }
}

void checkType(const AttrSpec& spec, const nlohmann::json& v, const std::string& path) {
  auto fail = [&](const char* want) {
    throw Error(path + ": must be " + want + ", got " + jsonTypeName(v));
  };
  switch (spec.type) {
    case AttrType::integer:
      if (!v.is_number_integer()) fail("an integer");
      break;
    case AttrType::number:
      if (!v.is_number()) fail("a number");
      break;
    case AttrType::boolean:
      if (!v.is_boolean()) fail("true or false");
      break;
    case AttrType::string:
      if (!v.is_string()) fail("a string");
      break;
    case AttrType::integerOrPair:
      if (!(v.is_number_integer() ||
            (v.is_array() && v.size() == 2 && v[0].is_number_integer() &&
             v[1].is_number_integer())))
        fail("an integer or a pair [h, w] of integers");
      break;
    case AttrType::integers:
      if (!v.is_array()) fail("an array of integers");
      for (const auto& e : v)
        if (!e.is_number_integer()) fail("an array of integers");
      break;
  }
}
}  // namespace

// Built on first use, so registrations running in any order at start-up all find it.
OpRegistry& OpRegistry::registry() {
  static OpRegistry registry;
  return registry;
}

const OpRegistry& OpRegistry::instance() { return registry(); }

bool isLoss(const std::string& op) {
  const OpDef* def = OpRegistry::instance().find(op);
  return def && def->traits.loss != LossTarget::none;
}

std::string lossNames() {
  std::vector<std::string> losses;
  for (const OpDef* def : OpRegistry::instance().all())
    if (def->traits.loss != LossTarget::none) losses.push_back(def->name);
  std::string text;
  for (size_t i = 0; i < losses.size(); ++i)
    text += (i == 0 ? "" : i + 1 == losses.size() ? " or " : ", ") + losses[i];
  return text;
}

OpRegistration::OpRegistration(std::vector<OpDef> defs) {
  for (OpDef& def : defs) {
    const std::string name = def.name;
    OpRegistry::registry().m_ops.emplace(name, std::move(def));
  }
}

const OpDef* OpRegistry::find(const std::string& name) const {
  auto it = m_ops.find(name);
  return it == m_ops.end() ? nullptr : &it->second;
}

std::vector<const OpDef*> OpRegistry::all() const {
  std::vector<const OpDef*> out;
  for (const auto& [name, def] : m_ops) out.push_back(&def);
  return out;
}

std::unique_ptr<Op> OpRegistry::create(const std::string& op, const nlohmann::json& attrs,
                                       const std::string& path) const {
  const OpDef* def = find(op);
  if (!def) {
    std::string known;
    for (const auto& [name, d] : m_ops) known += (known.empty() ? "" : ", ") + name;
    throw Error(path + ": unknown op '" + op + "' (known ops: " + known + ")");
  }
  if (!attrs.is_null() && !attrs.is_object())
    throw Error(path + ".attrs: must be an object, got " + jsonTypeName(attrs));
  nlohmann::json filled = nlohmann::json::object();
  for (const auto& spec : def->attrs) {
    const std::string attrPath = path + ".attrs." + spec.name;
    if (attrs.is_object() && attrs.contains(spec.name)) {
      checkType(spec, attrs[spec.name], attrPath);
      checkRange(spec, attrs[spec.name], attrPath);
      filled[spec.name] = attrs[spec.name];
    } else if (!spec.defaultValue.is_null()) {
      filled[spec.name] = spec.defaultValue;
    } else {
      throw Error(attrPath + ": is required by " + op);
    }
  }
  if (attrs.is_object())
    for (const auto& [key, value] : attrs.items())
      if (!filled.contains(key))
        throw Error(path + ".attrs." + key + ": unknown attribute of " + op);
  std::unique_ptr<Op> created = def->create(Attrs(std::move(filled)));
  created->m_traits = &def->traits;
  return created;
}

}  // namespace twb
