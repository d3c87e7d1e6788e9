#include "server/tls.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "sync/logging.h"
#include "sync/status_macros.h"

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

namespace {

struct CrlDeleter {
  void operator()(X509_CRL* c) const { X509_CRL_free(c); }
};

std::string SerialHex(const ASN1_INTEGER* serial) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(serial, nullptr);
  char* hex = bn != nullptr ? BN_bn2hex(bn) : nullptr;
  std::string out = hex != nullptr ? hex : "";
  OPENSSL_free(hex);
  BN_free(bn);
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RevocationList>> RevocationList::Load(
    const std::string& path, const std::string& ca_pem) {
  std::unique_ptr<RevocationList> list(new RevocationList(path, ca_pem));
  absl::MutexLock lock(&list->mu_);
  RETURN_IF_ERROR(list->Reload());
  return list;
}

absl::Status RevocationList::Reload() {
  struct stat st;
  if (::stat(path_.c_str(), &st) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tls_crl=", path_, ": cannot read the file"));
  }
  const int64_t mtime_ns =
      int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
  if (mtime_ns == mtime_ns_) return absl::OkStatus();
  absl::StatusOr<std::string> pem = ReadFile("tls_crl", path_);
  if (!pem.ok()) return pem.status();
  BIO* bio = BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size()));
  std::unique_ptr<X509_CRL, CrlDeleter> crl(
      PEM_read_bio_X509_CRL(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  if (crl == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tls_crl=", path_, ": not a PEM CRL"));
  }
  X509Ptr ca = ParsePem(ca_pem_);
  EVP_PKEY* key = ca != nullptr ? X509_get0_pubkey(ca.get()) : nullptr;
  if (key == nullptr || X509_CRL_verify(crl.get(), key) != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--tls_crl=", path_, ": not signed by the CA of --tls_ca"));
  }
  std::set<std::string> serials;
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
  for (int i = 0; i < sk_X509_REVOKED_num(revoked); ++i) {
    serials.insert(SerialHex(
        X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, i))));
  }
  serials_ = std::move(serials);
  mtime_ns_ = mtime_ns;
  return absl::OkStatus();
}

bool RevocationList::Revoked(absl::string_view cert_pem, std::string* serial) {
  X509Ptr cert = ParsePem(std::string(cert_pem));
  if (cert == nullptr) return true;
  *serial = SerialHex(X509_get0_serialNumber(cert.get()));
  absl::MutexLock lock(&mu_);
  const absl::Time now = absl::Now();
  if (now - checked_ >= absl::Seconds(1)) {
    checked_ = now;
    if (absl::Status reloaded = Reload(); !reloaded.ok()) {
      OUTPOST_LOG(ERROR) << reloaded << " (keeping the last good list)";
    }
  }
  return serials_.count(*serial) > 0;
}

bool IsLoopbackAddress(const std::string& address) {
  return absl::StartsWith(address, "127.") ||
         absl::StartsWith(address, "localhost:") ||
         absl::StartsWith(address, "[::1]:");
}

}  // namespace outpost::server
