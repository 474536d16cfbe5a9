//! The spec samples as received captures, shared by the benches that build
//! large sessions from them.

use hookscope::capture::{Received, RequestHead, Routes, received_now};
use hookscope::session::open::SAMPLES;

/// Sample `index % 6` as request `id`, posted by curl to its webhook path.
pub fn sample_received(index: usize, id: u64, routes: &Routes) -> Received {
    let (name, body) = SAMPLES[index % SAMPLES.len()];
    let url = if name.starts_with("job") {
        "/job"
    } else {
        "/candidate"
    };
    let head = RequestHead::new(
        "POST",
        url,
        "127.0.0.1:50000",
        [
            ("Host", "127.0.0.1:8090"),
            ("Content-Type", "application/json"),
        ],
    );
    Received::loaded(
        id,
        received_now(),
        head,
        body.as_bytes().to_vec(),
        None,
        routes,
    )
}
