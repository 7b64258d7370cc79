#pragma once

#include <grpcpp/grpcpp.h>

#include <string>

namespace twb {

// The shared secret a node service may require: sent by clients as "authorization: Bearer
// TOKEN" metadata and compared in constant time, so timing reveals nothing about it.
class AccessToken {
 public:
  AccessToken() = default;  // none required
  // Reads the token from the first line of `path`; throws twb::Error when the file is missing,
  // empty, or readable by group or others.
  static AccessToken fromFile(const std::string& path);

  bool required() const { return !m_token.empty(); }
  const std::string& value() const { return m_token; }
  // OK, or UNAUTHENTICATED saying whether the token was missing or wrong.
  grpc::Status check(const grpc::ServerContext& context) const;
  void attachTo(grpc::ClientContext& context) const;

 private:
  std::string m_token;
};

bool constantTimeEquals(const std::string& a, const std::string& b);

}  // namespace twb
