/* .dockerignore files: parsing with BuildKit/moby ignorefile.ReadAll rules and
 * matching with moby/patternmatcher semantics (the package-level Matches()
 * that kaniko calls: `**`, `!` exceptions, filepath.Clean, Go filepath.Match
 * syntax checks and ErrBadPattern). */
#ifndef KN_CORE_DOCKERFILE_DOCKERIGNORE_H
#define KN_CORE_DOCKERFILE_DOCKERIGNORE_H

#include <stddef.h>

#include <kaniko/error.h>

/* A list of ignore patterns ready for matching. */
struct kn_ignore;

/* Parse the text of a .dockerignore (ReadAll semantics: BOM and '\r' dropped,
 * '#' lines skipped, space trimmed, "!" split off, filepath.Clean, leading '/'
 * removed).  Returns 0 and a new list in *out (free with kn_ignore_free), or
 * -KN_EINVAL when a line is longer than 64 KiB. */
int kn_dockerignore_parse (const char *text, size_t len, struct kn_ignore **out, struct kn_error **err);

/* Load the ignore file of a build: "<dockerfile_path>.dockerignore" first
 * (dockerfile_path may be NULL; a relative one is taken relative to the
 * working directory when that file exists there, else relative to
 * context_dir), then "<context_dir>/.dockerignore"; neither gives an empty
 * list.
 * Returns 0 and a new list, or a negative code when a file cannot be read. */
int kn_dockerignore_load (const char *context_dir, const char *dockerfile_path, struct kn_ignore **out,
                          struct kn_error **err);

/* A list made of the given patterns as they are (no ReadAll cleaning); n of
 * them, or up to the NULL terminator when n is (size_t) -1.  Never fails. */
struct kn_ignore *kn_ignore_new (const char *const *patterns, size_t n);

/* The patterns of a list (as parsed, NULL-terminated, owned by the list). */
const char *const *kn_ignore_patterns (const struct kn_ignore *ig);

/* How the i-th compiled pattern matches, in patternmatcher's terms: *kind is
 * "exactMatch", "prefixMatch", "suffixMatch" or "regexpMatch" and *regexp the
 * Go regexp text ("" unless regexpMatch); both owned by the list.  Returns 0,
 * or -1 when there is no such pattern or the list failed to compile. */
int kn_ignore_pattern_info (const struct kn_ignore *ig, size_t i, const char **kind, const char **regexp);

/* patternmatcher.Matches(path, patterns): 1 when path (slash separated,
 * relative to the context) or, with the depth of each pattern, one of its
 * parent directories is excluded, 0 when it is included ("." never matches),
 * -KN_EINVAL for a lone "!" pattern or a malformed pattern that had to be
 * evaluated. */
int kn_ignore_matches (const struct kn_ignore *ig, const char *path, struct kn_error **err);

/* As kn_ignore_matches but with MatchesOrParentMatches semantics: every parent
 * directory of path is tried against every pattern. */
int kn_ignore_matches_or_parent (const struct kn_ignore *ig, const char *path, struct kn_error **err);

/* Free a list (NULL is fine). */
void kn_ignore_free (struct kn_ignore *ig);

#endif
