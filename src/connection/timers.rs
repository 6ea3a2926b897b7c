//! The connection's timers, on the driver's clock (the crate has none of its own).
//!
//! Each timer belongs to one phase of the connection, and a phase change leaves the new
//! phase's timer *undated*: it starts at the time given by the next
//! [`handle_timeout`](super::Connection::handle_timeout), which
//! [`poll_timeout`](super::Connection::poll_timeout) asks for at once (`Some(ZERO)`). No timer
//! ever starts from a time the connection merely remembers, so a close that comes hours after
//! the last call still gets its whole `close_timeout`.
//!
//! | phase | while | limit | when it expires |
//! |---|---|---|---|
//! | `Handshake` | `Connecting` | `handshake_timeout` | give up (1006) |
//! | `Idle` | `Open`, keep-alive on | `idle_ping` | send a Ping, then `AwaitPong` |
//! | `AwaitPong` | `Open`, Ping unanswered | `pong_timeout` | give up (1006) |
//! | `Closing` | `Closing` | `close_timeout` | give up (1006) |
//! | `Linger` | `Closed`, output unwritten | `close_timeout` | drop the output |
//!
//! Received bytes restart `Idle` (and end `AwaitPong`) from the time of the next call. A
//! deadline beyond what [`Duration`] can hold means never.

use core::time::Duration;

/// What the running timer is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Phase {
    Handshake,
    Idle,
    AwaitPong,
    Closing,
    Linger,
}

impl Phase {
    /// Whether the connection gives up on the peer when this timer expires.
    pub(super) fn gives_up(self) -> bool {
        matches!(self, Phase::Handshake | Phase::AwaitPong | Phase::Closing)
    }
}

/// The clock-free timer state: the latest time the driver gave, and the running timer.
#[derive(Debug, Default)]
pub(super) struct Timers {
    /// The latest `now` seen; time only moves forward.
    now: Option<Duration>,
    /// The timer that runs, with its start; a timer of another phase is undated.
    started: Option<(Phase, Duration)>,
    /// A keep-alive Ping was sent and nothing arrived since.
    pub(super) awaiting_pong: bool,
}

impl Timers {
    /// `now`, or the latest time seen if that is later; remembered.
    pub(super) fn advance(&mut self, now: Duration) -> Duration {
        let now = self.now.map_or(now, |t| t.max(now));
        self.now = Some(now);
        now
    }

    /// When the timer of `phase` with `limit` expires: `Some(ZERO)` while it is undated (the
    /// driver is asked for the time), `None` if never.
    pub(super) fn deadline(&self, phase: Phase, limit: Duration) -> Option<Duration> {
        match self.started {
            Some((p, start)) if p == phase => start.checked_add(limit),
            _ => Some(Duration::ZERO),
        }
    }

    /// Dates the timer of `phase` at `now` if it is not running yet, then says whether it
    /// has expired.
    pub(super) fn expired(&mut self, phase: Phase, limit: Duration, now: Duration) -> bool {
        let start = match self.started {
            Some((p, start)) if p == phase => start,
            _ => {
                self.started = Some((phase, now));
                now
            }
        };
        start
            .checked_add(limit)
            .is_some_and(|deadline| now >= deadline)
    }

    /// Starts the timer of `phase` afresh at `now`.
    pub(super) fn restart(&mut self, phase: Phase, now: Duration) {
        self.started = Some((phase, now));
    }

    /// No timer runs.
    pub(super) fn stop(&mut self) {
        self.started = None;
    }
}
