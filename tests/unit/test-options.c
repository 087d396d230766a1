#include "config.h"
#include <criterion/criterion.h>
Test (options, dummy) {}
