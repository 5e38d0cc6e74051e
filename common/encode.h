/* SPDX-License-Identifier: MIT */
/* encode.h - hex and base64 (standard alphabet, padded) in constant time,
 * so encoding a key or PIN leaks nothing through timing. */
#ifndef P11SEAL_ENCODE_H
#define P11SEAL_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Lower-case hex of len bytes into out (2*len+1 bytes incl. NUL). */
void encode_hex(char *out, const uint8_t *in, size_t len);

/* Decode exactly out_len bytes from hex string in (2*out_len chars, either
 * case). ERR_FORMAT on a bad length or digit. */
enum err decode_hex(uint8_t *out, size_t out_len, const char *in);

/* Length of base64 text for len bytes, without the NUL. */
size_t encode_base64_len(size_t len);

/* Base64 of len bytes into out (encode_base64_len(len)+1 bytes). */
void encode_base64(char *out, const uint8_t *in, size_t len);

/* Decode base64 text (len chars, padding required, no whitespace) into out,
 * which holds at most out_cap bytes; *out_len gets the decoded length. */
enum err decode_base64(uint8_t *out, size_t out_cap, size_t *out_len,
                       const char *in, size_t len);

#endif
