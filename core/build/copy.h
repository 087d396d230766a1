/* COPY and ADD: Docker/BuildKit semantics on a stage root.  Sources are read
 * inside src_root (symlinks resolved as if it were "/"), every write lands
 * inside dest_root (never through a symlink out of it), and every path
 * written is reported to req->record.
 *
 * Rules (BuildKit dockerfile2llb + fsutil copy unless noted):
 * - sources are cleaned below src_root; globs use Go filepath.Match per
 *   component; a source or glob naming nothing is an error (kaniko; BuildKit
 *   ignores an empty wildcard);
 * - a directory source copies its contents; a symlink named as a source is
 *   followed, symlinks inside a copied tree are kept;
 * - several sources need a dest ending in '/'; a dest ending in '/' or an
 *   existing directory receives the sources by name; relative dests are
 *   taken from workdir; missing parents are created 0755 owned by the
 *   --chown owner (else 0:0) and recorded;
 * - a file never replaces a directory ("cannot replace to directory ... with
 *   file"), a directory never replaces a file ("cannot copy to
 *   non-directory"), except inside an ADD archive (Docker untar replaces);
 * - owners: --chown, else 0:0 for the context, else the source owner (COPY
 *   --from keeps owners like BuildKit); modes, mtimes and xattrs preserved,
 *   --chmod (octal or symbolic) applied to files and directories copied,
 *   mtimes clamped to reproducible_epoch when >= 0;
 * - .dockerignore hides context paths (a directory holding a '!' exception is
 *   walked and created only when something inside is kept); --exclude
 *   patterns match paths relative to each copied source (a glob match by its
 *   name);
 * - --parents keeps each match's path below the "/./" pivot (or the root);
 * - ADD: local tar archives (any compression, detected from the bytes) are
 *   extracted into dest unless --unpack=false, with no whiteout handling and
 *   entries climbing out of dest refused; http(s) URLs are downloaded (file
 *   name = last URL path component or "__unnamed__", mode 0600, mtime from
 *   Last-Modified, --checksum verified, extracted only with --unpack=true);
 *   git sources are KN_ENOTSUP;
 * - --link: the caller points dest_root at an empty scratch directory (the
 *   copy must not see the stage's filesystem: no symlink of the stage is
 *   followed, missing parents are created) and userdb_root at the stage
 *   root for --chown names; kn_copy_run itself copies the same way;
 * - heredoc contents are written as given (expansion is the caller's job),
 *   mode 0644 unless --chmod. */
#ifndef KN_CORE_BUILD_COPY_H
#define KN_CORE_BUILD_COPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <kaniko/error.h>
#include <kaniko/sys/plugin.h>

#include "core/dockerfile/dockerignore.h"
#include "core/dockerfile/instructions.h"

struct kn_copy_request
{
  const char *src_root;       /* context dir, or another stage's root for --from */
  bool from_context;          /* apply IGNORE, owners reset to 0:0, ADD may fetch URLs */
  const char *const *sources; /* expanded source words (globs allowed), NULL-terminated */
  const struct kn_df_source_content *contents;
  size_t n_contents;              /* heredoc sources */
  const char *dest;               /* expanded destination as written */
  const char *workdir;            /* stage WORKDIR (absolute) for a relative dest */
  const char *dest_root;          /* the stage root (absolute); nothing is written outside it */
  const char *userdb_root;        /* /etc/passwd and /etc/group for --chown names (NULL: dest_root) */
  const struct kn_ignore *ignore; /* .dockerignore, or NULL */
  const char *chown;              /* expanded --chown "user[:group]" or NULL */
  const char *chmod;              /* expanded --chmod (octal or symbolic) or NULL */
  bool is_add, parents, link;
  const char *const *excludes; /* --exclude patterns, NULL-terminated (or NULL) */
  const char *checksum;        /* ADD --checksum */
  int unpack;                  /* ADD --unpack: -1 default, 0, 1 */
  bool keep_git_dir;
  int64_t reproducible_epoch; /* -1 = keep source mtimes */
  /* Called with every root-relative path written (for the snapshotter/layer writer). */
  int (*record) (void *payload, const char *path, struct kn_error **err);
  void *record_payload;
  const struct kn_cancel *cancel;
};

/* Run one COPY/ADD described by REQ.  Returns 0, or a negative code with
 * *err naming the instruction's source or destination ("COPY a /x: ..."). */
int kn_copy_run (const struct kn_copy_request *req, struct kn_error **err);

/* Parse a --chmod value: octal ("755", "0644") or BuildKit's symbolic form
 * ("u+x,g-w", "a=rX").  Returns 0 and a new spec in *out (free with
 * kn_copy_chmod_free), or -KN_EINVAL naming the value. */
struct kn_copy_chmod;
int kn_copy_chmod_parse (const char *s, struct kn_copy_chmod **out, struct kn_error **err);

/* The mode (07777 bits) SPEC gives to an entry whose current mode is MODE
 * (07777 bits); IS_DIR matters for 'X'. */
mode_t kn_copy_chmod_apply (const struct kn_copy_chmod *spec, mode_t mode, bool is_dir);

/* Free a spec (NULL is fine). */
void kn_copy_chmod_free (struct kn_copy_chmod *spec);

#endif
