//! CLIENT PAUSE: holding clients' commands until a deadline or CLIENT UNPAUSE.
//!
//! A pause holds either every command (ALL) or only those that may write (WRITE: commands
//! flagged write or may-replicate, and EXEC of a transaction holding one). A held command is
//! not executed, not even queued inside MULTI: the connection keeps it aside and waits, then
//! runs it, as Valkey postpones it. Pauses merge: the later deadline and the stronger mode win.
//! While writes are paused the keyspace does not change behind clients' backs either: expired
//! keys read as missing but are not deleted, and the active expiry cycle waits.

use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use ferrokey_cmdtable::spec::CMD_MAY_REPLICATE;
use ferrokey_cmdtable::CommandSpec;
use parking_lot::Mutex;
use tokio::sync::Notify;

const NONE: u8 = 0;
const WRITE: u8 = 1;
const ALL: u8 = 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PauseMode {
    Write,
    All,
}

#[derive(Default)]
pub struct Pause {
    /// The mode in force (NONE, WRITE, ALL), read on every command.
    mode: AtomicU8,
    end: Mutex<Option<Instant>>,
    ended: Notify,
}

impl Pause {
    /// Starts or extends a pause: the later end and the stronger mode win.
    pub fn pause(&self, duration: Duration, mode: PauseMode) {
        let mut end = self.end.lock();
        let until = Instant::now() + duration;
        let current = self.current_mode_locked(&end);
        *end = Some(end.filter(|&e| e > until).unwrap_or(until));
        let requested = match mode {
            PauseMode::Write => WRITE,
            PauseMode::All => ALL,
        };
        self.mode.store(current.max(requested), Ordering::Release);
    }

    pub fn unpause(&self) {
        let mut end = self.end.lock();
        *end = None;
        self.mode.store(NONE, Ordering::Release);
        self.ended.notify_waiters();
    }

    fn current_mode_locked(&self, end: &Option<Instant>) -> u8 {
        match end {
            Some(e) if *e > Instant::now() => self.mode.load(Ordering::Acquire),
            _ => NONE,
        }
    }

    /// The mode in force now, ending an expired pause.
    fn mode_now(&self) -> u8 {
        if self.mode.load(Ordering::Acquire) == NONE {
            return NONE;
        }
        let mut end = self.end.lock();
        let mode = self.current_mode_locked(&end);
        if mode == NONE {
            *end = None;
            self.mode.store(NONE, Ordering::Release);
            self.ended.notify_waiters();
        }
        mode
    }

    /// Whether writes are paused (expiry holds off too).
    pub fn writes_paused(&self) -> bool {
        self.mode_now() != NONE
    }

    /// Whether `spec` must wait; `writes` says the command may write (for EXEC, whether its
    /// transaction may). CLIENT UNPAUSE always runs, so a pause can be lifted.
    pub fn holds(&self, spec: &CommandSpec, writes: bool) -> bool {
        match self.mode_now() {
            NONE => false,
            ALL => spec.full_name != "client|unpause",
            _ => writes,
        }
    }

    /// Whether a command may write, for WRITE pauses.
    pub fn may_write(spec: &CommandSpec) -> bool {
        spec.is_write() || spec.has_flag(CMD_MAY_REPLICATE)
    }

    /// Waits until the pause in force ends (deadline or UNPAUSE).
    pub async fn wait(&self) {
        loop {
            let ended = self.ended.notified();
            let end = *self.end.lock();
            if self.mode_now() == NONE {
                return;
            }
            match end {
                Some(end) => {
                    tokio::select! {
                        _ = ended => {}
                        _ = tokio::time::sleep_until(end.into()) => {}
                    }
                }
                None => ended.await,
            }
        }
    }

    /// INFO clients: paused_reason, paused_actions, paused_timeout_milliseconds.
    pub fn info(&self) -> (&'static str, &'static str, u64) {
        let mode = self.mode_now();
        let remaining_ms = self
            .end
            .lock()
            .map(|e| e.saturating_duration_since(Instant::now()).as_millis() as u64)
            .unwrap_or(0);
        match mode {
            WRITE => ("client_pause", "write", remaining_ms),
            ALL => ("client_pause", "all", remaining_ms),
            _ => ("none", "none", 0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_merge_to_the_later_end_and_the_stronger_mode() {
        let pause = Pause::default();
        assert_eq!(pause.info(), ("none", "none", 0));
        pause.pause(Duration::from_secs(10), PauseMode::Write);
        pause.pause(Duration::from_secs(1), PauseMode::All);
        let (reason, actions, remaining_ms) = pause.info();
        assert_eq!((reason, actions), ("client_pause", "all"));
        assert!(remaining_ms > 5_000);
        pause.unpause();
        assert!(!pause.writes_paused());
        pause.pause(Duration::ZERO, PauseMode::All);
        assert!(
            !pause.writes_paused(),
            "a pause whose end has passed is over"
        );
    }
}
