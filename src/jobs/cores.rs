//! How the queue shares the machine's cores among the transcriptions it runs at once.
//!
//! whisper.cpp's threads wait for each other at a barrier after every operation, so jobs
//! that together ask for more threads than there are cores slow each other down far more
//! than they gain. The queue therefore leases threads from a fixed budget (the physical
//! cores): a job that starts while others wait gets an equal share, a job that starts
//! with nothing else queued gets whatever is free (a lone file gets the whole machine),
//! and a queue thread that finds less than a share free waits instead of oversubscribing.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};

/// The thread budget of one queue.
pub struct Cores {
    total: usize,
    /// What each of `concurrency` jobs gets when they all run.
    share: usize,
    free: Mutex<usize>,
    changed: Condvar,
}

/// Threads reserved for one job; they go back to the budget when dropped.
pub struct Lease<'a> {
    cores: &'a Cores,
    threads: usize,
}

/// What a queue thread got from [`Cores::claim`].
pub enum Claim<'a, T> {
    Job(T, Lease<'a>),
    /// Nothing was queued.
    Nothing,
    /// The queue is stopping.
    Stopped,
}

impl Cores {
    pub fn new(total: usize, concurrency: usize) -> Self {
        let total = total.max(1);
        Self {
            total,
            share: (total / concurrency.max(1)).max(1),
            free: Mutex::new(total),
            changed: Condvar::new(),
        }
    }

    /// Waits until a share of the cores is free, then calls `take` for the next job and
    /// the number of jobs still waiting after it. The job gets a share, or every free core
    /// when nothing else waits. `take` runs under the budget's lock, so two queue threads
    /// never decide at once (an idle one looking for work cannot halve a lone file's
    /// cores). Returns `Stopped` once `stop` is set (call [`Cores::wake`] after setting it).
    pub fn claim<T>(
        &self,
        stop: &AtomicBool,
        take: impl FnOnce() -> Option<(T, usize)>,
    ) -> Claim<'_, T> {
        let free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        let mut free = self
            .changed
            .wait_while(free, |free| {
                *free < self.share && !stop.load(Ordering::SeqCst)
            })
            .unwrap_or_else(|e| e.into_inner());
        if stop.load(Ordering::SeqCst) {
            return Claim::Stopped;
        }
        let Some((job, waiting)) = take() else {
            return Claim::Nothing;
        };
        let threads = if waiting > 0 { self.share } else { *free };
        *free -= threads;
        Claim::Job(
            job,
            Lease {
                cores: self,
                threads,
            },
        )
    }

    /// Wakes every queue thread waiting for cores (to see a stop).
    pub fn wake(&self) {
        self.changed.notify_all();
    }

    pub fn total(&self) -> usize {
        self.total
    }
}

impl Lease<'_> {
    pub fn threads(&self) -> usize {
        self.threads
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        *self.cores.free.lock().unwrap_or_else(|e| e.into_inner()) += self.threads;
        self.cores.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    fn lease<T>(claim: Claim<'_, T>) -> Lease<'_> {
        match claim {
            Claim::Job(_, lease) => lease,
            Claim::Nothing => panic!("no job"),
            Claim::Stopped => panic!("stopped"),
        }
    }

    #[test]
    fn a_batch_splits_the_cores_and_a_lone_job_takes_all_that_is_free() {
        let cores = Cores::new(8, 2);
        let stop = AtomicBool::new(false);
        // Two files of a batch of three start: half the cores each.
        let first = lease(cores.claim(&stop, || Some(("a", 2))));
        let second = lease(cores.claim(&stop, || Some(("b", 1))));
        assert_eq!((first.threads(), second.threads()), (4, 4));
        // The first finishes; the last file of the batch takes what is free.
        drop(first);
        let last = lease(cores.claim(&stop, || Some(("c", 0))));
        assert_eq!(last.threads(), 4);
        drop((second, last));
        // Looking for work and finding none reserves nothing...
        assert!(matches!(
            cores.claim(&stop, || None::<(&str, usize)>),
            Claim::Nothing
        ));
        // ...so a file queued alone gets every core.
        assert_eq!(lease(cores.claim(&stop, || Some(("d", 0)))).threads(), 8);
    }

    #[test]
    fn a_queue_thread_waits_for_a_share_instead_of_oversubscribing() {
        let cores = Arc::new(Cores::new(4, 2));
        let stop = Arc::new(AtomicBool::new(false));
        let lone = lease(cores.claim(&stop, || Some(((), 0))));
        assert_eq!(lone.threads(), 4);
        let (cores2, stop2) = (cores.clone(), stop.clone());
        let waiter = std::thread::spawn(move || match cores2.claim(&stop2, || Some(((), 0))) {
            Claim::Job(_, lease) => Some(lease.threads()),
            _ => None,
        });
        std::thread::sleep(Duration::from_millis(100));
        assert!(
            !waiter.is_finished(),
            "no share is free while the lone job holds all"
        );
        drop(lone);
        assert_eq!(waiter.join().unwrap(), Some(4));
    }

    #[test]
    fn a_stop_ends_the_wait() {
        let cores = Arc::new(Cores::new(2, 1));
        let stop = Arc::new(AtomicBool::new(false));
        let held = lease(cores.claim(&stop, || Some(((), 0))));
        let (cores2, stop2) = (cores.clone(), stop.clone());
        let waiter = std::thread::spawn(move || {
            matches!(cores2.claim(&stop2, || Some(((), 0))), Claim::Stopped)
        });
        std::thread::sleep(Duration::from_millis(50));
        stop.store(true, Ordering::SeqCst);
        cores.wake();
        assert!(waiter.join().unwrap(), "a stopped queue takes no more jobs");
        drop(held);
    }
}
