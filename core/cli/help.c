/* Everything the table tells people: --help (grouped), --help-markdown
 * (docs/flags.md), --help-man (docs/kaniko.1) and the version line.  The two
 * documents are committed and a test fails when they are stale. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kaniko/sys/util.h>
#include <kaniko/version.h>

#include "core/cli/options.h"

#define HELP_WIDTH 80
#define HELP_COLUMN 34

/* Environment variables that are not the env of a flag. */
static const struct {
  const char *name;
  const char *help;
} other_env[] = {
  { "DOCKER_CONFIG", "Directory of the config.json holding registry credentials (the docker-config credential "
                     "plugin reads it)." },
  { "KANIKO_PLUGIN_PATH", "Colon-separated plugin directories, searched after --plugin-dir." },
  { "NO_COLOR", "When set and not empty, --log-format=color prints no escape sequences." },
};

void
kn_cli_print_version (FILE *f)
{
  fprintf (f, "kaniko %s (plugin ABI %d.%d)\n", KN_VERSION_STRING, KN_PLUGIN_ABI_MAJOR, KN_PLUGIN_ABI_MINOR);
}

static bool
visible (const struct kn_opt *o)
{
  return !(o->flags & KN_OPTF_HIDDEN) && o->alias_of == NULL;
}

static const char *
metavar (const struct kn_opt *o)
{
  if (o->metavar)
    return o->metavar;
  switch (o->type)
    {
    case KN_OPT_STRING:
      return "STRING";
    case KN_OPT_LIST:
      return "VALUE";
    case KN_OPT_INT:
      return "N";
    case KN_OPT_DURATION:
      return "DURATION";
    case KN_OPT_FLOAT:
      return "X";
    case KN_OPT_MAP:
      return "KEY=VALUE";
    default:
      return NULL;
    }
}

/* The default as people read it, or NULL when there is nothing worth showing
 * (with ZEROS, false and 0 are worth showing). */
static char *
default_text (const struct kn_opt *o, bool quote, bool zeros)
{
  if (o->def_help)
    return kn_xstrdup (o->def_help);
  if (o->def == NULL)
    return NULL;
  if (o->type == KN_OPT_BOOL || o->type == KN_OPT_INT || o->type == KN_OPT_FLOAT)
    {
      if (!zeros && (strcmp (o->def, "false") == 0 || strcmp (o->def, "0") == 0))
        return NULL;
      return kn_xstrdup (o->def);
    }
  if (o->type == KN_OPT_DURATION)
    {
      int64_t ns = 0;
      kn_cli_parse_duration (o->def, &ns);
      return kn_cli_format_duration (ns);
    }
  return quote ? kn_xasprintf ("\"%s\"", o->def) : kn_xstrdup (o->def);
}

/* Joins words that must stay on one line ("[env KANIKO_DIR]"); printed as a space. */
#define NBSP '\x1f'

/* Write TEXT wrapped to WIDTH columns, every line but the first indented by INDENT. */
static void
wrap (FILE *f, const char *text, int first_col, int indent, int width)
{
  int col = first_col;
  const char *p = text;
  bool first_word = true;
  while (*p)
    {
      while (*p == ' ')
        p++;
      if (*p == '\0')
        break;
      size_t len = strcspn (p, " ");
      if (!first_word && col + 1 + (int) len > width)
        {
          fprintf (f, "\n%*s", indent, "");
          col = indent;
          first_word = true;
        }
      if (!first_word)
        {
          fputc (' ', f);
          col++;
        }
      for (size_t k = 0; k < len; k++)
        fputc (p[k] == NBSP ? ' ' : p[k], f);
      col += (int) len;
      p += len;
      first_word = false;
    }
  fputc ('\n', f);
}

