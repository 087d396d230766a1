/* A small regular-expression engine for the RE2 syntax that BuildKit's shell
 * pattern converter and moby/patternmatcher generate (see glob.h): the
 * expression is parsed with Go's regexp/syntax rules, compiled to a Thompson
 * program and run by a bit-state backtracker (RE2's "BitState"), which yields
 * Go's leftmost-first results in O(program * text). */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <kaniko/error.h>
#include <kaniko/sys/util.h>

#include "core/dockerfile/glob.h"


enum
{
  N_EMPTY,
  N_LIT,
  N_CLASS,
  N_ANY_NOTNL,
  N_ASSERT,
  N_CAT,
  N_ALT,
  N_STAR,
  N_PLUS,
  N_QUEST
};

enum
{
  A_BEGIN_TEXT,
  A_END_TEXT,
  A_WORD_BOUNDARY,
  A_NO_WORD_BOUNDARY
};

enum
{
  I_RUNE,
  I_CLASS,
  I_ANY_NOTNL,
  I_ASSERT,
  I_SPLIT,
  I_JMP,
  I_MATCH
};

struct rrange
{
  uint32_t lo, hi;
};

struct rclass
{
  struct rrange *r;
  size_t n, cap;
  bool negate;
};

struct rnode
{
  int type;
  uint32_t val; /* rune, class index or assertion */
  int a, b;     /* children (node indexes) */
  bool lazy;
};

struct rinst
{
  int op;
  uint32_t val;
  int x, y;
};

struct kn_glob_regex
{
  struct rinst *prog;
  size_t nprog, capprog;
  struct rclass *classes;
  size_t nclasses;
};

struct rparser
{
  const char *expr;
  uint32_t *rs;
  size_t n, pos;
  struct rnode *nodes;
  size_t nnodes, capnodes;
  struct rclass *classes;
  size_t nclasses, capclasses;
  struct kn_error **err;
  int failed;
};

static int
rp_fail (struct rparser *p, const char *what)
{
  if (!p->failed)
    kn_error_make (p->err, KN_EINVAL, 0, "error parsing regexp: %s: `%s`", what, p->expr);
  p->failed = 1;
  return -1;
}

static int
rp_node (struct rparser *p, int type, uint32_t val, int a, int b)
{
  if (p->nnodes == p->capnodes)
    {
      p->capnodes = p->capnodes ? 2 * p->capnodes : 32;
      p->nodes = kn_xrealloc (p->nodes, p->capnodes * sizeof *p->nodes);
    }
  p->nodes[p->nnodes] = (struct rnode){ .type = type, .val = val, .a = a, .b = b };
  return (int)p->nnodes++;
}

static int
rp_new_class (struct rparser *p, bool negate)
{
  if (p->nclasses == p->capclasses)
    {
      p->capclasses = p->capclasses ? 2 * p->capclasses : 8;
      p->classes = kn_xrealloc (p->classes, p->capclasses * sizeof *p->classes);
    }
  p->classes[p->nclasses] = (struct rclass){ .negate = negate };
  return (int)p->nclasses++;
}

static void
class_add (struct rclass *c, uint32_t lo, uint32_t hi)
{
  if (c->n == c->cap)
    {
      c->cap = c->cap ? 2 * c->cap : 8;
      c->r = kn_xrealloc (c->r, c->cap * sizeof *c->r);
    }
  c->r[c->n++] = (struct rrange){ lo, hi };
}

/* Add the ranges of a sorted table (or its complement) to a class. */
static void
class_add_table (struct rclass *c, const struct rrange *t, size_t n, bool negate)
{
  size_t i;
  uint32_t next = 0;
  if (!negate)
    {
      for (i = 0; i < n; i++)
        class_add (c, t[i].lo, t[i].hi);
      return;
    }
  for (i = 0; i < n; i++)
    {
      if (t[i].lo > next)
        class_add (c, next, t[i].lo - 1);
      next = t[i].hi + 1;
    }
  if (next <= 0x10FFFF)
    class_add (c, next, 0x10FFFF);
}

