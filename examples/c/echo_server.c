/*
 * A WebSocket echo server in C99 over the rfc6455 C ABI: one thread, one poll() loop.
 *
 *   bash ffi/build-c-examples.sh          # builds target/c/echo_server
 *   target/c/echo_server [ADDR]           # default 127.0.0.1:9005; [::1]:9005 for IPv6;
 *                                         # port 0 picks a free port (printed on stderr)
 *
 * Every text message comes back as text, every binary as binary. It accepts the first
 * subprotocol a client offers, negotiates permessage-deflate when offered, pings clients
 * that stay silent for 30 s (and drops those that do not answer), closes gracefully, and
 * stops reading from a client whose unsent output passes 1 MiB. SIGINT / SIGTERM stop it
 * cleanly (every connection is freed, for leak checkers).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rfc6455.h"

#define MAX_CLIENTS 1000
#define READ_ROOM (64 * 1024)
#define OUTPUT_BOUND (1024 * 1024)
#define LINGER_NS 2000000000ull
#define IDLE_PING_NS 30000000000ull

struct client {
    int fd;
    rfc6455_conn *conn;     /* NULL once the WebSocket is done and the socket lingers */
    uint64_t linger_until;  /* lingering: close the socket at this time */
    int eof;                /* the peer finished sending: stop polling for input */
};

static struct client clients[MAX_CLIENTS];
static size_t nclients;
static volatile sig_atomic_t stop;

static void on_signal(int sig) { (void)sig; stop = 1; }

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int set_nonblocking(int fd) {
    int flags = fcntl(fd, F_GETFL, 0);
    return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

static int listen_on(const char *addr) {
    char host[256];
    const char *colon = strrchr(addr, ':');
    if (!colon || (size_t)(colon - addr) >= sizeof host) return -1;
    memcpy(host, addr, (size_t)(colon - addr));
    host[colon - addr] = '\0';
    char *h = host;
    size_t hl = strlen(h);
    if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') { h[hl - 1] = '\0'; h++; }
    struct addrinfo hints, *res;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
    if (getaddrinfo(h, colon + 1, &hints, &res) != 0) return -1;
    int fd = socket(res->ai_family, SOCK_STREAM, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 128) < 0 ||
        set_nonblocking(fd) < 0) {
        if (fd >= 0) close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

/* Ends a client: frees the connection and closes the socket at once. */
static void drop_client(struct client *c) {
    rfc6455_free(c->conn);
    c->conn = NULL;
    close(c->fd);
    c->fd = -1;
}

/* Step 3: writes what is pending, acknowledges what the socket took. -1 on a write error. */
static int flush(struct client *c) {
    for (;;) {
        const uint8_t *out;
        size_t len;
        if (rfc6455_pending_output(c->conn, &out, &len) != RFC6455_OK || len == 0) return 0;
        ssize_t n = send(c->fd, out, len, MSG_NOSIGNAL);
        if (n > 0) {
            rfc6455_advance_output(c->conn, (size_t)n);
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return 0;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            return -1;
        }
    }
}

/* Step 2: takes every event and echoes. */
static void drain_events(struct client *c) {
    rfc6455_event ev;
    for (;;) {
        int rc = rfc6455_next_event(c->conn, &ev);
        if (rc != RFC6455_OK) {
            fprintf(stderr, "fd %d: failed: %s (close code %d)\n", c->fd,
                    rfc6455_last_error(c->conn), rfc6455_error_close_code(c->conn));
            return;
        }
        switch (ev.kind) {
        case RFC6455_EVENT_NONE:
            return;
        case RFC6455_EVENT_REQUEST: {
            /* Accept with the first offered subprotocol (browsers fail a connection whose
               protocols are all refused); the event's strings may be passed straight back. */
            rfc6455_accept_options opts;
            memset(&opts, 0, sizeof opts);
            if (ev.protocol_count > 0) opts.protocol = ev.protocols[0];
            fprintf(stderr, "fd %d: connect %.*s\n", c->fd, (int)ev.target.len, ev.target.ptr);
            if (rfc6455_accept(c->conn, &opts) != RFC6455_OK)
                fprintf(stderr, "fd %d: accept: %s\n", c->fd, rfc6455_last_error(c->conn));
            break;
        }
        case RFC6455_EVENT_TEXT:
            rfc6455_send_text(c->conn, (const char *)ev.data, ev.len);
            break;
        case RFC6455_EVENT_BINARY:
            rfc6455_send_binary(c->conn, ev.data, ev.len);
            break;
        case RFC6455_EVENT_CLOSE:
            fprintf(stderr, "fd %d: closed %u \"%.*s\" clean=%d\n", c->fd, (unsigned)ev.close_code,
                    (int)ev.len, (const char *)ev.data, (int)ev.was_clean);
            break;
        default: /* pings are answered automatically; pongs need nothing */
            break;
        }
    }
}

/* Steps 2-5 for one client after anything happened (or may have): events, due timers,
   output, and the transport's close. */
static void service(struct client *c) {
    for (int round = 0; round < 16; round++) {
        drain_events(c);
        uint64_t deadline;
        if (rfc6455_poll_timeout(c->conn, &deadline) == 1 && deadline <= now_ns()) {
            rfc6455_handle_timeout(c->conn, now_ns());
            continue;
        }
        break;
    }
    if (flush(c) < 0) {
        drop_client(c);
        return;
    }
    if (rfc6455_should_close_transport(c->conn) == 1) {
        int linger = rfc6455_close_sent(c->conn) == 1;
        rfc6455_free(c->conn);
        c->conn = NULL;
        if (!linger) {
            close(c->fd);
            c->fd = -1;
            return;
        }
        /* Graceful close: no more writing, read until end of file or a short timeout, so
           that the peer gets the final Close frame rather than a reset. */
        shutdown(c->fd, SHUT_WR);
        c->linger_until = now_ns() + LINGER_NS;
    }
}

/* Reads what the socket has, straight into the connection's buffer (zero-copy). */
static void read_client(struct client *c) {
    uint8_t *room;
    size_t room_len;
    if (rfc6455_recv_buffer(c->conn, READ_ROOM, &room, &room_len) != RFC6455_OK) return;
    ssize_t n = recv(c->fd, room, room_len, 0);
    if (n > 0) {
        rfc6455_recv_commit(c->conn, (size_t)n);
    } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        /* Once: a socket at end of file stays readable, and polling it again would spin
           while output is still being written. */
        rfc6455_receive_eof(c->conn);
        c->eof = 1;
    }
}

static void linger_client(struct client *c, int readable) {
    char scratch[4096];
    if (readable) {
        ssize_t n;
        while ((n = recv(c->fd, scratch, sizeof scratch, 0)) > 0) {}
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            drop_client(c);
            return;
        }
    }
    if (now_ns() >= c->linger_until) drop_client(c);
}

