//! The queue of asynchronous output to one connection (pub/sub messages, invalidations, MONITOR
//! lines, kill requests): any thread sends, the connection's task receives. It is unbounded;
//! the output-buffer limits (`pubsub::limits`) bound what reaches it.
//!
//! The connection polls it on every pass over its requests, almost always to find it empty, so
//! that case is one atomic load: once the receiver has registered its waker on an empty queue,
//! it need not look again until a sender has set `pending`. A sender pushes, sets `pending` and
//! takes the registered waker under the lock, then wakes it.
//!
//! Invariants: `pending` is true whenever the queue holds something (senders set it under the
//! lock; only the receiver clears it, under the lock, when it empties the queue). A waker in
//! `Inner::waker` was registered while the queue was empty, and the first push after that takes
//! it.

use std::collections::VecDeque;
use std::future::poll_fn;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use parking_lot::{Mutex, MutexGuard};

use crate::client::Push;

struct Inner {
    queue: VecDeque<Push>,
    waker: Option<Waker>,
    receiver_gone: bool,
    sender_gone: bool,
}

struct Shared {
    inner: Mutex<Inner>,
    pending: AtomicBool,
}

pub struct PushSender {
    shared: Arc<Shared>,
}

pub struct PushReceiver {
    shared: Arc<Shared>,
    /// The waker this receiver left in the queue when it last found it empty; `None` once it
    /// has taken something since (a sender may have used the waker up).
    registered: Option<Waker>,
}

pub fn channel() -> (PushSender, PushReceiver) {
    let shared = Arc::new(Shared {
        inner: Mutex::new(Inner {
            queue: VecDeque::new(),
            waker: None,
            receiver_gone: false,
            sender_gone: false,
        }),
        pending: AtomicBool::new(false),
    });
    (
        PushSender {
            shared: shared.clone(),
        },
        PushReceiver {
            shared,
            registered: None,
        },
    )
}

impl PushSender {
    /// Queues `push`; false when the receiver is gone.
    pub fn send(&self, push: Push) -> bool {
        let mut inner = self.shared.inner.lock();
        if inner.receiver_gone {
            return false;
        }
        inner.queue.push_back(push);
        self.shared.signal(inner);
        true
    }
}

impl Drop for PushSender {
    fn drop(&mut self) {
        let mut inner = self.shared.inner.lock();
        inner.sender_gone = true;
        // A receiver waiting on an empty queue learns that nothing more will come.
        self.shared.signal(inner);
    }
}

impl Shared {
    /// Marks the queue pending and wakes the receiver's left waker, outside the lock.
    fn signal(&self, mut inner: MutexGuard<'_, Inner>) {
        self.pending.store(true, Ordering::Release);
        let waker = inner.waker.take();
        drop(inner);
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl PushReceiver {
    /// The next push; `None` once the queue is empty and the sender is gone.
    pub async fn recv(&mut self) -> Option<Push> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// The next push if one is queued.
    pub fn try_recv(&mut self) -> Option<Push> {
        if !self.shared.pending.load(Ordering::Acquire) {
            return None;
        }
        let mut inner = self.shared.inner.lock();
        let push = pop(&self.shared, &mut inner);
        if push.is_some() {
            // A sender may have used the left waker up.
            self.registered = None;
        }
        push
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Push>> {
        let waker_left = self
            .registered
            .as_ref()
            .is_some_and(|waker| waker.will_wake(cx.waker()));
        if waker_left && !self.shared.pending.load(Ordering::Acquire) {
            return Poll::Pending;
        }
        let mut inner = self.shared.inner.lock();
        if let Some(push) = pop(&self.shared, &mut inner) {
            // A sender may have used the left waker up.
            self.registered = None;
            return Poll::Ready(Some(push));
        }
        if inner.sender_gone {
            return Poll::Ready(None);
        }
        inner.waker = Some(cx.waker().clone());
        self.registered = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// The oldest push, clearing `pending` when that empties the queue (unless the sender is gone,
/// which a waiting receiver must still notice).
fn pop(shared: &Shared, inner: &mut Inner) -> Option<Push> {
    let push = inner.queue.pop_front();
    if inner.queue.is_empty() && !inner.sender_gone {
        shared.pending.store(false, Ordering::Relaxed);
    }
    push
}

impl Drop for PushReceiver {
    fn drop(&mut self) {
        let mut inner = self.shared.inner.lock();
        inner.receiver_gone = true;
        inner.waker = None;
        // Messages nobody will read are freed now, not when the last sender goes.
        let queued = std::mem::take(&mut inner.queue);
        drop(inner);
        drop(queued);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::CountingWaker;

    fn kill_count(receiver: &mut PushReceiver) -> usize {
        std::iter::from_fn(|| receiver.try_recv())
            .filter(|push| matches!(push, Push::Kill))
            .count()
    }

    #[test]
    fn an_empty_poll_registers_once_and_a_send_wakes_it() {
        let (sender, mut receiver) = channel();
        let counter = CountingWaker::new();
        let waker = Waker::from(counter.clone());
        let mut cx = Context::from_waker(&waker);
        assert!(receiver.poll_recv(&mut cx).is_pending());
        assert!(receiver.poll_recv(&mut cx).is_pending());
        assert!(sender.send(Push::Kill));
        assert_eq!(counter.wakes(), 1);
        assert!(matches!(
            receiver.poll_recv(&mut cx),
            Poll::Ready(Some(Push::Kill))
        ));
        // The waker was used up by that send: the next empty poll must leave it again.
        assert!(receiver.poll_recv(&mut cx).is_pending());
        assert!(sender.send(Push::Kill));
        assert_eq!(counter.wakes(), 2);
        assert!(sender.send(Push::Kill));
        assert_eq!(kill_count(&mut receiver), 2);
        assert!(receiver.try_recv().is_none());
        drop(sender);
        assert!(matches!(receiver.poll_recv(&mut cx), Poll::Ready(None)));
    }

    #[test]
    fn sends_fail_once_the_receiver_is_gone() {
        let (sender, receiver) = channel();
        assert!(sender.send(Push::Kill));
        drop(receiver);
        assert!(!sender.send(Push::Kill));
    }

    #[test]
    fn no_push_is_lost_between_threads() {
        const PER_SENDER: usize = 20_000;
        let (sender, mut receiver) = channel();
        let sender = Arc::new(sender);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let senders: Vec<_> = (0..2)
            .map(|_| {
                let sender = sender.clone();
                std::thread::spawn(move || {
                    for _ in 0..PER_SENDER {
                        assert!(sender.send(Push::Kill));
                    }
                })
            })
            .collect();
        let received = runtime.block_on(async {
            let mut received = 0;
            while received < 2 * PER_SENDER {
                if let Some(Push::Kill) = receiver.recv().await {
                    received += 1;
                }
            }
            received
        });
        senders
            .into_iter()
            .for_each(|s| s.join().expect("sender thread"));
        assert_eq!(received, 2 * PER_SENDER);
        assert!(receiver.try_recv().is_none());
    }
}
