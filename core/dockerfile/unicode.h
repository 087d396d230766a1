/* Go-compatible UTF-8 and Unicode helpers for the Dockerfile front end.
 * BuildKit is written in Go; its parser's results depend on Go's
 * utf8.DecodeRune, unicode.IsSpace/IsPrint/IsLetter/IsDigit and ToLower,
 * so these follow Go exactly (tables: Unicode 15.0.0, see gen-unicode.py). */
#ifndef KN_DOCKERFILE_UNICODE_H
#define KN_DOCKERFILE_UNICODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KN_DF_RUNE_ERROR 0xFFFD

struct kn_df_urange
{
  uint32_t lo, hi;
};
struct kn_df_ulower
{
  uint32_t from, to;
};

/* Generated tables (unicode-tables.c): sorted code point ranges of the
 * printable (L, M, N, P, S and U+0020), letter (L) and decimal digit (Nd)
 * categories, and the simple lowercase mappings sorted by code point. */
extern const struct kn_df_urange kn_df_uprint[];
extern const size_t kn_df_uprint_len;
extern const struct kn_df_urange kn_df_uletter[];
extern const size_t kn_df_uletter_len;
extern const struct kn_df_urange kn_df_udigit[];
extern const size_t kn_df_udigit_len;
extern const struct kn_df_ulower kn_df_ulowers[];
extern const size_t kn_df_ulowers_len;

/* Decode one rune at S (N > 0 bytes available) like Go's utf8.DecodeRune:
 * invalid input gives KN_DF_RUNE_ERROR with *width 1. Returns the rune. */
uint32_t kn_df_utf8_decode (const char *s, size_t n, size_t *width);
/* Decode the last rune of S[0..N) like utf8.DecodeLastRune; *width is its size. */
uint32_t kn_df_utf8_decode_last (const char *s, size_t n, size_t *width);
/* Append the UTF-8 encoding of rune R to BUF (room for 4 bytes). Returns the length. */
size_t kn_df_utf8_encode (uint32_t r, char *buf);

/* unicode.IsSpace. */
bool kn_df_uis_space (uint32_t r);
/* unicode.IsPrint (strconv.Quote keeps such runes raw). */
bool kn_df_uis_print (uint32_t r);
/* unicode.IsLetter. */
bool kn_df_uis_letter (uint32_t r);
/* unicode.IsDigit. */
bool kn_df_uis_digit (uint32_t r);
/* unicode.ToLower. */
uint32_t kn_df_uto_lower (uint32_t r);

/* Length of S[0..N) after Go's strings.TrimLeftFunc(unicode.IsSpace): returns the offset of the first non-space. */
size_t kn_df_skip_space (const char *s, size_t n);
/* Length of S[0..N) after strings.TrimRightFunc(unicode.IsSpace). */
size_t kn_df_rtrim_space_len (const char *s, size_t n);

#endif
