/* The overlay snapshotter. */
#include "config.h"

#include "tests/unit/test-snapshot-util.h"

Test (overlay, placeholder)
{
}
