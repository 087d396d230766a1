#include "config.h"
#include <criterion/criterion.h>
