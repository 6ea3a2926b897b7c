/*
 * Adversarial review of the C ABI (review3): extremes of every argument, the zero-copy
 * receive out of order, timers at the ends of the clock, deflate parameters out of range.
 * Every check here states what the header promises; this program passes when the library
 * keeps its promises, with no AddressSanitizer / LeakSanitizer report.
 *
 *   bash ffi/tests/c/review_build.sh && target/c/asan/review_probe
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rfc6455.h"

static int checks, failures;

#define EXPECT(cond)                                                                   \
    do {                                                                               \
        checks++;                                                                      \
        if (!(cond)) {                                                                 \
            failures++;                                                                \
            fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, #cond);         \
        }                                                                              \
    } while (0)

#define EXPECT_RC(expr, want)                                                          \
    do {                                                                               \
        int rc_ = (expr);                                                              \
        checks++;                                                                      \
        if (rc_ != (want)) {                                                           \
            failures++;                                                                \
            fprintf(stderr, "%s:%d: FAILED: %s returned %d (%s), expected %s\n",       \
                    __FILE__, __LINE__, #expr, rc_, rfc6455_error_name(rc_), #want);   \
        }                                                                              \
    } while (0)

static void pump(rfc6455_conn *from, rfc6455_conn *to) {
    const uint8_t *out;
    size_t len;
    EXPECT_RC(rfc6455_pending_output(from, &out, &len), RFC6455_OK);
    if (len == 0) return;
    EXPECT_RC(rfc6455_receive(to, out, len), RFC6455_OK);
    EXPECT_RC(rfc6455_advance_output(from, len), RFC6455_OK);
}

static rfc6455_event next(rfc6455_conn *c) {
    rfc6455_event ev;
    memset(&ev, 0, sizeof ev);
    EXPECT_RC(rfc6455_next_event(c, &ev), RFC6455_OK);
    return ev;
}

/* Two connections whose handshake happened "elsewhere". */
static void open_pair(const rfc6455_config *cfg, rfc6455_conn **client, rfc6455_conn **server) {
    *client = rfc6455_open_new(RFC6455_ROLE_CLIENT, cfg);
    *server = rfc6455_open_new(RFC6455_ROLE_SERVER, cfg);
    EXPECT(*client && *server);
}

/* A client and a server through a real handshake with config `cfg`. */
static void handshake_pair(const rfc6455_config *cfg, rfc6455_conn **client, rfc6455_conn **server) {
    const char *url = "ws://localhost/";
    EXPECT_RC(rfc6455_client_new(url, strlen(url), NULL, cfg, client), RFC6455_OK);
    *server = rfc6455_server_new(cfg);
    pump(*client, *server);
    rfc6455_event ev = next(*server);
    EXPECT(ev.kind == RFC6455_EVENT_REQUEST);
    EXPECT_RC(rfc6455_accept(*server, NULL), RFC6455_OK);
    pump(*server, *client);
    ev = next(*client);
    EXPECT(ev.kind == RFC6455_EVENT_OPEN);
}

/* A compressible message both ways; returns whether it arrived intact. */
static int roundtrip(rfc6455_conn *client, rfc6455_conn *server) {
    char msg[4000];
    for (size_t i = 0; i < sizeof msg; i++) msg[i] = (char)('a' + (i % 7));
    int ok = 1;
    ok &= rfc6455_send_text(client, msg, sizeof msg) == RFC6455_OK;
    pump(client, server);
    rfc6455_event ev;
    memset(&ev, 0, sizeof ev);
    int rc = rfc6455_next_event(server, &ev);
    ok &= rc == RFC6455_OK && ev.kind == RFC6455_EVENT_TEXT && ev.len == sizeof msg &&
          memcmp(ev.data, msg, sizeof msg) == 0;
    if (rc != RFC6455_OK) fprintf(stderr, "  server: %s\n", rfc6455_last_error(server));
    ok &= rfc6455_send_text(server, msg, sizeof msg) == RFC6455_OK;
    pump(server, client);
    rc = rfc6455_next_event(client, &ev);
    ok &= rc == RFC6455_OK && ev.kind == RFC6455_EVENT_TEXT && ev.len == sizeof msg &&
          memcmp(ev.data, msg, sizeof msg) == 0;
    if (rc != RFC6455_OK) fprintf(stderr, "  client: %s\n", rfc6455_last_error(client));
    return ok;
}

