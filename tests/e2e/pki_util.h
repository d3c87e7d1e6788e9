// Certificates for e2e tests, made by tools/pki.sh in the test's folder.
#ifndef OUTPOST_TESTS_E2E_PKI_UTIL_H_
#define OUTPOST_TESTS_E2E_PKI_UTIL_H_

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

#ifndef OUTPOST_PKI_SH
#error "OUTPOST_PKI_SH must name tools/pki.sh"
#endif

namespace outpost::testing {

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs tools/pki.sh; true on success.
inline bool Pki(const std::string& dir, const std::string& args) {
  const std::string command =
      absl::StrCat(OUTPOST_PKI_SH, " '", dir, "' ", args, " >/dev/null 2>&1");
  return std::system(command.c_str()) == 0;
}

// outpostd flags for node `id`'s certificate from the CA in `pki`.
inline std::vector<std::string> TlsFlags(const std::string& pki,
                                         const std::string& id) {
  return {"--tls_cert=" + pki + "/" + id + ".pem",
          "--tls_key=" + pki + "/" + id + ".key",
          "--tls_ca=" + pki + "/ca.pem"};
}

}  // namespace outpost::testing

#endif  // OUTPOST_TESTS_E2E_PKI_UTIL_H_
