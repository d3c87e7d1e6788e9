#include "server/tls.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace outpost::server {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& flag,
                                     const std::string& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  if (!in || content.str().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, "=", path, ": cannot read the file"));
  }
  return content.str();
}

struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

X509Ptr ParsePem(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return X509Ptr(x);
}

}  // namespace

absl::StatusOr<TlsMaterial> LoadTls(const TlsFiles& files) {
  const int given =
      !files.cert.empty() + !files.key.empty() + !files.ca.empty();
  if (given != 3) {
    return absl::InvalidArgumentError(
        "--tls_cert, --tls_key and --tls_ca go together (tools/pki.sh makes "
        "them)");
  }
  TlsMaterial tls;
  absl::StatusOr<std::string> cert = ReadFile("tls_cert", files.cert);
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadFile("tls_key", files.key);
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> ca = ReadFile("tls_ca", files.ca);
  if (!ca.ok()) return ca.status();
  tls.cert = *cert;
  tls.key = *key;
  tls.ca = *ca;
  X509Ptr x = ParsePem(tls.cert);
  if (x == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tls_cert=", files.cert, ": not a PEM certificate"));
  }
  X509Ptr ca_x = ParsePem(tls.ca);
  if (ca_x == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tls_ca=", files.ca, ": not a PEM certificate"));
  }
  char cn[256] = {0};
  if (X509_NAME_get_text_by_NID(X509_get_subject_name(x.get()), NID_commonName,
                                cn, sizeof(cn)) <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--tls_cert=", files.cert, ": the certificate names no node (CN)"));
  }
  tls.common_name = cn;
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca_x.get());
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, x.get(), nullptr);
  const bool verified = X509_verify_cert(ctx) == 1;
  const int error = X509_STORE_CTX_get_error(ctx);
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  if (!verified) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--tls_cert=", files.cert, " is not valid under --tls_ca=", files.ca,
        ": ", X509_verify_cert_error_string(error)));
  }
  return tls;
}

std::shared_ptr<grpc::ServerCredentials> MutualTlsServerCredentials(
    const TlsMaterial& tls) {
  grpc::SslServerCredentialsOptions options(
      GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = tls.ca;
  options.pem_key_cert_pairs.push_back({tls.key, tls.cert});
  return grpc::SslServerCredentials(options);
}

std::shared_ptr<grpc::ChannelCredentials> MutualTlsChannelCredentials(
    const TlsMaterial& tls) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = tls.ca;
  options.pem_private_key = tls.key;
  options.pem_cert_chain = tls.cert;
  return grpc::SslCredentials(options);
}

bool IsLoopbackAddress(const std::string& address) {
  return absl::StartsWith(address, "127.") ||
         absl::StartsWith(address, "localhost:") ||
         absl::StartsWith(address, "[::1]:");
}

}  // namespace outpost::server
