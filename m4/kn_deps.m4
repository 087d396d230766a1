dnl KN_REQUIRE_PKG(VAR, MODULES, DEBIAN-PACKAGE)
dnl pkg-config check that stops configure naming the Debian package to install.
AC_DEFUN([KN_REQUIRE_PKG], [
  PKG_CHECK_MODULES([$1], [$2], [],
    [AC_MSG_ERROR([$2 not found ($$1_PKG_ERRORS): install the Debian package $3])])
])

dnl KN_REQUIRE_LTDL: the system libltdl (never a bundled copy).
AC_DEFUN([KN_REQUIRE_LTDL], [
  AC_CHECK_HEADER([ltdl.h], [],
    [AC_MSG_ERROR([ltdl.h not found: install the Debian package libltdl-dev])])
  AC_CHECK_LIB([ltdl], [lt_dladvise_init], [LTDL_LIBS=-lltdl],
    [AC_MSG_ERROR([libltdl not found: install the Debian package libltdl-dev])])
  AC_SUBST([LTDL_LIBS])
])

dnl KN_CHECK_CURL_GNUTLS: libcurl must be the GnuTLS flavour (one TLS stack).
AC_DEFUN([KN_CHECK_CURL_GNUTLS], [
  AC_MSG_CHECKING([whether libcurl uses GnuTLS])
  kn_save_CFLAGS=$CFLAGS; kn_save_LIBS=$LIBS
  CFLAGS="$CFLAGS $CURL_CFLAGS"; LIBS="$LIBS $CURL_LIBS"
  AC_RUN_IFELSE([AC_LANG_PROGRAM([[#include <curl/curl.h>
#include <string.h>]], [[const curl_version_info_data *v = curl_version_info (CURLVERSION_NOW);
    return !(v->ssl_version && strstr (v->ssl_version, "GnuTLS"));]])],
    [AC_MSG_RESULT([yes])],
    [AC_MSG_RESULT([no])
     AC_MSG_ERROR([libcurl is not built with GnuTLS: install the Debian package libcurl4-gnutls-dev])],
    [AC_MSG_RESULT([cross-compiling, assuming yes])])
  CFLAGS=$kn_save_CFLAGS; LIBS=$kn_save_LIBS
])
