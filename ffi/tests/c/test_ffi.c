/*
 * C unit test of the rfc6455 C ABI: handshake, echo, every event kind, every error path,
 * timers, zero-copy receive, and 10,000 connections opened and freed. Built by
 * ffi/build-c-examples.sh (plain and with -fsanitize=address) and run by ffi/ci.sh.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rfc6455.h"

static int checks;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        checks++;                                                                      \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
            exit(1);                                                                   \
        }                                                                              \
    } while (0)

#define CHECK_RC(expr, want)                                                           \
    do {                                                                               \
        int rc_ = (expr);                                                              \
        checks++;                                                                      \
        if (rc_ != (want)) {                                                           \
            fprintf(stderr, "%s:%d: %s returned %d (%s), expected %s\n", __FILE__,     \
                    __LINE__, #expr, rc_, rfc6455_error_name(rc_), #want);             \
            exit(1);                                                                   \
        }                                                                              \
    } while (0)

static rfc6455_str S(const char *s) {
    rfc6455_str r;
    r.ptr = s;
    r.len = strlen(s);
    return r;
}

static int str_eq(rfc6455_str s, const char *want) {
    return s.ptr != NULL && s.len == strlen(want) && memcmp(s.ptr, want, s.len) == 0;
}

static int data_eq(const rfc6455_event *ev, const void *want, size_t len) {
    return ev->len == len && (len == 0 || memcmp(ev->data, want, len) == 0);
}

/* Moves all pending output of `from` into `to`, as a transport would. */
static void pump(rfc6455_conn *from, rfc6455_conn *to) {
    const uint8_t *out;
    size_t len;
    CHECK_RC(rfc6455_pending_output(from, &out, &len), RFC6455_OK);
    if (len == 0) return;
    CHECK_RC(rfc6455_receive(to, out, len), RFC6455_OK);
    CHECK_RC(rfc6455_advance_output(from, len), RFC6455_OK);
}

static rfc6455_event next(rfc6455_conn *c) {
    rfc6455_event ev;
    memset(&ev, 0xAB, sizeof ev); /* garbage: the call must overwrite every field */
    CHECK_RC(rfc6455_next_event(c, &ev), RFC6455_OK);
    return ev;
}

static int has_header(const rfc6455_event *ev, const char *name, const char *value) {
    for (size_t i = 0; i < ev->header_count; i++)
        if (str_eq(ev->headers[i].name, name) && str_eq(ev->headers[i].value, value)) return 1;
    return 0;
}

/* A client and a server through the opening handshake; protocol "chat" agreed. */
static void open_pair(const rfc6455_config *cfg, rfc6455_conn **client, rfc6455_conn **server) {
    rfc6455_str protocols[2] = {S("chat"), S("v2")};
    rfc6455_header headers[1] = {{S("X-Test"), S("yes")}};
    rfc6455_client_options opts;
    memset(&opts, 0, sizeof opts);
    opts.origin = S("http://example.com");
    opts.protocols = protocols;
    opts.protocol_count = 2;
    opts.headers = headers;
    opts.header_count = 1;
    const char *url = "ws://127.0.0.1:9005/chat?room=1";
    CHECK_RC(rfc6455_client_new(url, strlen(url), &opts, cfg, client), RFC6455_OK);
    *server = rfc6455_server_new(cfg);
    CHECK(*server != NULL);
    CHECK_RC(rfc6455_state(*client), RFC6455_STATE_CONNECTING);
    pump(*client, *server);
    rfc6455_event ev = next(*server);
    CHECK(ev.kind == RFC6455_EVENT_REQUEST);
    CHECK(str_eq(ev.target, "/chat?room=1"));
    CHECK(str_eq(ev.path, "/chat"));
    CHECK(str_eq(ev.query, "room=1"));
    CHECK(str_eq(ev.host, "127.0.0.1:9005"));
    CHECK(str_eq(ev.origin, "http://example.com"));
    CHECK(ev.protocol_count == 2 && str_eq(ev.protocols[0], "chat") && str_eq(ev.protocols[1], "v2"));
    CHECK(has_header(&ev, "X-Test", "yes"));
    CHECK(ev.data == NULL && ev.len == 0);
    /* The event's strings may be passed straight back (copied by value). */
    rfc6455_header reply[1] = {{S("X-Served-By"), S("rfc6455")}};
    rfc6455_accept_options accept;
    memset(&accept, 0, sizeof accept);
    accept.protocol = ev.protocols[0];
    accept.headers = reply;
    accept.header_count = 1;
    CHECK_RC(rfc6455_accept(*server, &accept), RFC6455_OK);
    CHECK_RC(rfc6455_state(*server), RFC6455_STATE_OPEN);
    pump(*server, *client);
    ev = next(*client);
    CHECK(ev.kind == RFC6455_EVENT_OPEN);
    CHECK(str_eq(ev.protocol, "chat"));
    CHECK(has_header(&ev, "X-Served-By", "rfc6455"));
    CHECK_RC(rfc6455_state(*client), RFC6455_STATE_OPEN);
    CHECK(next(*client).kind == RFC6455_EVENT_NONE);
    CHECK(next(*server).kind == RFC6455_EVENT_NONE);
}

