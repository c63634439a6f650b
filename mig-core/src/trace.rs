//! Spans for every client call and every dispatched request, with the `tracing` feature.
//!
//! Each span is named `mig.call` (a client stub: request sent, reply awaited and read) or
//! `mig.serve` (one request dispatched to its handler), at `DEBUG` level, with the fields
//! `subsystem`, `routine` and `msgh_id`, and `kr`, the routine's result code (`0` for
//! success, MIG's or the handler's error otherwise), recorded when it ends. Without the
//! feature the functions here are empty and inline away: the stubs and the dispatch
//! compile to what they were.
//!
//! The subsystem and routine come from the path of the routine's generated `Request`
//! struct (`<subsystem>::<routine>::Request`), so the generated code passes nothing
//! for them.

use crate::Result;

/// A span entered for one call or one dispatched request; [`Span::finish`] records its
/// result code and leaves it.
pub(crate) struct Span {
    #[cfg(feature = "tracing")]
    entered: tracing::span::EnteredSpan,
}

/// The span of a client stub sending `Rq` with msgh_id `id`.
// Without the feature the routine is not named: `Rq` is there for the feature's sake.
#[cfg_attr(not(feature = "tracing"), allow(clippy::extra_unused_type_parameters))]
#[inline(always)]
pub(crate) fn client<Rq>(id: i32) -> Span {
    #[cfg(feature = "tracing")]
    {
        let (subsystem, routine) = names::<Rq>();
        let span = tracing::debug_span!(
            "mig.call",
            subsystem,
            routine,
            msgh_id = id,
            kr = tracing::field::Empty
        );
        Span {
            entered: span.entered(),
        }
    }
    #[cfg(not(feature = "tracing"))]
    {
        let _ = id;
        Span {}
    }
}

/// The span of the server side of `Rq`, for a request with msgh_id `id`.
// Without the feature the routine is not named: `Rq` is there for the feature's sake.
#[cfg_attr(not(feature = "tracing"), allow(clippy::extra_unused_type_parameters))]
#[inline(always)]
pub(crate) fn server<Rq>(id: i32) -> Span {
    #[cfg(feature = "tracing")]
    {
        let (subsystem, routine) = names::<Rq>();
        let span = tracing::debug_span!(
            "mig.serve",
            subsystem,
            routine,
            msgh_id = id,
            kr = tracing::field::Empty
        );
        Span {
            entered: span.entered(),
        }
    }
    #[cfg(not(feature = "tracing"))]
    {
        let _ = id;
        Span {}
    }
}

/// Runs an async client call in its span (the `.await`able stubs): the span is entered
/// each time the future is polled, and records the call's code when it ends.
// Without the feature the routine is not named: `Rq` is there for the feature's sake.
#[cfg_attr(not(feature = "tracing"), allow(clippy::extra_unused_type_parameters))]
#[cfg(feature = "tokio")]
pub(crate) async fn client_async<Rq, T>(id: i32, call: impl Future<Output = Result<T>>) -> Result<T> {
    #[cfg(feature = "tracing")]
    {
        use tracing::Instrument;
        let (subsystem, routine) = names::<Rq>();
        let span = tracing::debug_span!(
            "mig.call",
            subsystem,
            routine,
            msgh_id = id,
            kr = tracing::field::Empty
        );
        let result = call.instrument(span.clone()).await;
        span.record("kr", code(&result));
        result
    }
    #[cfg(not(feature = "tracing"))]
    {
        let _ = id;
        call.await
    }
}

/// The code of a call's result: 0 for success.
#[cfg(feature = "tracing")]
fn code<T>(result: &Result<T>) -> i32 {
    match result {
        Ok(_) => 0,
        Err(error) => error.code(),
    }
}

impl Span {
    /// Records `result`'s code and leaves the span.
    #[inline(always)]
    pub(crate) fn finish<T>(self, result: &Result<T>) {
        #[cfg(feature = "tracing")]
        self.finish_code(code(result));
        #[cfg(not(feature = "tracing"))]
        let _ = result;
    }

    /// Records `code` and leaves the span.
    #[inline(always)]
    pub(crate) fn finish_code(self, code: i32) {
        #[cfg(feature = "tracing")]
        self.entered.record("kr", code);
        #[cfg(not(feature = "tracing"))]
        let _ = code;
    }
}

/// `("add", "add2")` for `…::add::add2::Request`; empty names for a type that is not a
/// generated message struct.
#[cfg(feature = "tracing")]
fn names<Rq>() -> (&'static str, &'static str) {
    let mut parts = core::any::type_name::<Rq>().rsplit("::");
    match (parts.next(), parts.next(), parts.next()) {
        (Some("Request"), Some(routine), Some(subsystem)) => (subsystem, routine),
        _ => ("", ""),
    }
}
