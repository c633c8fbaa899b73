#ifndef CAPTIOND_CSYSTEMD_SHIM_H
#define CAPTIOND_CSYSTEMD_SHIM_H
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

/* sd_journal_send is variadic and cannot be called from Swift: this fixed-arity wrapper sends one
   entry with MESSAGE, PRIORITY and SYSLOG_IDENTIFIER. Returns 0 or a negative errno. */
static inline int captiond_journal_send(int priority, const char *identifier, const char *message) {
    return sd_journal_send("MESSAGE=%s", message,
                           "PRIORITY=%i", priority,
                           "SYSLOG_IDENTIFIER=%s", identifier,
                           NULL);
}
#endif
