/* Go-compatible text matching used by the Dockerfile word lexer and by
 * .dockerignore: UTF-8 decoding and Unicode classes as Go's utf8/unicode
 * packages see them, path/filepath.Match (Unix rules), filepath.Clean, and a
 * small backtracking engine for the RE2 syntax subset that BuildKit and
 * moby/patternmatcher generate (leftmost-first, Go's `.`/class rules). */
#ifndef KN_CORE_DOCKERFILE_GLOB_H
#define KN_CORE_DOCKERFILE_GLOB_H

#include <stddef.h>
#include <stdint.h>

#include <kaniko/error.h>

#define KN_RUNE_ERROR 0xFFFDu

/* The rune helpers below delegate to core/dockerfile/unicode.h (kn_df_*).
 * Decode one rune from s[0..len) like Go's utf8.DecodeRune: stores the rune
 * (U+FFFD for an invalid or truncated sequence) and returns its width (1 for
 * invalid input, 0 when len is 0). */
size_t kn_glob_decode_rune (const char *s, size_t len, uint32_t *r);

/* Encode r as UTF-8 into out (invalid runes become U+FFFD); returns the
 * number of bytes written (1..4). */
size_t kn_glob_encode_rune (uint32_t r, char out[4]);

/* A growing NUL-terminated string ({ 0 } is empty; the caller frees p). */
struct kn_glob_buf
{
  char *p;
  size_t len, cap;
};

/* Append S[0..N) to B, keeping it NUL-terminated (N may be 0). */
void kn_glob_buf_add (struct kn_glob_buf *b, const char *s, size_t n);

/* Append the UTF-8 encoding of R to B (invalid runes become U+FFFD). */
void kn_glob_buf_add_rune (struct kn_glob_buf *b, uint32_t r);

/* Go unicode.IsLetter (categories L*, Unicode 15.0). */
int kn_glob_is_letter (uint32_t r);

/* Go unicode.IsDigit (category Nd, Unicode 15.0). */
int kn_glob_is_digit (uint32_t r);

/* Go unicode.IsSpace. */
int kn_glob_is_space (uint32_t r);

/* Go strings.TrimSpace of s[0..len): stores the start offset and returns the
 * trimmed length. */
size_t kn_glob_trim_space (const char *s, size_t len, size_t *start);

/* Go path/filepath.Clean on Unix; returns a new string the caller frees. */
char *kn_glob_clean_path (const char *path);

/* Go path/filepath.Match on Unix: 1 when name matches pattern, 0 when it does
 * not, -KN_EINVAL (ErrBadPattern, "syntax error in pattern") when the pattern
 * is malformed. */
int kn_glob_match (const char *pattern, const char *name, struct kn_error **err);

/* A compiled regular expression (RE2 syntax subset, see the file comment). */
struct kn_glob_regex;

/* Compile expr (literals, `.`, `^`, `$`, classes with ranges, POSIX and Perl
 * classes, escapes, groups, `|`, `*` `+` `?` and their lazy forms).  Returns 0
 * and a regex the caller frees with kn_glob_regex_free(), or -KN_EINVAL with a
 * message naming the problem, as Go's regexp.Compile would. */
int kn_glob_regex_compile (const char *expr, struct kn_glob_regex **out, struct kn_error **err);

/* Leftmost-first search of s[0..len) starting at byte offset start (assertions
 * still see the whole text).  Returns 1 and stores the match's byte offsets in
 * m[0] and m[1], or 0 when there is no match. */
int kn_glob_regex_find (const struct kn_glob_regex *re, const char *s, size_t len, size_t start, size_t m[2]);

/* Go Regexp.ReplaceAllString: every match replaced by repl after Expand()
 * ($0/${0} = the match, $$ = $, other names empty).  Returns a new string. */
char *kn_glob_regex_replace_all (const struct kn_glob_regex *re, const char *s, const char *repl);

/* Free a regex (NULL is fine). */
void kn_glob_regex_free (struct kn_glob_regex *re);

#endif