static void test_handshake_echo_and_close(void) {
    rfc6455_conn *client, *server;
    open_pair(NULL, &client, &server);
    rfc6455_str p;
    CHECK_RC(rfc6455_protocol(server, &p), 1);
    CHECK(str_eq(p, "chat"));
    CHECK_RC(rfc6455_protocol(client, &p), 1);
    CHECK(str_eq(p, "chat"));
    rfc6455_str ext;
    CHECK_RC(rfc6455_extensions(server, &ext), 1);
    CHECK(ext.len >= 18 && memcmp(ext.ptr, "permessage-deflate", 18) == 0);
    CHECK_RC(rfc6455_extensions(client, &ext), 1);
    CHECK(ext.len >= 18 && memcmp(ext.ptr, "permessage-deflate", 18) == 0);
    CHECK_RC(rfc6455_role(client), RFC6455_ROLE_CLIENT);
    CHECK_RC(rfc6455_role(server), RFC6455_ROLE_SERVER);

    /* Text and binary, echoed by the server (event data passed straight to the send). */
    const char *hello = "Hello, \xc3\xa9t\xc3\xa9!";
    CHECK_RC(rfc6455_send_text(client, hello, strlen(hello)), RFC6455_OK);
    uint8_t blob[3000];
    for (size_t i = 0; i < sizeof blob; i++) blob[i] = (uint8_t)(i * 7);
    CHECK_RC(rfc6455_send_binary(client, blob, sizeof blob), RFC6455_OK);
    size_t amount = 0;
    CHECK_RC(rfc6455_buffered_amount(client, &amount), RFC6455_OK);
    CHECK(amount > 0);
    pump(client, server);
    CHECK_RC(rfc6455_buffered_amount(client, &amount), RFC6455_OK);
    CHECK(amount == 0);
    CHECK_RC(rfc6455_buffered_input(server, &amount), RFC6455_OK);
    CHECK(amount > 0);
    rfc6455_event ev = next(server);
    CHECK(ev.kind == RFC6455_EVENT_TEXT && ev.fin && data_eq(&ev, hello, strlen(hello)));
    CHECK_RC(rfc6455_send_text(server, (const char *)ev.data, ev.len), RFC6455_OK);
    ev = next(server);
    CHECK(ev.kind == RFC6455_EVENT_BINARY && data_eq(&ev, blob, sizeof blob));
    CHECK_RC(rfc6455_send_binary(server, ev.data, ev.len), RFC6455_OK);
    pump(server, client);
    ev = next(client);
    CHECK(ev.kind == RFC6455_EVENT_TEXT && data_eq(&ev, hello, strlen(hello)));
    ev = next(client);
    CHECK(ev.kind == RFC6455_EVENT_BINARY && data_eq(&ev, blob, sizeof blob));

    /* Fragments arrive as one message; empty messages work. */
    CHECK_RC(rfc6455_send_text_fragment(client, "ab", 2, 0), RFC6455_OK);
    CHECK_RC(rfc6455_send_text(client, "x", 1), RFC6455_ERR_FRAGMENT_IN_PROGRESS);
    CHECK_RC(rfc6455_send_binary_fragment(client, blob, 1, 1), RFC6455_ERR_FRAGMENT_IN_PROGRESS);
    CHECK_RC(rfc6455_send_text_fragment(client, "cd", 2, 1), RFC6455_OK);
    CHECK_RC(rfc6455_send_binary_fragment(client, blob, 10, 0), RFC6455_OK);
    CHECK_RC(rfc6455_send_binary_fragment(client, blob + 10, 5, 1), RFC6455_OK);
    CHECK_RC(rfc6455_send_text(client, NULL, 0), RFC6455_OK);
    pump(client, server);
    ev = next(server);
    CHECK(ev.kind == RFC6455_EVENT_TEXT && data_eq(&ev, "abcd", 4));
    ev = next(server);
    CHECK(ev.kind == RFC6455_EVENT_BINARY && data_eq(&ev, blob, 15));
    ev = next(server);
    CHECK(ev.kind == RFC6455_EVENT_TEXT && ev.len == 0 && ev.data != NULL);

    /* Ping: answered automatically; the client sees the Pong. */
    CHECK_RC(rfc6455_send_ping(client, (const uint8_t *)"tick", 4), RFC6455_OK);
    CHECK_RC(rfc6455_send_pong(client, (const uint8_t *)"beat", 4), RFC6455_OK);
    pump(client, server);
    ev = next(server);
    CHECK(ev.kind == RFC6455_EVENT_PING && data_eq(&ev, "tick", 4));
    ev = next(server);
    CHECK(ev.kind == RFC6455_EVENT_PONG && data_eq(&ev, "beat", 4));
    pump(server, client);
    ev = next(client);
    CHECK(ev.kind == RFC6455_EVENT_PONG && data_eq(&ev, "tick", 4));

    /* The closing handshake. */
    CHECK_RC(rfc6455_close_sent(client), 0);
    CHECK_RC(rfc6455_close(client, 1000, "bye", 3), RFC6455_OK);
    CHECK_RC(rfc6455_close_sent(client), 1);
    CHECK_RC(rfc6455_state(client), RFC6455_STATE_CLOSING);
    CHECK_RC(rfc6455_send_text(client, "late", 4), RFC6455_ERR_CLOSED);
    CHECK_RC(rfc6455_close(client, 1000, "", 0), RFC6455_ERR_CLOSED);
    pump(client, server);
    ev = next(server);
    CHECK(ev.kind == RFC6455_EVENT_CLOSE && ev.close_code == 1000 && ev.was_clean && data_eq(&ev, "bye", 3));
    CHECK_RC(rfc6455_close_received(server), 1);
    CHECK_RC(rfc6455_state(server), RFC6455_STATE_CLOSED);
    CHECK_RC(rfc6455_should_close_transport(server), 0); /* the echoed Close is pending */
    pump(server, client);
    CHECK_RC(rfc6455_should_close_transport(server), 1);
    ev = next(client);
    CHECK(ev.kind == RFC6455_EVENT_CLOSE && ev.close_code == 1000 && ev.was_clean);
    CHECK_RC(rfc6455_state(client), RFC6455_STATE_CLOSED);
    CHECK_RC(rfc6455_should_close_transport(client), 1);
    CHECK(next(client).kind == RFC6455_EVENT_NONE);
    rfc6455_free(client);
    rfc6455_free(server);
}

