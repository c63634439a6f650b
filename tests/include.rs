//! `#include` of `.defs` files from disk: quoted paths are found from the crate's
//! directory (and beside the including file), and files are preprocessed as C text.

mod common;

use common::Running;
use mig::sys::mach_port_t;

mod plain {
    mig::mig! {
        #include "tests/defs/calc.defs"
    }
}

mod prefixed {
    // Names set before the include steer the file's `#if`s, as `cc -D` would.
    mig::mig! {
        #define CALC_PREFIXED 1
        #define CALC_WITH_SCALE 1
        #include "tests/defs/calc.defs"
    }
}

struct Calc;

impl plain::calc::Server for Calc {
    fn sum(&self, _: mach_port_t, terms: &[i32]) -> mig::Result<i32> {
        Ok(terms.iter().sum())
    }

    fn describe(&self, _: mach_port_t) -> mig::Result<mig::InlineString<64>> {
        mig::InlineString::from_c_str(c"calc")
    }
}

#[test]
fn an_included_file_defines_a_working_subsystem() {
    let server = Running::start(plain::calc::Service(Calc));
    assert_eq!(plain::calc::sum(server.port(), &[1, 2, 3, 36]), Ok(42));
    assert_eq!(plain::calc::describe(server.port()).unwrap().as_c_str(), c"calc");
    server.stop();
}

#[test]
fn defines_before_the_include_select_its_branches() {
    let names: Vec<_> = prefixed::calc::ROUTINES.iter().map(|r| r.name).collect();
    assert_eq!(names, ["calc_sum", "calc_describe"]);
    // Header, NDR, the term count and sixteen terms, then the scale.
    assert_eq!(prefixed::calc::ROUTINES[0].request.size, 32 + 4 + 16 * 4 + 4);
    assert_eq!(plain::calc::ROUTINES[0].request.size, 32 + 4 + 16 * 4);
}
