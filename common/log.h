/*
 * log.h — structured logs: one JSON object per line on stderr.
 *
 *   rr_log(RR_LOG_INFO, "webhook.accepted", "forge", forge->name, "delivery", id, NULL);
 *
 * Arguments after the event name are key/value string pairs ending in NULL. A NULL
 * value is written as JSON null. Each line is written with one write(2), so lines
 * from different threads never interleave. Never pass a secret.
 */
#ifndef RR_LOG_H
#define RR_LOG_H

enum rr_log_level { RR_LOG_DEBUG = 0, RR_LOG_INFO, RR_LOG_WARN, RR_LOG_ERROR };

/* Set once at start-up, before threads start (the one process-wide setting). */
void rr_log_set_level(enum rr_log_level level);
void rr_log_set_fd(int fd);
void rr_log(enum rr_log_level level, const char *event, ...) __attribute__((sentinel));

#endif
