/* Instruction --flags: see flags.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <kaniko/sys/util.h>

#include "core/dockerfile/flags.h"

size_t
kn_df_edit_distance (const char *a, const char *b)
{
  size_t la = strlen (a), lb = strlen (b);
  kn_cleanup_free size_t *row = kn_xcalloc (lb + 1, sizeof *row);
  for (size_t j = 0; j <= lb; j++)
    row[j] = j;
  for (size_t i = 1; i <= la; i++)
    {
      size_t diag = row[0];
      row[0] = i;
      for (size_t j = 1; j <= lb; j++)
        {
          size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
          if (up + 1 < best)
            best = up + 1;
          if (row[j - 1] + 1 < best)
            best = row[j - 1] + 1;
          diag = up;
          row[j] = best;
        }
    }
  return row[lb];
}

int
kn_df_flags_parse (struct kn_df_flag *defs, size_t n, char *const *flags, size_t n_flags, struct kn_error **err)
{
  for (size_t i = 0; i < n; i++)
    {
      defs[i].used = false;
      defs[i].bool_value = false;
      defs[i].value = defs[i].def;
    }
  for (size_t i = 0; i < n_flags; i++)
    {
      const char *arg = flags[i], *eq, *value = "";
      struct kn_df_flag *f = NULL;
      size_t name_len;

      if (strncmp (arg, "--", 2) != 0)
        return kn_error_make (err, KN_EINVAL, 0, "arg should start with -- : %s", arg);
      if (strcmp (arg, "--") == 0)
        return 0;
      arg += 2;
      eq = strchr (arg, '=');
      name_len = eq ? (size_t)(eq - arg) : strlen (arg);
      if (eq)
        value = eq + 1;
      for (size_t k = 0; k < n; k++)
        if (strlen (defs[k].name) == name_len && memcmp (defs[k].name, arg, name_len) == 0)
          f = &defs[k];
      if (f == NULL)
        {
          /* BuildKit's suggest.WrapError: the closest name within distance 2 */
          kn_cleanup_free char *nm = kn_xstrndup (arg, name_len);
          const char *match = NULL;
          size_t best = 3;
          for (size_t k = 0; k < n; k++)
            {
              size_t dist = kn_df_edit_distance (nm, defs[k].name);
              if (dist < best)
                best = dist, match = defs[k].name;
            }
          if (match)
            return kn_error_make (err, KN_EINVAL, 0, "unknown flag: --%s (did you mean --%s?)", nm, match);
          return kn_error_make (err, KN_EINVAL, 0, "unknown flag: --%s", nm);
        }
      if (f->used && f->type != KN_DF_FLAG_STRINGS)
        return kn_error_make (err, KN_EINVAL, 0, "duplicate flag specified: --%s", f->name);
      f->used = true;
      switch (f->type)
        {
        case KN_DF_FLAG_BOOL:
          if (eq && *value == '\0')
            return kn_error_make (err, KN_EINVAL, 0, "missing a value on flag: --%s", f->name);
          if (*value == '\0' || strcasecmp (value, "true") == 0)
            f->bool_value = true;
          else if (strcasecmp (value, "false") == 0)
            f->bool_value = false;
          else
            return kn_error_make (err, KN_EINVAL, 0, "expecting boolean value for flag --%s, not: %s", f->name, value);
          break;
        case KN_DF_FLAG_STRING:
          if (!eq)
            return kn_error_make (err, KN_EINVAL, 0, "missing a value on flag: --%s", f->name);
          f->value = value;
          break;
        case KN_DF_FLAG_STRINGS:
          if (!eq)
            return kn_error_make (err, KN_EINVAL, 0, "missing a value on flag: --%s", f->name);
          f->values = kn_xrealloc (f->values, (f->n_values + 2) * sizeof *f->values);
          f->values[f->n_values++] = value;
          f->values[f->n_values] = NULL;
          break;
        }
    }
  return 0;
}

void
kn_df_flags_clear (struct kn_df_flag *defs, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      free (defs[i].values);
      defs[i].values = NULL;
      defs[i].n_values = 0;
    }
}
