#include <algorithm>
#include <cstdio>

#include "cli/commands.h"
#include "graph/templates.h"
#include "ops/op_catalog.h"

namespace twb {

void addCatalogCommands(CLI::App& app, int& exitCode) {
  auto* ops = app.add_subcommand("ops", "List the ops a model can use, with their attributes");
  static bool opsJson = false;
  ops->add_flag("--json", opsJson, "Print the catalogue as JSON");
  ops->callback([&exitCode] {
    const nlohmann::json catalog = opCatalog();
    if (opsJson) {
      std::printf("%s\n", catalog.dump(2).c_str());
    } else {
      for (const auto& op : catalog) {
        std::printf("%s: %s\n", op["name"].get<std::string>().c_str(),
                    op["doc"].get<std::string>().c_str());
        for (const auto& a : op["attrs"])
          std::printf("    %-18s %-18s %-12s %s\n", a["name"].get<std::string>().c_str(),
                      a["type"].get<std::string>().c_str(),
                      a["required"].get<bool>() ? "required" : a["default"].dump().c_str(),
                      a["doc"].get<std::string>().c_str());
      }
    }
    exitCode = kExitOk;
  });
  auto* templates = app.add_subcommand("templates", "List the built-in model templates");
  templates->callback([&exitCode] {
    const std::vector<TemplateInfo> list = templateList();
    int width = 0;
    for (const auto& t : list) width = std::max(width, static_cast<int>(t.name.size()));
    for (const auto& t : list) std::printf("%-*s  %s\n", width, t.name.c_str(), t.doc.c_str());
    std::printf(
        "\nEach also takes \"input\", a sample's sizes after the batch (default [1, 28, 28] unless "
        "said above), and \"classes\" (default 10), to fit other data: {\"template\": \"mlp\", "
        "\"args\": {\"input\": [8], \"classes\": 3}}\n");
    exitCode = kExitOk;
  });
}

}  // namespace twb