static void accept_clients(int lfd, const rfc6455_config *config) {
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) return;
        if (nclients == MAX_CLIENTS || set_nonblocking(fd) < 0) {
            close(fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        rfc6455_conn *conn = rfc6455_server_new(config); /* step 1 */
        if (!conn) {
            close(fd);
            continue;
        }
        clients[nclients].fd = fd;
        clients[nclients].conn = conn;
        clients[nclients].linger_until = 0;
        clients[nclients].eof = 0;
        /* Step 4: a new connection's handshake timer asks for the time at once. */
        service(&clients[nclients]);
        nclients++;
    }
}

int main(int argc, char **argv) {
    const char *addr = argc > 1 ? argv[1] : "127.0.0.1:9005";
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    int lfd = listen_on(addr);
    if (lfd < 0) {
        fprintf(stderr, "cannot listen on %s: %s\n", addr, strerror(errno));
        return 1;
    }
    rfc6455_config config;
    rfc6455_config_default(&config);
    config.idle_ping_ns = IDLE_PING_NS;
    struct sockaddr_storage bound;
    socklen_t bound_len = sizeof bound;
    char host[64] = "?", port[16] = "?";
    if (getsockname(lfd, (struct sockaddr *)&bound, &bound_len) == 0)
        getnameinfo((struct sockaddr *)&bound, bound_len, host, sizeof host, port, sizeof port,
                    NI_NUMERICHOST | NI_NUMERICSERV);
    /* The port actually bound (ADDR may name port 0). */
    fprintf(stderr, "echo server (rfc6455 %s, C) listening on ws://%s%s%s:%s\n", rfc6455_version(),
            strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", port);

    static struct pollfd fds[MAX_CLIENTS + 1];
    while (!stop) {
        /* Sleep until a socket is ready or the earliest timer is due. */
        uint64_t now = now_ns(), next = UINT64_MAX;
        fds[0].fd = lfd;
        fds[0].events = POLLIN;
        for (size_t i = 0; i < nclients; i++) {
            struct client *c = &clients[i];
            fds[i + 1].fd = c->fd;
            fds[i + 1].events = c->conn && c->eof ? 0 : POLLIN;
            uint64_t deadline = c->linger_until;
            if (c->conn) {
                size_t pending = 0;
                rfc6455_buffered_amount(c->conn, &pending);
                if (pending > 0) fds[i + 1].events |= POLLOUT;
                if (pending > OUTPUT_BOUND) fds[i + 1].events &= ~POLLIN;
                if (rfc6455_poll_timeout(c->conn, &deadline) != 1) deadline = UINT64_MAX;
            }
            if (deadline < next) next = deadline;
        }
        int timeout = -1;
        if (next != UINT64_MAX) {
            uint64_t ms = next <= now ? 0 : (next - now + 999999) / 1000000;
            timeout = ms > 60000 ? 60000 : (int)ms;
        }
        int ready = poll(fds, nclients + 1, timeout);
        if (ready < 0 && errno != EINTR) {
            perror("poll");
            break;
        }
        size_t polled = nclients;
        if (ready > 0 && (fds[0].revents & POLLIN)) accept_clients(lfd, &config);
        for (size_t i = 0; i < polled; i++) {
            struct client *c = &clients[i];
            short rev = ready > 0 ? fds[i + 1].revents : 0;
            if (!c->conn) {
                linger_client(c, rev & (POLLIN | POLLHUP | POLLERR));
                continue;
            }
            if (!c->eof && (rev & (POLLIN | POLLHUP | POLLERR))) read_client(c);
            service(c);
        }
        /* Forget finished clients. */
        size_t kept = 0;
        for (size_t i = 0; i < nclients; i++)
            if (clients[i].fd >= 0) clients[kept++] = clients[i];
        nclients = kept;
    }
    for (size_t i = 0; i < nclients; i++) drop_client(&clients[i]);
    close(lfd);
    fprintf(stderr, "echo server stopped\n");
    return 0;
}
