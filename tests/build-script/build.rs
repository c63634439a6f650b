//! Compiles the calculator of `tests/defs` (the file `tests/include.rs` includes into a
//! `mig!` block) through the build-script API, into `OUT_DIR/calc.rs`.

fn main() {
    mig_build::Defs::new()
        .file("../defs/calc.defs")
        .compile()
        .unwrap();
}
