/* Deterministic JSON writer and json-c field readers: see json.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kaniko/sys/util.h>

#include "core/image/json.h"

static void
put (struct kn_jw *w, const char *s, size_t n)
{
  if (w->len + n + 1 > w->cap)
    {
      size_t cap = w->cap ? w->cap * 2 : 256;
      while (cap < w->len + n + 1)
        cap *= 2;
      w->buf = kn_xrealloc (w->buf, cap);
      w->cap = cap;
    }
  memcpy (w->buf + w->len, s, n);
  w->len += n;
  w->buf[w->len] = '\0';
}

static void
putc_ (struct kn_jw *w, char c)
{
  put (w, &c, 1);
}

void
kn_jw_init (struct kn_jw *w)
{
  memset (w, 0, sizeof *w);
  w->first[0] = 1;
}

void
kn_jw_free (struct kn_jw *w)
{
  free (w->buf);
  memset (w, 0, sizeof *w);
}

char *
kn_jw_steal (struct kn_jw *w, size_t *len)
{
  char *p;
  if (w->buf == NULL)
    put (w, "", 0);
  p = w->buf;
  if (len)
    *len = w->len;
  w->buf = NULL;
  w->len = w->cap = 0;
  return p;
}

/* Comma before a value that is not an object member's value. */
static void
sep (struct kn_jw *w)
{
  if (w->after_key)
    {
      w->after_key = 0;
      return;
    }
  if (!w->first[w->depth])
    putc_ (w, ',');
  w->first[w->depth] = 0;
}

static void
open_ (struct kn_jw *w, char c)
{
  sep (w);
  putc_ (w, c);
  if (w->depth + 1 < KN_JW_MAX_DEPTH)
    w->depth++;
  w->first[w->depth] = 1;
}

static void
close_ (struct kn_jw *w, char c)
{
  putc_ (w, c);
  if (w->depth > 0)
    w->depth--;
}

void
kn_jw_obj_begin (struct kn_jw *w)
{
  open_ (w, '{');
}

void
kn_jw_obj_end (struct kn_jw *w)
{
  close_ (w, '}');
}

void
kn_jw_arr_begin (struct kn_jw *w)
{
  open_ (w, '[');
}

void
kn_jw_arr_end (struct kn_jw *w)
{
  close_ (w, ']');
}

void
kn_jw_key (struct kn_jw *w, const char *key)
{
  sep (w);
  kn_jw_escape (w, key);
  putc_ (w, ':');
  w->after_key = 1;
}

/* Decode one UTF-8 sequence at S (N bytes left); returns its length or 0 when invalid. */
static size_t
utf8_len (const unsigned char *s, size_t n, uint32_t *cp)
{
  if (s[0] < 0x80)
    {
      *cp = s[0];
      return 1;
    }
  if (s[0] >= 0xc2 && s[0] <= 0xdf && n >= 2 && (s[1] & 0xc0) == 0x80)
    {
      *cp = ((uint32_t) (s[0] & 0x1f) << 6) | (s[1] & 0x3f);
      return 2;
    }
  if (s[0] >= 0xe0 && s[0] <= 0xef && n >= 3 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80)
    {
      uint32_t c = ((uint32_t) (s[0] & 0x0f) << 12) | ((uint32_t) (s[1] & 0x3f) << 6) | (s[2] & 0x3f);
      if (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))
        return 0;
      *cp = c;
      return 3;
    }
  if (s[0] >= 0xf0 && s[0] <= 0xf4 && n >= 4 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80
      && (s[3] & 0xc0) == 0x80)
    {
      uint32_t c = ((uint32_t) (s[0] & 0x07) << 18) | ((uint32_t) (s[1] & 0x3f) << 12)
                   | ((uint32_t) (s[2] & 0x3f) << 6) | (s[3] & 0x3f);
      if (c < 0x10000 || c > 0x10ffff)
        return 0;
      *cp = c;
      return 4;
    }
  return 0;
}

