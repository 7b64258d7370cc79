#pragma once

#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"

namespace twb {

// Reads the fields of one JSON object and names the path of any bad field in its error:
// "optimizer.lr: must be > 0", "nodes[3].attrs.kernel: must be an integer". Fields never read are
// reported by rejectUnknown(), so a misspelt key is an error, not a silent default; the error
// names the nearest key the reader asked for ("epcohs: unknown field (did you mean "epochs"?)").
class JsonObject {
 public:
  JsonObject(const nlohmann::json& value, std::string path);

  bool has(const std::string& key) const;
  const nlohmann::json& raw(const std::string& key);  // marks the key read; throws if missing

  std::string string(const std::string& key, std::optional<std::string> fallback = std::nullopt);
  double number(const std::string& key, std::optional<double> fallback = std::nullopt);
  int64_t integer(const std::string& key, std::optional<int64_t> fallback = std::nullopt);
  bool boolean(const std::string& key, std::optional<bool> fallback = std::nullopt);
  std::vector<int64_t> integers(const std::string& key);
  std::vector<double> numbers(const std::string& key);
  std::vector<std::string> strings(const std::string& key);
  JsonObject object(const std::string& key);

  // "optimizer.lr" for key "lr" of the object at "optimizer".
  std::string pathOf(const std::string& key) const;
  Error error(const std::string& key, const std::string& message) const;
  // "optimizer.lr: must be > 0, got -1": a rule the given value breaks, with the value as written.
  Error badValue(const std::string& key, const std::string& rule) const;
  void rejectUnknown() const;
  // Keys this object holds only under another of its settings (Adam's "beta1" in an SGD
  // optimizer): rejectUnknown() names that setting for them ("read only with `setting`").
  void readOnlyWith(std::initializer_list<const char*> keys, const std::string& setting);
  // Only the unread keys that look like misspellings of keys asked for: for a reader that must
  // name a problem of its own when nothing it knows is there.
  void rejectMisspelt() const;

 private:
  const nlohmann::json* find(const std::string& key);
  std::string nearestAsked(const std::string& key) const;  // "" when none is near
  Error missing(const std::string& key) const;  // "is required", naming a misspelling of it
  const nlohmann::json& m_value;
  std::string m_path;
  std::set<std::string> m_read;
  mutable std::set<std::string> m_asked;  // every key read or tested with has(): the known ones
  std::map<std::string, std::string> m_otherSetting;  // by key: the setting that reads it
};

// "a string", "a number", ... for messages about a value of the wrong type.
std::string jsonTypeName(const nlohmann::json& value);

}  // namespace twb
