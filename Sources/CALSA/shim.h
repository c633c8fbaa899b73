#ifndef CAPTIOND_CALSA_SHIM_H
#define CAPTIOND_CALSA_SHIM_H
#include <alsa/asoundlib.h>
#endif
