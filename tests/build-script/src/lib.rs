//! The calculator of `tests/defs/calc.defs`, compiled by `build.rs` through `mig-build`
//! and included here: the subsystem module `calc`.

mig::include_defs!("calc");

/// The same file through `include!`, in a module of its own.
pub mod by_include {
    include!(concat!(env!("OUT_DIR"), "/calc.rs"));
}

#[cfg(test)]
#[path = "../../common/mod.rs"]
mod common;

#[cfg(test)]
mod tests {
    use mig::sys::mach_port_t;

    use crate::common::Running;
    use crate::{by_include, calc};

    struct Calc;

    impl calc::Server for Calc {
        fn sum(&self, _: mach_port_t, terms: &[i32]) -> mig::Result<i32> {
            Ok(terms.iter().sum())
        }

        fn describe(&self, _: mach_port_t) -> mig::Result<mig::InlineString<64>> {
            mig::InlineString::from_c_str(c"calc, built")
        }
    }

    #[test]
    fn the_built_client_calls_the_built_server_over_the_loopback() {
        let server = Running::start(calc::Service(Calc));
        assert_eq!(calc::sum(server.port(), &[1, 2, 3, 36]), Ok(42));
        assert_eq!(calc::describe(server.port()).unwrap().as_c_str(), c"calc, built");
        // The stubs of the `include!`d copy speak the same wire.
        assert_eq!(by_include::calc::sum(server.port(), &[20, 22]), Ok(42));
        server.stop();
    }

    #[test]
    fn the_built_layout_is_the_macros() {
        let names: Vec<_> = calc::ROUTINES.iter().map(|r| r.name).collect();
        assert_eq!(names, ["sum", "describe"]);
        // Header, NDR, the term count and sixteen terms, as `tests/include.rs` finds
        // for the same file through `mig!`.
        assert_eq!(calc::ROUTINES[0].request.size, 32 + 4 + 16 * 4);
        assert_eq!(calc::BASE, 7300);
    }
}
