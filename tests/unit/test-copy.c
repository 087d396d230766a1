/* COPY semantics on real temp trees (kn_copy_run). */
#include "config.h"

#include <sys/time.h>
#include <sys/xattr.h>

#include "core/dockerfile/dockerignore.h"
#include "core/util/cancel.h"
#include "test-copy-util.h"

static struct tree T;

static void
setup (void)
{
  T = tree_new ();
  put (T.ctx, "a.txt", "alpha\n", 0640);
  put (T.ctx, "b.txt", "beta\n", 0644);
  put (T.ctx, "c.md", "gamma\n", 0644);
  put (T.ctx, "dir/f1", "one\n", 0600);
  put (T.ctx, "dir/sub/f2", "two\n", 0755);
  put (T.ctx, "dir/x.log", "log\n", 0644);
  chmod (T.ctx, 0755);
}

static void
teardown (void)
{
  tree_free (&T);
}

TestSuite (copy, .init = setup, .fini = teardown);

#define SRCS(...) ((const char *const[]){ __VA_ARGS__, NULL })

Test (copy, file_to_file)
{
  struct timeval tv[2] = { { 1000000, 0 }, { 1000000, 0 } };
  char *p = kn_xasprintf ("%s/a.txt", T.ctx);
  utimes (p, tv);
  free (p);
  struct kn_copy_request q = req_new (&T, SRCS ("a.txt"), "/x");
  run_ok (&q);
  char *s = slurp (T.root, "x");
  cr_assert_str_eq (s, "alpha\n");
  free (s);
  struct stat st;
  cr_assert_eq (lst (T.root, "x", &st), 0);
  cr_assert (S_ISREG (st.st_mode));
  cr_assert_eq (st.st_mode & 07777, 0640, "mode preserved");
  cr_assert_eq (st.st_mtim.tv_sec, 1000000, "mtime preserved");
  if (geteuid () == 0)
    cr_assert (st.st_uid == 0 && st.st_gid == 0);
}

Test (copy, file_into_new_dir)
{
  struct rec r = { 0 };
  struct kn_copy_request q = req_new (&T, SRCS ("a.txt"), "/d/e/");
  q.record = rec_cb;
  q.record_payload = &r;
  run_ok (&q);
  char *s = slurp (T.root, "d/e/a.txt");
  cr_assert_str_eq (s, "alpha\n");
  free (s);
  struct stat st;
  cr_assert_eq (lst (T.root, "d", &st), 0);
  cr_assert (S_ISDIR (st.st_mode));
  cr_assert_eq (st.st_mode & 07777, 0755);
  cr_assert_eq (r.n, 3);
  cr_assert_str_eq (r.v[0], "d");
  cr_assert_str_eq (r.v[1], "d/e");
  cr_assert_str_eq (r.v[2], "d/e/a.txt");
  rec_free (&r);
}

Test (copy, file_into_existing_dir_without_slash)
{
  mkdirs (T.root, "exist");
  struct kn_copy_request q = req_new (&T, SRCS ("a.txt"), "/exist");
  run_ok (&q);
  cr_assert (exists (T.root, "exist/a.txt"));
}

Test (copy, relative_dest_uses_workdir)
{
  struct kn_copy_request q = req_new (&T, SRCS ("a.txt"), "sub/");
  q.workdir = "/app";
  run_ok (&q);
  cr_assert (exists (T.root, "app/sub/a.txt"));
  struct kn_copy_request q2 = req_new (&T, SRCS ("b.txt"), ".");
  q2.workdir = "/app";
  run_ok (&q2);
  cr_assert (exists (T.root, "app/b.txt"));
}

Test (copy, existing_file_replaced)
{
  put (T.root, "x", "old contents that are longer\n", 0600);
  struct kn_copy_request q = req_new (&T, SRCS ("b.txt"), "/x");
  run_ok (&q);
  char *s = slurp (T.root, "x");
  cr_assert_str_eq (s, "beta\n");
  free (s);
}

Test (copy, dir_copies_contents)
{
  struct kn_copy_request q = req_new (&T, SRCS ("dir"), "/out");
  run_ok (&q);
  cr_assert (exists (T.root, "out/f1"));
  cr_assert (exists (T.root, "out/sub/f2"));
  cr_assert (!exists (T.root, "out/dir"));
  struct stat st;
  cr_assert_eq (lst (T.root, "out/sub/f2", &st), 0);
  cr_assert_eq (st.st_mode & 07777, 0755);
  cr_assert_eq (lst (T.root, "out/f1", &st), 0);
  cr_assert_eq (st.st_mode & 07777, 0600);
}

