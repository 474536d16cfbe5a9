//! What the integration tests share.
#![allow(dead_code)]

pub mod front;
pub mod listening;

pub const JOB_CREATION: &str = include_str!("../../assets/samples/job_creation.json");
pub const JOB_UPDATE: &str = include_str!("../../assets/samples/job_update.json");
pub const JOB_DELETE: &str = include_str!("../../assets/samples/job_delete.json");
pub const CANDIDATE_CREATION: &str = include_str!("../../assets/samples/candidate_creation.json");
pub const CANDIDATE_UPDATE: &str = include_str!("../../assets/samples/candidate_update.json");
pub const CANDIDATE_DELETE: &str = include_str!("../../assets/samples/candidate_delete.json");
