/* LD_PRELOAD fake camera for end-to-end tests and the capture benchmark.
 *
 * Intercepts open/openat/ioctl/close for /dev/video0 and serves YUYV frames (640x480 at 30 fps by
 * default; FAKEV4L2_WIDTH, FAKEV4L2_HEIGHT, FAKEV4L2_FPS override) from a memfd, which is handed to
 * the program as the device descriptor: the program's own mmap() maps the frame buffers and its own
 * poll() sees the descriptor readable. VIDIOC_DQBUF sleeps until the next frame is due, so capture
 * runs at the frame rate. Frame content: luma (x + y) & 255, except pixel (0,0) = sequence & 255;
 * chroma 128. With FAKEV4L2_Y4M=path the camera instead shows that YUV4MPEG2 file's frames
 * (luma only, chroma 128; 4:2:0, 4:2:2, 4:4:4 or mono), looping, at the file's size.
 * Build: cc -shared -fPIC -O2 -o fakev4l2.so fakev4l2.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MAX_BUFFERS 8
#define DEVICE_PATH "/dev/video0"

static int fake_fd = -1;
static unsigned width = 640, height = 480, fps = 30;
static unsigned nbuffers;
static size_t frame_size;
static uint8_t *frames;            /* the shim's own mapping of the memfd */
static int queued[MAX_BUFFERS];     /* FIFO of queued buffer indices */
static unsigned nqueued;
static int streaming;
static uint32_t sequence;
static struct timespec start;
static uint8_t *movie;             /* FAKEV4L2_Y4M: every frame's luma, width*height each */
static unsigned movie_frames, movie_width, movie_height;

/* Loads the luma planes of a Y4M file; 0 on success (sets width, height). */
static int load_y4m(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    char header[512];
    if (!fgets(header, sizeof header, f) || strncmp(header, "YUV4MPEG2 ", 10) != 0) { fclose(f); return -1; }
    unsigned w = 0, h = 0;
    size_t chroma_num = 2, chroma_den = 4;   /* 4:2:0: two planes of a quarter each */
    for (char *tok = strtok(header + 10, " \n"); tok; tok = strtok(NULL, " \n")) {
        if (tok[0] == 'W') w = (unsigned)atoi(tok + 1);
        else if (tok[0] == 'H') h = (unsigned)atoi(tok + 1);
        else if (tok[0] == 'C') {
            if (strncmp(tok, "Cmono", 5) == 0) { chroma_num = 0; chroma_den = 1; }
            else if (strncmp(tok, "C444", 4) == 0) { chroma_num = 2; chroma_den = 1; }
            else if (strncmp(tok, "C422", 4) == 0) { chroma_num = 2; chroma_den = 2; }
        }
    }
    if (w == 0 || h == 0 || w > 4096 || h > 4096) { fclose(f); return -1; }
    size_t luma = (size_t)w * h, chroma = luma * chroma_num / chroma_den;
    unsigned cap = 16;
    movie = malloc(luma * cap); movie_frames = 0;
    char line[128];
    while (movie && fgets(line, sizeof line, f) && strncmp(line, "FRAME", 5) == 0) {
        if (movie_frames == cap) { cap *= 2; uint8_t *m = realloc(movie, luma * cap); if (!m) break; movie = m; }
        if (fread(movie + luma * movie_frames, 1, luma, f) != luma) break;
        if (chroma && fseek(f, (long)chroma, SEEK_CUR) != 0) break;
        movie_frames++;
    }
    fclose(f);
    if (movie_frames == 0) { free(movie); movie = NULL; return -1; }
    movie_width = w; movie_height = h;
    return 0;
}

static unsigned env_or(const char *name, unsigned fallback) {
    const char *v = getenv(name);
    return v && atoi(v) > 0 ? (unsigned)atoi(v) : fallback;
}

static int real_close(int fd) {
    static int (*fn)(int);
    if (!fn) fn = (int (*)(int))dlsym(RTLD_NEXT, "close");
    return fn(fd);
}