Test (copy, dot_copies_context)
{
  struct kn_copy_request q = req_new (&T, SRCS ("."), "/all/");
  run_ok (&q);
  cr_assert (exists (T.root, "all/a.txt"));
  cr_assert (exists (T.root, "all/dir/sub/f2"));
}

Test (copy, glob_matches)
{
  struct kn_copy_request q = req_new (&T, SRCS ("*.txt"), "/g/");
  run_ok (&q);
  cr_assert (exists (T.root, "g/a.txt"));
  cr_assert (exists (T.root, "g/b.txt"));
  cr_assert (!exists (T.root, "g/c.md"));
  struct kn_copy_request q2 = req_new (&T, SRCS ("dir/s?b/f[0-9]"), "/g2/");
  run_ok (&q2);
  cr_assert (exists (T.root, "g2/f2"));
}

Test (copy, glob_no_match_is_error)
{
  struct kn_copy_request q = req_new (&T, SRCS ("*.nothing"), "/g/");
  char *m = run_fail (&q);
  cr_assert (strstr (m, "no source files were specified"), "%s", m);
  cr_assert (strstr (m, "COPY *.nothing /g/"), "%s", m);
  free (m);
}

Test (copy, glob_many_needs_dir_dest)
{
  struct kn_copy_request q = req_new (&T, SRCS ("*.txt"), "/file");
  char *m = run_fail (&q);
  cr_assert (strstr (m, "destination must be a directory"), "%s", m);
  free (m);
}

Test (copy, multiple_sources_need_trailing_slash)
{
  struct kn_copy_request q = req_new (&T, SRCS ("a.txt", "b.txt"), "/multi");
  char *m = run_fail (&q);
  cr_assert (strstr (m, "must be a directory and end with a /"), "%s", m);
  free (m);
  cr_assert (!exists (T.root, "multi"));
  struct kn_copy_request q2 = req_new (&T, SRCS ("a.txt", "b.txt"), "/multi/");
  run_ok (&q2);
  cr_assert (exists (T.root, "multi/a.txt") && exists (T.root, "multi/b.txt"));
}

Test (copy, missing_source_names_it)
{
  struct kn_copy_request q = req_new (&T, SRCS ("app.py"), "/x");
  char *m = run_fail (&q);
  cr_assert_str_eq (m, "COPY app.py /x: stat app.py: no such file or directory");
  free (m);
}

Test (copy, source_cannot_climb_out_of_context)
{
  put (T.top, "secret", "s\n", 0644);
  struct kn_copy_request q = req_new (&T, SRCS ("../secret"), "/x");
  char *m = run_fail (&q);
  free (m);
  char *l = kn_xasprintf ("%s/esc", T.ctx);
  char *target = kn_xasprintf ("%s/secret", T.top);
  cr_assert_eq (symlink (target, l), 0);
  struct kn_copy_request q2 = req_new (&T, SRCS ("esc"), "/y");
  m = run_fail (&q2);
  free (m);
  cr_assert (!exists (T.root, "x") && !exists (T.root, "y"));
  free (l);
  free (target);
}

Test (copy, symlink_source_followed)
{
  char *l = kn_xasprintf ("%s/link", T.ctx);
  cr_assert_eq (symlink ("a.txt", l), 0);
  free (l);
  l = kn_xasprintf ("%s/dlink", T.ctx);
  cr_assert_eq (symlink ("/dir", l), 0); /* absolute: resolved inside the context */
  free (l);
  struct kn_copy_request q = req_new (&T, SRCS ("link"), "/l");
  run_ok (&q);
  struct stat st;
  cr_assert_eq (lst (T.root, "l", &st), 0);
  cr_assert (S_ISREG (st.st_mode));
  char *s = slurp (T.root, "l");
  cr_assert_str_eq (s, "alpha\n");
  free (s);
  struct kn_copy_request q2 = req_new (&T, SRCS ("dlink"), "/dl");
  run_ok (&q2);
  cr_assert (exists (T.root, "dl/sub/f2"));
}

Test (copy, symlink_inside_dir_kept)
{
  char *l = kn_xasprintf ("%s/dir/ln", T.ctx);
  cr_assert_eq (symlink ("f1", l), 0);
  free (l);
  struct kn_copy_request q = req_new (&T, SRCS ("dir"), "/o/");
  run_ok (&q);
  struct stat st;
  cr_assert_eq (lst (T.root, "o/ln", &st), 0);
  cr_assert (S_ISLNK (st.st_mode));
  char buf[64];
  char *p = kn_xasprintf ("%s/o/ln", T.root);
  ssize_t n = readlink (p, buf, sizeof buf - 1);
  free (p);
  cr_assert_eq (n, 2);
  buf[n] = '\0';
  cr_assert_str_eq (buf, "f1");
}

