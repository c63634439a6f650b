//! Compile-fail cases: each `tests/ui/*.rs` must fail with the diagnostics in its `.stderr`.
//! Bless changes with `TRYBUILD=overwrite cargo test -p mig-compile-fail` and review the diff.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
