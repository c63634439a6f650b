//! The `tracing` feature, tested in a crate of its own so that the feature is on here
//! (and, by cargo's feature unification, in any build of the workspace that includes
//! this crate), while a crate that does not ask for it builds without it.

#[cfg(test)]
#[path = "../../common/mod.rs"]
mod common;

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::{Arc, Mutex};

    use mig::Error;
    use mig::sys::mach_port_t;
    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata, Subscriber};

    use crate::common::Running;

    mig::mig! {
        subsystem calc 4700;
        #include <mach/std_types.defs>
        routine add(server: mach_port_t; a: int; b: int; out sum: int);
        simpleroutine note(server: mach_port_t; value: int);
    }

    struct Calc;

    impl calc::Server for Calc {
        fn add(&self, _: mach_port_t, a: i32, b: i32) -> mig::Result<i32> {
            a.checked_add(b).ok_or(Error::KERN_INVALID_ARGUMENT)
        }
        fn note(&self, _: mach_port_t, _: i32) -> mig::Result<()> {
            Ok(())
        }
    }

    /// One span as the subscriber saw it: its name and every field recorded on it.
    #[derive(Debug, Clone, PartialEq)]
    struct Seen {
        name: &'static str,
        fields: BTreeMap<String, String>,
    }

    /// A subscriber that keeps every span, in creation order.
    #[derive(Default)]
    struct Recorder {
        spans: Arc<Mutex<Vec<Seen>>>,
    }

    struct Fields<'a>(&'a mut BTreeMap<String, String>);

    impl Visit for Fields<'_> {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            self.0.insert(field.name().to_owned(), format!("{value:?}"));
        }
        fn record_str(&mut self, field: &Field, value: &str) {
            self.0.insert(field.name().to_owned(), value.to_owned());
        }
    }

    impl Subscriber for Recorder {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, span: &Attributes<'_>) -> Id {
            let mut fields = BTreeMap::new();
            span.record(&mut Fields(&mut fields));
            let mut spans = self.spans.lock().unwrap();
            spans.push(Seen {
                name: span.metadata().name(),
                fields,
            });
            Id::from_u64(spans.len() as u64)
        }
        fn record(&self, span: &Id, values: &Record<'_>) {
            let mut spans = self.spans.lock().unwrap();
            let seen = &mut spans[span.into_u64() as usize - 1];
            values.record(&mut Fields(&mut seen.fields));
        }
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, _: &Event<'_>) {}
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }

    fn span(name: &'static str, routine: &str, id: i32, kr: i32) -> Seen {
        let fields = [
            ("subsystem", "calc".to_owned()),
            ("routine", routine.to_owned()),
            ("msgh_id", id.to_string()),
            ("kr", kr.to_string()),
        ];
        Seen {
            name,
            fields: fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        }
    }

    /// Every call and every dispatched request gets a span with its subsystem, routine,
    /// msgh_id and result code, on the client's thread and the server's.
    #[test]
    fn calls_and_requests_have_spans_with_their_result() {
        let recorder = Recorder::default();
        let spans = Arc::clone(&recorder.spans);
        tracing::subscriber::set_global_default(recorder).unwrap();

        let server = Running::start(calc::Service(Calc));
        assert_eq!(calc::add(server.port(), 2, 3), Ok(5));
        let overflow = calc::add(server.port(), i32::MAX, 1);
        assert_eq!(overflow, Err(Error::KERN_INVALID_ARGUMENT));
        calc::note(server.port(), 7).unwrap();
        // The `.await`able stubs (feature `tokio`): the span follows the future.
        #[cfg(not(target_vendor = "apple"))]
        {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            assert_eq!(runtime.block_on(calc::add_async(server.port(), 40, 2)), Ok(42));
        }
        #[cfg(target_vendor = "apple")]
        assert_eq!(calc::add(server.port(), 40, 2), Ok(42));
        server.stop();

        let seen = spans.lock().unwrap().clone();
        let calls = seen.iter().filter(|s| s.name == "mig.call").count();
        assert_eq!(calls, 4, "three blocking calls and one awaited: {seen:#?}");
        let invalid = Error::KERN_INVALID_ARGUMENT.code();
        for expected in [
            span("mig.call", "add", 4700, 0),
            span("mig.serve", "add", 4700, 0),
            span("mig.call", "add", 4700, invalid),
            span("mig.serve", "add", 4700, invalid),
            span("mig.call", "note", 4701, 0),
            span("mig.serve", "note", 4701, 0),
            span("mig.call", "add", 4700, 0),
        ] {
            assert!(seen.contains(&expected), "no {expected:?} in {seen:#?}");
        }
    }
}
