//! Cancellation without an async runtime: a flag plus the wakers of the futures waiting on
//! it, and a two-way race of futures written with `std::future::poll_fn`.
//!
//! The sync engine used tokio's `Notify` and `select!`; on phones it now runs on the app's
//! executor (Kotlin coroutines, Swift tasks, polled through uniffi), so it must not need a
//! tokio runtime, and pulling tokio in only for these two small pieces would cost size.
//! Waiters register their waker under an id and remove it when dropped, so a long sync
//! that races many requests against the token does not grow the list.

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Poll, Waker};

#[derive(Debug, Default)]
struct Inner {
    cancelled: AtomicBool,
    next_id: AtomicU64,
    waiters: Mutex<Vec<(u64, Waker)>>,
}

impl Inner {
    fn waiters(&self) -> MutexGuard<'_, Vec<(u64, Waker)>> {
        // A poisoned list only means a waker panicked while being cloned; the list is intact.
        self.waiters.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Stops a running sync at the next step or network wait. Clones share one flag.
#[derive(Debug, Clone, Default)]
pub struct CancelToken {
    inner: Arc<Inner>,
}

impl CancelToken {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the flag and wakes every future waiting in [`CancelToken::cancelled`].
    pub fn cancel(&self) {
        self.inner.cancelled.store(true, Ordering::SeqCst);
        let waiters = std::mem::take(&mut *self.inner.waiters());
        for (_, waker) in waiters {
            waker.wake();
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.inner.cancelled.load(Ordering::SeqCst)
    }

    /// Completes once the token is cancelled (at once if it already is).
    pub async fn cancelled(&self) {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let _registration = Registration {
            inner: &self.inner,
            id,
        };
        poll_fn(|cx| {
            if self.is_cancelled() {
                return Poll::Ready(());
            }
            {
                let mut waiters = self.inner.waiters();
                match waiters.iter_mut().find(|(i, _)| *i == id) {
                    Some((_, w)) if w.will_wake(cx.waker()) => {}
                    Some((_, w)) => w.clone_from(cx.waker()),
                    None => waiters.push((id, cx.waker().clone())),
                }
            }
            // `cancel` may have run between the first check and the registration.
            if self.is_cancelled() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
    }
}

/// Removes a waiter's waker when its future completes or is dropped.
struct Registration<'a> {
    inner: &'a Inner,
    id: u64,
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        self.inner.waiters().retain(|(i, _)| *i != self.id);
    }
}

/// Runs `work` until it completes, or returns `None` as soon as `token` is cancelled (then
/// `work` is dropped: for a foreign HTTP call that cancels the app's task). `work` is
/// polled first, so a cancel that lands together with the answer keeps the answer.
pub async fn or_cancelled<F: Future>(token: &CancelToken, work: F) -> Option<F::Output> {
    let mut work = pin!(work);
    let mut stop = pin!(token.cancelled());
    poll_fn(|cx| {
        if let Poll::Ready(out) = work.as_mut().poll(cx) {
            return Poll::Ready(Some(out));
        }
        if stop.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::task::{Context, Wake};

    /// Counts wake-ups, so the tests need no executor.
    #[derive(Default)]
    struct CountingWaker(AtomicUsize);
    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn cancel_wakes_the_waiter_and_the_race_ends_cancelled() {
        let token = CancelToken::new();
        let counter = Arc::new(CountingWaker::default());
        let waker = Waker::from(counter.clone());
        let mut cx = Context::from_waker(&waker);
        let mut race = pin!(or_cancelled(&token, std::future::pending::<u8>()));
        assert!(race.as_mut().poll(&mut cx).is_pending());
        assert_eq!(token.inner.waiters().len(), 1);
        token.clone().cancel();
        assert_eq!(counter.0.load(Ordering::SeqCst), 1, "the waiter was woken");
        assert_eq!(race.as_mut().poll(&mut cx), Poll::Ready(None));
        assert!(token.inner.waiters().is_empty(), "the registration is gone");
    }

    #[test]
    fn finished_work_wins_and_dropped_waiters_leave_no_waker() {
        let token = CancelToken::new();
        let waker = Waker::from(Arc::new(CountingWaker::default()));
        let mut cx = Context::from_waker(&waker);
        let mut done = pin!(or_cancelled(&token, std::future::ready(7u8)));
        assert_eq!(done.as_mut().poll(&mut cx), Poll::Ready(Some(7)));
        {
            let mut waiting = Box::pin(or_cancelled(&token, std::future::pending::<u8>()));
            assert!(waiting.as_mut().poll(&mut cx).is_pending());
            assert_eq!(token.inner.waiters().len(), 1);
        }
        assert!(
            token.inner.waiters().is_empty(),
            "dropping the race unregisters it"
        );
        // Already cancelled: even a future that would finish loses nothing, it wins first;
        // a pending one ends at once.
        token.cancel();
        let mut late = pin!(or_cancelled(&token, std::future::pending::<u8>()));
        assert_eq!(late.as_mut().poll(&mut cx), Poll::Ready(None));
    }
}
