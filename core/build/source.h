/* The inputs of a build: the context materialised by its context-source
 * plugin (--context URL, --context-sub-path), the Dockerfile (the path as
 * given when it exists, else relative to the context) parsed and typed, and
 * the .dockerignore patterns. */
#ifndef KN_CORE_BUILD_SOURCE_H
#define KN_CORE_BUILD_SOURCE_H

#include <kaniko/build.h>
#include <kaniko/error.h>

#include "core/dockerfile/dockerignore.h"
#include "core/dockerfile/instructions.h"
#include "core/plugin/plugins.h"

struct kn_build_source {
  char *context_dir;                     /* absolute context root */
  char *dockerfile;                      /* path of the Dockerfile read */
  char *dockerfile_name;                 /* name used in messages ("Dockerfile") */
  struct kn_df_instructions *ins;        /* typed instructions */
  struct kn_ignore *ignore;              /* .dockerignore (never NULL) */
  char escape;                           /* the escape directive ('\\' or '`') */
};

/* Fetch the context of O into WORK_DIR (an empty directory) through PLUGINS
 * (the context source polls CANCEL, may be NULL), read and parse the
 * Dockerfile and load the ignore file into *S.  Returns 0 or < 0 (the
 * Dockerfile's errors carry "file:line"). */
int kn_build_source_load (const struct kn_build_options *o, struct kn_plugins *plugins, const char *work_dir,
                          const struct kn_cancel *cancel, struct kn_build_source *s, struct kn_error **err);

/* Free the members of S. */
void kn_build_source_clear (struct kn_build_source *s);

#endif
