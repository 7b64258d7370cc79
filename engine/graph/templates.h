#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "graph/model_spec.h"

namespace twb {

struct TemplateInfo {
  std::string name;
  std::string doc;  // what it builds and the arguments it takes
};

// Built-in model templates. Arguments common to all: "input" (per-sample shape, default
// [1, 28, 28]) and "classes" (default 10). `path` names the arguments in errors.
ModelSpec makeTemplate(const std::string& name, const nlohmann::json& args,
                       const std::string& path = "model.args");
std::vector<TemplateInfo> templateList();

}  // namespace twb