static int open_fake(void) {
    if (fake_fd >= 0) { errno = EBUSY; return -1; }
    width = env_or("FAKEV4L2_WIDTH", 640);
    height = env_or("FAKEV4L2_HEIGHT", 480);
    fps = env_or("FAKEV4L2_FPS", 30);
    const char *y4m = getenv("FAKEV4L2_Y4M");
    if (y4m && !movie && load_y4m(y4m) != 0) { errno = EIO; return -1; }
    if (movie) { width = movie_width; height = movie_height; }
    fake_fd = memfd_create("fakev4l2", MFD_CLOEXEC);
    nbuffers = 0; nqueued = 0; streaming = 0; sequence = 0; frames = NULL;
    return fake_fd;
}

static int is_device(const char *path) { return path && strcmp(path, DEVICE_PATH) == 0; }

int open(const char *path, int flags, ...) {
    if (is_device(path)) return open_fake();
    static int (*fn)(const char *, int, ...);
    if (!fn) fn = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
    va_list ap; va_start(ap, flags); mode_t mode = va_arg(ap, mode_t); va_end(ap);
    return fn(path, flags, mode);
}

int open64(const char *path, int flags, ...) {
    if (is_device(path)) return open_fake();
    static int (*fn)(const char *, int, ...);
    if (!fn) fn = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open64");
    va_list ap; va_start(ap, flags); mode_t mode = va_arg(ap, mode_t); va_end(ap);
    return fn(path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...) {
    if (is_device(path)) return open_fake();
    static int (*fn)(int, const char *, int, ...);
    if (!fn) fn = (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, "openat");
    va_list ap; va_start(ap, flags); mode_t mode = va_arg(ap, mode_t); va_end(ap);
    return fn(dirfd, path, flags, mode);
}

int close(int fd) {
    if (fd >= 0 && fd == fake_fd) {
        if (frames) munmap(frames, frame_size * nbuffers);
        frames = NULL;
        fake_fd = -1;
    }
    return real_close(fd);
}

static void fill_static(uint8_t *f) {
    for (unsigned y = 0; y < height; y++)
        for (unsigned x = 0; x < width; x++) {
            f[(y * width + x) * 2] = (uint8_t)((x + y) & 255);
            f[(y * width + x) * 2 + 1] = 128;
        }
}

static void wait_for_frame(uint32_t n) {
    uint64_t ns = (uint64_t)start.tv_nsec + (uint64_t)n * 1000000000ull / fps;
    struct timespec due = { start.tv_sec + (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL) == EINTR) {}
}

static int fake_ioctl(unsigned long request, void *arg) {
    switch (request) {
    case VIDIOC_QUERYCAP: {
        struct v4l2_capability *c = arg;
        memset(c, 0, sizeof *c);
        strcpy((char *)c->driver, "fakev4l2");
        strcpy((char *)c->card, "fakev4l2 test camera");
        c->device_caps = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING;
        c->capabilities = c->device_caps | V4L2_CAP_DEVICE_CAPS;
        return 0;
    }
    case VIDIOC_ENUM_FMT: {
        struct v4l2_fmtdesc *d = arg;
        if (d->index != 0 || d->type != V4L2_BUF_TYPE_VIDEO_CAPTURE) { errno = EINVAL; return -1; }
        d->pixelformat = V4L2_PIX_FMT_YUYV;
        strcpy((char *)d->description, "YUYV 4:2:2");
        return 0;
    }
    case VIDIOC_ENUM_FRAMESIZES: {
        struct v4l2_frmsizeenum *e = arg;
        if (e->index != 0 || e->pixel_format != V4L2_PIX_FMT_YUYV) { errno = EINVAL; return -1; }
        e->type = V4L2_FRMSIZE_TYPE_DISCRETE;
        e->discrete.width = width; e->discrete.height = height;
        return 0;
    }
    case VIDIOC_ENUM_FRAMEINTERVALS: {
        struct v4l2_frmivalenum *e = arg;
        if (e->index != 0) { errno = EINVAL; return -1; }
        e->type = V4L2_FRMIVAL_TYPE_DISCRETE;
        e->discrete.numerator = 1; e->discrete.denominator = fps;
        return 0;
    }
    case VIDIOC_S_FMT: case VIDIOC_G_FMT: case VIDIOC_TRY_FMT: {
        struct v4l2_format *f = arg;
        if (f->type != V4L2_BUF_TYPE_VIDEO_CAPTURE) { errno = EINVAL; return -1; }
        f->fmt.pix.width = width; f->fmt.pix.height = height;   /* only one size: the driver's */
        f->fmt.pix.pixelformat = V4L2_PIX_FMT_YUYV;
        f->fmt.pix.field = V4L2_FIELD_NONE;
        f->fmt.pix.bytesperline = width * 2;
        f->fmt.pix.sizeimage = width * height * 2;
        return 0;
    }
    case VIDIOC_S_PARM: case VIDIOC_G_PARM: {
        struct v4l2_streamparm *p = arg;
        p->parm.capture.capability = V4L2_CAP_TIMEPERFRAME;
        p->parm.capture.timeperframe.numerator = 1;
        p->parm.capture.timeperframe.denominator = fps;
        return 0;
    }
    case VIDIOC_REQBUFS: {
        struct v4l2_requestbuffers *r = arg;
        if (r->memory != V4L2_MEMORY_MMAP || streaming || frames) { errno = EINVAL; return -1; }
        nbuffers = r->count > MAX_BUFFERS ? MAX_BUFFERS : r->count;
        r->count = nbuffers;
        frame_size = (size_t)width * height * 2;
        if (ftruncate(fake_fd, (off_t)(frame_size * nbuffers)) < 0) return -1;
        frames = mmap(NULL, frame_size * nbuffers, PROT_READ | PROT_WRITE, MAP_SHARED, fake_fd, 0);
        if (frames == MAP_FAILED) { frames = NULL; return -1; }
        for (unsigned i = 0; i < nbuffers; i++) fill_static(frames + i * frame_size);
        return 0;
    }
    case VIDIOC_QUERYBUF: {
        struct v4l2_buffer *b = arg;
        if (b->index >= nbuffers) { errno = EINVAL; return -1; }
        b->length = (uint32_t)frame_size;
        b->m.offset = (uint32_t)(b->index * frame_size);
        return 0;
    }
    case VIDIOC_QBUF: {
        struct v4l2_buffer *b = arg;
        if (b->index >= nbuffers || nqueued >= nbuffers) { errno = EINVAL; return -1; }
        queued[nqueued++] = (int)b->index;
        return 0;
    }
    case VIDIOC_STREAMON:
        streaming = 1;
        clock_gettime(CLOCK_MONOTONIC, &start);
        return 0;
    case VIDIOC_STREAMOFF:
        streaming = 0; nqueued = 0;
        return 0;
    case VIDIOC_DQBUF: {
        struct v4l2_buffer *b = arg;
        if (!streaming || nqueued == 0) { errno = EAGAIN; return -1; }
        wait_for_frame(sequence);
        int index = queued[0];
        memmove(queued, queued + 1, (nqueued - 1) * sizeof queued[0]);
        nqueued--;
        if (movie) {
            const uint8_t *y = movie + (size_t)width * height * (sequence % movie_frames);
            uint8_t *out = frames + index * frame_size;
            for (size_t k = 0; k < (size_t)width * height; k++) { out[2 * k] = y[k]; out[2 * k + 1] = 128; }
        } else {
            frames[index * frame_size] = (uint8_t)(sequence & 255);
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        b->index = (uint32_t)index;
        b->bytesused = (uint32_t)frame_size;
        b->flags = V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC | V4L2_BUF_FLAG_DONE;
        b->field = V4L2_FIELD_NONE;
        b->timestamp.tv_sec = now.tv_sec;
        b->timestamp.tv_usec = now.tv_nsec / 1000;
        b->sequence = sequence++;
        b->length = (uint32_t)frame_size;
        b->m.offset = (uint32_t)(index * frame_size);
        return 0;
    }
    default:
        errno = ENOTTY;
        return -1;
    }
}

int ioctl(int fd, unsigned long request, ...) {
    va_list ap; va_start(ap, request); void *arg = va_arg(ap, void *); va_end(ap);
    if (fd >= 0 && fd == fake_fd) return fake_ioctl(request, arg);
    static int (*fn)(int, unsigned long, ...);
    if (!fn) fn = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
    return fn(fd, request, arg);
}