static void test_lengths(void) {
    rfc6455_conn *c, *s;
    open_pair(NULL, &c, &s);
    static const uint8_t byte = 'x';
    const size_t lens[] = {SIZE_MAX, SIZE_MAX / 2 + 1, (SIZE_MAX / 2 + 1) * 2 - 1};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        size_t n = lens[i];
        EXPECT_RC(rfc6455_receive(s, &byte, n), RFC6455_ERR_INVALID_ARG);
        EXPECT_RC(rfc6455_receive(s, NULL, n), RFC6455_ERR_INVALID_ARG);
        EXPECT_RC(rfc6455_send_text(c, "x", n), RFC6455_ERR_INVALID_ARG);
        EXPECT_RC(rfc6455_send_binary(c, &byte, n), RFC6455_ERR_INVALID_ARG);
        EXPECT_RC(rfc6455_send_text_fragment(c, "x", n, 1), RFC6455_ERR_INVALID_ARG);
        EXPECT_RC(rfc6455_send_binary_fragment(c, &byte, n, 1), RFC6455_ERR_INVALID_ARG);
        EXPECT_RC(rfc6455_send_ping(c, &byte, n), RFC6455_ERR_INVALID_ARG);
        EXPECT_RC(rfc6455_send_pong(c, &byte, n), RFC6455_ERR_INVALID_ARG);
        EXPECT_RC(rfc6455_close(c, 1000, "x", n), RFC6455_ERR_INVALID_ARG);
        rfc6455_conn *out = (rfc6455_conn *)&byte;
        EXPECT_RC(rfc6455_client_new("ws://a/", n, NULL, NULL, &out), RFC6455_ERR_INVALID_ARG);
        EXPECT(out == NULL);
    }
    /* Header / protocol arrays whose count times the element size wraps around. */
    rfc6455_header h;
    memset(&h, 0, sizeof h);
    rfc6455_client_options o;
    memset(&o, 0, sizeof o);
    o.headers = &h;
    o.header_count = SIZE_MAX / sizeof(rfc6455_header) + 2; /* product wraps to a small number */
    rfc6455_conn *out = NULL;
    EXPECT_RC(rfc6455_client_new("ws://a/", 7, &o, NULL, &out), RFC6455_ERR_INVALID_ARG);
    memset(&o, 0, sizeof o);
    rfc6455_str p = {"chat", 4};
    o.protocols = &p;
    o.protocol_count = SIZE_MAX / sizeof(rfc6455_str) + 2;
    EXPECT_RC(rfc6455_client_new("ws://a/", 7, &o, NULL, &out), RFC6455_ERR_INVALID_ARG);
    /* Non-UTF-8 where text is expected. */
    EXPECT_RC(rfc6455_send_text(c, "\xff", 1), RFC6455_ERR_INVALID_ARG);
    EXPECT_RC(rfc6455_send_text(c, "\xc3", 1), RFC6455_ERR_INVALID_ARG);      /* truncated */
    EXPECT_RC(rfc6455_send_text(c, "\xed\xa0\x80", 3), RFC6455_ERR_INVALID_ARG); /* surrogate */
    EXPECT_RC(rfc6455_send_text_fragment(c, "\xc3", 1, 0), RFC6455_ERR_INVALID_ARG);
    EXPECT_RC(rfc6455_close(c, 1000, "\xc0\x80", 2), RFC6455_ERR_INVALID_ARG);
    EXPECT_RC(rfc6455_client_new("ws://\xff/", 7, NULL, NULL, &out), RFC6455_ERR_INVALID_ARG);
    /* Nothing was queued by any failed call. */
    size_t amount = 1;
    EXPECT_RC(rfc6455_buffered_amount(c, &amount), RFC6455_OK);
    EXPECT(amount == 0);
    /* A URL with an embedded NUL, an empty URL, a URL with a huge port. */
    EXPECT_RC(rfc6455_client_new("ws://a\0b/", 9, NULL, NULL, &out), RFC6455_ERR_HANDSHAKE);
    EXPECT_RC(rfc6455_client_new("", 0, NULL, NULL, &out), RFC6455_ERR_HANDSHAKE);
    EXPECT_RC(rfc6455_client_new(NULL, 0, NULL, NULL, &out), RFC6455_ERR_HANDSHAKE);
    EXPECT_RC(rfc6455_client_new("ws://a:99999999999/", 19, NULL, NULL, &out), RFC6455_ERR_HANDSHAKE);
    /* Close codes at the edges. */
    EXPECT_RC(rfc6455_close(c, 0, NULL, 0), RFC6455_ERR_INVALID_CLOSE_CODE);
    EXPECT_RC(rfc6455_close(c, 65535, NULL, 0), RFC6455_ERR_INVALID_CLOSE_CODE);
    EXPECT_RC(rfc6455_close(c, 1005, NULL, 0), RFC6455_ERR_INVALID_CLOSE_CODE);
    char reason[124];
    memset(reason, 'r', sizeof reason);
    EXPECT_RC(rfc6455_close(c, 1000, reason, 124), RFC6455_ERR_CONTROL_TOO_LONG);
    EXPECT_RC(rfc6455_close(c, 4999, reason, 123), RFC6455_OK);
    rfc6455_free(c);
    rfc6455_free(s);
}