static const struct rrange perl_d[] = { { '0', '9' } };
static const struct rrange perl_s[] = { { '\t', '\n' }, { '\f', '\r' }, { ' ', ' ' } };
static const struct rrange perl_w[] = { { '0', '9' }, { 'A', 'Z' }, { '_', '_' }, { 'a', 'z' } };

/* Perl class escape (\d \s \w and negations) at p->pos: adds it and returns 1. */
static int
rp_perl_class (struct rparser *p, struct rclass *c)
{
  uint32_t e;
  if (p->pos + 1 >= p->n || p->rs[p->pos] != '\\')
    return 0;
  e = p->rs[p->pos + 1];
  switch (e)
    {
    case 'd':
    case 'D':
      class_add_table (c, perl_d, 1, e == 'D');
      break;
    case 's':
    case 'S':
      class_add_table (c, perl_s, 3, e == 'S');
      break;
    case 'w':
    case 'W':
      class_add_table (c, perl_w, 4, e == 'W');
      break;
    default:
      return 0;
    }
  p->pos += 2;
  return 1;
}

struct posix_class
{
  const char *name;
  struct rrange r[4];
  size_t n;
};

static const struct posix_class posix_classes[] = {
  { "alnum", { { '0', '9' }, { 'A', 'Z' }, { 'a', 'z' } }, 3 },
  { "alpha", { { 'A', 'Z' }, { 'a', 'z' } }, 2 },
  { "ascii", { { 0, 0x7F } }, 1 },
  { "blank", { { '\t', '\t' }, { ' ', ' ' } }, 2 },
  { "cntrl", { { 0, 0x1F }, { 0x7F, 0x7F } }, 2 },
  { "digit", { { '0', '9' } }, 1 },
  { "graph", { { '!', '~' } }, 1 },
  { "lower", { { 'a', 'z' } }, 1 },
  { "print", { { ' ', '~' } }, 1 },
  { "punct", { { '!', '/' }, { ':', '@' }, { '[', '`' }, { '{', '~' } }, 4 },
  { "space", { { '\t', '\r' }, { ' ', ' ' } }, 2 },
  { "upper", { { 'A', 'Z' } }, 1 },
  { "word", { { '0', '9' }, { 'A', 'Z' }, { '_', '_' }, { 'a', 'z' } }, 4 },
  { "xdigit", { { '0', '9' }, { 'A', 'F' }, { 'a', 'f' } }, 3 },
};

/* POSIX "[:name:]" at p->pos: 1 added, 0 not a named class, -1 error. */
static int
rp_named_class (struct rparser *p, struct rclass *c)
{
  size_t i, end, len;
  bool negate = false;
  char name[16];

  if (p->pos + 2 >= p->n || p->rs[p->pos] != '[' || p->rs[p->pos + 1] != ':')
    return 0;
  for (end = p->pos + 2; end + 1 < p->n; end++)
    if (p->rs[end] == ':' && p->rs[end + 1] == ']')
      break;
  if (end + 1 >= p->n)
    return 0;
  i = p->pos + 2;
  if (i < end && p->rs[i] == '^')
    {
      negate = true;
      i++;
    }
  len = end - i;
  for (size_t k = 0; k < len && k < sizeof name - 1; k++)
    name[k] = p->rs[i + k] < 0x80 ? (char)p->rs[i + k] : '?';
  name[len < sizeof name - 1 ? len : sizeof name - 1] = '\0';
  for (size_t k = 0; k < sizeof posix_classes / sizeof posix_classes[0]; k++)
    if (len < sizeof name - 1 && strcmp (name, posix_classes[k].name) == 0)
      {
        class_add_table (c, posix_classes[k].r, posix_classes[k].n, negate);
        p->pos = end + 2;
        return 1;
      }
  return rp_fail (p, "invalid character class range");
}

