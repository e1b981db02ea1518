/* The SHA-256 API that links statically without pulling in libcrypto's
   networking and DSO code (the EVP layer does), so the runner stays small. */
#define OPENSSL_API_COMPAT 10101
#include <openssl/sha.h>
#include <openssl/crypto.h>
