/* Deterministic JSON output (Go encoding/json compatible bytes) and typed
 * field readers over json-c for the image documents. */
#ifndef KN_CORE_IMAGE_JSON_H
#define KN_CORE_IMAGE_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include <kaniko/error.h>
#include <kaniko/export.h>

#define KN_JW_MAX_DEPTH 64

/* A compact JSON writer into a growable buffer.  Keys are written in the
 * order the caller emits them; strings are escaped exactly like Go's
 * json.Marshal (HTML-safe \u003c \u003e \u0026, \u2028 \u2029, invalid UTF-8
 * becomes \ufffd).  Never fails (allocation aborts). */
struct kn_jw {
  char *buf;
  size_t len;
  size_t cap;
  int depth;
  int after_key;
  unsigned char first[KN_JW_MAX_DEPTH];
};

/* Prepare W (zeroed). */
void kn_jw_init (struct kn_jw *w);
/* Free W's buffer. */
void kn_jw_free (struct kn_jw *w);
/* Hand the NUL-terminated buffer to the caller (who frees it); *len gets its length (may be NULL). */
char *kn_jw_steal (struct kn_jw *w, size_t *len);
/* Start / end an object. */
void kn_jw_obj_begin (struct kn_jw *w);
void kn_jw_obj_end (struct kn_jw *w);
/* Start / end an array. */
void kn_jw_arr_begin (struct kn_jw *w);
void kn_jw_arr_end (struct kn_jw *w);
/* Write an object key (the next call writes its value). */
void kn_jw_key (struct kn_jw *w, const char *key);
/* Write a string value (NULL writes null). */
void kn_jw_str (struct kn_jw *w, const char *s);
/* Write an integer value. */
void kn_jw_int (struct kn_jw *w, int64_t v);
/* Write true/false. */
void kn_jw_bool (struct kn_jw *w, int v);
/* Write null. */
void kn_jw_null (struct kn_jw *w);
/* Write an array of strings (NULL vector writes null, like a nil Go slice). */
void kn_jw_strv (struct kn_jw *w, char *const *v);
/* Append S escaped as a Go JSON string (with quotes) to W's buffer, no comma logic. */
void kn_jw_escape (struct kn_jw *w, const char *s);

/* A string map (labels, annotations) or set (ExposedPorts, Volumes: values NULL).
 * Written with keys sorted bytewise, like Go maps. */
struct kn_strmap {
  size_t n;
  char **keys;
  char **values;
};

/* Set KEY to VALUE (copies both; replaces an existing key). VALUE may be NULL for sets. */
void kn_strmap_set (struct kn_strmap *m, const char *key, const char *value);
/* The value of KEY, or NULL when absent (also NULL for set members: use kn_strmap_has). */
const char *kn_strmap_get (const struct kn_strmap *m, const char *key);
/* 1 when KEY is present. */
int kn_strmap_has (const struct kn_strmap *m, const char *key);
/* Remove KEY when present. */
void kn_strmap_del (struct kn_strmap *m, const char *key);
/* Deep copy SRC into DST (DST is overwritten, not freed). */
void kn_strmap_copy (struct kn_strmap *dst, const struct kn_strmap *src);
/* Free the contents of M and zero it. */
void kn_strmap_clear (struct kn_strmap *m);
/* Write M as an object of strings with sorted keys. */
void kn_jw_strmap (struct kn_jw *w, const struct kn_strmap *m);
/* Write M as an object of empty objects ({"80/tcp":{}}) with sorted keys. */
void kn_jw_strset (struct kn_jw *w, const struct kn_strmap *m);

/* Duplicate a NULL-terminated string vector (NULL gives NULL). */
char **kn_strv_dup (char *const *v);
/* Number of entries of V (NULL is 0). */
size_t kn_strv_len (char *const *v);
/* Append a copy of S to *V. */
void kn_strv_push (char ***v, const char *s);

/* Parse LEN bytes as one strict JSON document into *OUT (caller puts it).
 * WHAT names the document in errors.  -KN_EINVAL on malformed input. */
int kn_json_parse (const void *data, size_t len, const char *what, json_object **out, struct kn_error **err);

/* Typed readers: look up KEY in OBJ.  A missing key or a JSON null leaves the
 * output untouched and returns 0 (1 when found).  A value of the wrong type is
 * -KN_EINVAL naming WHAT and KEY (what Go's json.Unmarshal refuses). */
int kn_json_get_str (json_object *obj, const char *key, const char *what, char **out, struct kn_error **err);
int kn_json_get_int (json_object *obj, const char *key, const char *what, int64_t *out, struct kn_error **err);
int kn_json_get_bool (json_object *obj, const char *key, const char *what, int *out, struct kn_error **err);
int kn_json_get_strv (json_object *obj, const char *key, const char *what, char ***out, struct kn_error **err);
int kn_json_get_strmap (json_object *obj, const char *key, const char *what, struct kn_strmap *out,
                        struct kn_error **err);
/* An object whose values must be objects (ExposedPorts, Volumes): the keys form a set. */
int kn_json_get_strset (json_object *obj, const char *key, const char *what, struct kn_strmap *out,
                        struct kn_error **err);
/* The object under KEY (borrowed) or NULL; wrong type is an error. */
int kn_json_get_obj (json_object *obj, const char *key, const char *what, json_object **out, struct kn_error **err);
/* The array under KEY (borrowed) or NULL; wrong type is an error. */
int kn_json_get_arr (json_object *obj, const char *key, const char *what, json_object **out, struct kn_error **err);

#endif
