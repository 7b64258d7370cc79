#pragma once

#include <nlohmann/json.hpp>

namespace twb {

// Every op with its inputs, attributes (name, type, default, doc) and documentation, as JSON:
// what `twb-engine ops --json` prints and what the node service's GetOpCatalog will return.
nlohmann::json opCatalog();

}  // namespace twb