static void test_streaming_chunks(void) {
    rfc6455_config cfg;
    CHECK_RC(rfc6455_config_default(&cfg), RFC6455_OK);
    cfg.streaming = 1;
    cfg.deflate = 0;
    rfc6455_conn *client, *server;
    open_pair(&cfg, &client, &server);
    rfc6455_str ext;
    CHECK_RC(rfc6455_extensions(server, &ext), 0);
    CHECK(ext.ptr == NULL);
    CHECK_RC(rfc6455_send_text_fragment(client, "he", 2, 0), RFC6455_OK);
    CHECK_RC(rfc6455_send_text_fragment(client, "llo", 3, 1), RFC6455_OK);
    CHECK_RC(rfc6455_send_binary(client, (const uint8_t *)"\x01\x02", 2), RFC6455_OK);
    pump(client, server);
    rfc6455_event ev = next(server);
    CHECK(ev.kind == RFC6455_EVENT_TEXT_CHUNK && !ev.fin && data_eq(&ev, "he", 2));
    ev = next(server);
    CHECK(ev.kind == RFC6455_EVENT_TEXT_CHUNK && ev.fin && data_eq(&ev, "llo", 3));
    ev = next(server);
    CHECK(ev.kind == RFC6455_EVENT_BINARY_CHUNK && ev.fin && data_eq(&ev, "\x01\x02", 2));
    rfc6455_free(client);
    rfc6455_free(server);
}

