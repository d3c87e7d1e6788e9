// IdCipher: ID-card numbers at rest. residents.id_number holds
//   "e1:" base64( nonce[12] | AES-256-GCM ciphertext | tag[16] )
// under the sub-district's data key (a file outside the database, the same on
// every node so central can read what communities registered). Lookups never
// decrypt: they go through the keyed hash that is the resident's row id.
//
// The nonce is synthetic: HMAC-SHA256(nonce key, number)[0..12). One number
// always encrypts to the same value, so two offices registering the same
// person offline write equal values and the register merges without a
// false conflict; GCM's nonce is never reused with a different plaintext.
// Equality is all it reveals, and the row id (a keyed hash of the number)
// reveals that already.
//
// Thread-safety: immutable after creation; safe from any thread.
#ifndef OUTPOST_SERVER_ID_CIPHER_H_
#define OUTPOST_SERVER_ID_CIPHER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace outpost::server {

class IdCipher {
 public:
  // `key`: 32 bytes.
  static absl::StatusOr<std::unique_ptr<IdCipher>> Create(std::string key);
  // A file holding the key as 64 hex characters (`openssl rand -hex 32`).
  // INVALID_ARGUMENT naming --data_key_file.
  static absl::StatusOr<std::unique_ptr<IdCipher>> FromKeyFile(
      const std::string& path);
  // A fixed key for loopback development nodes and tests.
  static std::unique_ptr<IdCipher> Development();

  std::string Encrypt(absl::string_view id_number) const;
  // The number; a value without the "e1:" prefix (written before encryption
  // existed) is returned as is. DATA_LOSS for a value that does not decrypt.
  absl::StatusOr<std::string> Decrypt(absl::string_view stored) const;
  // The masked number (MaskIdNumber) of a stored value.
  std::string Masked(absl::string_view stored) const;

 private:
  explicit IdCipher(std::string key);
  const std::string key_;
  std::string nonce_key_;
};

}  // namespace outpost::server

#endif  // OUTPOST_SERVER_ID_CIPHER_H_
