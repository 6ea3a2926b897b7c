"""Python bindings of the rfc6455 C ABI through ctypes (standard library only).

The shared library is ``librfc6455_ffi.so`` (``cargo build --release -p rfc6455-ffi``); set
``RFC6455_LIB`` to its path, or leave it to be found under ``target/release`` or
``target/debug`` of this repository.

A :class:`Connection` wraps one ``rfc6455_conn``. Events are copied out of the connection at
once (the C pointers die at the next call), so an :class:`Event` may be kept. A connection
may move between threads but must not be used by two at once.
"""

import ctypes
import os
from ctypes import (POINTER, Structure, byref, c_bool, c_char_p, c_int, c_size_t, c_uint8,
                    c_uint16, c_uint32, c_uint64, c_void_p)
from dataclasses import dataclass, field

OK = 0
ERR_NULL, ERR_INVALID_ARG, ERR_PROTOCOL, ERR_HANDSHAKE = -1, -2, -3, -4
ERR_NOT_OPEN, ERR_CLOSED, ERR_CONTROL_TOO_LONG, ERR_INVALID_CLOSE_CODE = -5, -6, -7, -8
ERR_FRAGMENT_IN_PROGRESS, ERR_STATE, ERR_PANIC = -9, -10, -11
ROLE_CLIENT, ROLE_SERVER = 0, 1
STATE_CONNECTING, STATE_OPEN, STATE_CLOSING, STATE_CLOSED = 0, 1, 2, 3
(EVENT_NONE, EVENT_REQUEST, EVENT_OPEN, EVENT_TEXT, EVENT_BINARY, EVENT_TEXT_CHUNK,
 EVENT_BINARY_CHUNK, EVENT_PING, EVENT_PONG, EVENT_CLOSE) = range(10)
NO_TIMEOUT = 2**64 - 1


class Str(Structure):
    _fields_ = [("ptr", c_void_p), ("len", c_size_t)]

    @classmethod
    def of(cls, b):
        """A view of the bytes object ``b`` (kept alive by the caller), or absent for None."""
        if b is None:
            return cls(None, 0)
        return cls(ctypes.cast(ctypes.c_char_p(b), c_void_p), len(b))

    def get(self):
        if not self.ptr:
            return None
        return ctypes.string_at(self.ptr, self.len) if self.len else b""


class Header(Structure):
    _fields_ = [("name", Str), ("value", Str)]


class Config(Structure):
    _fields_ = [
        ("max_frame_size", c_size_t), ("max_message_size", c_size_t),
        ("max_handshake_size", c_size_t), ("max_headers", c_size_t),
        ("auto_pong", c_uint8), ("streaming", c_uint8),
        ("idle_ping_ns", c_uint64), ("pong_timeout_ns", c_uint64),
        ("close_timeout_ns", c_uint64), ("handshake_timeout_ns", c_uint64),
        ("retain_buffer", c_size_t),
        ("deflate", c_uint8), ("deflate_level", c_uint32), ("deflate_threshold", c_size_t),
        ("deflate_server_no_context_takeover", c_uint8),
        ("deflate_client_no_context_takeover", c_uint8),
        ("deflate_server_max_window_bits", c_uint8),
        ("deflate_client_max_window_bits", c_uint8),
    ]


class AcceptOptions(Structure):
    _fields_ = [("protocol", Str), ("extensions", Str), ("headers", POINTER(Header)),
                ("header_count", c_size_t)]


class RawEvent(Structure):
    _fields_ = [
        ("kind", c_int), ("data", c_void_p), ("len", c_size_t), ("fin", c_bool),
        ("close_code", c_uint16), ("was_clean", c_bool),
        ("target", Str), ("path", Str), ("query", Str), ("host", Str), ("origin", Str),
        ("protocols", POINTER(Str)), ("protocol_count", c_size_t), ("protocol", Str),
        ("headers", POINTER(Header)), ("header_count", c_size_t),
    ]


def _find_library():
    path = os.environ.get("RFC6455_LIB")
    if path:
        return path
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for profile in ("release", "debug"):
        candidate = os.path.join(root, "target", profile, "librfc6455_ffi.so")
        if os.path.exists(candidate):
            return candidate
    raise OSError("librfc6455_ffi.so not found: run `cargo build --release -p rfc6455-ffi` "
                  "or set RFC6455_LIB")


lib = ctypes.CDLL(_find_library())
_CONN = c_void_p


def _sig(name, restype, *argtypes):
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


_sig("rfc6455_version", c_char_p)
_sig("rfc6455_config_default", c_int, POINTER(Config))
_sig("rfc6455_server_new", _CONN, POINTER(Config))
_sig("rfc6455_open_new", _CONN, c_int, POINTER(Config))
_sig("rfc6455_free", None, _CONN)
_sig("rfc6455_last_error", c_char_p, _CONN)
_sig("rfc6455_error_close_code", c_int, _CONN)
_sig("rfc6455_receive", c_int, _CONN, c_char_p, c_size_t)
_sig("rfc6455_receive_eof", c_int, _CONN)
_sig("rfc6455_next_event", c_int, _CONN, POINTER(RawEvent))
_sig("rfc6455_accept", c_int, _CONN, POINTER(AcceptOptions))
_sig("rfc6455_reject", c_int, _CONN, c_uint16, POINTER(Header), c_size_t, c_char_p, c_size_t)
for _name in ("rfc6455_send_text", "rfc6455_send_binary", "rfc6455_send_ping",
              "rfc6455_send_pong"):
    _sig(_name, c_int, _CONN, c_char_p, c_size_t)
