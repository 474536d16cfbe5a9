//! Wakes whoever shows captures when something arrives. The listener starts
//! before the window exists, so the waker is given its target later.

use std::sync::{Arc, OnceLock};

type Wake = Arc<dyn Fn() + Send + Sync>;

/// Cheap to clone; every clone wakes the same target once it is set.
#[derive(Clone, Default)]
pub struct Waker {
    target: Arc<OnceLock<Wake>>,
}

impl Waker {
    /// A waker that does nothing until [`Waker::set`] is called.
    pub fn new() -> Self {
        Self::default()
    }

    /// A waker calling `wake` from the start.
    pub fn to(wake: impl Fn() + Send + Sync + 'static) -> Self {
        let waker = Self::new();
        waker.set(wake);
        waker
    }

    /// Sets what waking calls; only the first call counts.
    pub fn set(&self, wake: impl Fn() + Send + Sync + 'static) {
        let _ = self.target.set(Arc::new(wake));
    }

    pub fn wake(&self) {
        if let Some(wake) = self.target.get() {
            wake();
        }
    }
}

impl std::fmt::Debug for Waker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Waker")
            .field("set", &self.target.get().is_some())
            .finish()
    }
}