/* The help of O with its environment variable and default; SPACE joins the words of those. */
static char *
help_text (const struct kn_opt *o, char space)
{
  kn_cleanup_free char *def = default_text (o, true, false);
  kn_cleanup_free char *env = o->env ? kn_xasprintf (" [env%c%s]", space, o->env) : kn_xstrdup ("");
  if (def == NULL)
    return kn_xasprintf ("%s%s", o->help, env);
  for (char *p = def; *p && o->def_help == NULL; p++)
    if (*p == ' ')
      *p = space;
  return kn_xasprintf ("%s%s (default%c%s)", o->help, env, space, def);
}

/* One writer of the option listing: a heading per group, an entry per option. */
struct opt_emitter
{
  void (*group) (FILE *f, const char *title);
  void (*option) (FILE *f, const struct kn_opt *o);
};

/* Walk the visible options group by group (in table order within a group),
 * calling E->group before the first option of every non-empty group. */
static void
walk_options (FILE *f, const struct opt_emitter *e)
{
  for (int g = 0; g < KN_GROUP_MAX; g++)
    {
      bool header = false;
      for (size_t i = 0; i < kn_cli_n_options; i++)
        {
          const struct kn_opt *o = &kn_cli_options[i];
          if ((int) o->group != g || !visible (o))
            continue;
          if (!header)
            e->group (f, kn_cli_group_title (o->group));
          header = true;
          e->option (f, o);
        }
    }
}

/* ---- --help ---- */

static void
text_group (FILE *f, const char *title)
{
  fprintf (f, "\n%s:\n", title);
}

static void
text_option (FILE *f, const struct kn_opt *o)
{
  char left[128];
  const char *mv = metavar (o);
  if (o->shorthand)
    snprintf (left, sizeof left, "  -%c, --%s%s%s", o->shorthand, o->name, mv ? " " : "", mv ? mv : "");
  else
    snprintf (left, sizeof left, "      --%s%s%s", o->name, mv ? " " : "", mv ? mv : "");
  fputs (left, f);
  int col = (int) strlen (left);
  if (col + 2 > HELP_COLUMN)
    fprintf (f, "\n%*s", HELP_COLUMN, "");
  else
    fprintf (f, "%*s", HELP_COLUMN - col, "");
  kn_cleanup_free char *text = help_text (o, NBSP);
  if (o->status == KN_OPT_NOT_YET)
    {
      char *t = kn_xasprintf ("%s [not\x1fsupported\x1fyet]", text);
      free (text);
      text = t;
    }
  wrap (f, text, HELP_COLUMN, HELP_COLUMN, HELP_WIDTH);
}

void
kn_cli_help_build (FILE *f, const char *prog)
{
  bool executor = strcmp (prog, "executor") == 0;
  fprintf (f, "Usage: %s [FLAGS]\n\n", executor ? "executor" : "kaniko build");
  fprintf (f, "Build a container image from a Dockerfile and a build context, without a daemon,\n"
              "and push it to the destinations. It accepts the flags of Go kaniko's executor.\n");
  static const struct opt_emitter text = { text_group, text_option };
  walk_options (f, &text);
  fprintf (f, "\nOther environment variables:\n");
  for (size_t i = 0; i < sizeof other_env / sizeof other_env[0]; i++)
    {
      fprintf (f, "  %-*s", HELP_COLUMN - 2, other_env[i].name);
      wrap (f, other_env[i].help, HELP_COLUMN, HELP_COLUMN, HELP_WIDTH);
    }
  fprintf (f, "\nPrecedence: flag > environment variable > --config file > default.\n"
              "Boolean flags take --flag, --flag=true or --flag=false. Flags marked\n"
              "[not supported yet] are recognised and fail when set to anything but\n"
              "their default.\n");
}

/* ---- Markdown ---- */

static void
md_cell (FILE *f, const char *s)
{
  for (; s && *s; s++)
    {
      if (*s == '|')
        fputs ("\\|", f);
      else if (*s == '\n')
        fputc (' ', f);
      else
        fputc (*s, f);
    }
}

static void
md_group (FILE *f, const char *title)
{
  fprintf (f, "\n## %s\n\n| Flag | Env | Default | Status | Description |\n|---|---|---|---|---|\n", title);
}

