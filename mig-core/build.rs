//! With the `c-abi` feature, integration tests and benchmarks are linked with
//! `-rdynamic` so that C shared objects they load with `dlopen` resolve
//! `mach_msg` and the other exported loopback symbols against the executable.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let c_abi = std::env::var_os("CARGO_FEATURE_C_ABI").is_some();
    let unix = std::env::var("CARGO_CFG_TARGET_FAMILY").is_ok_and(|f| f.split(',').any(|f| f == "unix"));
    let apple = std::env::var("CARGO_CFG_TARGET_VENDOR").is_ok_and(|v| v == "apple");
    if c_abi && unix && !apple {
        println!("cargo::rustc-link-arg-tests=-rdynamic");
        println!("cargo::rustc-link-arg-benches=-rdynamic");
    }
}
