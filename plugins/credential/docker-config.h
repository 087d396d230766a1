/* docker-config credential provider: Docker's config.json (auths,
 * credHelpers, credsStore) and the docker-credential-* helper protocol. */
#ifndef KN_PLUGIN_DOCKER_CONFIG_H
#define KN_PLUGIN_DOCKER_CONFIG_H

#include <kaniko/error.h>
#include <kaniko/sys/credential.h>

/* The key config.json uses for Docker Hub. */
#define KN_DOCKERCFG_HUB_KEY "https://index.docker.io/v1/"

/* The host part of a config.json key ("https://host:5000/v2/" -> "host:5000"); new string. */
char *kn_dockercfg_key_host (const char *key);

/* True when HOST names Docker Hub (index.docker.io, registry-1.docker.io, docker.io). */
int kn_dockercfg_is_hub (const char *host);

/* The config.json to read: DIR/config.json when DIR is given, else
 * $DOCKER_CONFIG, ~/.docker, /kaniko/.docker (first that exists).  New
 * string, or NULL when there is none. */
char *kn_dockercfg_path (const char *dir);

/* Look HOST up in config file PATH.  Returns 0 with OUT filled,
 * -KN_ENOTFOUND (no error) when nothing matches, or < 0 with *err set
 * (unreadable or malformed file, failing helper). */
int kn_dockercfg_lookup (const char *path, const char *host, struct kn_credential *out, struct kn_error **err);

/* Run `docker-credential-HELPER get` with SERVER_URL on stdin and parse its
 * answer into OUT ("<token>" user: identity token).  Returns 0,
 * -KN_ENOTFOUND (no error) when the helper has nothing, or < 0. */
int kn_dockercfg_helper_get (const char *helper, const char *server_url, struct kn_credential *out,
                             struct kn_error **err);

#endif