_sig("rfc6455_close", c_int, _CONN, c_uint16, c_char_p, c_size_t)
_sig("rfc6455_pending_output", c_int, _CONN, POINTER(c_void_p), POINTER(c_size_t))
_sig("rfc6455_advance_output", c_int, _CONN, c_size_t)
_sig("rfc6455_poll_timeout", c_int, _CONN, POINTER(c_uint64))
_sig("rfc6455_handle_timeout", c_int, _CONN, c_uint64)
_sig("rfc6455_state", c_int, _CONN)
_sig("rfc6455_should_close_transport", c_int, _CONN)
_sig("rfc6455_protocol", c_int, _CONN, POINTER(Str))
_sig("rfc6455_extensions", c_int, _CONN, POINTER(Str))


class Error(Exception):
    """A failed call: ``code`` is an ``ERR_*`` constant, ``close_code`` the RFC 6455 close
    code of a protocol error (else 0)."""

    def __init__(self, code, message, close_code=0):
        super().__init__("%s (%d)" % (message, code))
        self.code = code
        self.close_code = close_code


@dataclass
class Event:
    kind: int
    data: bytes = b""
    fin: bool = True
    close_code: int = 0
    was_clean: bool = False
    target: bytes = None
    path: bytes = None
    origin: bytes = None
    protocols: list = field(default_factory=list)
    protocol: bytes = None
    headers: list = field(default_factory=list)

    @property
    def text(self):
        return self.data.decode("utf-8")


def default_config():
    c = Config()
    lib.rfc6455_config_default(byref(c))
    return c


class Connection:
    """One WebSocket connection (sans-IO): feed bytes, take events, write the output."""

    def __init__(self, ptr):
        if not ptr:
            raise Error(ERR_PANIC, lib.rfc6455_last_error(None).decode())
        self._p = ptr

    @classmethod
    def server(cls, config=None):
        return cls(lib.rfc6455_server_new(byref(config) if config else None))

    def _check(self, rc):
        if rc < 0:
            msg = lib.rfc6455_last_error(self._p).decode("utf-8", "replace")
            close = lib.rfc6455_error_close_code(self._p) if rc == ERR_PROTOCOL else 0
            raise Error(rc, msg, close)
        return rc

    def free(self):
        if self._p:
            lib.rfc6455_free(self._p)
            self._p = None

    __del__ = free

    def receive(self, data):
        self._check(lib.rfc6455_receive(self._p, data, len(data)))

    def receive_eof(self):
        self._check(lib.rfc6455_receive_eof(self._p))

    def next_event(self):
        """The next event, copied out, or None; raises :class:`Error` on a protocol or
        handshake failure (the error response or Close frame is then queued)."""
        raw = RawEvent()
        self._check(lib.rfc6455_next_event(self._p, byref(raw)))
        if raw.kind == EVENT_NONE:
            return None
        ev = Event(raw.kind, ctypes.string_at(raw.data, raw.len) if raw.len else b"", raw.fin,
                   raw.close_code, raw.was_clean, raw.target.get(), raw.path.get(),
                   raw.origin.get(), [raw.protocols[i].get() for i in range(raw.protocol_count)],
                   raw.protocol.get(),
                   [(raw.headers[i].name.get(), raw.headers[i].value.get())
                    for i in range(raw.header_count)])
        return ev

    def accept(self, protocol=None):
        opts = AcceptOptions()
        opts.protocol = Str.of(protocol)
        self._check(lib.rfc6455_accept(self._p, byref(opts)))

    def reject(self, status, body=b""):
        self._check(lib.rfc6455_reject(self._p, status, None, 0, body, len(body)))

    def send_text(self, text):
        b = text.encode("utf-8") if isinstance(text, str) else text
        self._check(lib.rfc6455_send_text(self._p, b, len(b)))

    def send_binary(self, data):
        self._check(lib.rfc6455_send_binary(self._p, bytes(data), len(data)))

    def send_ping(self, data=b""):
        self._check(lib.rfc6455_send_ping(self._p, data, len(data)))

    def close(self, code=1000, reason=""):
        b = reason.encode("utf-8")
        self._check(lib.rfc6455_close(self._p, code, b, len(b)))

    def pending_output(self):
        ptr, n = c_void_p(), c_size_t()
        self._check(lib.rfc6455_pending_output(self._p, byref(ptr), byref(n)))
        return ctypes.string_at(ptr, n.value) if n.value else b""

    def advance_output(self, n):
        self._check(lib.rfc6455_advance_output(self._p, n))

    def poll_timeout(self):
        """The deadline in nanoseconds on the caller's monotonic clock, or None."""
        d = c_uint64()
        return d.value if self._check(lib.rfc6455_poll_timeout(self._p, byref(d))) == 1 else None

    def handle_timeout(self, now_ns):
        self._check(lib.rfc6455_handle_timeout(self._p, now_ns))

    @property
    def state(self):
        return self._check(lib.rfc6455_state(self._p))

    def should_close_transport(self):
        return self._check(lib.rfc6455_should_close_transport(self._p)) == 1

    @property
    def protocol(self):
        s = Str()
        return s.get().decode() if self._check(lib.rfc6455_protocol(self._p, byref(s))) else None

    @property
    def extensions(self):
        s = Str()
        return s.get().decode() if self._check(lib.rfc6455_extensions(self._p, byref(s))) else None


def version():
    return lib.rfc6455_version().decode()
