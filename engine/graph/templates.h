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

// Built-in model templates: mlp, lenet5, cnn-small, resnet18/34/50 and their -cifar forms.
// Arguments common to all: "input" (per-sample shape) and "classes"; the defaults are
// [1, 28, 28] and 10, ImageNet's for resnetN and CIFAR-10's for resnetN-cifar. `path` names the
// arguments in errors.
ModelSpec makeTemplate(const std::string& name, const nlohmann::json& args,
                       const std::string& path = "model.args");
std::vector<TemplateInfo> templateList();

}  // namespace twb
