//! Output deferred until the worker is about to go idle, as Valkey defers its client writes to
//! `beforeSleep`. A subscriber woken by one publisher's message does not write it at once: it
//! waits in `until_idle` while its worker runs every other ready task, so the messages of the
//! publishers served meanwhile leave in the same write.
//!
//! A worker runtime calls `release` from its park hook (tokio runs a task woken there instead
//! of parking). A worker that never idles still releases waiting tasks after
//! `MAX_PASSES_BEFORE_RELEASE` request passes of its connections, which bounds the delay. One
//! release wakes at most `MAX_RELEASED_PER_IDLE` tasks, oldest first: a publish to thousands of
//! subscribers then becomes writes in batches, between which the worker's other clients run,
//! instead of one queue of thousands of writes ahead of them. On a thread whose runtime has no
//! such hook (`install` was not called: unit tests) nothing waits.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// Request passes (one read's worth of commands on one connection) a deferred write may wait
/// behind on a worker that never goes idle. Below the connections a busy worker serves between
/// two idles, it splits their messages over two writes: at 32, 50 publishers to one subscriber
/// gave 3–4 messages per write against Valkey's 5–7, and 9% less PUBLISH throughput than at 128.
const MAX_PASSES_BEFORE_RELEASE: u32 = 128;
/// Waiting tasks one release wakes: about a millisecond of subscriber writes.
const MAX_RELEASED_PER_IDLE: usize = 256;

#[derive(Default)]
struct Deferred {
    hooked: bool,
    /// Tickets are handed out in order; every ticket below this one was released.
    released_below: u64,
    next_ticket: u64,
    waiting: VecDeque<(u64, Waker)>,
    passes: u32,
}

thread_local! {
    static DEFERRED: RefCell<Deferred> = RefCell::new(Deferred::default());
}

/// Marks this thread's runtime as one that calls `release` before parking.
pub fn install() {
    DEFERRED.with(|d| d.borrow_mut().hooked = true);
}

/// Wakes the oldest tasks waiting in `until_idle` on this thread (the park hook).
pub fn release() {
    let wakers: Vec<Waker> = DEFERRED.with(|d| {
        let mut d = d.borrow_mut();
        d.passes = 0;
        let n = d.waiting.len().min(MAX_RELEASED_PER_IDLE);
        let Some(&(last, _)) = n.checked_sub(1).and_then(|i| d.waiting.get(i)) else {
            return Vec::new();
        };
        d.released_below = last + 1;
        d.waiting.drain(..n).map(|(_, waker)| waker).collect()
    });
    wakers.into_iter().for_each(Waker::wake);
}

/// Records that a connection ran a pass of requests; releases waiters when a busy worker has
/// made them wait long enough.
pub fn pass_done() {
    let due = DEFERRED.with(|d| {
        let mut d = d.borrow_mut();
        d.passes += 1;
        d.passes >= MAX_PASSES_BEFORE_RELEASE && !d.waiting.is_empty()
    });
    if due {
        release();
    }
}

/// Completes once this thread's worker has run everything that was ready.
pub fn until_idle() -> UntilIdle {
    UntilIdle { ticket: None }
}

pub struct UntilIdle {
    ticket: Option<u64>,
}

impl Future for UntilIdle {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let ticket = self.ticket;
        let outcome = DEFERRED.with(|d| {
            let mut d = d.borrow_mut();
            if !d.hooked {
                return Poll::Ready(None);
            }
            match ticket {
                Some(ticket) if ticket < d.released_below => Poll::Ready(None),
                // Another waker of the task (a new message) fired first: keep waiting.
                Some(_) => Poll::Pending,
                None => {
                    let ticket = d.next_ticket;
                    d.next_ticket += 1;
                    d.waiting.push_back((ticket, cx.waker().clone()));
                    Poll::Ready(Some(ticket))
                }
            }
        });
        match outcome {
            Poll::Ready(Some(ticket)) => {
                self.ticket = Some(ticket);
                Poll::Pending
            }
            Poll::Ready(None) => Poll::Ready(()),
            Poll::Pending => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::CountingWaker;

    #[test]
    fn waits_for_the_release_and_ignores_other_wakes() {
        std::thread::spawn(|| {
            let counter = CountingWaker::new();
            let waker = Waker::from(counter.clone());
            let mut cx = Context::from_waker(&waker);
            let mut wait = Box::pin(until_idle());
            // Without the hook it completes at once.
            assert!(wait.as_mut().poll(&mut cx).is_ready());

            install();
            let mut wait = Box::pin(until_idle());
            assert!(wait.as_mut().poll(&mut cx).is_pending());
            // A spurious poll (another waker of the task) does not end the wait.
            assert!(wait.as_mut().poll(&mut cx).is_pending());
            for _ in 1..MAX_PASSES_BEFORE_RELEASE {
                pass_done();
            }
            assert_eq!(counter.wakes(), 0);
            pass_done();
            assert_eq!(counter.wakes(), 1);
            assert!(wait.as_mut().poll(&mut cx).is_ready());

            let mut wait = Box::pin(until_idle());
            assert!(wait.as_mut().poll(&mut cx).is_pending());
            release();
            assert_eq!(counter.wakes(), 2);
            assert!(wait.as_mut().poll(&mut cx).is_ready());

            // A large crowd is released oldest first, a batch per release.
            let mut crowd: Vec<_> = (0..MAX_RELEASED_PER_IDLE + 10)
                .map(|_| Box::pin(until_idle()))
                .collect();
            for wait in &mut crowd {
                assert!(wait.as_mut().poll(&mut cx).is_pending());
            }
            release();
            let mut ready = |crowd: &mut Vec<Pin<Box<UntilIdle>>>| {
                crowd
                    .iter_mut()
                    .map(|w| w.as_mut().poll(&mut cx).is_ready())
                    .collect::<Vec<bool>>()
            };
            let first = ready(&mut crowd);
            assert!(first[..MAX_RELEASED_PER_IDLE].iter().all(|&r| r));
            assert!(first[MAX_RELEASED_PER_IDLE..].iter().all(|&r| !r));
            crowd.drain(..MAX_RELEASED_PER_IDLE);
            release();
            assert!(ready(&mut crowd).iter().all(|&r| r));
        })
        .join()
        .unwrap();
    }
}