static void
fake_passwd (void)
{
  put (T.root, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n", 0644);
  put (T.root, "etc/group", "root:x:0:\nappgrp:x:1001:\nstaff:x:2000:app\n", 0644);
}

Test (copy, chown_by_name)
{
  if (geteuid () != 0)
    cr_skip_test ("ownership needs root");
  fake_passwd ();
  struct kn_copy_request q = req_new (&T, SRCS ("dir"), "/own/new/");
  q.chown = "app";
  run_ok (&q);
  struct stat st;
  cr_assert_eq (lst (T.root, "own/new/sub/f2", &st), 0);
  cr_assert_eq (st.st_uid, 1000);
  cr_assert_eq (st.st_gid, 1001, "primary group of app");
  cr_assert_eq (lst (T.root, "own", &st), 0);
  cr_assert_eq (st.st_uid, 1000, "created parents owned by the --chown user (BuildKit)");
  struct kn_copy_request q2 = req_new (&T, SRCS ("a.txt"), "/own2");
  q2.chown = "app:staff";
  run_ok (&q2);
  cr_assert_eq (lst (T.root, "own2", &st), 0);
  cr_assert_eq (st.st_uid, 1000);
  cr_assert_eq (st.st_gid, 2000);
}

Test (copy, chown_by_id)
{
  if (geteuid () != 0)
    cr_skip_test ("ownership needs root");
  struct kn_copy_request q = req_new (&T, SRCS ("a.txt"), "/id1");
  q.chown = "42";
  run_ok (&q);
  struct stat st;
  cr_assert_eq (lst (T.root, "id1", &st), 0);
  cr_assert_eq (st.st_uid, 42);
  cr_assert_eq (st.st_gid, 42);
  struct kn_copy_request q2 = req_new (&T, SRCS ("a.txt"), "/id2");
  q2.chown = "42:7";
  run_ok (&q2);
  cr_assert_eq (lst (T.root, "id2", &st), 0);
  cr_assert_eq (st.st_uid, 42);
  cr_assert_eq (st.st_gid, 7);
}

Test (copy, chown_unknown_user_fails)
{
  struct kn_copy_request q = req_new (&T, SRCS ("a.txt"), "/x");
  q.chown = "nobodyhere";
  char *m = run_fail (&q);
  cr_assert (strstr (m, "unable to find user nobodyhere"), "%s", m);
  free (m);
  cr_assert (!exists (T.root, "x"));
}

Test (copy, chmod_octal_files_and_dirs)
{
  struct kn_copy_request q = req_new (&T, SRCS ("dir"), "/m/");
  q.chmod = "0751";
  run_ok (&q);
  struct stat st;
  cr_assert_eq (lst (T.root, "m/f1", &st), 0);
  cr_assert_eq (st.st_mode & 07777, 0751);
  cr_assert_eq (lst (T.root, "m/sub", &st), 0);
  cr_assert_eq (st.st_mode & 07777, 0751);
  struct kn_copy_request q2 = req_new (&T, SRCS ("a.txt"), "/m2");
  q2.chmod = "u+x,go-r";
  run_ok (&q2);
  cr_assert_eq (lst (T.root, "m2", &st), 0);
  cr_assert_eq (st.st_mode & 07777, 0700);
  struct kn_copy_request q3 = req_new (&T, SRCS ("a.txt"), "/m3");
  q3.chmod = "999";
  char *m = run_fail (&q3);
  cr_assert (strstr (m, "invalid chmod"), "%s", m);
  free (m);
}

Test (copy, chmod_symbolic_parse)
{
  struct kn_copy_chmod *c = NULL;
  struct kn_error *e = NULL;
  cr_assert_eq (kn_copy_chmod_parse ("a=rX", &c, &e), 0);
  cr_assert_eq (kn_copy_chmod_apply (c, 0600, true), 0555);
  cr_assert_eq (kn_copy_chmod_apply (c, 0600, false), 0444);
  cr_assert_eq (kn_copy_chmod_apply (c, 0700, false), 0555);
  kn_copy_chmod_free (c);
  cr_assert_eq (kn_copy_chmod_parse ("u=rwx,g=u,o=", &c, &e), 0);
  cr_assert_eq (kn_copy_chmod_apply (c, 0644, false), 0770);
  kn_copy_chmod_free (c);
  cr_assert_lt (kn_copy_chmod_parse ("u+q", &c, &e), 0);
  kn_error_free (e);
}

Test (copy, parents)
{
  put (T.ctx, "a/b/f.txt", "f\n", 0644);
  put (T.ctx, "x/b/f.txt", "g\n", 0644);
  struct kn_copy_request q = req_new (&T, SRCS ("a/b/f.txt"), "/p/");
  q.parents = true;
  run_ok (&q);
  cr_assert (exists (T.root, "p/a/b/f.txt"));
  struct kn_copy_request q2 = req_new (&T, SRCS ("./a/./b/f.txt"), "/q/");
  q2.parents = true;
  run_ok (&q2);
  cr_assert (exists (T.root, "q/b/f.txt"));
  cr_assert (!exists (T.root, "q/a"));
  struct kn_copy_request q3 = req_new (&T, SRCS ("*/b/f.txt"), "/r/");
  q3.parents = true;
  run_ok (&q3);
  cr_assert (exists (T.root, "r/a/b/f.txt"));
  cr_assert (exists (T.root, "r/x/b/f.txt"));
  struct kn_copy_request q4 = req_new (&T, SRCS ("dir"), "/s/");
  q4.parents = true;
  run_ok (&q4);
  cr_assert (exists (T.root, "s/dir/sub/f2"));
}

Test (copy, excludes)
{
  struct kn_copy_request q = req_new (&T, SRCS ("dir"), "/e/");
  q.excludes = SRCS ("*.log", "sub");
  run_ok (&q);
  cr_assert (exists (T.root, "e/f1"));
  cr_assert (!exists (T.root, "e/x.log"));
  cr_assert (!exists (T.root, "e/sub"));
  struct kn_copy_request q2 = req_new (&T, SRCS ("*"), "/e2/");
  q2.excludes = SRCS ("*.md");
  run_ok (&q2);
  cr_assert (exists (T.root, "e2/a.txt"));
  cr_assert (!exists (T.root, "e2/c.md"));
}

Test (copy, dockerignore_with_exception)
{
  put (T.ctx, "dir/keep.txt", "keep\n", 0644);
  const char *text = "dir\n!dir/keep.txt\n*.md\n";
  struct kn_ignore *ig = NULL;
  struct kn_error *e = NULL;
  cr_assert_eq (kn_dockerignore_parse (text, strlen (text), &ig, &e), 0);
  struct kn_copy_request q = req_new (&T, SRCS ("."), "/i/");
  q.ignore = ig;
  run_ok (&q);
  cr_assert (exists (T.root, "i/a.txt"));
  cr_assert (exists (T.root, "i/dir/keep.txt"));
  cr_assert (!exists (T.root, "i/dir/f1"));
  cr_assert (!exists (T.root, "i/dir/sub"));
  cr_assert (!exists (T.root, "i/c.md"));
  struct kn_copy_request q2 = req_new (&T, SRCS ("c.md"), "/x");
  q2.ignore = ig;
  char *m = run_fail (&q2);
  free (m);
  struct kn_copy_request q3 = req_new (&T, SRCS ("*"), "/j/");
  q3.ignore = ig;
  run_ok (&q3);
  cr_assert (!exists (T.root, "j/c.md"));
  cr_assert (exists (T.root, "j/b.txt"));
  /* not from the context (COPY --from): the ignore list does not apply */
  struct kn_copy_request q4 = req_new (&T, SRCS ("c.md"), "/k");
  q4.ignore = ig;
  q4.from_context = false;
  run_ok (&q4);
  cr_assert (exists (T.root, "k"));
  kn_ignore_free (ig);
}

Test (copy, heredoc_contents)
{
  struct kn_df_source_content sc[2]
      = { { (char *)"hello.sh", (char *)"echo hi\n", false }, { (char *)"data", (char *)"x", false } };
  struct kn_copy_request q = req_new (&T, NULL, "/h/");
  q.contents = sc;
  q.n_contents = 2;
  run_ok (&q);
  char *s = slurp (T.root, "h/hello.sh");
  cr_assert_str_eq (s, "echo hi\n");
  free (s);
  struct stat st;
  cr_assert_eq (lst (T.root, "h/hello.sh", &st), 0);
  cr_assert_eq (st.st_mode & 07777, 0644);
  struct kn_copy_request q2 = req_new (&T, NULL, "/run.sh");
  q2.contents = sc;
  q2.n_contents = 1;
  q2.chmod = "755";
  run_ok (&q2);
  cr_assert_eq (lst (T.root, "run.sh", &st), 0);
  cr_assert_eq (st.st_mode & 07777, 0755);
}

Test (copy, dest_through_symlink_stays_inside)
{
  char *l = kn_xasprintf ("%s/abs", T.root);
  cr_assert_eq (symlink (T.outside, l), 0); /* absolute link to the real outside dir */
  free (l);
  l = kn_xasprintf ("%s/rel", T.root);
  cr_assert_eq (symlink ("../../../../../../outside", l), 0);
  free (l);
  l = kn_xasprintf ("%s/file", T.root);
  char *target = kn_xasprintf ("%s/victim", T.outside);
  cr_assert_eq (symlink (target, l), 0);
  free (l);
  struct rec r = { 0 };
  struct kn_copy_request q = req_new (&T, SRCS ("a.txt"), "/abs/");
  q.record = rec_cb;
  q.record_payload = &r;
  run_ok (&q);
  struct kn_copy_request q2 = req_new (&T, SRCS ("dir"), "/rel/x/");
  q2.record = rec_cb;
  q2.record_payload = &r;
  run_ok (&q2);
  struct kn_copy_request q3 = req_new (&T, SRCS ("b.txt"), "/file");
  run_ok (&q3);
  /* nothing outside the root */
  cr_assert (!exists (T.outside, "a.txt"));
  cr_assert (!exists (T.outside, "x"));
  cr_assert (!exists (T.outside, "victim"));
  /* the absolute link resolved as if the root were "/" */
  char *inside = kn_xasprintf ("%s/a.txt", T.outside + 1);
  cr_assert (exists (T.root, inside), "expected %s inside the root", inside);
  cr_assert (rec_has (&r, inside), "recorded the resolved path");
  free (inside);
  cr_assert (exists (T.root, "outside/x/sub/f2"));
  cr_assert (rec_has (&r, "outside/x/sub/f2"));
  struct stat st;
  cr_assert_eq (lst (T.root, "file", &st), 0);
  cr_assert (S_ISREG (st.st_mode), "the link itself is replaced");
  free (target);
  rec_free (&r);
}

Test (copy, record_exact_paths)
{
  mkdirs (T.root, "r");
  struct rec r = { 0 };
  struct kn_copy_request q = req_new (&T, SRCS ("dir"), "/r/d/");
  q.record = rec_cb;
  q.record_payload = &r;
  run_ok (&q);
  const char *want[] = { "r/d", "r/d/f1", "r/d/sub", "r/d/sub/f2", "r/d/x.log" };
  cr_assert_eq (r.n, 5, "got %zu paths", r.n);
  for (size_t i = 0; i < 5; i++)
    cr_assert_str_eq (r.v[i], want[i]);
  rec_free (&r);
}

Test (copy, reproducible_epoch_clamps)
{
  struct timeval old[2] = { { 500, 0 }, { 500, 0 } };
  char *p = kn_xasprintf ("%s/b.txt", T.ctx);
  utimes (p, old);
  free (p);
  struct kn_copy_request q = req_new (&T, SRCS ("a.txt", "b.txt", "dir"), "/t/");
  q.reproducible_epoch = 1000;
  run_ok (&q);
  struct stat st;
  cr_assert_eq (lst (T.root, "t/a.txt", &st), 0);
  cr_assert_eq (st.st_mtim.tv_sec, 1000);
  cr_assert_eq (lst (T.root, "t/b.txt", &st), 0);
  cr_assert_eq (st.st_mtim.tv_sec, 500, "older mtimes kept");
  cr_assert_eq (lst (T.root, "t/sub", &st), 0);
  cr_assert_eq (st.st_mtim.tv_sec, 1000);
  cr_assert_eq (lst (T.root, "t", &st), 0);
  cr_assert_eq (st.st_mtim.tv_sec, 1000, "created parent clamped");
}

Test (copy, from_stage_keeps_owner)
{
  if (geteuid () != 0)
    cr_skip_test ("ownership needs root");
  char *p = kn_xasprintf ("%s/a.txt", T.ctx);
  cr_assert_eq (chown (p, 123, 456), 0);
  free (p);
  struct kn_copy_request q = req_new (&T, SRCS ("a.txt"), "/ctx-owned");
  run_ok (&q);
  struct kn_copy_request q2 = req_new (&T, SRCS ("a.txt"), "/stage-owned");
  q2.from_context = false;
  run_ok (&q2);
  struct stat st;
  cr_assert_eq (lst (T.root, "ctx-owned", &st), 0);
  cr_assert_eq (st.st_uid, 0);
  cr_assert_eq (lst (T.root, "stage-owned", &st), 0);
  cr_assert_eq (st.st_uid, 123);
  cr_assert_eq (st.st_gid, 456);
}

Test (copy, file_over_dir_and_dir_over_file)
{
  mkdirs (T.root, "fd/a.txt/inner");
  struct kn_copy_request q = req_new (&T, SRCS ("a.txt"), "/fd/");
  /* BuildKit (fsutil): a file never replaces a directory */
  char *m = run_fail (&q);
  cr_assert (strstr (m, "cannot replace to directory /fd/a.txt with file"), "%s", m);
  free (m);
  cr_assert (exists (T.root, "fd/a.txt/inner"));
  put (T.root, "df", "file\n", 0644);
  struct kn_copy_request q2 = req_new (&T, SRCS ("dir"), "/df");
  m = run_fail (&q2);
  cr_assert (strstr (m, "non-directory"), "%s", m);
  free (m);
  /* inside a tree: a directory over an existing file is refused too */
  put (T.root, "tree/sub", "file\n", 0644);
  struct kn_copy_request q3 = req_new (&T, SRCS ("dir"), "/tree/");
  m = run_fail (&q3);
  cr_assert (strstr (m, "cannot copy to non-directory: /tree/sub"), "%s", m);
  free (m);
}

Test (copy, dest_through_inroot_symlink_records_real_path)
{
  mkdirs (T.root, "usr/lib");
  char *l = kn_xasprintf ("%s/lib", T.root);
  cr_assert_eq (symlink ("usr/lib", l), 0);
  free (l);
  struct rec r = { 0 };
  struct kn_copy_request q = req_new (&T, SRCS ("a.txt"), "/lib/x/");
  q.record = rec_cb;
  q.record_payload = &r;
  run_ok (&q);
  cr_assert (exists (T.root, "usr/lib/x/a.txt"));
  cr_assert_eq (r.n, 2);
  cr_assert_str_eq (r.v[0], "usr/lib/x");
  cr_assert_str_eq (r.v[1], "usr/lib/x/a.txt");
  struct stat st;
  cr_assert_eq (lst (T.root, "lib", &st), 0);
  cr_assert (S_ISLNK (st.st_mode), "the link is kept");
  rec_free (&r);
}

Test (copy, readonly_dir_mode_kept)
{
  put (T.ctx, "ro/inner/file", "x\n", 0444);
  char *p = kn_xasprintf ("%s/ro/inner", T.ctx);
  chmod (p, 0555);
  struct kn_copy_request q = req_new (&T, SRCS ("ro"), "/ro/");
  run_ok (&q);
  chmod (p, 0755);
  free (p);
  struct stat st;
  cr_assert_eq (lst (T.root, "ro/inner", &st), 0);
  cr_assert_eq (st.st_mode & 07777, 0555);
  cr_assert (exists (T.root, "ro/inner/file"));
}

Test (copy, xattrs_copied)
{
  char *p = kn_xasprintf ("%s/a.txt", T.ctx);
  const char *key = "user.kn_test";
  if (setxattr (p, key, "v1", 2, 0) < 0)
    {
      key = "trusted.kn_test";
      if (setxattr (p, key, "v1", 2, 0) < 0)
        {
          free (p);
          cr_skip_test ("no xattr support in %s", T.ctx);
        }
    }
  free (p);
  struct kn_copy_request q = req_new (&T, SRCS ("a.txt"), "/xa");
  q.chown = "5:5";
  run_ok (&q);
  char *d = kn_xasprintf ("%s/xa", T.root);
  char buf[8] = "";
  ssize_t n = getxattr (d, key, buf, sizeof buf);
  free (d);
  cr_assert_eq (n, 2, "xattr %s copied", key);
  cr_assert (memcmp (buf, "v1", 2) == 0);
}

Test (copy, exclude_with_exception)
{
  struct kn_copy_request q = req_new (&T, SRCS ("dir"), "/ee/");
  q.excludes = SRCS ("sub", "!sub/f2", "f1");
  run_ok (&q);
  cr_assert (exists (T.root, "ee/sub/f2"));
  cr_assert (!exists (T.root, "ee/f1"));
  cr_assert (exists (T.root, "ee/x.log"));
}

Test (copy, cancelled)
{
  struct kn_cancel cancel = { 1 };
  struct kn_copy_request q = req_new (&T, SRCS ("dir"), "/cc/");
  q.cancel = &cancel;
  struct kn_error *e = NULL;
  cr_assert_eq (kn_copy_run (&q, &e), -KN_ECANCELED);
  kn_error_free (e);
}

/* links/a, links/b and links/sub/c: one inode with three names. */
static void
hardlinked_sources (void)
{
  put (T.ctx, "links/a", "shared\n", 0640);
  put (T.ctx, "links/alone", "alone\n", 0644);
  mkdirs (T.ctx, "links/sub");
  char *a = kn_xasprintf ("%s/links/a", T.ctx);
  char *b = kn_xasprintf ("%s/links/b", T.ctx);
  char *c = kn_xasprintf ("%s/links/sub/c", T.ctx);
  cr_assert_eq (link (a, b), 0);
  cr_assert_eq (link (a, c), 0);
  free (a);
  free (b);
  free (c);
}

Test (copy, hardlinks_kept_within_one_copy)
{
  hardlinked_sources ();
  struct rec r = { 0 };
  struct kn_copy_request q = req_new (&T, SRCS ("links"), "/links/");
  q.chmod = "0600";
  if (geteuid () == 0)
    q.chown = "42:7";
  q.record = rec_cb;
  q.record_payload = &r;
  run_ok (&q);
  struct stat sa, sb, sc, sl;
  cr_assert_eq (lst (T.root, "links/a", &sa), 0);
  cr_assert_eq (lst (T.root, "links/b", &sb), 0);
  cr_assert_eq (lst (T.root, "links/sub/c", &sc), 0);
  cr_assert_eq (lst (T.root, "links/alone", &sl), 0);
  cr_assert_eq (sa.st_nlink, 3, "one inode with three links, got %ju", (uintmax_t)sa.st_nlink);
  cr_assert (sa.st_ino == sb.st_ino && sa.st_ino == sc.st_ino);
  cr_assert_eq (sl.st_nlink, 1);
  cr_assert_eq (sa.st_mode & 07777, 0600, "--chmod applied to the shared inode");
  if (geteuid () == 0)
    cr_assert (sa.st_uid == 42 && sa.st_gid == 7, "--chown applied to the shared inode");
  char *s = slurp (T.root, "links/sub/c");
  cr_assert_str_eq (s, "shared\n");
  free (s);
  cr_assert (rec_has (&r, "links/a") && rec_has (&r, "links/b") && rec_has (&r, "links/sub/c"),
             "every name is recorded for the snapshot");
  rec_free (&r);
  /* A separate COPY makes a new file (BuildKit and buildah alike). */
  struct kn_copy_request q2 = req_new (&T, SRCS ("links/b"), "/other");
  run_ok (&q2);
  struct stat so;
  cr_assert_eq (lst (T.root, "other", &so), 0);
  cr_assert_eq (so.st_nlink, 1);
  cr_assert_eq (lst (T.root, "links/a", &sa), 0);
  cr_assert_eq (sa.st_nlink, 3);
}

Test (copy, hardlink_to_a_replaced_first_copy_is_a_copy)
{
  hardlinked_sources ();
  put (T.ctx, "other/a", "other\n", 0644);
  /* links/a lands on /d/a, then other/a replaces /d/a, then links/b must
   * not become a link to the replaced file. */
  struct kn_copy_request q = req_new (&T, SRCS ("links/a", "other/a", "links/b"), "/d/");
  run_ok (&q);
  char *s = slurp (T.root, "d/a");
  cr_assert_str_eq (s, "other\n");
  free (s);
  s = slurp (T.root, "d/b");
  cr_assert_str_eq (s, "shared\n");
  free (s);
  struct stat st;
  cr_assert_eq (lst (T.root, "d/b", &st), 0);
  cr_assert_eq (st.st_nlink, 1);
}

/* A new file in a setgid directory would take the directory's group: the
 * copy still gives it the owner it must have (0:0 from the context). */
Test (copy, setgid_dir_owner_reset)
{
  if (geteuid () != 0)
    cr_skip_test ("ownership needs root");
  mkdirs (T.root, "sg");
  kn_cleanup_free char *sg = kn_xasprintf ("%s/sg", T.root);
  cr_assert_eq (chown (sg, 0, 7), 0);
  cr_assert_eq (chmod (sg, 02775), 0);
  struct kn_copy_request q = req_new (&T, SRCS ("a.txt", "dir"), "/sg/");
  run_ok (&q);
  struct stat st;
  cr_assert_eq (lst (T.root, "sg/a.txt", &st), 0);
  cr_assert_eq (st.st_uid, 0);
  cr_assert_eq (st.st_gid, 0);
  cr_assert_eq (lst (T.root, "sg/sub/f2", &st), 0);
  cr_assert_eq (st.st_gid, 0);
}

/* --link: names for --chown come from userdb_root (the stage), not from the
 * empty directory the files are copied into. */
Test (copy, chown_names_from_userdb_root)
{
  if (geteuid () != 0)
    cr_skip_test ("ownership needs root");
  kn_cleanup_free char *stage = kn_xasprintf ("%s/stage", T.top);
  mkdir (stage, 0755);
  put (stage, "etc/passwd", "root:x:0:0::/root:/bin/sh\nweb:x:33:34::/:/bin/sh\n", 0644);
  put (stage, "etc/group", "root:x:0:\nwebg:x:34:\n", 0644);
  struct kn_copy_request q = req_new (&T, SRCS ("a.txt"), "/srv/a");
  q.chown = "web:webg";
  q.userdb_root = stage;
  run_ok (&q);
  struct stat st;
  cr_assert_eq (lst (T.root, "srv/a", &st), 0);
  cr_assert_eq (st.st_uid, 33);
  cr_assert_eq (st.st_gid, 34);
  cr_assert_eq (lst (T.root, "srv", &st), 0);
  cr_assert (S_ISDIR (st.st_mode));
  cr_assert_eq (st.st_mode & 07777, 0755);
  cr_assert_eq (st.st_uid, 33, "a missing parent belongs to the --chown owner");
}

/* The writers keep the last parent directory open: a directory replaced
 * by a file in the same copy (ADD archive semantics aside, a later source
 * turning dest/x from a directory into a file) must not leave later writes
 * in the removed directory. */
Test (copy, parent_cache_follows_replacements)
{
  put (T.ctx, "t1/x/in", "in\n", 0644);
  put (T.ctx, "t1/y", "y\n", 0644);
  put (T.ctx, "t2/x", "file now\n", 0644);
  struct kn_copy_request q = req_new (&T, SRCS ("t1"), "/d/");
  run_ok (&q);
  cr_assert (exists (T.root, "d/x/in"));
  /* x is a directory in the root: a file cannot replace it (BuildKit) */
  struct kn_copy_request q2 = req_new (&T, SRCS ("t2"), "/d/");
  struct kn_error *e = NULL;
  cr_assert_lt (kn_copy_run (&q2, &e), 0);
  cr_assert_not_null (strstr (e->msg, "cannot replace to directory"), "%s", e->msg);
  kn_error_free (e);
  kn_cleanup_free char *y = slurp (T.root, "d/y");
  cr_assert_str_eq (y, "y\n");
}

/* A tree large enough for the worker threads (kn_copy_flush): every file
 * written with its content, mode, owner and mtime; files already at the
 * destination replaced, a directory in the way refused; paths recorded
 * once each, in walk order. */
Test (copy, many_files_through_the_pool, .timeout = 60)
{
  enum { N = 600 };
  char rel[64], data[64];
  for (int i = 0; i < N; i++)
    {
      snprintf (rel, sizeof rel, "big/d%d/f%03d", i % 7, i);
      snprintf (data, sizeof data, "file %d\n", i);
      put (T.ctx, rel, data, i % 2 ? 0640 : 0755);
    }
  put (T.root, "out/d3/f003", "old content that is longer\n", 0600);
  put (T.root, "out/d4/f004", "old\n", 0644);
  struct kn_copy_request q = req_new (&T, SRCS ("big"), "/out/");
  struct rec r = { 0 };
  q.record = rec_cb;
  q.record_payload = &r;
  q.reproducible_epoch = 1000;
  q.chown = "12:34";
  bool root = geteuid () == 0;
  if (!root)
    q.chown = NULL;
  run_ok (&q);
  for (int i = 0; i < N; i++)
    {
      snprintf (rel, sizeof rel, "out/d%d/f%03d", i % 7, i);
      snprintf (data, sizeof data, "file %d\n", i);
      kn_cleanup_free char *got = slurp (T.root, rel);
      cr_assert_str_eq (got, data, "%s", rel);
      struct stat st;
      cr_assert_eq (lst (T.root, rel, &st), 0);
      cr_assert_eq (st.st_mode & 07777, (mode_t)(i % 2 ? 0640 : 0755), "%s", rel);
      cr_assert_eq (st.st_mtim.tv_sec, 1000);
      if (root)
        cr_assert (st.st_uid == 12 && st.st_gid == 34, "%s", rel);
    }
  /* 7 directories + N files, each once; "out" existed */
  cr_assert_eq (r.n, 256, "the recorder keeps 256");
  cr_assert_str_eq (r.v[0], "out/d0");
  cr_assert_str_eq (r.v[1], "out/d0/f000");
  cr_assert_str_eq (r.v[2], "out/d0/f007");
  rec_free (&r);

  /* a directory where a file goes: refused, naming it */
  mkdirs (T.root, "out2/d5/f005");
  struct kn_copy_request q2 = req_new (&T, SRCS ("big"), "/out2/");
  struct kn_error *e = NULL;
  cr_assert_lt (kn_copy_run (&q2, &e), 0);
  cr_assert_not_null (strstr (e->msg, "/out2/d5/f005"), "%s", e->msg);
  kn_error_free (e);
}
