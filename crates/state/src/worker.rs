//! A small runtime of the store's own, on a thread of its own, that every S3 request runs on.
//!
//! [`linkplan_engine::Journal::record`] is synchronous (apply records between two awaits, and
//! the file store's `fsync` blocks too), while the S3 client is async. Running the request on the
//! caller's runtime would need `block_in_place` (which panics on a current-thread runtime) or
//! would block the very thread that has to drive it. Here the request runs on this thread's
//! runtime, and the caller waits for its answer: blocking ([`Worker::block`], for `record`) or
//! awaiting ([`Worker::run`], for opening and reading). The S3 client's connection pool lives on
//! this runtime too, so it never outlives the runtime that drives its connections.

use std::future::Future;
use std::sync::mpsc;
use std::thread::JoinHandle;

use tokio::runtime::Handle;
use tokio::sync::oneshot;

/// Why a request never answered: the worker is gone (it panicked, or is shutting down).
#[derive(Debug, thiserror::Error)]
#[error("the S3 worker thread stopped before answering")]
pub(crate) struct WorkerGone;

/// The thread and a handle to spawn on its runtime.
#[derive(Debug)]
pub(crate) struct Worker {
    handle: Handle,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    pub(crate) fn start() -> std::io::Result<Worker> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new().name("linkplan-state".to_owned()).spawn(move || {
            // Spawned requests run while this thread waits here.
            let _ = runtime.block_on(stopped);
        })?;
        Ok(Worker { handle, stop: Some(stop), thread: Some(thread) })
    }

    /// Run `future` on the worker and await its answer (from any runtime).
    pub(crate) async fn run<F>(&self, future: F) -> Result<F::Output, WorkerGone>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future).await.map_err(|_| WorkerGone)
    }

    /// Run `future` on the worker and block this thread until it answers (from any thread,
    /// inside a runtime or not: the worker does not need the caller's thread to make progress).
    pub(crate) fn block<F>(&self, future: F) -> Result<F::Output, WorkerGone>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (tx, rx) = mpsc::sync_channel(1);
        self.handle.spawn(async move {
            let _ = tx.send(future.await);
        });
        rx.recv().map_err(|_| WorkerGone)
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
