#ifndef CAPTIOND_CV4L2_SHIM_H
#define CAPTIOND_CV4L2_SHIM_H
#include <linux/videodev2.h>
#include <sys/ioctl.h>
/* Request codes and fourccs are function-like macros Swift cannot import: expose them as constants. */
#endif