void
kn_jw_escape (struct kn_jw *w, const char *str)
{
  static const char hex[] = "0123456789abcdef";
  const unsigned char *s = (const unsigned char *) str;
  size_t n = strlen (str);
  size_t i = 0, start = 0;
  putc_ (w, '"');
  while (i < n)
    {
      unsigned char c = s[i];
      const char *esc = NULL;
      char ubuf[7];
      size_t adv = 1;
      if (c < 0x80)
        {
          switch (c)
            {
            case '"':
              esc = "\\\"";
              break;
            case '\\':
              esc = "\\\\";
              break;
            case '\n':
              esc = "\\n";
              break;
            case '\r':
              esc = "\\r";
              break;
            case '\t':
              esc = "\\t";
              break;
            case '\b':
              esc = "\\b";
              break;
            case '\f':
              esc = "\\f";
              break;
            default:
              if (c < 0x20 || c == '<' || c == '>' || c == '&')
                {
                  ubuf[0] = '\\';
                  ubuf[1] = 'u';
                  ubuf[2] = '0';
                  ubuf[3] = '0';
                  ubuf[4] = hex[c >> 4];
                  ubuf[5] = hex[c & 15];
                  ubuf[6] = '\0';
                  esc = ubuf;
                }
            }
        }
      else
        {
          uint32_t cp = 0;
          adv = utf8_len (s + i, n - i, &cp);
          if (adv == 0)
            {
              esc = "\\ufffd";
              adv = 1;
            }
          else if (cp == 0x2028)
            esc = "\\u2028";
          else if (cp == 0x2029)
            esc = "\\u2029";
        }
      if (esc)
        {
          put (w, str + start, i - start);
          put (w, esc, strlen (esc));
          i += adv;
          start = i;
        }
      else
        i += adv;
    }
  put (w, str + start, i - start);
  putc_ (w, '"');
}

void
kn_jw_str (struct kn_jw *w, const char *s)
{
  if (s == NULL)
    {
      kn_jw_null (w);
      return;
    }
  sep (w);
  kn_jw_escape (w, s);
}

void
kn_jw_int (struct kn_jw *w, int64_t v)
{
  char b[32];
  int n = snprintf (b, sizeof b, "%lld", (long long) v);
  sep (w);
  put (w, b, (size_t) n);
}

void
kn_jw_bool (struct kn_jw *w, int v)
{
  sep (w);
  put (w, v ? "true" : "false", v ? 4 : 5);
}

void
kn_jw_null (struct kn_jw *w)
{
  sep (w);
  put (w, "null", 4);
}

void
kn_jw_strv (struct kn_jw *w, char *const *v)
{
  if (v == NULL)
    {
      kn_jw_null (w);
      return;
    }
  kn_jw_arr_begin (w);
  for (size_t i = 0; v[i]; i++)
    kn_jw_str (w, v[i]);
  kn_jw_arr_end (w);
}

/* ---- string maps ---- */

static ssize_t
strmap_find (const struct kn_strmap *m, const char *key)
{
  for (size_t i = 0; i < m->n; i++)
    if (strcmp (m->keys[i], key) == 0)
      return (ssize_t) i;
  return -1;
}

void
kn_strmap_set (struct kn_strmap *m, const char *key, const char *value)
{
  ssize_t i = strmap_find (m, key);
  if (i >= 0)
    {
      free (m->values[i]);
      m->values[i] = kn_xstrdup (value);
      return;
    }
  m->keys = kn_xrealloc (m->keys, (m->n + 1) * sizeof (char *));
  m->values = kn_xrealloc (m->values, (m->n + 1) * sizeof (char *));
  m->keys[m->n] = kn_xstrdup (key);
  m->values[m->n] = kn_xstrdup (value);
  m->n++;
}

const char *
kn_strmap_get (const struct kn_strmap *m, const char *key)
{
  ssize_t i = strmap_find (m, key);
  return i >= 0 ? m->values[i] : NULL;
}

