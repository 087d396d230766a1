/* Source resolution of COPY/ADD (internal). */
#ifndef KN_CORE_BUILD_COPY_SOURCES_H
#define KN_CORE_BUILD_COPY_SOURCES_H

#include "core/build/copy_int.h"

/* 1 when S holds a Go filepath.Match meta character. */
bool kn_copy_has_meta (const char *s);

/* 1 when the context path PATH is hidden by .dockerignore (only for context
 * sources), 0 when visible, negative on a bad pattern. */
int kn_copy_ignored (struct kn_copy_ctx *c, const char *path, struct kn_error **err);

/* Expand the cleaned, root-relative source CLEAN (globs per component) into
 * the lexical paths it names (sorted per directory, NULL-terminated, caller
 * frees with kn_strv_free; a glob-free CLEAN gives itself).  *N = count. */
int kn_copy_expand_source (struct kn_copy_ctx *c, const char *clean, char ***matches, size_t *n, struct kn_error **err);

#endif