static void test_zero_copy_receive(void) {
    rfc6455_conn *client = rfc6455_open_new(RFC6455_ROLE_CLIENT, NULL);
    rfc6455_conn *server = rfc6455_open_new(RFC6455_ROLE_SERVER, NULL);
    CHECK(client && server);
    CHECK_RC(rfc6455_send_text(client, "zero-copy", 9), RFC6455_OK);
    const uint8_t *out;
    size_t len;
    CHECK_RC(rfc6455_pending_output(client, &out, &len), RFC6455_OK);
    uint8_t *room;
    size_t room_len;
    CHECK_RC(rfc6455_recv_buffer(server, 4096, &room, &room_len), RFC6455_OK);
    CHECK(room != NULL && room_len >= 4096);
    CHECK_RC(rfc6455_recv_commit(server, room_len + 1), RFC6455_ERR_INVALID_ARG);
    CHECK_RC(rfc6455_recv_commit(server, 1), RFC6455_ERR_STATE); /* the failed call took it */
    CHECK_RC(rfc6455_recv_buffer(server, 4096, &room, &room_len), RFC6455_OK);
    memcpy(room, out, len);
    CHECK_RC(rfc6455_recv_commit(server, len), RFC6455_OK);
    CHECK_RC(rfc6455_advance_output(client, len), RFC6455_OK);
    rfc6455_event ev = next(server);
    CHECK(ev.kind == RFC6455_EVENT_TEXT && data_eq(&ev, "zero-copy", 9));
    /* Room is capped at 1 MiB: SIZE_MAX asks for the most, and gets it. */
    CHECK_RC(rfc6455_recv_buffer(server, SIZE_MAX, &room, &room_len), RFC6455_OK);
    CHECK(room_len >= ((size_t)1 << 20));
    room[room_len - 1] = 0; /* all of it is writable (ASan checks) */
    CHECK_RC(rfc6455_recv_commit(server, 0), RFC6455_OK);
    CHECK_RC(rfc6455_shrink_buffers(server), RFC6455_OK);
    /* Asking for no room is fine: whatever spare room there is, committed as usual. */
    CHECK_RC(rfc6455_recv_buffer(server, 0, &room, &room_len), RFC6455_OK);
    CHECK_RC(rfc6455_recv_commit(server, 0), RFC6455_OK);
    CHECK_RC(rfc6455_send_binary(client, (const uint8_t *)"ab", 2), RFC6455_OK);
    CHECK_RC(rfc6455_pending_output(client, &out, &len), RFC6455_OK);
    CHECK_RC(rfc6455_recv_buffer(server, 0, &room, &room_len), RFC6455_OK);
    CHECK(room_len < len || (memcpy(room, out, len), rfc6455_recv_commit(server, len) == RFC6455_OK));
    if (room_len < len) CHECK_RC(rfc6455_receive(server, out, len), RFC6455_OK);
    CHECK_RC(rfc6455_advance_output(client, len), RFC6455_OK);
    ev = next(server);
    CHECK(ev.kind == RFC6455_EVENT_BINARY && data_eq(&ev, "ab", 2));
    /* A partial frame is pending: the committed bytes are appended to it. */
    CHECK_RC(rfc6455_send_text(client, "split frame", 11), RFC6455_OK);
    CHECK_RC(rfc6455_pending_output(client, &out, &len), RFC6455_OK);
    CHECK_RC(rfc6455_receive(server, out, 3), RFC6455_OK);
    CHECK(next(server).kind == RFC6455_EVENT_NONE);
    CHECK_RC(rfc6455_recv_buffer(server, 4096, &room, &room_len), RFC6455_OK);
    memcpy(room, out + 3, len - 3);
    CHECK_RC(rfc6455_recv_commit(server, len - 3), RFC6455_OK);
    CHECK_RC(rfc6455_advance_output(client, len), RFC6455_OK);
    ev = next(server);
    CHECK(ev.kind == RFC6455_EVENT_TEXT && data_eq(&ev, "split frame", 11));
    /* Any call between the two steps takes the room back. */
    CHECK_RC(rfc6455_recv_buffer(server, 16, &room, &room_len), RFC6455_OK);
    CHECK_RC(rfc6455_state(server), RFC6455_STATE_OPEN);
    CHECK_RC(rfc6455_recv_commit(server, 0), RFC6455_ERR_STATE);
    CHECK_RC(rfc6455_recv_commit(server, 0), RFC6455_ERR_STATE);
    /* After end of file the room is scratch space and the bytes are dropped. */
    CHECK_RC(rfc6455_receive_eof(server), RFC6455_OK);
    CHECK_RC(rfc6455_recv_buffer(server, 100, &room, &room_len), RFC6455_OK);
    CHECK(room_len >= 100);
    memset(room, 0x81, 100);
    CHECK_RC(rfc6455_recv_commit(server, 100), RFC6455_OK);
    ev = next(server);
    CHECK(ev.kind == RFC6455_EVENT_CLOSE && ev.close_code == 1006 && !ev.was_clean);
    rfc6455_free(client);
    rfc6455_free(server);
}

static void test_enable_deflate(void) {
    rfc6455_conn *client = rfc6455_open_new(RFC6455_ROLE_CLIENT, NULL);
    rfc6455_conn *server = rfc6455_open_new(RFC6455_ROLE_SERVER, NULL);
    rfc6455_deflate_params params = {0, 0, 15, 15};
    CHECK_RC(rfc6455_enable_deflate(client, &params), RFC6455_OK);
    CHECK_RC(rfc6455_enable_deflate(server, &params), RFC6455_OK);
    CHECK_RC(rfc6455_enable_deflate(server, NULL), RFC6455_ERR_NULL);
    char text[4096];
    memset(text, 'a', sizeof text);
    CHECK_RC(rfc6455_send_text(client, text, sizeof text), RFC6455_OK);
    size_t amount;
    CHECK_RC(rfc6455_buffered_amount(client, &amount), RFC6455_OK);
    CHECK(amount < 200); /* compressed */
    pump(client, server);
    rfc6455_event ev = next(server);
    CHECK(ev.kind == RFC6455_EVENT_TEXT && data_eq(&ev, text, sizeof text));
    rfc6455_str ext;
    CHECK_RC(rfc6455_extensions(server, &ext), 1);
    rfc6455_free(client);
    rfc6455_free(server);
}

