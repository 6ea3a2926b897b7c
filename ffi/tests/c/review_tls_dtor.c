/*
 * review3 DEFECT: a panic crosses the boundary (the process aborts) when a call that records
 * the thread's last error runs during thread exit, after Rust's thread-local destructors:
 * e.g. from a pthread_key_create destructor (how C libraries clean per-thread state).
 * rfc6455_state(NULL) must return RFC6455_ERR_NULL and rfc6455_server_new(misaligned) must
 * return NULL; instead `set_thread_error` (outside catch_unwind in `with_conn` and in
 * `guarded`'s error path) calls THREAD_ERROR.with() on a destroyed thread-local, which panics
 * ("cannot access a Thread Local Storage value during or after destruction"), and the panic
 * hits the extern "C" boundary: abort.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include "rfc6455.h"

static pthread_key_t key;
static volatile int rc_null = 99, got_null_conn = 0, reached = 0;

static void on_thread_exit(void *arg) {
    (void)arg;
    reached = 1;
    rc_null = rfc6455_state(NULL); /* must be RFC6455_ERR_NULL */
    union { uint64_t a; unsigned char b[sizeof(rfc6455_config) + 8]; } u;
    got_null_conn = rfc6455_server_new((const rfc6455_config *)(u.b + 1)) == NULL;
}

static void *thread_main(void *arg) {
    (void)arg;
    /* A first failed call on this thread: the thread-local error now exists (and has a
       destructor registered, which runs before pthread key destructors in glibc). */
    if (rfc6455_state(NULL) != RFC6455_ERR_NULL) return (void *)1;
    pthread_setspecific(key, (void *)1);
    return NULL;
}

int main(void) {
    pthread_key_create(&key, on_thread_exit);
    pthread_t t;
    pthread_create(&t, NULL, thread_main, NULL);
    void *ret;
    pthread_join(t, &ret);
    int ok = ret == NULL && reached && rc_null == RFC6455_ERR_NULL && got_null_conn;
    fprintf(stderr, "review_tls_dtor: %s (reached=%d rc=%d null_conn=%d)\n", ok ? "ok" : "FAILED",
            reached, rc_null, got_null_conn);
    return !ok;
}