int
kn_strmap_has (const struct kn_strmap *m, const char *key)
{
  return strmap_find (m, key) >= 0;
}

void
kn_strmap_del (struct kn_strmap *m, const char *key)
{
  ssize_t i = strmap_find (m, key);
  if (i < 0)
    return;
  free (m->keys[i]);
  free (m->values[i]);
  memmove (&m->keys[i], &m->keys[i + 1], (m->n - (size_t) i - 1) * sizeof (char *));
  memmove (&m->values[i], &m->values[i + 1], (m->n - (size_t) i - 1) * sizeof (char *));
  m->n--;
}

void
kn_strmap_copy (struct kn_strmap *dst, const struct kn_strmap *src)
{
  memset (dst, 0, sizeof *dst);
  for (size_t i = 0; i < src->n; i++)
    kn_strmap_set (dst, src->keys[i], src->values[i]);
}

void
kn_strmap_clear (struct kn_strmap *m)
{
  for (size_t i = 0; i < m->n; i++)
    {
      free (m->keys[i]);
      free (m->values[i]);
    }
  free (m->keys);
  free (m->values);
  memset (m, 0, sizeof *m);
}

static int
cmp_idx (const void *a, const void *b, void *arg)
{
  char **keys = arg;
  return strcmp (keys[*(const size_t *) a], keys[*(const size_t *) b]);
}

static size_t *
sorted_order (const struct kn_strmap *m)
{
  size_t *idx = kn_xcalloc (m->n ? m->n : 1, sizeof (size_t));
  for (size_t i = 0; i < m->n; i++)
    idx[i] = i;
  qsort_r (idx, m->n, sizeof (size_t), cmp_idx, m->keys);
  return idx;
}

void
kn_jw_strmap (struct kn_jw *w, const struct kn_strmap *m)
{
  kn_cleanup_free size_t *idx = sorted_order (m);
  kn_jw_obj_begin (w);
  for (size_t i = 0; i < m->n; i++)
    {
      kn_jw_key (w, m->keys[idx[i]]);
      kn_jw_str (w, m->values[idx[i]] ? m->values[idx[i]] : "");
    }
  kn_jw_obj_end (w);
}

void
kn_jw_strset (struct kn_jw *w, const struct kn_strmap *m)
{
  kn_cleanup_free size_t *idx = sorted_order (m);
  kn_jw_obj_begin (w);
  for (size_t i = 0; i < m->n; i++)
    {
      kn_jw_key (w, m->keys[idx[i]]);
      kn_jw_obj_begin (w);
      kn_jw_obj_end (w);
    }
  kn_jw_obj_end (w);
}

/* ---- string vectors ---- */

size_t
kn_strv_len (char *const *v)
{
  size_t n = 0;
  while (v && v[n])
    n++;
  return n;
}

char **
kn_strv_dup (char *const *v)
{
  size_t n;
  char **r;
  if (v == NULL)
    return NULL;
  n = kn_strv_len (v);
  r = kn_xcalloc (n + 1, sizeof (char *));
  for (size_t i = 0; i < n; i++)
    r[i] = kn_xstrdup (v[i]);
  return r;
}

void
kn_strv_push (char ***v, const char *s)
{
  size_t n = kn_strv_len (*v);
  *v = kn_xrealloc (*v, (n + 2) * sizeof (char *));
  (*v)[n] = kn_xstrdup (s);
  (*v)[n + 1] = NULL;
}

/* ---- parsing ---- */

/* json-c's strict mode still takes single-quoted strings: outside of
 * double-quoted strings only JSON's own characters may appear.  Returns the
 * offset of the first offending byte, or LEN. */
static size_t
lexical_check (const char *p, size_t len)
{
  static const char ok[] = " \t\r\n{}[]:,-+.0123456789eEtruefalsn";
  int in_str = 0;
  for (size_t i = 0; i < len; i++)
    {
      char c = p[i];
      if (in_str)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_str = 0;
          continue;
        }
      if (c == '"')
        in_str = 1;
      else if (c == '\0' || !strchr (ok, c))
        return i;
    }
  return len;
}