static void
md_option (FILE *f, const struct kn_opt *o)
{
  const char *mv = metavar (o);
  fputs ("| ", f);
  if (o->shorthand)
    fprintf (f, "`-%c`, ", o->shorthand);
  fprintf (f, "`--%s", o->name);
  if (mv)
    {
      fputc (' ', f);
      md_cell (f, mv);
    }
  fputs ("` | ", f);
  if (o->env)
    fprintf (f, "`%s`", o->env);
  fputs (" | ", f);
  kn_cleanup_free char *def = default_text (o, false, true);
  if (def && o->def_help)
    md_cell (f, def);
  else if (def)
    {
      fputc ('`', f);
      md_cell (f, def);
      fputc ('`', f);
    }
  fprintf (f, " | %s | ", o->status == KN_OPT_NOT_YET ? "not supported yet" : "supported");
  md_cell (f, o->help);
  fputs (" |\n", f);
}

void
kn_cli_help_markdown (FILE *f)
{
  fprintf (f, "# kaniko build flags\n\n"
              "<!-- Generated by `kaniko build --help-markdown` (make update-cli-docs); do not edit. -->\n\n"
              "`kaniko build` (also `kaniko` with no command, and `executor`) takes these flags. Precedence:\n"
              "flag > environment variable > `--config` file > default. The config file is a JSON object\n"
              "keyed by flag name, plus a `\"plugins\"` object of per-plugin options. A flag whose status is\n"
              "*not supported yet* is recognised and fails when set to anything but its default; *supported*\n"
              "means it is parsed, checked and handed to the build engine.\n");
  static const struct opt_emitter md = { md_group, md_option };
  walk_options (f, &md);
  fprintf (f, "\n## Deprecated spellings\n\n| Flag | Use instead |\n|---|---|\n");
  for (size_t i = 0; i < kn_cli_n_options; i++)
    if (kn_cli_options[i].alias_of)
      fprintf (f, "| `--%s` | `--%s` |\n", kn_cli_options[i].name, kn_cli_options[i].alias_of);
  fprintf (f, "\n## Other environment variables\n\n| Variable | Meaning |\n|---|---|\n");
  for (size_t i = 0; i < sizeof other_env / sizeof other_env[0]; i++)
    {
      fprintf (f, "| `%s` | ", other_env[i].name);
      md_cell (f, other_env[i].help);
      fputs (" |\n", f);
    }
}

/* ---- man page ---- */

/* Write S escaped for roff: backslashes, hyphens, leading dots and quotes. */
static void
roff (FILE *f, const char *s)
{
  if (s && (*s == '.' || *s == '\''))
    fputs ("\\&", f);
  for (; s && *s; s++)
    {
      if (*s == '\\')
        fputs ("\\e", f);
      else if (*s == '-')
        fputs ("\\-", f);
      else
        fputc (*s, f);
    }
}

static void
man_group (FILE *f, const char *title)
{
  fputs (".SS \"", f);
  roff (f, title);
  fputs ("\"\n", f);
}

static void
man_option (FILE *f, const struct kn_opt *o)
{
  fputs (".TP\n", f);
  if (o->shorthand)
    fprintf (f, "\\fB\\-%c\\fR, ", o->shorthand);
  fputs ("\\fB\\-\\-", f);
  roff (f, o->name);
  fputs ("\\fR", f);
  const char *mv = metavar (o);
  if (mv)
    {
      fputs (" \\fI", f);
      roff (f, mv);
      fputs ("\\fR", f);
    }
  fputc ('\n', f);
  kn_cleanup_free char *text = help_text (o, ' ');
  roff (f, text);
  if (o->status == KN_OPT_NOT_YET)
    fputs (" \\fI[not supported yet]\\fR", f);
  fputc ('\n', f);
}

