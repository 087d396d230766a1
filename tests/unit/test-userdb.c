#include "config.h"
#include "test-copy-util.h"
Test (copy, placeholder) { cr_assert (1); }