static void test_timers(void) {
    rfc6455_config cfg;
    rfc6455_config_default(&cfg);
    CHECK(cfg.idle_ping_ns == RFC6455_NO_TIMEOUT);
    CHECK(cfg.close_timeout_ns == 5000000000ull);
    cfg.idle_ping_ns = 1000;
    cfg.pong_timeout_ns = 500;
    rfc6455_conn *server = rfc6455_open_new(RFC6455_ROLE_SERVER, &cfg);
    uint64_t deadline = 7;
    CHECK_RC(rfc6455_poll_timeout(server, &deadline), 1);
    CHECK(deadline == 0); /* a new timer asks for the time */
    CHECK_RC(rfc6455_handle_timeout(server, 10000), RFC6455_OK);
    CHECK_RC(rfc6455_poll_timeout(server, &deadline), 1);
    CHECK(deadline == 11000);
    CHECK_RC(rfc6455_handle_timeout(server, 5), RFC6455_OK); /* the clock jumps back: ignored */
    CHECK_RC(rfc6455_poll_timeout(server, &deadline), 1);
    CHECK(deadline == 11000);
    CHECK_RC(rfc6455_handle_timeout(server, 11000), RFC6455_OK); /* idle: a Ping is sent */
    const uint8_t *out;
    size_t len;
    CHECK_RC(rfc6455_pending_output(server, &out, &len), RFC6455_OK);
    CHECK(len == 2 && out[0] == 0x89);
    CHECK_RC(rfc6455_poll_timeout(server, &deadline), 1);
    CHECK(deadline == 11500);
    CHECK_RC(rfc6455_handle_timeout(server, UINT64_MAX), RFC6455_OK); /* no Pong: give up */
    CHECK_RC(rfc6455_state(server), RFC6455_STATE_CLOSED);
    rfc6455_event ev = next(server);
    CHECK(ev.kind == RFC6455_EVENT_CLOSE && ev.close_code == 1006 && !ev.was_clean);
    CHECK_RC(rfc6455_handle_timeout(server, UINT64_MAX), RFC6455_OK);
    CHECK_RC(rfc6455_handle_timeout(server, 0), RFC6455_OK);
    rfc6455_free(server);

    /* Off by default; UINT64_MAX timeouts never fire. */
    rfc6455_config_default(&cfg);
    cfg.close_timeout_ns = UINT64_MAX;
    server = rfc6455_open_new(RFC6455_ROLE_SERVER, &cfg);
    CHECK_RC(rfc6455_poll_timeout(server, &deadline), 0);
    CHECK(deadline == RFC6455_NO_TIMEOUT);
    CHECK_RC(rfc6455_close(server, 1001, "going", 5), RFC6455_OK);
    CHECK_RC(rfc6455_poll_timeout(server, &deadline), 1);
    CHECK(deadline == 0);
    CHECK_RC(rfc6455_handle_timeout(server, UINT64_MAX - 1), RFC6455_OK);
    CHECK_RC(rfc6455_poll_timeout(server, &deadline), 0);
    CHECK_RC(rfc6455_handle_timeout(server, UINT64_MAX), RFC6455_OK);
    CHECK_RC(rfc6455_state(server), RFC6455_STATE_CLOSING);
    rfc6455_free(server);
}

