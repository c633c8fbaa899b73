#ifndef CAPTIOND_CPINYIN_SHIM_H
#define CAPTIOND_CPINYIN_SHIM_H
// pinyin.h uses C99 bool without including stdbool.h.
#include <stdbool.h>
#include <pinyin.h>
#endif