static void test_misaligned(void) {
    rfc6455_conn *c, *s;
    open_pair(NULL, &c, &s);
    union { uint64_t align; unsigned char raw[sizeof(rfc6455_event) + 16]; } u;
    unsigned char *raw = u.raw;
    const uint8_t *out;
    EXPECT_RC(rfc6455_pending_output(c, &out, (size_t *)(raw + 1)), RFC6455_ERR_INVALID_ARG);
    EXPECT_RC(rfc6455_pending_output(c, (const uint8_t **)(raw + 3), (size_t *)raw), RFC6455_ERR_INVALID_ARG);
    EXPECT_RC(rfc6455_next_event(s, (rfc6455_event *)(raw + 4)), RFC6455_ERR_INVALID_ARG);
    EXPECT_RC(rfc6455_poll_timeout(s, (uint64_t *)(raw + 2)), RFC6455_ERR_INVALID_ARG);
    EXPECT_RC(rfc6455_buffered_amount(s, (size_t *)(raw + 5)), RFC6455_ERR_INVALID_ARG);
    EXPECT_RC(rfc6455_protocol(s, (rfc6455_str *)(raw + 1)), RFC6455_ERR_INVALID_ARG);
    EXPECT_RC(rfc6455_config_default((rfc6455_config *)(raw + 1)), RFC6455_ERR_INVALID_ARG);
    EXPECT(rfc6455_server_new((const rfc6455_config *)(raw + 1)) == NULL);
    EXPECT(strstr(rfc6455_last_error(NULL), "misaligned") != NULL);
    uint8_t *room;
    EXPECT_RC(rfc6455_recv_buffer(s, 10, (uint8_t **)(raw + 1), (size_t *)raw), RFC6455_ERR_INVALID_ARG);
    (void)room;
    rfc6455_free(c);
    rfc6455_free(s);
}