static void test_argument_errors(void) {
    rfc6455_conn *c = rfc6455_open_new(RFC6455_ROLE_SERVER, NULL);
    const uint8_t *out;
    size_t len;
    uint64_t d;
    rfc6455_str s;
    rfc6455_event ev;
    uint8_t *room;
    /* A null connection. */
    CHECK_RC(rfc6455_receive(NULL, (const uint8_t *)"x", 1), RFC6455_ERR_NULL);
    CHECK(strlen(rfc6455_last_error(NULL)) > 0);
    CHECK_RC(rfc6455_recv_buffer(NULL, 1, &room, &len), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_recv_commit(NULL, 0), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_receive_eof(NULL), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_next_event(NULL, &ev), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_accept(NULL, NULL), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_reject(NULL, 403, NULL, 0, NULL, 0), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_enable_deflate(NULL, NULL), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_send_text(NULL, "x", 1), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_send_binary(NULL, NULL, 0), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_send_text_fragment(NULL, "x", 1, 1), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_send_binary_fragment(NULL, NULL, 0, 1), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_send_ping(NULL, NULL, 0), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_send_pong(NULL, NULL, 0), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_close(NULL, 1000, NULL, 0), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_pending_output(NULL, &out, &len), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_advance_output(NULL, 0), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_poll_timeout(NULL, &d), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_handle_timeout(NULL, 0), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_state(NULL), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_role(NULL), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_buffered_amount(NULL, &len), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_buffered_input(NULL, &len), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_should_close_transport(NULL), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_close_sent(NULL), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_close_received(NULL), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_protocol(NULL, &s), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_extensions(NULL, &s), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_shrink_buffers(NULL), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_error_close_code(NULL), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_error_http_status(NULL), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_config_default(NULL), RFC6455_ERR_NULL);
    rfc6455_free(NULL);
    /* Null output pointers. */
    CHECK_RC(rfc6455_next_event(c, NULL), RFC6455_ERR_NULL);
    CHECK(strstr(rfc6455_last_error(c), "event") != NULL);
    CHECK_RC(rfc6455_pending_output(c, NULL, &len), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_pending_output(c, &out, NULL), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_recv_buffer(c, 1, NULL, &len), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_recv_buffer(c, 1, &room, NULL), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_poll_timeout(c, NULL), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_buffered_amount(c, NULL), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_buffered_input(c, NULL), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_protocol(c, NULL), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_extensions(c, NULL), RFC6455_ERR_NULL);
    /* Bad pointer/length pairs: null with a length, lengths past SIZE_MAX / 2. */
    CHECK_RC(rfc6455_receive(c, NULL, 5), RFC6455_ERR_INVALID_ARG);
    CHECK(strstr(rfc6455_last_error(c), "null pointer") != NULL);
    CHECK_RC(rfc6455_receive(c, (const uint8_t *)"x", SIZE_MAX / 2 + 1), RFC6455_ERR_INVALID_ARG);
    CHECK(strstr(rfc6455_last_error(c), "SIZE_MAX") != NULL);
    CHECK_RC(rfc6455_receive(c, (const uint8_t *)"x", SIZE_MAX), RFC6455_ERR_INVALID_ARG);
    CHECK_RC(rfc6455_send_text(c, NULL, 1), RFC6455_ERR_INVALID_ARG);
    CHECK_RC(rfc6455_send_binary(c, (const uint8_t *)"x", SIZE_MAX / 2 + 1), RFC6455_ERR_INVALID_ARG);
    CHECK_RC(rfc6455_send_ping(c, NULL, 3), RFC6455_ERR_INVALID_ARG);
    CHECK_RC(rfc6455_send_pong(c, NULL, 3), RFC6455_ERR_INVALID_ARG);
    CHECK_RC(rfc6455_send_text_fragment(c, NULL, 3, 0), RFC6455_ERR_INVALID_ARG);
    CHECK_RC(rfc6455_send_binary_fragment(c, NULL, 3, 0), RFC6455_ERR_INVALID_ARG);
    CHECK_RC(rfc6455_close(c, 1000, NULL, 2), RFC6455_ERR_INVALID_ARG);
    CHECK_RC(rfc6455_reject(c, 403, NULL, 1, NULL, 0), RFC6455_ERR_INVALID_ARG);
    CHECK_RC(rfc6455_reject(c, 403, NULL, 0, NULL, 1), RFC6455_ERR_INVALID_ARG);
    /* Invalid UTF-8. */
    CHECK_RC(rfc6455_send_text(c, "\xff", 1), RFC6455_ERR_INVALID_ARG);
    CHECK(strstr(rfc6455_last_error(c), "UTF-8") != NULL);
    CHECK_RC(rfc6455_send_text_fragment(c, "\xc3", 1, 0), RFC6455_ERR_INVALID_ARG);
    CHECK_RC(rfc6455_close(c, 1000, "\xfe", 1), RFC6455_ERR_INVALID_ARG);
    /* Send errors. */
    uint8_t big[126] = {0};
    CHECK_RC(rfc6455_send_ping(c, big, 126), RFC6455_ERR_CONTROL_TOO_LONG);
    CHECK_RC(rfc6455_send_pong(c, big, 126), RFC6455_ERR_CONTROL_TOO_LONG);
    CHECK_RC(rfc6455_close(c, 1000, (const char *)big, 124), RFC6455_ERR_CONTROL_TOO_LONG);
    CHECK_RC(rfc6455_close(c, 1005, NULL, 0), RFC6455_ERR_INVALID_CLOSE_CODE);
    CHECK_RC(rfc6455_close(c, 0, NULL, 0), RFC6455_ERR_INVALID_CLOSE_CODE);
    CHECK_RC(rfc6455_close(c, 5000, NULL, 0), RFC6455_ERR_INVALID_CLOSE_CODE);
    CHECK_RC(rfc6455_advance_output(c, 1), RFC6455_ERR_INVALID_ARG);
    CHECK_RC(rfc6455_advance_output(c, SIZE_MAX), RFC6455_OK);
    CHECK_RC(rfc6455_accept(c, NULL), RFC6455_ERR_STATE);
    CHECK_RC(rfc6455_reject(c, 403, NULL, 0, NULL, 0), RFC6455_ERR_STATE);
    CHECK_RC(rfc6455_shrink_buffers(c), RFC6455_OK);
    /* Unknown role; creation errors go to the thread's last error. */
    CHECK(rfc6455_open_new(7, NULL) == NULL);
    CHECK(strstr(rfc6455_last_error(NULL), "role") != NULL);
    rfc6455_conn *client = (rfc6455_conn *)&big; /* overwritten with NULL on failure */
    CHECK_RC(rfc6455_client_new("http://x/", 9, NULL, NULL, &client), RFC6455_ERR_HANDSHAKE);
    CHECK(client == NULL);
    CHECK(strlen(rfc6455_last_error(NULL)) > 0);
    CHECK_RC(rfc6455_client_new("ws://x/", 7, NULL, NULL, NULL), RFC6455_ERR_NULL);
    CHECK_RC(rfc6455_client_new(NULL, 7, NULL, NULL, &client), RFC6455_ERR_INVALID_ARG);
    rfc6455_client_options opts;
    memset(&opts, 0, sizeof opts);
    rfc6455_str bad_protocol = S("a b");
    opts.protocols = &bad_protocol;
    opts.protocol_count = 1;
    CHECK_RC(rfc6455_client_new("ws://x/", 7, &opts, NULL, &client), RFC6455_ERR_HANDSHAKE);
    opts.protocol_count = SIZE_MAX / 2;
    CHECK_RC(rfc6455_client_new("ws://x/", 7, &opts, NULL, &client), RFC6455_ERR_INVALID_ARG);
    memset(&opts, 0, sizeof opts);
    rfc6455_header reserved = {S("Sec-WebSocket-Key"), S("x")};
    opts.headers = &reserved;
    opts.header_count = 1;
    CHECK_RC(rfc6455_client_new("ws://x/", 7, &opts, NULL, &client), RFC6455_ERR_HANDSHAKE);
    CHECK(strstr(rfc6455_last_error(NULL), "Sec-WebSocket") != NULL);
    rfc6455_free(c);

    /* Sending before the handshake. */
    c = rfc6455_server_new(NULL);
    CHECK_RC(rfc6455_send_text(c, "x", 1), RFC6455_ERR_NOT_OPEN);
    CHECK_RC(rfc6455_send_ping(c, NULL, 0), RFC6455_ERR_NOT_OPEN);
    rfc6455_free(c);
}

