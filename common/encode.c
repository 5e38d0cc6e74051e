/* SPDX-License-Identifier: MIT */
/* encode.c - constant-time hex and base64: no table lookups or branches
 * indexed by secret bytes (the wireguard-tools encoding.c approach). */
#include "encode.h"

/* 0..15 -> '0'..'9','a'..'f' without branching on the value. */
static char hex_digit(unsigned v)
{
	return (char)(v + '0' + (((9u - v) >> 8) & ('a' - '0' - 10)));
}

void encode_hex(char *out, const uint8_t *in, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hex_digit(in[i] >> 4);
		out[2 * i + 1] = hex_digit(in[i] & 15u);
	}
	out[2 * len] = '\0';
}

/* Value of one hex digit, or -1; branch-free over the character. */
static int hex_value(unsigned char c)
{
	int d = c - '0', l = (c | 0x20) - 'a';
	int is_d = ((d >= 0) & (d <= 9));
	int is_l = ((l >= 0) & (l <= 5));

	return (d & -is_d) | ((l + 10) & -is_l) | -(1 - (is_d | is_l));
}

enum err decode_hex(uint8_t *out, size_t out_len, const char *in)
{
	int bad = 0;
	size_t i;

	for (i = 0; i < 2 * out_len; i++)
		if (in[i] == '\0')
			return err_set(ERR_FORMAT, "hex string too short");
	if (in[i] != '\0')
		return err_set(ERR_FORMAT, "hex string too long");
	for (i = 0; i < out_len; i++) {
		int hi = hex_value((unsigned char)in[2 * i]);
		int lo = hex_value((unsigned char)in[2 * i + 1]);

		bad |= (hi | lo) < 0;
		out[i] = (uint8_t)(((hi & 15) << 4) | (lo & 15));
	}
	return bad ? err_set(ERR_FORMAT, "not a hex string") : ERR_OK;
}

size_t encode_base64_len(size_t len)
{
	return (len + 2) / 3 * 4;
}

/* 0..63 -> base64 character, branch-free. */
static char b64_char(unsigned v)
{
	unsigned diff = 'A';

	diff += ((25u - v) >> 8) & 6;  /* v >= 26: 'a' - 26 - 'A' */
	diff -= ((51u - v) >> 8) & 75; /* v >= 52: '0' - 52 */
	diff -= ((61u - v) >> 8) & 15; /* v == 62: '+' */
	diff += ((62u - v) >> 8) & 3;  /* v == 63: '/' */
	return (char)(v + diff);
}

void encode_base64(char *out, const uint8_t *in, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i + 2 < len; i += 3) {
		unsigned w = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 |
		             in[i + 2];

		out[o++] = b64_char(w >> 18);
		out[o++] = b64_char((w >> 12) & 63);
		out[o++] = b64_char((w >> 6) & 63);
		out[o++] = b64_char(w & 63);
	}
	if (i < len) {
		unsigned w = (unsigned)in[i] << 16;

		if (i + 1 < len)
			w |= (unsigned)in[i + 1] << 8;
		out[o++] = b64_char(w >> 18);
		out[o++] = b64_char((w >> 12) & 63);
		out[o++] = i + 1 < len ? b64_char((w >> 6) & 63) : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
}

/* Value of one base64 character, or -1; branch-free over the character. */
static int b64_value(unsigned char c)
{
	int v = -1, x = c;

	v += (((64 - x) & (x - 91)) >> 8) & (x - 64);  /* A-Z: 0..25 */
	v += (((96 - x) & (x - 123)) >> 8) & (x - 70); /* a-z: 26..51 */
	v += (((47 - x) & (x - 58)) >> 8) & (x + 5);   /* 0-9: 52..61 */
	v += (((42 - x) & (x - 44)) >> 8) & 63;        /* '+': 62 */
	v += (((46 - x) & (x - 48)) >> 8) & 64;        /* '/': 63 */
	return v;
}

enum err decode_base64(uint8_t *out, size_t out_cap, size_t *out_len,
                       const char *in, size_t len)
{
	size_t pad = 0, n, o = 0;
	int bad = 0;

	if (len % 4)
		return err_set(ERR_FORMAT, "base64 length not a multiple of 4");
	if (len && in[len - 1] == '=')
		pad++;
	if (len > 1 && in[len - 2] == '=')
		pad++;
	n = len / 4 * 3 - pad;
	if (n > out_cap)
		return err_set(ERR_FORMAT, "base64 value too long");
	for (size_t i = 0; i < len; i += 4) {
		int v[4];
		unsigned w = 0;

		for (int j = 0; j < 4; j++) {
			int is_pad = i + (size_t)j >= len - pad;

			v[j] = is_pad ? 0
			              : b64_value((unsigned char)
			                                  in[i + (size_t)j]);
			bad |= v[j] < 0;
			w = w << 6 | (unsigned)(v[j] & 63);
		}
		for (int j = 0; j < 3 && o < n; j++)
			out[o++] = (uint8_t)(w >> (16 - 8 * j));
	}
	/* Padding bits must be zero (canonical encoding only). */
	if (pad && n < out_cap + 1) {
		int last = b64_value((unsigned char)in[len - pad - 1]);

		bad |= last < 0 || (pad == 1 ? (last & 3) : (last & 15)) != 0;
	}
	if (bad)
		return err_set(ERR_FORMAT, "not valid base64");
	*out_len = n;
	return ERR_OK;
}