static void test_zero_copy(void) {
    rfc6455_conn *c, *s;
    open_pair(NULL, &c, &s);
    uint8_t *room;
    size_t room_len;
    /* Commit without a buffer; commit twice; commit past the room (also SIZE_MAX). */
    EXPECT_RC(rfc6455_recv_commit(s, 0), RFC6455_ERR_STATE);
    EXPECT_RC(rfc6455_recv_buffer(s, 8, &room, &room_len), RFC6455_OK);
    EXPECT(room_len >= 8);
    EXPECT_RC(rfc6455_recv_commit(s, SIZE_MAX), RFC6455_ERR_INVALID_ARG);
    EXPECT_RC(rfc6455_recv_buffer(s, 8, &room, &room_len), RFC6455_OK);
    EXPECT_RC(rfc6455_recv_commit(s, 0), RFC6455_OK);
    EXPECT_RC(rfc6455_recv_commit(s, 0), RFC6455_ERR_STATE);
    /* Buffer, then a receive, then commit: the room was taken back. */
    EXPECT_RC(rfc6455_recv_buffer(s, 8, &room, &room_len), RFC6455_OK);
    EXPECT_RC(rfc6455_receive(s, NULL, 0), RFC6455_OK);
    EXPECT_RC(rfc6455_recv_commit(s, 1), RFC6455_ERR_STATE);
    /* Buffer, then last_error (const: not a "call on the connection"?) then commit. */
    EXPECT_RC(rfc6455_recv_buffer(s, 8, &room, &room_len), RFC6455_OK);
    (void)rfc6455_last_error(s);
    EXPECT_RC(rfc6455_recv_commit(s, 0), RFC6455_OK);
    /* A message split between a partial frame and the room. */
    EXPECT_RC(rfc6455_send_binary(c, (const uint8_t *)"0123456789", 10), RFC6455_OK);
    const uint8_t *out;
    size_t len;
    EXPECT_RC(rfc6455_pending_output(c, &out, &len), RFC6455_OK);
    uint8_t frame[64];
    memcpy(frame, out, len);
    EXPECT_RC(rfc6455_advance_output(c, len), RFC6455_OK);
    for (size_t i = 0; i < len; i++) { /* one byte at a time through the room */
        EXPECT_RC(rfc6455_recv_buffer(s, 1, &room, &room_len), RFC6455_OK);
        room[0] = frame[i];
        EXPECT_RC(rfc6455_recv_commit(s, 1), RFC6455_OK);
    }
    rfc6455_event ev = next(s);
    EXPECT(ev.kind == RFC6455_EVENT_BINARY && ev.len == 10 && memcmp(ev.data, "0123456789", 10) == 0);
    /* Buffer, then free: no leak. Buffer, then shrink, then commit. */
    EXPECT_RC(rfc6455_recv_buffer(s, 1 << 20, &room, &room_len), RFC6455_OK);
    EXPECT_RC(rfc6455_shrink_buffers(s), RFC6455_OK);
    EXPECT_RC(rfc6455_recv_commit(s, 1), RFC6455_ERR_STATE);
    EXPECT_RC(rfc6455_recv_buffer(s, SIZE_MAX, &room, &room_len), RFC6455_OK);
    EXPECT(room_len >= (1u << 20));
    memset(room, 0, room_len); /* the whole room is writable */
    rfc6455_free(c);
    rfc6455_free(s);
}

static void test_output(void) {
    rfc6455_conn *c, *s;
    open_pair(NULL, &c, &s);
    EXPECT_RC(rfc6455_advance_output(c, 1), RFC6455_ERR_INVALID_ARG);
    EXPECT_RC(rfc6455_advance_output(c, SIZE_MAX), RFC6455_OK);
    EXPECT_RC(rfc6455_advance_output(c, SIZE_MAX - 1), RFC6455_ERR_INVALID_ARG);
    EXPECT_RC(rfc6455_send_text(c, "hello", 5), RFC6455_OK);
    const uint8_t *out;
    size_t len;
    EXPECT_RC(rfc6455_pending_output(c, &out, &len), RFC6455_OK);
    EXPECT_RC(rfc6455_advance_output(c, len + 1), RFC6455_ERR_INVALID_ARG);
    EXPECT_RC(rfc6455_advance_output(c, 2), RFC6455_OK);
    EXPECT_RC(rfc6455_pending_output(c, &out, &len), RFC6455_OK);
    EXPECT_RC(rfc6455_advance_output(c, SIZE_MAX), RFC6455_OK);
    EXPECT_RC(rfc6455_pending_output(c, &out, &len), RFC6455_OK);
    EXPECT(len == 0);
    rfc6455_free(c);
    rfc6455_free(s);
}

