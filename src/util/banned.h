/*
 * Functions that are too easy to misuse are turned into compile errors
 * (after git's banned.h).  Every parley source file includes this header
 * last, through util/util.h.  Use px_buf, snprintf, px_cur_* readers,
 * gmtime_r and the tz module instead.
 */
#ifndef PX_BANNED_H
#define PX_BANNED_H

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef atoi
#define atoi(x) BANNED(atoi)
#undef atol
#define atol(x) BANNED(atol)
#undef gmtime
#define gmtime(t) BANNED(gmtime)
#undef localtime
#define localtime(t) BANNED(localtime)
#undef sscanf
#define sscanf(...) BANNED(sscanf)

#endif
