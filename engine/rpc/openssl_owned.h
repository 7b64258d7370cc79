#pragma once

#include <memory>

namespace twb {

// An OpenSSL (or other C library) object freed by its own function: Owned<X509, X509_free>.
template <typename T, void (*Free)(T*)>
using Owned = std::unique_ptr<T, decltype([](T* p) { Free(p); })>;

}  // namespace twb
