/* SPDX-License-Identifier: MIT */
/* km_bundle.h - the DEK bundle that carries a DEK from an online bridge
 * to an air-gapped station (format "p11seal-dek-bundle/2"): pure parse,
 * validation, canonical forms and build; no I/O, no token. Nothing in a
 * bundle is secret: the halves are RSA-OAEP blobs for one station key.
 *
 * A bundle is one JSON object with exactly these members:
 *   format        "p11seal-dek-bundle/2"
 *   label         the DEK's label on the bridge (1..122 bytes of UTF-8)
 *   dek_size      32 or 64 (bytes of the whole XTS key)
 *   wrap          {"alg":"RSA-OAEP","hash":"SHA-1"|"SHA-256",
 *                  "mgf":"MGF1-SHA-1"|"MGF1-SHA-256"} (MGF1 hash = hash)
 *   recipient_fingerprint  SHA-256 of the station key's DER SPKI, hex
 *   data_half, tweak_half  base64 OAEP blobs, each the modulus size
 *   keyhash       hex SHA-256(32 zero bytes || DEK), as vhd-util prints
 *   wrapped_dek, root_key_crn, root_key_id, key_version
 *                 optional Key Protect strings from the DEK's metadata
 *   created       "YYYY-MM-DDTHH:MM:SSZ"
 *   signer_fingerprint  SHA-256 of the DER SPKI of the bridge's bundle
 *                 signer key (ECDSA P-256), hex
 *   binding       hex SHA-256(SHA-256(bound form) || DEK), computed in
 *                 the bridge token: only a DEK holder can make it.
 *   signature     base64 of the ECDSA P-256 signature over SHA-256(signed
 *                 form), raw r || s (32 + 32 bytes, IEEE P1363, as
 *                 CKM_ECDSA makes it; not DER), made in the bridge token
 *                 by the signer key: only the bridge can make it.
 *
 * Canonical forms: the bound form is every member but "binding" and
 * "signature"; the signed form is every member but "signature" (so it
 * covers the binding and signer_fingerprint). Both: members of each
 * object sorted by name (bytewise), no whitespace, integers in decimal,
 * strings as their UTF-8 bytes with only '"' and '\' escaped (control
 * characters are refused), absent optional members omitted, hex in lower
 * case, base64 standard and padded.
 *
 * Format 1 ("p11seal-dek-bundle/1", the same members without
 * signer_fingerprint and signature) was not signed: anyone holding the
 * station's public key could make one. It is refused, as unsigned, with
 * how to export the DEK again. */
#ifndef P11SEAL_KM_BUNDLE_H
#define P11SEAL_KM_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "p11_dek.h"
#include "p11_ec.h"
#include "p11_oaep.h"
#include "p11_rsa.h"

#define KM_BUNDLE_FORMAT    "p11seal-dek-bundle/2"
#define KM_BUNDLE_FORMAT_V1 "p11seal-dek-bundle/1" /* unsigned: refused */
#define KM_BUNDLE_FILE_MAX  (64u * 1024)
#define KM_BUNDLE_LABEL_MAX (P11_LABEL_MAX - (sizeof(P11_DEK_TWEAK_SUFFIX) - 1))
#define KM_BUNDLE_BLOB_MIN  (P11_RSA_MIN_BITS / 8)
#define KM_BUNDLE_BLOB_MAX  (P11_RSA_MAX_BITS / 8)
#define KM_BUNDLE_WDEK_MAX  16384 /* Key Protect ciphertext, base64 */
#define KM_BUNDLE_TEXT_MAX  255   /* CRN, key and version IDs */
#define KM_BUNDLE_DATE_LEN  20    /* YYYY-MM-DDTHH:MM:SSZ */

/* A parsed or to-be-built bundle. Optional strings are "" when absent.
 * Large (about 22 KiB): allocate it, do not put it on a small stack. */
struct km_bundle {
	char label[KM_BUNDLE_LABEL_MAX + 1];
	unsigned dek_size;
	enum p11_oaep_hash hash;
	char recipient[P11_RSA_FP_HEX];
	uint8_t data_half[KM_BUNDLE_BLOB_MAX];
	size_t data_len;
	uint8_t tweak_half[KM_BUNDLE_BLOB_MAX];
	size_t tweak_len;
	uint8_t keyhash[32];
	char wrapped_dek[KM_BUNDLE_WDEK_MAX + 1];
	char root_key_crn[KM_BUNDLE_TEXT_MAX + 1];
	char root_key_id[KM_BUNDLE_TEXT_MAX + 1];
	char key_version[KM_BUNDLE_TEXT_MAX + 1];
	char created[KM_BUNDLE_DATE_LEN + 1];
	char signer[P11_RSA_FP_HEX];
	uint8_t binding[32];
	uint8_t signature[P11_EC_SIG_LEN];
};

/* Parse len bytes (need not be NUL-terminated) into *out. ERR_FORMAT
 * naming the field for anything but exactly the members above, each
 * valid; ERR_POLICY for an unsigned format-1 bundle, ERR_UNSUPPORTED for
 * another version of the format. Nothing is verified: the signature is
 * the station's to check (km_airgap_import). The process must route
 * cJSON through secmem or not at all, consistently. */
enum err km_bundle_parse(const char *buf, size_t len, struct km_bundle *out);

/* ERR_FORMAT naming the first field of b that breaks the rules above
 * (parse and build both apply it, so build never writes what parse
 * refuses). */
enum err km_bundle_check(const struct km_bundle *b);

/* Bound form of b (see above); *out malloc'd, NUL-terminated. */
enum err km_bundle_canonical(const struct km_bundle *b, char **out,
                             size_t *len);

/* Signed form of b (the bound form plus the binding). */
enum err km_bundle_canonical_signed(const struct km_bundle *b, char **out,
                                    size_t *len);

/* SHA-256 of the bound form: what the token hashes with the DEK. */
enum err km_bundle_digest(const struct km_bundle *b, uint8_t out[32]);

/* SHA-256 of the signed form: what the signer key signs. */
enum err km_bundle_signed_digest(const struct km_bundle *b, uint8_t out[32]);

/* The bundle file: indented JSON of every member, binding and signature
 * included; *out malloc'd, NUL-terminated, ending in a newline. */
enum err km_bundle_build(const struct km_bundle *b, char **out, size_t *len);

/* "SHA-1" / "SHA-256" and "MGF1-SHA-1" / "MGF1-SHA-256". */
const char *km_bundle_hash_name(enum p11_oaep_hash h);
const char *km_bundle_mgf_name(enum p11_oaep_hash h);

#endif