static void test_handshake_errors(void) {
    /* An invalid request: 400 queued, readable status. */
    rfc6455_conn *server = rfc6455_server_new(NULL);
    const char *bad = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    CHECK_RC(rfc6455_receive(server, (const uint8_t *)bad, strlen(bad)), RFC6455_OK);
    rfc6455_event ev;
    CHECK_RC(rfc6455_next_event(server, &ev), RFC6455_ERR_HANDSHAKE);
    CHECK(ev.kind == RFC6455_EVENT_NONE);
    CHECK_RC(rfc6455_error_http_status(server), 400);
    CHECK_RC(rfc6455_error_close_code(server), 0);
    const uint8_t *out;
    size_t len;
    CHECK_RC(rfc6455_pending_output(server, &out, &len), RFC6455_OK);
    CHECK(len > 12 && memcmp(out, "HTTP/1.1 400", 12) == 0);
    CHECK_RC(rfc6455_state(server), RFC6455_STATE_CLOSED);
    rfc6455_free(server);

    /* Accept with a protocol that was not offered, reject with an invalid status: errors that
       leave the request waiting; then a valid reject. */
    rfc6455_conn *client;
    const char *url = "ws://localhost/";
    CHECK_RC(rfc6455_client_new(url, strlen(url), NULL, NULL, &client), RFC6455_OK);
    server = rfc6455_server_new(NULL);
    pump(client, server);
    CHECK(next(server).kind == RFC6455_EVENT_REQUEST);
    rfc6455_accept_options opts;
    memset(&opts, 0, sizeof opts);
    opts.protocol = S("chat");
    CHECK_RC(rfc6455_accept(server, &opts), RFC6455_ERR_HANDSHAKE);
    CHECK(strstr(rfc6455_last_error(server), "not offered") != NULL);
    opts.protocol = S("\xff");
    CHECK_RC(rfc6455_accept(server, &opts), RFC6455_ERR_INVALID_ARG);
    CHECK_RC(rfc6455_reject(server, 200, NULL, 0, NULL, 0), RFC6455_ERR_HANDSHAKE);
    CHECK_RC(rfc6455_reject(server, 401, NULL, 0, NULL, 0), RFC6455_ERR_HANDSHAKE);
    rfc6455_header h = {S("X-Reason"), S("policy")};
    CHECK_RC(rfc6455_reject(server, 403, &h, 1, (const uint8_t *)"no", 2), RFC6455_OK);
    CHECK_RC(rfc6455_state(server), RFC6455_STATE_CLOSED);
    CHECK_RC(rfc6455_pending_output(server, &out, &len), RFC6455_OK);
    CHECK(len > 12 && memcmp(out, "HTTP/1.1 403", 12) == 0);
    pump(server, client);
    CHECK_RC(rfc6455_next_event(client, &ev), RFC6455_ERR_HANDSHAKE);
    CHECK(strstr(rfc6455_last_error(client), "403") != NULL);
    CHECK_RC(rfc6455_state(client), RFC6455_STATE_CLOSED);
    rfc6455_free(server);
    rfc6455_free(client);

    /* The handshake timer gives up (1006). */
    server = rfc6455_server_new(NULL);
    uint64_t d;
    CHECK_RC(rfc6455_poll_timeout(server, &d), 1);
    CHECK(d == 0);
    CHECK_RC(rfc6455_handle_timeout(server, 1), RFC6455_OK);
    CHECK_RC(rfc6455_poll_timeout(server, &d), 1);
    CHECK(d == 10000000001ull);
    CHECK_RC(rfc6455_handle_timeout(server, d), RFC6455_OK);
    CHECK_RC(rfc6455_state(server), RFC6455_STATE_CLOSED);
    rfc6455_free(server);
}

