#ifndef CAPTIOND_COPENCC_SHIM_H
#define CAPTIOND_COPENCC_SHIM_H
#include <opencc/opencc.h>
#endif
