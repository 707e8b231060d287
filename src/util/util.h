/*
 * The base every parley source file includes.  banned.h comes last so that
 * system headers above keep their declarations.
 */
#ifndef PX_UTIL_H
#define PX_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/enc.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/mem.h"
#include "util/time.h"

#define PX_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#include "util/banned.h"

#endif
