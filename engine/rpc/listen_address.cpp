#include "rpc/listen_address.h"

#include <filesystem>

#include "core/error.h"

namespace twb {

NodeAddress NodeAddress::parse(const std::string& text) {
  const auto fail = [&](const std::string& why) {
    return Error("node address '" + text + "': " + why +
                 " (expected unix:PATH or tcp:HOST:PORT)");
  };
  NodeAddress address;
  if (text.starts_with("unix:")) {
    address.kind = Kind::unix_socket;
    address.path = text.substr(5);
    if (address.path.empty()) throw fail("the socket path is empty");
    address.path = std::filesystem::absolute(address.path).lexically_normal().string();
    return address;
  }
  if (text.starts_with("tcp:")) {
    address.kind = Kind::tcp;
    const std::string rest = text.substr(4);
    const size_t colon = rest.rfind(':');
    if (colon == std::string::npos || colon == 0) throw fail("missing host or port");
    address.host = rest.substr(0, colon);
    const std::string port = rest.substr(colon + 1);
    if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos ||
        port.size() > 5 || std::stoi(port) > 65535)
      throw fail("the port '" + port + "' is not a number from 0 to 65535");
    address.port = std::stoi(port);
    return address;
  }
  // A socket's path or HOST:PORT without its scheme: the address it would be is named.
  if (text.starts_with("/") || text.starts_with("."))
    throw fail("no scheme; is it unix:" + text + "?");
  if (const size_t colon = text.rfind(':');
      colon != std::string::npos && colon > 0 && colon + 1 < text.size() &&
      text.find_first_not_of("0123456789", colon + 1) == std::string::npos)
    throw fail("no scheme; is it tcp:" + text + "?");
  throw fail("unknown scheme");
}

std::string NodeAddress::grpcTarget() const {
  return kind == Kind::unix_socket ? "unix:" + path : host + ":" + std::to_string(port);
}

std::string NodeAddress::toString() const {
  return kind == Kind::unix_socket ? "unix:" + path : "tcp:" + host + ":" + std::to_string(port);
}

}  // namespace twb
