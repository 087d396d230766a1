/* kaniko — symbol visibility.  libkaniko is built with hidden visibility;
 * only declarations marked KN_EXPORT are part of its ABI. */
#ifndef KANIKO_EXPORT_H
#define KANIKO_EXPORT_H

#if defined(__GNUC__)
#define KN_EXPORT __attribute__ ((visibility ("default")))
#else
#define KN_EXPORT
#endif

#endif