int
kn_json_parse (const void *data, size_t len, const char *what, json_object **out, struct kn_error **err)
{
  json_tokener *tok = json_tokener_new ();
  json_object *obj;
  enum json_tokener_error jerr;
  size_t end;
  const char *p = data;
  size_t bad = lexical_check (p, len);

  if (bad < len)
    {
      json_tokener_free (tok);
      return kn_error_make (err, KN_EINVAL, 0, "%s: invalid JSON at offset %zu: unexpected character", what, bad);
    }
  json_tokener_set_flags (tok, JSON_TOKENER_STRICT);
  obj = json_tokener_parse_ex (tok, p, (int) len);
  jerr = json_tokener_get_error (tok);
  if (obj == NULL && jerr == json_tokener_continue)
    {
      /* A bare number or literal may wait for more input: feed an end. */
      obj = json_tokener_parse_ex (tok, "", 1);
      jerr = json_tokener_get_error (tok);
      if (obj == NULL || jerr != json_tokener_success)
        {
          json_object_put (obj);
          json_tokener_free (tok);
          return kn_error_make (err, KN_EINVAL, 0, "%s: invalid JSON: unexpected end of input", what);
        }
      end = len;
    }
  else if (obj == NULL || jerr != json_tokener_success)
    {
      int rc = kn_error_make (err, KN_EINVAL, 0, "%s: invalid JSON at offset %zu: %s", what,
                              json_tokener_get_parse_end (tok), json_tokener_error_desc (jerr));
      json_object_put (obj);
      json_tokener_free (tok);
      return rc;
    }
  else
    end = json_tokener_get_parse_end (tok);
  json_tokener_free (tok);
  for (; end < len; end++)
    if (!strchr (" \t\r\n", p[end]))
      {
        json_object_put (obj);
        return kn_error_make (err, KN_EINVAL, 0, "%s: invalid JSON: data after the document at offset %zu", what,
                              end);
      }
  *out = obj;
  return 0;
}

static const char *
type_name (json_object *v)
{
  switch (json_object_get_type (v))
    {
    case json_type_boolean:
      return "a boolean";
    case json_type_double:
      return "a number";
    case json_type_int:
      return "a number";
    case json_type_object:
      return "an object";
    case json_type_array:
      return "an array";
    case json_type_string:
      return "a string";
    default:
      return "null";
    }
}

/* Look KEY up: 0 absent or null, 1 found. */
static int
lookup (json_object *obj, const char *key, json_object **v)
{
  *v = NULL;
  if (obj == NULL || !json_object_is_type (obj, json_type_object))
    return 0;
  if (!json_object_object_get_ex (obj, key, v) || *v == NULL)
    return 0;
  return 1;
}

static int
wrong (struct kn_error **err, const char *what, const char *key, json_object *v, const char *want)
{
  return kn_error_make (err, KN_EINVAL, 0, "%s: field \"%s\" is %s, want %s", what, key, type_name (v), want);
}

int
kn_json_get_str (json_object *obj, const char *key, const char *what, char **out, struct kn_error **err)
{
  json_object *v;
  if (!lookup (obj, key, &v))
    return 0;
  if (!json_object_is_type (v, json_type_string))
    return wrong (err, what, key, v, "a string");
  free (*out);
  *out = kn_xstrdup (json_object_get_string (v));
  return 1;
}

int
kn_json_get_int (json_object *obj, const char *key, const char *what, int64_t *out, struct kn_error **err)
{
  json_object *v;
  if (!lookup (obj, key, &v))
    return 0;
  if (!json_object_is_type (v, json_type_int))
    return wrong (err, what, key, v, "an integer");
  errno = 0;
  *out = json_object_get_int64 (v);
  if (errno == EINVAL || (*out == INT64_MAX && json_object_get_uint64 (v) > (uint64_t) INT64_MAX))
    return kn_error_make (err, KN_EINVAL, 0, "%s: field \"%s\" is out of range", what, key);
  return 1;
}