static int
hexval (uint32_t c)
{
  if (c >= '0' && c <= '9')
    return (int)(c - '0');
  if (c >= 'a' && c <= 'f')
    return (int)(c - 'a' + 10);
  if (c >= 'A' && c <= 'F')
    return (int)(c - 'A' + 10);
  return -1;
}

/* Go's parseEscape: a single-rune escape at p->pos (a backslash). */
static int
rp_escape (struct rparser *p, uint32_t *out)
{
  uint32_t c;
  if (p->pos + 1 >= p->n)
    return rp_fail (p, "trailing backslash at end of expression");
  c = p->rs[p->pos + 1];
  p->pos += 2;
  if (c < 0x80 && !((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')))
    {
      *out = c;
      return 0;
    }
  switch (c)
    {
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
      if (p->pos >= p->n || p->rs[p->pos] < '0' || p->rs[p->pos] > '7')
        break;
      /* fall through */
    case '0':
      {
        uint32_t v = c - '0';
        for (int i = 1; i < 3 && p->pos < p->n && p->rs[p->pos] >= '0' && p->rs[p->pos] <= '7'; i++)
          v = v * 8 + (p->rs[p->pos++] - '0');
        *out = v;
        return 0;
      }
    case 'x':
      {
        uint32_t v = 0;
        int h1, h2;
        if (p->pos >= p->n)
          break;
        if (p->rs[p->pos] == '{')
          {
            int nd = 0;
            p->pos++;
            while (p->pos < p->n && p->rs[p->pos] != '}')
              {
                int h = hexval (p->rs[p->pos++]);
                if (h < 0 || v > 0x10FFFF)
                  return rp_fail (p, "invalid escape sequence");
                v = v * 16 + (uint32_t)h;
                nd++;
              }
            if (p->pos >= p->n || nd == 0 || v > 0x10FFFF)
              return rp_fail (p, "invalid escape sequence");
            p->pos++;
            *out = v;
            return 0;
          }
        if (p->pos + 1 >= p->n)
          break;
        h1 = hexval (p->rs[p->pos]);
        h2 = hexval (p->rs[p->pos + 1]);
        if (h1 < 0 || h2 < 0)
          break;
        p->pos += 2;
        *out = (uint32_t)(h1 * 16 + h2);
        return 0;
      }
    case 'a':
      *out = 7;
      return 0;
    case 'f':
      *out = 12;
      return 0;
    case 'n':
      *out = 10;
      return 0;
    case 'r':
      *out = 13;
      return 0;
    case 't':
      *out = 9;
      return 0;
    case 'v':
      *out = 11;
      return 0;
    default:
      break;
    }
  return rp_fail (p, "invalid escape sequence");
}

static int
rp_class_char (struct rparser *p, uint32_t *out)
{
  if (p->pos >= p->n)
    return rp_fail (p, "missing closing ]");
  if (p->rs[p->pos] == '\\')
    return rp_escape (p, out);
  *out = p->rs[p->pos++];
  return 0;
}

/* A bracket expression at p->pos ('['); returns a node or -1. */
static int
rp_class (struct rparser *p)
{
  int ci;
  bool negate = false, first = true;

  p->pos++;
  if (p->pos < p->n && p->rs[p->pos] == '^')
    {
      negate = true;
      p->pos++;
    }
  ci = rp_new_class (p, negate);
  while (p->pos >= p->n || p->rs[p->pos] != ']' || first)
    {
      uint32_t lo, hi;
      int r;
      first = false;
      r = rp_named_class (p, &p->classes[ci]);
      if (r < 0)
        return -1;
      if (r > 0)
        continue;
      if (p->pos + 1 < p->n && p->rs[p->pos] == '\\' && (p->rs[p->pos + 1] == 'p' || p->rs[p->pos + 1] == 'P'))
        return rp_fail (p, "unsupported Unicode class escape");
      if (rp_perl_class (p, &p->classes[ci]))
        continue;
      if (rp_class_char (p, &lo) < 0)
        return -1;
      hi = lo;
      if (p->pos + 1 < p->n && p->rs[p->pos] == '-' && p->rs[p->pos + 1] != ']')
        {
          p->pos++;
          if (rp_class_char (p, &hi) < 0)
            return -1;
          if (hi < lo)
            return rp_fail (p, "invalid character class range");
        }
      class_add (&p->classes[ci], lo, hi);
    }
  p->pos++;
  return rp_node (p, N_CLASS, (uint32_t)ci, -1, -1);
}

static int rp_alt (struct rparser *p);

/* True when "{...}" at p->pos would be a repetition in Go ({n}, {n,}, {n,m}). */
static bool
rp_looks_like_repeat (struct rparser *p)
{
  size_t i = p->pos + 1;
  size_t nd = 0;
  while (i < p->n && p->rs[i] >= '0' && p->rs[i] <= '9')
    i++, nd++;
  if (nd == 0 || i >= p->n)
    return false;
  if (p->rs[i] == ',')
    {
      i++;
      while (i < p->n && p->rs[i] >= '0' && p->rs[i] <= '9')
        i++;
    }
  return i < p->n && p->rs[i] == '}';
}

static int
rp_atom (struct rparser *p)
{
  uint32_t c = p->rs[p->pos];
  switch (c)
    {
    case '(':
      {
        int inner;
        p->pos++;
        if (p->pos < p->n && p->rs[p->pos] == '?')
          return rp_fail (p, "unsupported group syntax");
        inner = rp_alt (p);
        if (inner < 0)
          return -1;
        if (p->pos >= p->n || p->rs[p->pos] != ')')
          return rp_fail (p, "missing closing )");
        p->pos++;
        return inner;
      }
    case '[':
      return rp_class (p);
    case '.':
      p->pos++;
      return rp_node (p, N_ANY_NOTNL, 0, -1, -1);
    case '^':
      p->pos++;
      return rp_node (p, N_ASSERT, A_BEGIN_TEXT, -1, -1);
    case '$':
      p->pos++;
      return rp_node (p, N_ASSERT, A_END_TEXT, -1, -1);
    case '{':
      if (rp_looks_like_repeat (p))
        return rp_fail (p, "unsupported repetition operator");
      p->pos++;
      return rp_node (p, N_LIT, c, -1, -1);
    case '\\':
      {
        uint32_t e, r;
        int ci;
        if (p->pos + 1 >= p->n)
          return rp_fail (p, "trailing backslash at end of expression");
        e = p->rs[p->pos + 1];
        switch (e)
          {
          case 'A':
            p->pos += 2;
            return rp_node (p, N_ASSERT, A_BEGIN_TEXT, -1, -1);
          case 'z':
            p->pos += 2;
            return rp_node (p, N_ASSERT, A_END_TEXT, -1, -1);
          case 'b':
            p->pos += 2;
            return rp_node (p, N_ASSERT, A_WORD_BOUNDARY, -1, -1);
          case 'B':
            p->pos += 2;
            return rp_node (p, N_ASSERT, A_NO_WORD_BOUNDARY, -1, -1);
          case 'p':
          case 'P':
            return rp_fail (p, "unsupported Unicode class escape");
          case 'Q':
            {
              int seq = rp_node (p, N_EMPTY, 0, -1, -1);
              p->pos += 2;
              while (p->pos < p->n)
                {
                  if (p->rs[p->pos] == '\\' && p->pos + 1 < p->n && p->rs[p->pos + 1] == 'E')
                    {
                      p->pos += 2;
                      break;
                    }
                  seq = rp_node (p, N_CAT, 0, seq, rp_node (p, N_LIT, p->rs[p->pos], -1, -1));
                  p->pos++;
                }
              return seq;
            }
          default:
            break;
          }
        ci = rp_new_class (p, false);
        if (rp_perl_class (p, &p->classes[ci]))
          return rp_node (p, N_CLASS, (uint32_t)ci, -1, -1);
        p->nclasses--;
        if (rp_escape (p, &r) < 0)
          return -1;
        return rp_node (p, N_LIT, r, -1, -1);
      }
    default:
      p->pos++;
      return rp_node (p, N_LIT, c, -1, -1);
    }
}

static int
rp_concat (struct rparser *p)
{
  int seq = -1, last = -1;
  bool last_repeat = false;

  while (p->pos < p->n && p->rs[p->pos] != '|' && p->rs[p->pos] != ')')
    {
      uint32_t c = p->rs[p->pos];
      if (c == '*' || c == '+' || c == '?')
        {
          int type = c == '*' ? N_STAR : c == '+' ? N_PLUS : N_QUEST;
          bool lazy = false;
          if (last < 0)
            return rp_fail (p, "missing argument to repetition operator");
          if (last_repeat)
            return rp_fail (p, "invalid nested repetition operator");
          p->pos++;
          if (p->pos < p->n && p->rs[p->pos] == '?')
            {
              lazy = true;
              p->pos++;
            }
          last = rp_node (p, type, 0, last, -1);
          p->nodes[last].lazy = lazy;
          last_repeat = true;
          continue;
        }
      if (last >= 0)
        seq = seq < 0 ? last : rp_node (p, N_CAT, 0, seq, last);
      last = rp_atom (p);
      if (last < 0)
        return -1;
      last_repeat = false;
    }
  if (last >= 0)
    seq = seq < 0 ? last : rp_node (p, N_CAT, 0, seq, last);
  if (seq < 0)
    seq = rp_node (p, N_EMPTY, 0, -1, -1);
  return seq;
}

static int
rp_alt (struct rparser *p)
{
  int left = rp_concat (p);
  while (left >= 0 && p->pos < p->n && p->rs[p->pos] == '|')
    {
      int right;
      p->pos++;
      right = rp_concat (p);
      if (right < 0)
        return -1;
      left = rp_node (p, N_ALT, 0, left, right);
    }
  return left;
}

static int
emit (struct kn_glob_regex *re, int op, uint32_t val, int x, int y)
{
  if (re->nprog == re->capprog)
    {
      re->capprog = re->capprog ? 2 * re->capprog : 32;
      re->prog = kn_xrealloc (re->prog, re->capprog * sizeof *re->prog);
    }
  re->prog[re->nprog] = (struct rinst){ op, val, x, y };
  return (int)re->nprog++;
}

static void
compile_node (struct kn_glob_regex *re, const struct rnode *nodes, int ni)
{
  const struct rnode *nd = &nodes[ni];
  int l0, l1;
  switch (nd->type)
    {
    case N_EMPTY:
      break;
    case N_LIT:
      emit (re, I_RUNE, nd->val, 0, 0);
      break;
    case N_CLASS:
      emit (re, I_CLASS, nd->val, 0, 0);
      break;
    case N_ANY_NOTNL:
      emit (re, I_ANY_NOTNL, 0, 0, 0);
      break;
    case N_ASSERT:
      emit (re, I_ASSERT, nd->val, 0, 0);
      break;
    case N_CAT:
      compile_node (re, nodes, nd->a);
      compile_node (re, nodes, nd->b);
      break;
    case N_ALT:
      l0 = emit (re, I_SPLIT, 0, 0, 0);
      re->prog[l0].x = (int)re->nprog;
      compile_node (re, nodes, nd->a);
      l1 = emit (re, I_JMP, 0, 0, 0);
      re->prog[l0].y = (int)re->nprog;
      compile_node (re, nodes, nd->b);
      re->prog[l1].x = (int)re->nprog;
      break;
    case N_STAR:
    case N_QUEST:
      l0 = emit (re, I_SPLIT, 0, 0, 0);
      compile_node (re, nodes, nd->a);
      if (nd->type == N_STAR)
        emit (re, I_JMP, 0, l0, 0);
      re->prog[l0].x = nd->lazy ? (int)re->nprog : l0 + 1;
      re->prog[l0].y = nd->lazy ? l0 + 1 : (int)re->nprog;
      break;
    case N_PLUS:
      l0 = (int)re->nprog;
      compile_node (re, nodes, nd->a);
      l1 = emit (re, I_SPLIT, 0, 0, 0);
      re->prog[l1].x = nd->lazy ? (int)re->nprog : l0;
      re->prog[l1].y = nd->lazy ? l0 : (int)re->nprog;
      break;
    default:
      break;
    }
}

int
kn_glob_regex_compile (const char *expr, struct kn_glob_regex **out, struct kn_error **err)
{
  struct rparser p = { .expr = expr, .err = err };
  size_t len = strlen (expr), i = 0;
  struct kn_glob_regex *re;
  int root;

  p.rs = kn_xmalloc ((len + 1) * sizeof *p.rs);
  while (i < len)
    {
      size_t w = kn_glob_decode_rune (expr + i, len - i, &p.rs[p.n]);
      if (p.rs[p.n] == KN_RUNE_ERROR && w == 1)
        {
          free (p.rs);
          return kn_error_make (err, KN_EINVAL, 0, "error parsing regexp: invalid UTF-8: `%s`", expr);
        }
      p.n++;
      i += w;
    }
  root = rp_alt (&p);
  if (root >= 0 && p.pos < p.n)
    root = rp_fail (&p, "unexpected )");
  if (root < 0)
    {
      for (size_t k = 0; k < p.nclasses; k++)
        free (p.classes[k].r);
      free (p.classes);
      free (p.nodes);
      free (p.rs);
      return -KN_EINVAL;
    }
  re = kn_xcalloc (1, sizeof *re);
  compile_node (re, p.nodes, root);
  emit (re, I_MATCH, 0, 0, 0);
  re->classes = p.classes;
  re->nclasses = p.nclasses;
  free (p.nodes);
  free (p.rs);
  *out = re;
  return 0;
}

void
kn_glob_regex_free (struct kn_glob_regex *re)
{
  if (re == NULL)
    return;
  for (size_t k = 0; k < re->nclasses; k++)
    free (re->classes[k].r);
  free (re->classes);
  free (re->prog);
  free (re);
}

static bool
class_has (const struct rclass *c, uint32_t r)
{
  bool in = false;
  for (size_t i = 0; i < c->n && !in; i++)
    in = c->r[i].lo <= r && r <= c->r[i].hi;
  return in != c->negate;
}

static bool
is_word_byte (const char *s, size_t len, size_t pos)
{
  unsigned char c;
  if (pos >= len)
    return false;
  c = (unsigned char)s[pos];
  return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '_';
}

struct bt_job
{
  int pc;
  size_t pos;
};

int
kn_glob_regex_find (const struct kn_glob_regex *re, const char *s, size_t len, size_t start, size_t m[2])
{
  size_t nbits = re->nprog * (len + 1);
  kn_cleanup_free uint64_t *visited = kn_xcalloc ((nbits + 63) / 64, sizeof (uint64_t));
  kn_cleanup_free struct bt_job *stack = NULL;
  size_t nstack = 0, capstack = 0, sp = start;

  for (;;)
    {
      nstack = 0;
      if (capstack == 0)
        {
          capstack = 64;
          stack = kn_xmalloc (capstack * sizeof *stack);
        }
      stack[nstack++] = (struct bt_job){ 0, sp };
      while (nstack > 0)
        {
          struct bt_job j = stack[--nstack];
          int pc = j.pc;
          size_t pos = j.pos;
          for (;;)
            {
              size_t bit = (size_t)pc * (len + 1) + pos;
              const struct rinst *in = &re->prog[pc];
              uint32_t r;
              size_t w;
              bool ok;
              if (visited[bit / 64] & ((uint64_t)1 << (bit % 64)))
                break;
              visited[bit / 64] |= (uint64_t)1 << (bit % 64);
              if (in->op == I_MATCH)
                {
                  m[0] = sp;
                  m[1] = pos;
                  return 1;
                }
              if (in->op == I_SPLIT)
                {
                  if (nstack == capstack)
                    {
                      capstack *= 2;
                      stack = kn_xrealloc (stack, capstack * sizeof *stack);
                    }
                  stack[nstack++] = (struct bt_job){ in->y, pos };
                  pc = in->x;
                  continue;
                }
              if (in->op == I_JMP)
                {
                  pc = in->x;
                  continue;
                }
              if (in->op == I_ASSERT)
                {
                  switch (in->val)
                    {
                    case A_BEGIN_TEXT:
                      ok = pos == 0;
                      break;
                    case A_END_TEXT:
                      ok = pos == len;
                      break;
                    case A_WORD_BOUNDARY:
                      ok = (pos > 0 && is_word_byte (s, len, pos - 1)) != is_word_byte (s, len, pos);
                      break;
                    default:
                      ok = (pos > 0 && is_word_byte (s, len, pos - 1)) == is_word_byte (s, len, pos);
                      break;
                    }
                  if (!ok)
                    break;
                  pc++;
                  continue;
                }
              if (pos >= len)
                break;
              w = kn_glob_decode_rune (s + pos, len - pos, &r);
              if (in->op == I_RUNE)
                ok = r == in->val;
              else if (in->op == I_CLASS)
                ok = class_has (&re->classes[in->val], r);
              else
                ok = r != '\n';
              if (!ok)
                break;
              pos += w;
              pc++;
            }
        }
      if (sp >= len)
        return 0;
      {
        uint32_t r;
        sp += kn_glob_decode_rune (s + sp, len - sp, &r);
      }
    }
}

/* Go's Regexp.expand for a regex without capture groups: $0/${0} is the whole
 * match, $$ a dollar, other names empty, a malformed $ stays literal. */
static void
expand (struct kn_glob_buf *b, const char *tmpl, const char *match, size_t match_len)
{
  while (*tmpl)
    {
      const char *d = strchr (tmpl, '$'), *t, *name;
      size_t nlen = 0;
      bool brace = false;
      if (d == NULL)
        break;
      kn_glob_buf_add (b, tmpl, (size_t)(d - tmpl));
      tmpl = d + 1;
      if (*tmpl == '$')
        {
          kn_glob_buf_add (b, "$", 1);
          tmpl++;
          continue;
        }
      t = tmpl;
      if (*t == '{')
        {
          brace = true;
          t++;
        }
      name = t;
      for (;;)
        {
          uint32_t r;
          size_t w = kn_glob_decode_rune (t + nlen, strlen (t + nlen), &r);
          if (w == 0 || !(kn_glob_is_letter (r) || kn_glob_is_digit (r) || r == '_'))
            break;
          nlen += w;
        }
      if (nlen == 0 || (brace && name[nlen] != '}'))
        {
          kn_glob_buf_add (b, "$", 1);
          continue;
        }
      tmpl = name + nlen + (brace ? 1 : 0);
      if (nlen == 1 && name[0] == '0')
        kn_glob_buf_add (b, match, match_len);
    }
  kn_glob_buf_add (b, tmpl, strlen (tmpl));
}

char *
kn_glob_regex_replace_all (const struct kn_glob_regex *re, const char *s, const char *repl)
{
  size_t len = strlen (s), last_end = 0, search = 0;
  struct kn_glob_buf b = { 0 };

  kn_glob_buf_add (&b, "", 0);
  while (search <= len)
    {
      size_t m[2], w;
      uint32_t r;
      if (!kn_glob_regex_find (re, s, len, search, m))
        break;
      kn_glob_buf_add (&b, s + last_end, m[0] - last_end);
      if (m[1] > last_end || m[0] == 0)
        expand (&b, repl, s + m[0], m[1] - m[0]);
      last_end = m[1];
      w = kn_glob_decode_rune (s + search, len - search, &r);
      if (search + w > m[1])
        search += w;
      else if (search + 1 > m[1])
        search++;
      else
        search = m[1];
    }
  kn_glob_buf_add (&b, s + last_end, len - last_end);
  return b.p;
}
