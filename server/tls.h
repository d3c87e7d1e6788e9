// TLS material of a node: its certificate and key, and the sub-district CA
// (made by tools/pki.sh). Node to node is mutual TLS: the server requests and
// verifies client certificates (clients without one may still call with a
// token), the upstream link presents the node's certificate.
#ifndef OUTPOST_SERVER_TLS_H_
#define OUTPOST_SERVER_TLS_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace outpost::server {

struct TlsFiles {
  std::string cert;  // PEM paths
  std::string key;
  std::string ca;
  bool enabled() const { return !cert.empty(); }
};

struct TlsMaterial {
  std::string cert;  // PEM contents
  std::string key;
  std::string ca;
  std::string common_name;  // of `cert`
};

// Reads and checks the files: all three or none (INVALID_ARGUMENT naming the
// flag), the certificate parses and was issued by the CA.
absl::StatusOr<TlsMaterial> LoadTls(const TlsFiles& files);

// Requests and verifies client certificates; does not require them.
std::shared_ptr<grpc::ServerCredentials> MutualTlsServerCredentials(
    const TlsMaterial& tls);
// Verifies the server against the CA and presents our certificate.
std::shared_ptr<grpc::ChannelCredentials> MutualTlsChannelCredentials(
    const TlsMaterial& tls);

// The CA's certificate revocation list (tools/pki.sh revoke NODE writes it):
// a peer certificate whose serial it lists is refused. The file is checked
// against the CA's signature, and reread when it changes (looked at no more
// than once a second); a changed file that does not verify is refused and
// the last good list stays in force.
class RevocationList {
 public:
  // INVALID_ARGUMENT naming --tls_crl when the file is unreadable, not a PEM
  // CRL or not signed by `ca_pem`.
  static absl::StatusOr<std::unique_ptr<RevocationList>> Load(
      const std::string& path, const std::string& ca_pem);
  // True when the PEM certificate's serial is revoked (or it cannot be
  // parsed); `serial` gets the serial in hex.
  bool Revoked(absl::string_view cert_pem, std::string* serial);

 private:
  RevocationList(std::string path, std::string ca_pem)
      : path_(std::move(path)), ca_pem_(std::move(ca_pem)) {}
  absl::Status Reload() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  const std::string path_;
  const std::string ca_pem_;
  absl::Mutex mu_;
  std::set<std::string> serials_ ABSL_GUARDED_BY(mu_);  // hex, upper case
  int64_t mtime_ns_ ABSL_GUARDED_BY(mu_) = -1;
  absl::Time checked_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

// "127.x.x.x:port", "localhost:port", "[::1]:port".
bool IsLoopbackAddress(const std::string& address);

}  // namespace outpost::server

#endif  // OUTPOST_SERVER_TLS_H_
