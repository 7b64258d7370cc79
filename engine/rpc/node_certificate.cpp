#include "rpc/node_certificate.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "core/error.h"
#include "core/file_writing.h"
#include "rpc/certificate_pins.h"
#include "rpc/openssl_owned.h"

namespace twb {

namespace fs = std::filesystem;

namespace {
constexpr long kValidSeconds = 20L * 365 * 24 * 3600;  // pinned, so expiry protects nothing

[[noreturn]] void failOpenSsl(const std::string& what) {
  throw Error("cannot create the node's TLS certificate: " + what);
}

void addExtension(X509* certificate, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
  Owned<X509_EXTENSION, X509_EXTENSION_free> extension(
      X509V3_EXT_conf_nid(nullptr, &context, nid, value));
  if (!extension || !X509_add_ext(certificate, extension.get(), -1))
    failOpenSsl(std::string("extension ") + OBJ_nid2sn(nid));
}

std::string pemOf(const std::function<int(BIO*)>& write) {
  Owned<BIO, BIO_free_all> bio(BIO_new(BIO_s_mem()));
  if (!write(bio.get())) failOpenSsl("PEM encoding");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

NodeCertificate createCertificate() {
  Owned<EVP_PKEY, EVP_PKEY_free> key(EVP_EC_gen("P-256"));
  if (!key) failOpenSsl("EC key generation");
  Owned<X509, X509_free> certificate(X509_new());
  X509* x = certificate.get();
  X509_set_version(x, 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;  // a positive serial number
  Owned<BIGNUM, BN_free> number(BN_bin2bn(serial, sizeof serial, nullptr));
  BN_to_ASN1_INTEGER(number.get(), X509_get_serialNumber(x));
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);  // clocks of nodes and clients differ
  X509_gmtime_adj(X509_getm_notAfter(x), kValidSeconds);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Tensor Workbench node"), -1,
                             -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(kNodeCertificateName), -1, -1,
                             0);
  X509_set_issuer_name(x, name);
  X509_set_pubkey(x, key.get());
  // Its own trust anchor: clients trust exactly this certificate.
  addExtension(x, NID_basic_constraints, "critical,CA:TRUE");
  addExtension(x, NID_key_usage, "critical,digitalSignature,keyCertSign");
  addExtension(x, NID_subject_key_identifier, "hash");
  addExtension(x, NID_subject_alt_name, (std::string("DNS:") + kNodeCertificateName).c_str());
  if (!X509_sign(x, key.get(), EVP_sha256())) failOpenSsl("signing");
  return {pemOf([&](BIO* bio) {
            return PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
          }),
          pemOf([&](BIO* bio) { return PEM_write_bio_X509(bio, x); })};
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot read");
  return {std::istreambuf_iterator<char>(in), {}};
}
}  // namespace

NodeCertificate loadOrCreateNodeCertificate(const std::string& dataDir) {
  const fs::path folder = fs::path(dataDir) / "tls";
  const fs::path keyPath = folder / "node.key", certificatePath = folder / "node.crt";
  if (!fs::exists(keyPath) || !fs::exists(certificatePath)) {
    fs::create_directories(folder);
    fs::permissions(folder, fs::perms::owner_all, fs::perm_options::replace);
    const NodeCertificate created = createCertificate();
    writeFileWhole(keyPath.string(), created.keyPem, {.mode = 0600, .durable = true});
    writeFileWhole(certificatePath.string(), created.certificatePem, {.durable = true});
    return created;
  }
  struct stat info {};
  if (::stat(keyPath.c_str(), &info) != 0 || (info.st_mode & (S_IRWXG | S_IRWXO)))
    throw Error(keyPath.string() +
                ": the node's private key must not be readable by group or others (chmod 600)");
  NodeCertificate loaded{readFile(keyPath), readFile(certificatePath)};
  const auto parse = [](const std::string& pem, auto read) {
    Owned<BIO, BIO_free_all> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    return read(bio.get(), nullptr, nullptr, nullptr);
  };
  Owned<EVP_PKEY, EVP_PKEY_free> key(parse(loaded.keyPem, PEM_read_bio_PrivateKey));
  if (!key) throw Error(keyPath.string() + ": not a PEM private key");
  Owned<X509, X509_free> certificate(parse(loaded.certificatePem, PEM_read_bio_X509));
  if (!certificate) throw Error(certificatePath.string() + ": not a PEM certificate");
  if (X509_check_private_key(certificate.get(), key.get()) != 1)
    throw Error(certificatePath.string() + ": does not belong to the key " + keyPath.string() +
                " (remove both to make a new pair; clients will then refuse the node until its "
                "old pin is removed)");
  return loaded;
}

}  // namespace twb
