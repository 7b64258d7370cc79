#include "ops/op_catalog.h"

#include "ops/op_registry.h"

namespace twb {

namespace {
const char* typeName(AttrType type) {
  switch (type) {
    case AttrType::integer: return "integer";
    case AttrType::number: return "number";
    case AttrType::boolean: return "boolean";
    case AttrType::string: return "string";
    case AttrType::integerOrPair: return "integer or [h, w]";
    case AttrType::integers: return "integers";
  }
  return "unknown";
}
}  // namespace

nlohmann::json opCatalog() {
  nlohmann::json ops = nlohmann::json::array();
  for (const OpDef* op : OpRegistry::instance().all()) {
    nlohmann::json attrs = nlohmann::json::array();
    for (const auto& a : op->attrs) {
      nlohmann::json attr{{"name", a.name},
                          {"type", typeName(a.type)},
                          {"required", a.defaultValue.is_null()},
                          {"default", a.defaultValue},
                          {"doc", a.doc}};
      if (a.min) attr["min"] = *a.min;
      if (a.max) attr["max"] = *a.max;
      attrs.push_back(attr);
    }
    ops.push_back({{"name", op->name},
                   {"doc", op->doc},
                   {"min_inputs", op->minInputs},
                   {"max_inputs", op->maxInputs},
                   {"attrs", attrs}});
  }
  return ops;
}

}  // namespace twb
