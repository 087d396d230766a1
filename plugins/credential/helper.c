/* docker-config credential provider: the docker-credential-* helper protocol
 * (`docker-credential-NAME get`, server URL on stdin, JSON on stdout). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>

#include <json-c/json.h>

#include <kaniko/log.h>
#include <kaniko/sys/util.h>

#include "plugins/credential/docker-config.h"

extern char **environ;

#define MAX_OUTPUT (1u << 20)

static int
valid_helper_name (const char *name)
{
  if (name == NULL || name[0] == '\0')
    return 0;
  for (const char *p = name; *p; p++)
    if (*p == '/' || *p == ' ' || (unsigned char)*p < 0x20)
      return 0;
  return 1;
}

/* Append what FD has to *BUF (capped).  Returns 1 at EOF, 0 for more, < 0 on error. */
static int
drain (int fd, char **buf, size_t *len)
{
  char chunk[4096];
  ssize_t n = read (fd, chunk, sizeof chunk);
  if (n < 0)
    return errno == EINTR || errno == EAGAIN ? 0 : -errno;
  if (n == 0)
    return 1;
  if (*len + (size_t)n <= MAX_OUTPUT)
    {
      *buf = kn_xrealloc (*buf, *len + (size_t)n + 1);
      memcpy (*buf + *len, chunk, (size_t)n);
      *len += (size_t)n;
      (*buf)[*len] = '\0';
    }
  return 0;
}

static char *
first_line (const char *s)
{
  size_t n;
  if (s == NULL)
    return kn_xstrdup ("");
  while (*s == ' ' || *s == '\n')
    s++;
  n = strcspn (s, "\r\n");
  return kn_xstrndup (s, n > 200 ? 200 : n);
}

int
kn_dockercfg_helper_get (const char *helper, const char *server_url, struct kn_credential *out, struct kn_error **err)
{
  kn_cleanup_free char *prog = NULL;
  kn_cleanup_free char *obuf = NULL;
  kn_cleanup_free char *ebuf = NULL;
  size_t olen = 0, elen = 0;
  int in[2] = { -1, -1 }, op[2] = { -1, -1 }, ep[2] = { -1, -1 };
  posix_spawn_file_actions_t fa;
  char *argv[3];
  pid_t pid;
  int status = 0, ret, done_o = 0, done_e = 0;
  struct json_object *doc = NULL, *v;

  memset (out, 0, sizeof *out);
  if (!valid_helper_name (helper))
    return kn_error_make (err, KN_EINVAL, 0, "invalid credential helper name \"%s\"", helper ? helper : "");
  prog = kn_xasprintf ("docker-credential-%s", helper);
  if (pipe2 (in, O_CLOEXEC) < 0 || pipe2 (op, O_CLOEXEC) < 0 || pipe2 (ep, O_CLOEXEC) < 0)
    {
      ret = kn_error_make (err, KN_EIO, errno, "%s: pipe", prog);
      goto out;
    }
  /* The server URL fits the pipe buffer: write it before the helper starts,
   * so a helper that exits early cannot SIGPIPE us. */
  if (write (in[1], server_url, strlen (server_url)) != (ssize_t)strlen (server_url))
    {
      ret = kn_error_make (err, KN_EIO, errno, "%s: write stdin", prog);
      goto out;
    }
  close (in[1]);
  in[1] = -1;

  posix_spawn_file_actions_init (&fa);
  posix_spawn_file_actions_adddup2 (&fa, in[0], 0);
  posix_spawn_file_actions_adddup2 (&fa, op[1], 1);
  posix_spawn_file_actions_adddup2 (&fa, ep[1], 2);
  argv[0] = prog;
  argv[1] = (char *)"get";
  argv[2] = NULL;
  ret = posix_spawnp (&pid, prog, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy (&fa);
  if (ret != 0)
    {
      ret = ret == ENOENT
                ? kn_error_make (err, KN_EAUTH, 0, "credential helper %s (named in config.json) is not on PATH", prog)
                : kn_error_make (err, KN_EIO, ret, "credential helper %s", prog);
      goto out;
    }
  close (op[1]);
  op[1] = -1;
  close (ep[1]);
  ep[1] = -1;
  while (!done_o || !done_e)
    {
      struct pollfd pfd[2] = { { done_o ? -1 : op[0], POLLIN, 0 }, { done_e ? -1 : ep[0], POLLIN, 0 } };
      if (poll (pfd, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      if (!done_o && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
        done_o = drain (op[0], &obuf, &olen) != 0;
      if (!done_e && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)))
        done_e = drain (ep[0], &ebuf, &elen) != 0;
    }
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      kn_cleanup_free char *msg = first_line (obuf && obuf[0] ? obuf : ebuf);
      /* The protocol's "not found" answer. */
      if (strstr (msg, "credentials not found") || strstr (msg, "not found in native keychain"))
        {
          ret = -KN_ENOTFOUND;
          goto out;
        }
      ret = kn_error_make (err, KN_EAUTH, 0, "credential helper %s get %s failed (%s %d)%s%s", prog, server_url,
                           WIFEXITED (status) ? "exit" : "signal",
                           WIFEXITED (status) ? WEXITSTATUS (status) : WTERMSIG (status), msg[0] ? ": " : "", msg);
      goto out;
    }
  doc = json_tokener_parse (obuf ? obuf : "");
  if (doc == NULL || !json_object_is_type (doc, json_type_object))
    {
      ret = kn_error_make (err, KN_EPROTO, 0, "credential helper %s: output is not a JSON object", prog);
      goto out;
    }
  {
    const char *user = json_object_object_get_ex (doc, "Username", &v) ? json_object_get_string (v) : NULL;
    const char *secret = json_object_object_get_ex (doc, "Secret", &v) ? json_object_get_string (v) : NULL;
    if ((user == NULL || user[0] == '\0') && (secret == NULL || secret[0] == '\0'))
      {
        ret = -KN_ENOTFOUND;
        goto out;
      }
    if (user && strcmp (user, "<token>") == 0)
      out->identity_token = kn_xstrdup (secret);
    else
      {
        out->username = kn_xstrdup (user);
        out->password = kn_xstrdup (secret);
      }
  }
  kn_log (KN_LOG_DEBUG, "docker-config: %s answered for %s", prog, server_url);
  ret = 0;
out:
  json_object_put (doc);
  if (obuf)
    explicit_bzero (obuf, olen);
  for (int i = 0; i < 2; i++)
    {
      if (in[i] >= 0)
        close (in[i]);
      if (op[i] >= 0)
        close (op[i]);
      if (ep[i] >= 0)
        close (ep[i]);
    }
  return ret;
}
