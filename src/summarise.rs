//! Summaries on worker threads, in order: requests go in numbered from 0 and
//! come out as captures in that order, whichever worker finished first.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, bounded};

use crate::capture::{Capture, Received, Routes};
use crate::waker::Waker;

/// How the workers share the CPU with the rest of the process.
#[derive(Clone, Debug)]
pub enum Priority {
    Normal,
    /// Only what answering leaves: while `Activity` shows requests being
    /// answered, the workers wait (unless far behind), and they run at the
    /// lowest priority; under a burst the summaries catch up after.
    Idle(Arc<Activity>),
}

/// When requests were last answered, for work that waits for a quiet moment.
#[derive(Debug)]
pub struct Activity {
    origin: Instant,
    /// Milliseconds since `origin` at the last answer.
    last: AtomicU64,
}

impl Activity {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            origin: Instant::now(),
            last: AtomicU64::new(0),
        })
    }

    /// A request was just answered.
    pub fn mark(&self) {
        let now = self.origin.elapsed().as_millis() as u64;
        self.last.store(now, Ordering::Relaxed);
    }

    fn quiet_for(&self, time: Duration) -> bool {
        let now = self.origin.elapsed().as_millis() as u64;
        now.saturating_sub(self.last.load(Ordering::Relaxed)) >= time.as_millis() as u64
    }
}

/// How long answering must have paused before summaries run.
const QUIET: Duration = Duration::from_millis(25);
/// How often waiting workers look again.
const NAP: Duration = Duration::from_millis(10);

struct Job {
    seq: u64,
    items: Vec<Received>,
}

/// Captures finished out of order, held until the ones before them are done.
struct Reorder {
    next: u64,
    waiting: BTreeMap<u64, Vec<Capture>>,
    output: Sender<Vec<Capture>>,
}

impl Reorder {
    /// Sends `captures` (number `seq`) and whatever it unblocks, in order.
    fn done(&mut self, seq: u64, captures: Vec<Capture>) -> bool {
        self.waiting.insert(seq, captures);
        let mut sent = false;
        while let Some(captures) = self.waiting.remove(&self.next) {
            self.next += 1;
            sent = true;
            if self.output.send(captures).is_err() {
                self.waiting.clear();
                break;
            }
        }
        sent
    }
}

/// A pool of summary workers; dropping it lets them finish what was
/// submitted, then joins them.
pub struct Summariser {
    input: Option<Sender<Job>>,
    workers: Vec<JoinHandle<()>>,
}

impl Summariser {
    /// `workers` threads (at least one) summarising with `routes`; captures
    /// go to `output` in batches, in the order submitted, and `waker` is
    /// woken after each send. Up to `queue` batches wait for a worker; past
    /// that, submitting waits.
    pub fn start(
        routes: Routes,
        workers: usize,
        priority: Priority,
        queue: usize,
        output: Sender<Vec<Capture>>,
        waker: Waker,
    ) -> std::io::Result<Self> {
        let (input, jobs) = bounded::<Job>(queue);
        let reorder = Arc::new(Mutex::new(Reorder {
            next: 0,
            waiting: BTreeMap::new(),
            output,
        }));
        let routes = Arc::new(routes);
        let mut handles = Vec::with_capacity(workers.max(1));
        for n in 0..workers.max(1) {
            let jobs = jobs.clone();
            let reorder = reorder.clone();
            let routes = routes.clone();
            let waker = waker.clone();
            let priority = priority.clone();
            let handle = std::thread::Builder::new()
                .name(format!("hookscope-summary-{n}"))
                .spawn(move || {
                    if let Priority::Idle(_) = priority {
                        lower_priority();
                    }
                    work(&jobs, &reorder, &routes, &waker, &priority);
                })?;
            handles.push(handle);
        }
        Ok(Self {
            input: Some(input),
            workers: handles,
        })
    }

    /// Queues batch number `seq` (numbers start at 0 and leave no gap);
    /// waits while the queue is full. False once the output is gone.
    pub fn submit(&self, seq: u64, items: Vec<Received>) -> bool {
        self.input
            .as_ref()
            .is_some_and(|input| input.send(Job { seq, items }).is_ok())
    }

    /// Batches submitted and not yet taken by a worker.
    pub fn waiting(&self) -> usize {
        self.input.as_ref().map_or(0, Sender::len)
    }
}

impl Drop for Summariser {
    fn drop(&mut self) {
        self.input = None;
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

fn work(
    jobs: &Receiver<Job>,
    reorder: &Mutex<Reorder>,
    routes: &Routes,
    waker: &Waker,
    priority: &Priority,
) {
    // With the queue three quarters full, summaries run whatever the load,
    // so that answers never have to wait for room.
    let far_behind = jobs.capacity().map_or(usize::MAX, |c| c / 4 * 3);
    for job in jobs {
        if let Priority::Idle(activity) = priority {
            while !activity.quiet_for(QUIET) && jobs.len() < far_behind {
                std::thread::sleep(NAP);
            }
        }
        let captures = job
            .items
            .into_iter()
            .map(|received| received.summarise(routes))
            .collect();
        let sent = reorder
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .done(job.seq, captures);
        if sent {
            waker.wake();
        }
    }
}

/// Summaries in order on all cores, for work that waits for them anyway
/// (reading a file, the command line).
pub fn all(received: Vec<Received>, routes: &Routes) -> Vec<Capture> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    if workers <= 1 || received.len() < 64 {
        return received.into_iter().map(|r| r.summarise(routes)).collect();
    }
    let chunk = received.len().div_ceil(workers);
    let mut chunks: Vec<Vec<Received>> = Vec::with_capacity(workers);
    let mut rest = received;
    while rest.len() > chunk {
        let tail = rest.split_off(chunk);
        chunks.push(rest);
        rest = tail;
    }
    chunks.push(rest);
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .into_iter()
                        .map(|r| r.summarise(routes))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// Lets the rest of the process have the CPU first (Linux: the calling
/// thread's nice value).
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        let tid = rustix::thread::gettid();
        let _ = rustix::process::setpriority_process(Some(tid), 19);
    }
}
