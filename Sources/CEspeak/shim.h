#ifndef CAPTIOND_CESPEAK_SHIM_H
#define CAPTIOND_CESPEAK_SHIM_H
#include <espeak-ng/speak_lib.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/wait.h>

/* espeak-ng keeps synthesis state between utterances in function-level statics (pitch flutter
   phase, AGC, wave phase) that no API call resets, so the same text gives slightly different
   samples depending on what was spoken before in the process. For output that depends only on
   its inputs, every utterance is synthesized in a freshly forked child that initializes espeak-ng,
   speaks once and streams the result to a pipe. The child runs only this C code (no Swift
   runtime) and ends with _exit.

   Pipe records: 'A' int32 n, n × int16 samples | 'P' int32 ms, 8 bytes name | 'R' int32 rate |
   'X' int32 stage, int32 code (failure: stage 1 init, 2 voice, 3 parameter, 4 synth) | 'E' (end). */

static int cespeak_child_fd = -1;

static int cespeak_write_all(int fd, const void *data, size_t n) {
    const char *p = (const char *)data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) { if (errno == EINTR) continue; return -1; }
        p += w; n -= (size_t)w;
    }
    return 0;
}

static int cespeak_child_callback(short *wav, int count, espeak_EVENT *events) {
    if (wav != NULL && count > 0) {
        char tag = 'A'; int n = count;
        cespeak_write_all(cespeak_child_fd, &tag, 1);
        cespeak_write_all(cespeak_child_fd, &n, 4);
        cespeak_write_all(cespeak_child_fd, wav, (size_t)count * 2);
    }
    for (espeak_EVENT *e = events; e != NULL && e->type != espeakEVENT_LIST_TERMINATED; e++) {
        if (e->type == espeakEVENT_PHONEME) {
            char tag = 'P'; int ms = e->audio_position;
            cespeak_write_all(cespeak_child_fd, &tag, 1);
            cespeak_write_all(cespeak_child_fd, &ms, 4);
            cespeak_write_all(cespeak_child_fd, e->id.string, 8);
        }
    }
    return 0;
}

static void cespeak_child_fail(int fd, int stage, int code) {
    char tag = 'X';
    cespeak_write_all(fd, &tag, 1);
    cespeak_write_all(fd, &stage, 4);
    cespeak_write_all(fd, &code, 4);
    _exit(1);
}

/* Forks a child that speaks `text` (UTF-8, NUL-terminated) with `voice` and writes records to
   `fd`. Returns the child's pid, or -1 with errno set. The caller closes its copy of `fd`'s write
   end, reads to EOF and waits for the pid. */
static inline pid_t cespeak_spawn_synthesis(const char *text, const char *voice, int rate, int pitch,
                                            int range, unsigned int seed, int fd, int read_fd) {
    pid_t pid = fork();
    if (pid != 0) return pid;
    close(read_fd);
    cespeak_child_fd = fd;
    int sample_rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, NULL,
                                        espeakINITIALIZE_PHONEME_EVENTS | espeakINITIALIZE_DONT_EXIT);
    if (sample_rate <= 0) cespeak_child_fail(fd, 1, sample_rate);
    char tag = 'R';
    cespeak_write_all(fd, &tag, 1);
    cespeak_write_all(fd, &sample_rate, 4);
    espeak_SetSynthCallback(cespeak_child_callback);
    espeak_ERROR rc = espeak_SetVoiceByName(voice);
    if (rc != EE_OK) cespeak_child_fail(fd, 2, (int)rc);
    if ((rc = espeak_SetParameter(espeakRATE, rate, 0)) != EE_OK) cespeak_child_fail(fd, 3, (int)rc);
    if ((rc = espeak_SetParameter(espeakPITCH, pitch, 0)) != EE_OK) cespeak_child_fail(fd, 3, (int)rc);
    if ((rc = espeak_SetParameter(espeakRANGE, range, 0)) != EE_OK) cespeak_child_fail(fd, 3, (int)rc);
    srand(seed); /* espeak-ng's noise sources use rand() */
    rc = espeak_Synth(text, strlen(text) + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8, NULL, NULL);
    if (rc != EE_OK) cespeak_child_fail(fd, 4, (int)rc);
    rc = espeak_Synchronize();
    if (rc != EE_OK) cespeak_child_fail(fd, 4, (int)rc);
    tag = 'E';
    cespeak_write_all(fd, &tag, 1);
    _exit(0);
}
#endif
