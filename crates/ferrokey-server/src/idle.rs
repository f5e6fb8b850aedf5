//! Output deferred until the worker is about to go idle, as Valkey defers its client writes to
//! `beforeSleep`. A subscriber woken by one publisher's message does not write it at once: it
//! waits in `until_idle` while its worker runs every other ready task, so the messages of the
//! publishers served meanwhile leave in the same write.
//!
//! A worker runtime calls `before_park` from its park hook. With tasks waiting, the first call
//! does not release them: it wakes this thread's poller task, which makes the runtime poll its
//! sockets without blocking and run the requests that arrived meanwhile. Only a park hook that
//! finds no request pass ran since that poll releases the waiting tasks (tokio runs a task woken
//! there instead of parking). On a busy worker a write thus carries the messages of every
//! publisher whose request was already in, not only of those one `epoll_wait` returned. A worker
//! that never idles still releases waiting tasks after `MAX_PASSES_BEFORE_RELEASE` request passes
//! of its connections, which bounds the delay. One release wakes at most `MAX_RELEASED_PER_IDLE`
//! tasks, oldest first: a publish to thousands of subscribers then becomes writes in batches,
//! between which the worker's other clients run, instead of one queue of thousands of writes
//! ahead of them. On a thread whose runtime has no such hook (`install` was not called: unit
//! tests) nothing waits.

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
    /// `passes` when the park hook last woke the poller instead of releasing: while set, the
    /// runtime is polling its sockets, and a hook that finds `passes` unchanged releases.
    polled_at_pass: Option<u32>,
    /// The waker of this thread's poller task, once it has run.
    poller: Option<Waker>,
}

thread_local! {
    static DEFERRED: RefCell<Deferred> = RefCell::new(Deferred::default());
}

/// Marks this thread's runtime as one that calls `before_park` before parking, and starts its
/// poller task.
pub fn install(runtime: &tokio::runtime::Runtime) {
    DEFERRED.with(|d| d.borrow_mut().hooked = true);
    runtime.spawn(std::future::poll_fn(|cx| {
        DEFERRED.with(|d| {
            let mut d = d.borrow_mut();
            if !d.poller.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                d.poller = Some(cx.waker().clone());
            }
        });
        Poll::<()>::Pending
    }));
}

/// The park hook: lets the worker poll for requests that arrived while it ran, then releases
/// the waiting tasks once a poll brought none.
pub fn before_park() {
    let poll_first = DEFERRED.with(|d| {
        let mut d = d.borrow_mut();
        if d.waiting.is_empty() || d.polled_at_pass == Some(d.passes) {
            return None;
        }
        let poller = d.poller.clone()?;
        d.polled_at_pass = Some(d.passes);
        Some(poller)
    });
    match poll_first {
        Some(poller) => poller.wake(),
        None => release(),
    }
}

/// Wakes the oldest tasks waiting in `until_idle` on this thread.
fn release() {
    let wakers: Vec<Waker> = DEFERRED.with(|d| {
        let mut d = d.borrow_mut();
        d.passes = 0;
        d.polled_at_pass = None;
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

            DEFERRED.with(|d| d.borrow_mut().hooked = true);
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

    #[test]
    fn the_park_hook_polls_for_requests_before_it_releases() {
        std::thread::spawn(|| {
            let task = CountingWaker::new();
            let poller = CountingWaker::new();
            DEFERRED.with(|d| {
                let mut d = d.borrow_mut();
                d.hooked = true;
                d.poller = Some(Waker::from(poller.clone()));
            });
            let waker = Waker::from(task.clone());
            let mut cx = Context::from_waker(&waker);

            // Nothing waits: the hook neither polls nor wakes anything.
            before_park();
            assert_eq!((poller.wakes(), task.wakes()), (0, 0));

            let mut wait = Box::pin(until_idle());
            assert!(wait.as_mut().poll(&mut cx).is_pending());
            before_park();
            assert_eq!((poller.wakes(), task.wakes()), (1, 0));
            // The poll brought a request: poll again rather than release.
            pass_done();
            before_park();
            assert_eq!((poller.wakes(), task.wakes()), (2, 0));
            // The poll brought nothing: release.
            before_park();
            assert_eq!((poller.wakes(), task.wakes()), (2, 1));
            assert!(wait.as_mut().poll(&mut cx).is_ready());

            // The next waiter starts over with a poll.
            let mut wait = Box::pin(until_idle());
            assert!(wait.as_mut().poll(&mut cx).is_pending());
            before_park();
            assert_eq!((poller.wakes(), task.wakes()), (3, 1));
            before_park();
            assert_eq!((poller.wakes(), task.wakes()), (3, 2));
            assert!(wait.as_mut().poll(&mut cx).is_ready());
        })
        .join()
        .unwrap();
    }
}
