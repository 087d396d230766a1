/* kaniko — user-namespace id maps for the userns runner (parent side). */
#ifndef KN_PLUGINS_RUNNER_USERNS_MAP_H
#define KN_PLUGINS_RUNNER_USERNS_MAP_H

#include <sys/types.h>

#include <kaniko/error.h>

enum kn_userns_kind {
  KN_USERNS_IDENTITY = 1, /* caller is root: every id maps to itself */
  KN_USERNS_SUBID,        /* caller -> 0, /etc/subuid range -> 1.., via newuidmap/newgidmap */
  KN_USERNS_SINGLE        /* caller -> 0 only; setgroups denied */
};

/* How the parent will map ids, decided before the clone. */
struct kn_userns_plan {
  enum kn_userns_kind kind;
  uid_t uid;
  gid_t gid;
  unsigned long subuid, subuid_n, subgid, subgid_n;
  char newuidmap[256], newgidmap[256];
  int groups_denied;
};

/* Fill PLAN for the calling user (reads /etc/subuid, /etc/subgid, looks for
 * newuidmap and newgidmap). */
void kn_userns_plan_init (struct kn_userns_plan *plan);

/* Write PID's setgroups/uid_map/gid_map per PLAN.  Returns 0 or a negative code with *err set. */
int kn_userns_write_maps (const struct kn_userns_plan *plan, pid_t pid, struct kn_error **err);

/* Why a user namespace cannot be created here (ERRNUM from clone), with the
 * sysctl to blame when there is one (malloc'd). */
char *kn_userns_why_not (int errnum);

#endif
