/* kaniko — build-context source plugins (plugin-author tier).
 *
 * A context source turns the --context URL into a local directory.  Sources
 * register the URL schemes they serve (libgit2's transport registry is the
 * model): "dir" serves dir:// and plain paths, "tar" serves tar://, "git"
 * serves git://, and so on. */
#ifndef KANIKO_SYS_CONTEXT_H
#define KANIKO_SYS_CONTEXT_H

#include <kaniko/sys/plugin.h>
#include <kaniko/sys/stream.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KN_CONTEXT_VERSION 1

/* What the core asks a context source for. */
struct kn_context_request {
  unsigned size;            /* sizeof (struct kn_context_request) */
  const char *url;          /* the --context value, scheme included ("tar:///x.tgz", "/src") */
  const char *location;     /* the part after "scheme://" (or the whole value when it has none) */
  const char *work_dir;     /* an empty directory the source may fill (owned by the core) */
  const char *sub_path;     /* --context-sub-path, or NULL */
  const struct kn_plugin_config *config;
  const struct kn_cancel *cancel;
};

struct kn_context_source {
  unsigned version;         /* KN_CONTEXT_VERSION */
  const char *name;         /* "tar" */
  /* Mandatory: NULL-terminated list of URL schemes served ("tar", NULL).
   * The empty string "" claims values without a scheme (plain paths). */
  const char *const *schemes;
  /* Mandatory: materialise the context.  On success *out_dir is a malloc'd
   * absolute path to the context root: REQ->work_dir (or a directory inside
   * it) when the source unpacked or fetched something, or an existing local
   * directory the source serves as is.  Nothing is ever written outside
   * REQ->work_dir.  Returns 0 or < 0 with *err set naming the URL. */
  int (*fetch) (const struct kn_context_request *req, char **out_dir, struct kn_error **err);
};

#define KN_CONTEXT_SOURCE_INIT { KN_CONTEXT_VERSION, NULL, NULL, NULL }

#ifdef __cplusplus
}
#endif
#endif