int
kn_json_get_bool (json_object *obj, const char *key, const char *what, int *out, struct kn_error **err)
{
  json_object *v;
  if (!lookup (obj, key, &v))
    return 0;
  if (!json_object_is_type (v, json_type_boolean))
    return wrong (err, what, key, v, "a boolean");
  *out = json_object_get_boolean (v);
  return 1;
}

int
kn_json_get_strv (json_object *obj, const char *key, const char *what, char ***out, struct kn_error **err)
{
  json_object *v;
  size_t n;
  char **r;
  if (!lookup (obj, key, &v))
    return 0;
  if (!json_object_is_type (v, json_type_array))
    return wrong (err, what, key, v, "an array of strings");
  n = json_object_array_length (v);
  for (size_t i = 0; i < n; i++)
    {
      json_object *e = json_object_array_get_idx (v, i);
      if (e == NULL || !json_object_is_type (e, json_type_string))
        return kn_error_make (err, KN_EINVAL, 0, "%s: field \"%s\"[%zu] is %s, want a string", what, key, i,
                              e ? type_name (e) : "null");
    }
  r = kn_xcalloc (n + 1, sizeof (char *));
  for (size_t i = 0; i < n; i++)
    r[i] = kn_xstrdup (json_object_get_string (json_object_array_get_idx (v, i)));
  kn_strv_free (*out);
  *out = r;
  return 1;
}

int
kn_json_get_strmap (json_object *obj, const char *key, const char *what, struct kn_strmap *out, struct kn_error **err)
{
  json_object *v;
  struct kn_strmap m = { 0 };
  if (!lookup (obj, key, &v))
    return 0;
  if (!json_object_is_type (v, json_type_object))
    return wrong (err, what, key, v, "an object of strings");
  json_object_object_foreach (v, k, e)
    {
      if (e == NULL || !json_object_is_type (e, json_type_string))
        {
          kn_strmap_clear (&m);
          return kn_error_make (err, KN_EINVAL, 0, "%s: field \"%s\".\"%s\" is %s, want a string", what, key, k,
                                e ? type_name (e) : "null");
        }
      kn_strmap_set (&m, k, json_object_get_string (e));
    }
  kn_strmap_clear (out);
  *out = m;
  return 1;
}

int
kn_json_get_strset (json_object *obj, const char *key, const char *what, struct kn_strmap *out, struct kn_error **err)
{
  json_object *v;
  struct kn_strmap m = { 0 };
  if (!lookup (obj, key, &v))
    return 0;
  if (!json_object_is_type (v, json_type_object))
    return wrong (err, what, key, v, "an object");
  json_object_object_foreach (v, k, e)
    {
      if (e != NULL && !json_object_is_type (e, json_type_object))
        {
          kn_strmap_clear (&m);
          return kn_error_make (err, KN_EINVAL, 0, "%s: field \"%s\".\"%s\" is %s, want an object", what, key, k,
                                type_name (e));
        }
      kn_strmap_set (&m, k, NULL);
    }
  kn_strmap_clear (out);
  *out = m;
  return 1;
}

int
kn_json_get_obj (json_object *obj, const char *key, const char *what, json_object **out, struct kn_error **err)
{
  json_object *v;
  *out = NULL;
  if (!lookup (obj, key, &v))
    return 0;
  if (!json_object_is_type (v, json_type_object))
    return wrong (err, what, key, v, "an object");
  *out = v;
  return 1;
}

int
kn_json_get_arr (json_object *obj, const char *key, const char *what, json_object **out, struct kn_error **err)
{
  json_object *v;
  *out = NULL;
  if (!lookup (obj, key, &v))
    return 0;
  if (!json_object_is_type (v, json_type_array))
    return wrong (err, what, key, v, "an array");
  *out = v;
  return 1;
}
