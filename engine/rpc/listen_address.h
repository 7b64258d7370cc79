#pragma once

#include <string>

namespace twb {

// Where a node service listens or a client connects: "unix:PATH" or "tcp:HOST:PORT".
struct NodeAddress {
  enum class Kind { unix_socket, tcp } kind = Kind::unix_socket;
  std::string path;  // unix: the socket file
  std::string host;  // tcp
  int port = 0;      // tcp

  // Throws twb::Error naming the text and the accepted forms.
  static NodeAddress parse(const std::string& text);
  std::string grpcTarget() const;  // "unix:/abs/path" or "host:port"
  std::string toString() const;
};

}  // namespace twb
