#include "core/json_object.h"

#include <algorithm>
#include <cmath>

#include "core/near_name.h"

namespace twb {

std::string jsonTypeName(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::boolean:
      return "a boolean";
    case nlohmann::json::value_t::string:
      return "a string";
    case nlohmann::json::value_t::array:
      return "an array";
    case nlohmann::json::value_t::object:
      return "an object";
    default:
      return "a number";
  }
}

JsonObject::JsonObject(const nlohmann::json& value, std::string path)
    : m_value(value), m_path(std::move(path)) {
  if (!value.is_object())
    throw Error((m_path.empty() ? "document" : m_path) + ": must be an object, got " +
                jsonTypeName(value));
}

bool JsonObject::has(const std::string& key) const {
  m_asked.insert(key);
  return m_value.contains(key);
}

std::string JsonObject::pathOf(const std::string& key) const {
  return m_path.empty() ? key : m_path + "." + key;
}

Error JsonObject::error(const std::string& key, const std::string& message) const {
  return Error(pathOf(key) + ": " + message);
}

Error JsonObject::badValue(const std::string& key, const std::string& rule) const {
  return error(key, has(key) ? rule + ", got " + m_value.at(key).dump() : rule);
}

const nlohmann::json* JsonObject::find(const std::string& key) {
  m_read.insert(key);
  m_asked.insert(key);
  auto it = m_value.find(key);
  return it == m_value.end() ? nullptr : &*it;
}

const nlohmann::json& JsonObject::raw(const std::string& key) {
  const auto* v = find(key);
  if (!v) throw missing(key);
  return *v;
}

std::string JsonObject::string(const std::string& key, std::optional<std::string> fallback) {
  const auto* v = find(key);
  if (!v) {
    if (fallback) return *fallback;
    throw missing(key);
  }
  if (!v->is_string()) throw error(key, "must be a string, got " + jsonTypeName(*v));
  return v->get<std::string>();
}

double JsonObject::number(const std::string& key, std::optional<double> fallback) {
  const auto* v = find(key);
  if (!v) {
    if (fallback) return *fallback;
    throw missing(key);
  }
  if (!v->is_number()) throw error(key, "must be a number, got " + jsonTypeName(*v));
  const double d = v->get<double>();
  if (!std::isfinite(d)) throw error(key, "must be finite");
  return d;
}

int64_t JsonObject::integer(const std::string& key, std::optional<int64_t> fallback) {
  const auto* v = find(key);
  if (!v) {
    if (fallback) return *fallback;
    throw missing(key);
  }
  if (!v->is_number_integer()) throw error(key, "must be an integer, got " + jsonTypeName(*v));
  return v->get<int64_t>();
}

bool JsonObject::boolean(const std::string& key, std::optional<bool> fallback) {
  const auto* v = find(key);
  if (!v) {
    if (fallback) return *fallback;
    throw missing(key);
  }
  if (!v->is_boolean()) throw error(key, "must be true or false, got " + jsonTypeName(*v));
  return v->get<bool>();
}

namespace {
// The elements of array `v` at `path`, each checked to be `kind` ("an integer").
template <typename T, typename Check>
std::vector<T> elements(const nlohmann::json& v, const std::string& path, Check isKind,
                        const std::string& kind) {
  std::vector<T> out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (!isKind(v[i]))
      throw Error(path + "[" + std::to_string(i) + "]: must be " + kind + ", got " +
                  jsonTypeName(v[i]));
    out.push_back(v[i].get<T>());
  }
  return out;
}
}  // namespace

std::vector<int64_t> JsonObject::integers(const std::string& key) {
  const auto& v = raw(key);
  if (!v.is_array()) throw error(key, "must be an array of integers, got " + jsonTypeName(v));
  return elements<int64_t>(
      v, pathOf(key), [](const auto& e) { return e.is_number_integer(); }, "an integer");
}

std::vector<double> JsonObject::numbers(const std::string& key) {
  const auto& v = raw(key);
  if (!v.is_array()) throw error(key, "must be an array of numbers, got " + jsonTypeName(v));
  return elements<double>(
      v, pathOf(key), [](const auto& e) { return e.is_number(); }, "a number");
}

std::vector<std::string> JsonObject::strings(const std::string& key) {
  const auto& v = raw(key);
  if (!v.is_array()) throw error(key, "must be an array of strings, got " + jsonTypeName(v));
  return elements<std::string>(
      v, pathOf(key), [](const auto& e) { return e.is_string(); }, "a string");
}

JsonObject JsonObject::object(const std::string& key) { return JsonObject(raw(key), pathOf(key)); }

std::string JsonObject::nearestAsked(const std::string& key) const {
  // A key this object's reader knows and the document lacks.
  std::vector<std::string> lacking;
  for (const std::string& known : m_asked)
    if (!m_value.contains(known)) lacking.push_back(known);
  return nearestName(key, lacking);
}

Error JsonObject::missing(const std::string& key) const {  // after find(key) asked for it
  for (const auto& [given, value] : m_value.items())
    if (!m_read.count(given) && nearestAsked(given) == key)
      return error(key, "is required (is \"" + given + "\" a misspelling of it?)");
  return error(key, "is required");
}

void JsonObject::rejectMisspelt() const {
  for (const auto& [key, value] : m_value.items())
    if (!m_read.count(key))
      if (const std::string nearest = nearestAsked(key); !nearest.empty())
        throw error(key, "unknown field (did you mean \"" + nearest + "\"?)");
}

void JsonObject::readOnlyWith(std::initializer_list<const char*> keys, const std::string& setting) {
  for (const char* key : keys) m_otherSetting[key] = setting;
}

void JsonObject::rejectUnknown() const {
  for (const auto& [key, setting] : m_otherSetting)
    if (!m_read.count(key) && m_value.contains(key)) throw error(key, "read only with " + setting);
  rejectMisspelt();
  for (const auto& [key, value] : m_value.items())
    if (!m_read.count(key)) {
      std::string known;
      for (const std::string& k : m_asked) known += (known.empty() ? "" : ", ") + k;
      throw error(key, "unknown field" + (known.empty() ? "" : " (known here: " + known + ")"));
    }
}

}  // namespace twb
