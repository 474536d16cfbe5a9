//! The Human Sourcing webhook domain: envelopes, jobs, candidates, dates.
//! Knows nothing of HTTP or egui.

pub mod candidate;
pub mod conformance;
pub mod dates;
pub mod envelope;
pub mod fields;
pub mod job;
pub mod lenient;
pub mod shape;

pub use envelope::{BodyError, EntityType, Envelope, EventKind, parse_body};
pub mod finding;

pub use finding::{Finding, Level};
