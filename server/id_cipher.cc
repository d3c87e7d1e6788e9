#include "server/id_cipher.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "server/id_card.h"

namespace outpost::server {
namespace {

constexpr absl::string_view kPrefix = "e1:";
constexpr int kNonce = 12;
constexpr int kTag = 16;
constexpr absl::string_view kAad = "outpost.residents.id_number";

struct CtxDeleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

}  // namespace

IdCipher::IdCipher(std::string key) : key_(std::move(key)) {
  const std::string seed = absl::StrCat("outpost-id-nonce-key:", key_);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(seed.data()), seed.size(),
         digest);
  nonce_key_.assign(reinterpret_cast<char*>(digest), sizeof(digest));
}

absl::StatusOr<std::unique_ptr<IdCipher>> IdCipher::Create(std::string key) {
  if (key.size() != 32) {
    return absl::InvalidArgumentError(
        absl::StrCat("the data key must be 32 bytes, not ", key.size()));
  }
  return std::unique_ptr<IdCipher>(new IdCipher(std::move(key)));
}

absl::StatusOr<std::unique_ptr<IdCipher>> IdCipher::FromKeyFile(
    const std::string& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  const std::string hex(absl::StripAsciiWhitespace(content.str()));
  if (!in || hex.size() != 64 ||
      hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--data_key_file=", path,
        ": must hold a 256-bit key as 64 hex characters (make one with: "
        "openssl rand -hex 32 > FILE; chmod 600 FILE)"));
  }
  return Create(absl::HexStringToBytes(hex));
}

std::unique_ptr<IdCipher> IdCipher::Development() {
  return std::unique_ptr<IdCipher>(
      new IdCipher("outpost-development-data-key-32b"));
}

std::string IdCipher::Encrypt(absl::string_view id_number) const {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), nonce_key_.data(), static_cast<int>(nonce_key_.size()),
       reinterpret_cast<const unsigned char*>(id_number.data()),
       id_number.size(), mac, &mac_len);
  std::string out(kNonce + id_number.size() + kTag, '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  std::copy(mac, mac + kNonce, bytes);
  std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter> ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr);
  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonce, nullptr);
  EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr,
                     reinterpret_cast<const unsigned char*>(key_.data()),
                     bytes);
  EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                    reinterpret_cast<const unsigned char*>(kAad.data()),
                    static_cast<int>(kAad.size()));
  EVP_EncryptUpdate(ctx.get(), bytes + kNonce, &len,
                    reinterpret_cast<const unsigned char*>(id_number.data()),
                    static_cast<int>(id_number.size()));
  EVP_EncryptFinal_ex(ctx.get(), bytes + kNonce + len, &len);
  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTag,
                      bytes + kNonce + id_number.size());
  return absl::StrCat(kPrefix, absl::Base64Escape(out));
}

absl::StatusOr<std::string> IdCipher::Decrypt(absl::string_view stored) const {
  if (!absl::ConsumePrefix(&stored, kPrefix)) return std::string(stored);
  std::string raw;
  if (!absl::Base64Unescape(stored, &raw) ||
      raw.size() < static_cast<size_t>(kNonce + kTag)) {
    return absl::DataLossError("id_number: damaged encrypted value");
  }
  const size_t n = raw.size() - kNonce - kTag;
  auto* bytes = reinterpret_cast<unsigned char*>(raw.data());
  std::string plain(n, '\0');
  std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter> ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr);
  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonce, nullptr);
  EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr,
                     reinterpret_cast<const unsigned char*>(key_.data()),
                     bytes);
  EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                    reinterpret_cast<const unsigned char*>(kAad.data()),
                    static_cast<int>(kAad.size()));
  EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()),
                    &len, bytes + kNonce, static_cast<int>(n));
  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTag,
                      bytes + kNonce + n);
  unsigned char final_block[16];
  if (EVP_DecryptFinal_ex(ctx.get(), final_block, &len) != 1) {
    return absl::DataLossError(
        "id_number: does not decrypt with this node's data key "
        "(--data_key_file differs between nodes?)");
  }
  return plain;
}

std::string IdCipher::Masked(absl::string_view stored) const {
  absl::StatusOr<std::string> plain = Decrypt(stored);
  if (!plain.ok()) return "******************";
  return MaskIdNumber(*plain);
}

}  // namespace outpost::server
