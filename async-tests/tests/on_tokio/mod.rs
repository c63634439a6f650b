//! How every async test runs: on a one-thread runtime in a loopback task of its own,
//! then the task's accounting.

use std::future::Future;

use mig::sys;

use crate::common::{accounting, in_new_task, one_at_a_time};

/// Runs `test` on a one-thread runtime in a task of its own (`tokio::spawn` still asks
/// for `Send` futures there), then checks that the task holds no rights and no memory:
/// everything the test made was released. The clients' pooled reply ports are the
/// pool's, not leaks: they are given back first.
pub fn run<F: Future<Output = ()>>(test: impl FnOnce() -> F) {
    let _turn = one_at_a_time();
    in_new_task(|_| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(test());
        drop(runtime);
        assert!(mig::release_pooled_reply_ports() <= mig::__private::REPLY_POOL_CAPACITY);
        assert_eq!(accounting(), (0, 0), "rights and memory left in the task");
        assert_eq!(sys::loopback_guard_exceptions(), 0);
    });
}
