// TLS material of a node: its certificate and key, and the sub-district CA
// (made by tools/pki.sh). Node to node is mutual TLS: the server requests and
// verifies client certificates (clients without one may still call with a
// token), the upstream link presents the node's certificate.
#ifndef OUTPOST_SERVER_TLS_H_
#define OUTPOST_SERVER_TLS_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

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

// "127.x.x.x:port", "localhost:port", "[::1]:port".
bool IsLoopbackAddress(const std::string& address);

}  // namespace outpost::server

#endif  // OUTPOST_SERVER_TLS_H_
