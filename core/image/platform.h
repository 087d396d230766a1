/* Image platforms (os/arch/variant): parsing, normalisation, matching, the
 * host platform, JSON. */
#ifndef KN_CORE_IMAGE_PLATFORM_H
#define KN_CORE_IMAGE_PLATFORM_H

#include <json-c/json.h>

#include <kaniko/error.h>
#include <kaniko/export.h>

#include "core/image/json.h"

/* A platform as it appears in an index or a config (all members owned, may be NULL). */
struct kn_platform {
  char *architecture;
  char *os;
  char *os_version;
  char **os_features;
  char *variant;
  char **features;
};

/* Parse "os[/arch[/variant]][:osversion]" (or a lone architecture, which takes the
 * host OS) into *OUT, normalised (see kn_platform_normalize). -KN_EINVAL names S. */
KN_EXPORT int kn_platform_parse (const char *s, struct kn_platform *out, struct kn_error **err);
/* Normalise in place like containerd: os lower-case (macos -> darwin), x86_64/x86-64 -> amd64
 * (variant v1 dropped), aarch64 -> arm64 with default variant v8, armhf -> arm/v7, armel -> arm/v6,
 * arm without variant -> arm/v7, numeric variants get a "v", i386/i686 -> 386. */
KN_EXPORT void kn_platform_normalize (struct kn_platform *p);
/* "os/arch[/variant]" (malloc'd). */
KN_EXPORT char *kn_platform_format (const struct kn_platform *p);
/* 1 when an image for HAVE satisfies WANT: after normalisation os and architecture are
 * equal, variants equal when both are set, os.version equal when WANT sets it, and WANT's
 * features are a subset of HAVE's. */
KN_EXPORT int kn_platform_match (const struct kn_platform *want, const struct kn_platform *have);
/* 1 when both normalise to the same os/arch/variant (exact, used to prefer one entry). */
KN_EXPORT int kn_platform_equal (const struct kn_platform *a, const struct kn_platform *b);
/* The platform of this machine (uname), normalised. */
KN_EXPORT void kn_platform_host (struct kn_platform *out);
/* Deep copy SRC into DST (DST overwritten). */
void kn_platform_copy (struct kn_platform *dst, const struct kn_platform *src);
/* Free the members of P and zero it. */
KN_EXPORT void kn_platform_clear (struct kn_platform *p);

/* Read a platform object (index entry / descriptor). Requires architecture and os when STRICT. */
int kn_platform_from_json (json_object *obj, const char *what, int strict, struct kn_platform *out,
                           struct kn_error **err);
/* Write P as a platform object (ggcr order: architecture, os, os.version, os.features, variant, features). */
void kn_platform_to_json (struct kn_jw *w, const struct kn_platform *p);

#endif