void
kn_cli_help_man (FILE *f)
{
  fputs (".\\\" Generated by `kaniko build --help-man` (make update-cli-docs); do not edit.\n"
         ".TH KANIKO 1 \"\" \"kaniko\" \"User Commands\"\n"
         ".SH NAME\n"
         "kaniko, executor \\- build container images without a daemon\n"
         ".SH SYNOPSIS\n"
         ".B kaniko\n[\\fBbuild\\fR] [\\fIFLAGS\\fR]\n.br\n"
         ".B executor\n[\\fIFLAGS\\fR]\n.br\n"
         ".B kaniko\n\\fBwarm\\fR \\fB\\-\\-image\\fR \\fIREF\\fR... [\\fB\\-\\-cache\\-dir\\fR \\fIDIR\\fR] [\\fIFLAGS\\fR]\n.br\n"
         ".B kaniko\n\\fBplugins\\fR | \\fBparse\\fR | \\fBversion\\fR | \\fBhelp\\fR\n"
         ".SH DESCRIPTION\n"
         "\\fBkaniko\\fR reads a Dockerfile and a build context, pulls the base image, runs every\n"
         "instruction in its own build root, snapshots the changes into layers and writes the image to\n"
         "registries, an OCI layout or a tarball.  It is a drop\\-in for the Go kaniko executor: the same\n"
         "flags, environment variables and outputs.  Run as \\fBexecutor\\fR (the name of Go kaniko's\n"
         "binary), it behaves as \\fBkaniko build\\fR.\n"
         ".PP\n"
         "Options come from flags, environment variables, a JSON file given with \\fB\\-\\-config\\fR\n"
         "and the defaults, in that precedence.  Boolean flags take \\fB\\-\\-flag\\fR,\n"
         "\\fB\\-\\-flag=true\\fR or \\fB\\-\\-flag=false\\fR; repeatable flags may be given several\n"
         "times.  A flag marked \\fI[not supported yet]\\fR is recognised and fails when set to anything\n"
         "but its default.\n"
         ".SH COMMANDS\n"
         ".TP\n.B build\nBuild an image (the default command).\n"
         ".TP\n.B warm\nPull each \\fB\\-\\-image\\fR (the \\fB\\-\\-custom\\-platform\\fR manifest) into the\n"
         "\\fB\\-\\-cache\\-dir\\fR OCI layout, where builds find their base images without the network\n"
         "(Go kaniko's warmer); the registry flags below apply.\n"
         ".TP\n.B plugins\nList the plugins found, from where, and the files refused.\n"
         ".TP\n.B parse\nParse a Dockerfile; \\fB\\-\\-dump\\fR prints BuildKit's AST format.\n"
         ".TP\n.B version\nPrint the version.\n"
         ".SH OPTIONS\n",
         f);
  static const struct opt_emitter man = { man_group, man_option };
  walk_options (f, &man);
  fputs (".SH ENVIRONMENT\n", f);
  for (size_t i = 0; i < kn_cli_n_options; i++)
    if (kn_cli_options[i].env && visible (&kn_cli_options[i]))
      fprintf (f, ".TP\n.B %s\nSame as \\fB\\-\\-%s\\fR.\n", kn_cli_options[i].env, kn_cli_options[i].name);
  for (size_t i = 0; i < sizeof other_env / sizeof other_env[0]; i++)
    {
      fprintf (f, ".TP\n.B %s\n", other_env[i].name);
      roff (f, other_env[i].help);
      fputc ('\n', f);
    }
  fputs (".SH EXIT STATUS\n"
         ".TP\n.B 0\nSuccess.\n"
         ".TP\n.B 1\nThe build failed.\n"
         ".TP\n.B 2\nA usage error: an unknown flag, a bad value, or a feature that is not supported yet.\n"
         ".SH EXAMPLES\n"
         ".nf\n"
         "kaniko \\-\\-context=. \\-\\-destination=registry.example/app:1.0\n"
         "executor \\-c /workspace \\-f Dockerfile \\-\\-no\\-push \\-\\-tar\\-path=/out/image.tar\n"
         "kaniko build \\-\\-config=build.json \\-\\-plugin\\-opt=gzip.level=9\n"
         ".fi\n"
         ".SH SEE ALSO\n"
         "The flags table: docs/flags.md.  Go kaniko: https://github.com/GoogleContainerTools/kaniko\n",
         f);
}
