/* Helpers shared by the programs that drive the docker registry plugin's
 * vtable directly: tests/integration/registry-tool and bench/registry-bench. */
#ifndef KN_TESTS_INTEGRATION_REGISTRY_DRIVER_H
#define KN_TESTS_INTEGRATION_REGISTRY_DRIVER_H

#include <stdint.h>

#include <kaniko/error.h>
#include <kaniko/sys/stream.h>

/* kn_blob_source open callback for a file: PAYLOAD is the path (const char *).
 * *OUT = a reader of the file from byte OFFSET (caller frees it).
 * Returns 0 or -KN_EIO ("open PATH" / "seek PATH"). */
int kn_regdrv_file_open (void *payload, uint64_t offset, struct kn_reader **out, struct kn_error **err);

#endif