static void test_timers(void) {
    const uint64_t nows[] = {0, 1, UINT64_MAX - 1, UINT64_MAX};
    const uint64_t timeouts[] = {0, 1, UINT64_MAX - 1, UINT64_MAX};
    for (size_t t = 0; t < 4; t++) {
        rfc6455_config cfg;
        rfc6455_config_default(&cfg);
        cfg.idle_ping_ns = timeouts[t];
        cfg.pong_timeout_ns = timeouts[3 - t];
        cfg.close_timeout_ns = timeouts[t];
        cfg.handshake_timeout_ns = timeouts[t];
        for (size_t n = 0; n < 4; n++) {
            rfc6455_conn *c, *s;
            handshake_pair(&cfg, &c, &s);
            uint64_t deadline;
            for (int round = 0; round < 3; round++) {
                EXPECT(rfc6455_poll_timeout(s, &deadline) >= 0);
                EXPECT_RC(rfc6455_handle_timeout(s, nows[n]), RFC6455_OK);
                EXPECT_RC(rfc6455_handle_timeout(s, nows[3 - n]), RFC6455_OK); /* backwards */
                EXPECT_RC(rfc6455_handle_timeout(s, 0), RFC6455_OK);
            }
            EXPECT_RC(rfc6455_close(c, 1000, NULL, 0), RFC6455_OK);
            EXPECT_RC(rfc6455_handle_timeout(c, nows[n]), RFC6455_OK);
            EXPECT(rfc6455_poll_timeout(c, &deadline) >= 0);
            EXPECT_RC(rfc6455_handle_timeout(c, UINT64_MAX), RFC6455_OK);
            EXPECT(rfc6455_poll_timeout(c, &deadline) >= 0);
            EXPECT(rfc6455_state(c) >= 0 && rfc6455_state(s) >= 0);
            rfc6455_free(c);
            rfc6455_free(s);
        }
    }
    /* A handshake timeout of 0 fires at the first handle_timeout after it starts. */
    rfc6455_config cfg;
    rfc6455_config_default(&cfg);
    cfg.handshake_timeout_ns = 0;
    rfc6455_conn *s = rfc6455_server_new(&cfg);
    uint64_t deadline = 1;
    EXPECT_RC(rfc6455_poll_timeout(s, &deadline), 1);
    EXPECT(deadline == 0);
    EXPECT_RC(rfc6455_handle_timeout(s, 5), RFC6455_OK);
    EXPECT_RC(rfc6455_handle_timeout(s, 5), RFC6455_OK);
    EXPECT_RC(rfc6455_state(s), RFC6455_STATE_CLOSED);
    rfc6455_free(s);
}

static void test_config_extremes(void) {
    rfc6455_config cfg;
    const size_t sizes[] = {0, 1, SIZE_MAX};
    for (size_t i = 0; i < 3; i++) {
        rfc6455_config_default(&cfg);
        cfg.max_frame_size = sizes[i];
        cfg.max_message_size = sizes[i];
        cfg.max_headers = i == 2 ? SIZE_MAX : 64; /* 0 or 1 header lines cannot hold a request */
        cfg.retain_buffer = sizes[i];
        cfg.deflate_threshold = sizes[i];
        cfg.deflate_level = i == 2 ? UINT32_MAX : (uint32_t)i;
        rfc6455_conn *c, *s;
        handshake_pair(&cfg, &c, &s); /* max_handshake_size stays default */
        int ok = roundtrip(c, s);
        if (i == 2) EXPECT(ok); /* no limits: it must get through */
        EXPECT(rfc6455_state(c) >= 0);
        rfc6455_free(c);
        rfc6455_free(s);
    }
    /* Window bits out of range in the config: clamped (header: 9-15). */
    const uint8_t bits[] = {0, 1, 8, 9, 15, 16, 255};
    for (size_t i = 0; i < sizeof bits; i++) {
        rfc6455_config_default(&cfg);
        cfg.deflate_server_max_window_bits = bits[i];
        cfg.deflate_client_max_window_bits = bits[(i + 3) % sizeof bits];
        rfc6455_conn *c, *s;
        handshake_pair(&cfg, &c, &s);
        EXPECT(roundtrip(c, s));
        rfc6455_free(c);
        rfc6455_free(s);
    }
    /* max_handshake_size 0 and SIZE_MAX. */
    rfc6455_config_default(&cfg);
    cfg.max_handshake_size = 0;
    rfc6455_conn *s = rfc6455_server_new(&cfg);
    const char *req = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    EXPECT_RC(rfc6455_receive(s, (const uint8_t *)req, strlen(req)), RFC6455_OK);
    rfc6455_event ev;
    EXPECT_RC(rfc6455_next_event(s, &ev), RFC6455_ERR_HANDSHAKE);
    rfc6455_free(s);
}

int main(void) {
    test_lengths();
    test_misaligned();
    test_zero_copy();
    test_output();
    test_timers();
    test_config_extremes();
    fprintf(stderr, "review_probe: %d checks, %d failed\n", checks, failures);
    return failures != 0;
}
