//! hookscope: a native desktop inspector for Human Sourcing webhooks.
//!
//! Data flows one way: listener → session → UI. Everything outside `ui` is
//! plain Rust, shared with the headless commands.

pub mod act;
pub mod capture;
pub mod cli;
pub mod desktop;
pub mod export;
pub mod headless;
pub mod hs;
pub mod human;
pub mod ingest;
pub mod journal;
pub mod json_scan;
pub mod listener;
pub mod loading;
pub mod outbound;
pub mod paths;
pub mod redact;
pub mod report;
pub mod session;
pub mod summarise;
pub mod task;
pub mod ui;
pub mod validate;
pub mod waker;

/// The allocator of every binary built on this crate (the app, its tests and
/// benches), so that what is measured is what runs.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
