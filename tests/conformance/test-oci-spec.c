/* OCI image-spec conformance: every pass document of ../shared/corpora/oci-image-spec
 * (71 schema testcases + 13 spec examples) validates, every fail document is
 * rejected.  Prints "N passed, N failed". */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <kaniko/sys/util.h>

#include "core/image/manifest.h"
#include "core/image/validate.h"
#include "core/util/digest.h"
#include "tests/conformance/corpus.h"

/* Run one index.tsv: columns file, mediatype, expect (pass/fail; md-examples have no
 * expect column and must all pass), ..., note. */
static void
run_index (const char *dir, int has_expect, int *passed, int *failed, int *count)
{
  kn_cleanup_free char *idx = kn_xasprintf ("%s/index.tsv", dir);
  kn_cleanup_fclose FILE *f = fopen (idx, "r");
  char line[8192];
  int first = 1;
  cr_assert_not_null (f, "open %s", idx);
  while (fgets (line, sizeof line, f))
    {
      char *cols[6] = { NULL };
      size_t n = 0;
      char *save = NULL;
      line[strcspn (line, "\n")] = '\0';
      if (first)
        {
          first = 0;
          continue;
        }
      if (line[0] == '\0')
        continue;
      for (char *tok = strtok_r (line, "\t", &save); tok && n < 6; tok = strtok_r (NULL, "\t", &save))
        cols[n++] = tok;
      cr_assert_geq (n, 3, "malformed row in %s", idx);
      {
        kn_cleanup_free char *path = kn_xasprintf ("%s/%s", dir, cols[0]);
        size_t len = 0;
        kn_cleanup_free char *data = corpus_slurp (path, &len);
        int want_pass = has_expect ? strcmp (cols[2], "pass") == 0 : 1;
        struct kn_error *err = NULL;
        int ret;
        cr_assert_not_null (data, "read %s", path);
        ret = kn_image_validate (cols[1], data, len, KN_IMAGE_PARSE_STRICT, &err);
        (*count)++;
        if ((ret == 0) == want_pass)
          {
            (*passed)++;
            if (ret < 0)
              cr_log_info ("%s: rejected as expected: %s", cols[0], err->msg);
          }
        else
          {
            (*failed)++;
            cr_log_error ("%s (%s): expected %s, got %s%s", cols[0], cols[1], want_pass ? "pass" : "fail",
                          ret == 0 ? "pass" : "fail: ", err ? err->msg : "");
          }
        /* Backwards-compatibility rows record the digest of their exact bytes. */
        if (n >= 5 && has_expect)
          {
            const char *note = cols[n - 1];
            const char *p = strstr (note, "raw bytes have digest sha256:");
            if (p)
              {
                char want[KN_DIGEST_STR_LEN], got[KN_DIGEST_STR_LEN];
                memcpy (want, p + 22, KN_DIGEST_STR_LEN - 1);
                want[KN_DIGEST_STR_LEN - 1] = '\0';
                kn_digest_buffer (data, len, got);
                cr_expect_str_eq (got, want, "%s: digest of the raw bytes", cols[0]);
              }
          }
        kn_error_free (err);
      }
    }
}

Test (oci_spec, corpus)
{
  kn_cleanup_free char *idx = corpus_require ("oci-image-spec", "testcases/index.tsv");
  kn_cleanup_free char *dir = corpus_require ("oci-image-spec", NULL);
  int passed = 0, failed = 0, n_cases = 0, n_examples = 0;
  {
    kn_cleanup_free char *tc = kn_xasprintf ("%s/testcases", dir);
    kn_cleanup_free char *md = kn_xasprintf ("%s/md-examples", dir);
    run_index (tc, 1, &passed, &failed, &n_cases);
    run_index (md, 0, &passed, &failed, &n_examples);
  }
  printf ("oci-image-spec: %d testcases + %d examples: %d passed, %d failed\n", n_cases, n_examples, passed, failed);
  fflush (stdout);
  cr_expect_eq (n_cases, 71, "testcases in the corpus");
  cr_expect_eq (n_examples, 13, "md examples in the corpus");
  cr_expect_eq (failed, 0, "%d passed, %d failed", passed, failed);
}