static void test_protocol_errors(void) {
    /* An unmasked frame from a client: 1002, the Close frame queued. */
    rfc6455_conn *server = rfc6455_open_new(RFC6455_ROLE_SERVER, NULL);
    CHECK_RC(rfc6455_receive(server, (const uint8_t *)"\x81\x02hi", 4), RFC6455_OK);
    rfc6455_event ev;
    CHECK_RC(rfc6455_next_event(server, &ev), RFC6455_ERR_PROTOCOL);
    CHECK(ev.kind == RFC6455_EVENT_NONE);
    CHECK_RC(rfc6455_error_close_code(server), 1002);
    CHECK(strstr(rfc6455_last_error(server), "not masked") != NULL);
    CHECK_RC(rfc6455_state(server), RFC6455_STATE_CLOSED);
    CHECK_RC(rfc6455_close_sent(server), 1);
    const uint8_t *out;
    size_t len;
    CHECK_RC(rfc6455_pending_output(server, &out, &len), RFC6455_OK);
    CHECK(len >= 4 && out[0] == 0x88 && out[2] == 0x03 && out[3] == 0xea); /* Close 1002 */
    CHECK(next(server).kind == RFC6455_EVENT_NONE); /* reported once */
    rfc6455_free(server);

    /* Invalid UTF-8 in a text message: 1007. */
    rfc6455_conn *client = rfc6455_open_new(RFC6455_ROLE_CLIENT, NULL);
    CHECK_RC(rfc6455_receive(client, (const uint8_t *)"\x81\x01\xff", 3), RFC6455_OK);
    CHECK_RC(rfc6455_next_event(client, &ev), RFC6455_ERR_PROTOCOL);
    CHECK_RC(rfc6455_error_close_code(client), 1007);
    rfc6455_free(client);

    /* A frame above max_frame_size: 1009. */
    rfc6455_config cfg;
    rfc6455_config_default(&cfg);
    cfg.max_frame_size = 4;
    client = rfc6455_open_new(RFC6455_ROLE_CLIENT, &cfg);
    CHECK_RC(rfc6455_receive(client, (const uint8_t *)"\x82\x05hello", 7), RFC6455_OK);
    CHECK_RC(rfc6455_next_event(client, &ev), RFC6455_ERR_PROTOCOL);
    CHECK_RC(rfc6455_error_close_code(client), 1009);
    rfc6455_free(client);

    /* End of file without a closing handshake: Close 1006. */
    server = rfc6455_open_new(RFC6455_ROLE_SERVER, NULL);
    CHECK_RC(rfc6455_receive_eof(server), RFC6455_OK);
    ev = next(server);
    CHECK(ev.kind == RFC6455_EVENT_CLOSE && ev.close_code == 1006 && !ev.was_clean && ev.len == 0);
    rfc6455_free(server);
}

static void test_many_connections(int n) {
    for (int i = 0; i < n; i++) {
        rfc6455_conn *client, *server;
        const char *url = "ws://127.0.0.1:1/";
        CHECK_RC(rfc6455_client_new(url, strlen(url), NULL, NULL, &client), RFC6455_OK);
        server = rfc6455_server_new(NULL);
        pump(client, server);
        CHECK(next(server).kind == RFC6455_EVENT_REQUEST);
        CHECK_RC(rfc6455_accept(server, NULL), RFC6455_OK);
        pump(server, client);
        CHECK(next(client).kind == RFC6455_EVENT_OPEN);
        if (i % 2 == 0) { /* half of them exchange a compressed message first */
            char text[200];
            memset(text, 'q', sizeof text);
            CHECK_RC(rfc6455_send_text(client, text, sizeof text), RFC6455_OK);
            pump(client, server);
            CHECK(next(server).kind == RFC6455_EVENT_TEXT);
        }
        rfc6455_free(client);
        rfc6455_free(server);
    }
}

int main(void) {
    printf("rfc6455 C ABI %s\n", rfc6455_version());
    test_handshake_echo_and_close();
    test_streaming_chunks();
    test_zero_copy_receive();
    test_enable_deflate();
    test_timers();
    test_argument_errors();
    test_handshake_errors();
    test_protocol_errors();
    test_many_connections(10000);
    printf("test_ffi: %d checks passed (10000 connections opened and freed)\n", checks);
    return 0;
}
