#ifndef CAPTIOND_CZLIB_SHIM_H
#define CAPTIOND_CZLIB_SHIM_H
#include <zlib.h>
#endif
