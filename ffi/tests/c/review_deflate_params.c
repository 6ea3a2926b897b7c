/*
 * review3: rfc6455_enable_deflate with window bits outside 9..15 (the header clamps only
 * "above 15"). Every byte value must give a working connection or an error return, never a
 * panic (RFC6455_ERR_PANIC) or a crash.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "rfc6455.h"

static int failures;

static int pump(rfc6455_conn *from, rfc6455_conn *to) {
    const uint8_t *out;
    size_t len;
    if (rfc6455_pending_output(from, &out, &len) != RFC6455_OK) return -1;
    if (len && rfc6455_receive(to, out, len) != RFC6455_OK) return -1;
    return rfc6455_advance_output(from, len);
}

int main(void) {
    const uint8_t bits[] = {0, 1, 7, 8, 9, 15, 16, 255};
    char msg[5000];
    for (size_t i = 0; i < sizeof msg; i++) msg[i] = (char)('a' + (i * i) % 13);
    for (size_t a = 0; a < sizeof bits; a++)
        for (size_t b = 0; b < sizeof bits; b++) {
            rfc6455_deflate_params p = {0, 0, bits[a], bits[b]};
            rfc6455_conn *c = rfc6455_open_new(RFC6455_ROLE_CLIENT, NULL);
            rfc6455_conn *s = rfc6455_open_new(RFC6455_ROLE_SERVER, NULL);
            int rc1 = rfc6455_enable_deflate(c, &p), rc2 = rfc6455_enable_deflate(s, &p);
            int ok = rc1 == RFC6455_OK && rc2 == RFC6455_OK;
            if (ok) {
                for (int dir = 0; dir < 2 && ok; dir++) {
                    rfc6455_conn *from = dir ? s : c, *to = dir ? c : s;
                    for (int round = 0; round < 3 && ok; round++) {
                        int rc = rfc6455_send_text(from, msg, sizeof msg);
                        rfc6455_event ev;
                        memset(&ev, 0, sizeof ev);
                        int rc3 = pump(from, to);
                        int rc4 = rfc6455_next_event(to, &ev);
                        ok = rc == RFC6455_OK && rc3 == RFC6455_OK && rc4 == RFC6455_OK &&
                             ev.kind == RFC6455_EVENT_TEXT && ev.len == sizeof msg &&
                             memcmp(ev.data, msg, sizeof msg) == 0;
                        if (!ok)
                            fprintf(stderr, "bits server=%u client=%u dir=%d: send %s, next_event %s: %s\n",
                                    bits[a], bits[b], dir, rfc6455_error_name(rc),
                                    rfc6455_error_name(rc4), rfc6455_last_error(rc4 ? to : from));
                    }
                }
            } else if (rc1 == RFC6455_ERR_PANIC || rc2 == RFC6455_ERR_PANIC) {
                fprintf(stderr, "bits %u/%u: enable_deflate panicked: %s\n", bits[a], bits[b],
                        rfc6455_last_error(rc1 ? c : s));
            } else {
                ok = 1; /* a clean refusal is fine */
            }
            if (!ok) failures++;
            rfc6455_free(c);
            rfc6455_free(s);
        }
    fprintf(stderr, "review_deflate_params: %d failing window-bit pairs\n", failures);
    return failures != 0;
}
