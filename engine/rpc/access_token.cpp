#include "rpc/access_token.h"

#include <sys/stat.h>

#include <fstream>

#include "core/error.h"

namespace twb {

namespace {
constexpr const char* kBearer = "Bearer ";
}

AccessToken AccessToken::fromFile(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) throw Error(path + ": token file not found");
  if (info.st_mode & (S_IRWXG | S_IRWXO))
    throw Error(path + ": token file is readable by others (chmod 600 it)");
  std::ifstream in(path);
  AccessToken token;
  std::getline(in, token.m_token);
  while (!token.m_token.empty() && std::isspace(static_cast<unsigned char>(token.m_token.back())))
    token.m_token.pop_back();
  if (token.m_token.empty()) throw Error(path + ": token file is empty");
  return token;
}

bool constantTimeEquals(const std::string& a, const std::string& b) {
  // Every byte of the longer string is visited whatever the contents, so the time taken only
  // depends on the lengths.
  const size_t n = std::max(a.size(), b.size());
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? a[i] : 0;
    const unsigned char y = i < b.size() ? b[i] : 0;
    diff |= x ^ y;
  }
  return diff == 0;
}

grpc::Status AccessToken::check(const grpc::ServerContext& context) const {
  if (!required()) return grpc::Status::OK;
  const auto& metadata = context.client_metadata();
  const auto found = metadata.find("authorization");
  if (found == metadata.end())
    return {grpc::StatusCode::UNAUTHENTICATED, "this node requires a token (authorization: Bearer)"};
  const std::string sent(found->second.data(), found->second.size());
  if (!sent.starts_with(kBearer) || !constantTimeEquals(sent.substr(7), m_token))
    return {grpc::StatusCode::UNAUTHENTICATED, "wrong token"};
  return grpc::Status::OK;
}

void AccessToken::attachTo(grpc::ClientContext& context) const {
  if (required()) context.AddMetadata("authorization", kBearer + m_token);
}

}  // namespace twb
