//! The `mig` command, run as users run it: its output is the macro's expansion, printed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::str::FromStr;
use std::{fs, str};

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

fn mig(args: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mig"))
        .args(args)
        .env_remove("MIG_INCLUDE_PATH")
        .output()
        .expect("the command runs")
}

fn stdout(output: &Output) -> &str {
    assert!(
        output.status.success(),
        "mig failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    str::from_utf8(&output.stdout).expect("UTF-8 output")
}

/// What `mig!` expands `body` to (through the pipeline the macro calls), printed as the
/// command prints; `tracked` says how many files the body includes, whose tracking items
/// (`const _: &[u8] = include_bytes!(…)` per file and one `option_env!`) are the only
/// items of the macro's expansion the command leaves out.
fn macro_expansion(body: TokenStream, tracked: usize) -> String {
    let mut file: syn::File = syn::parse2(mig_gen::expand(quote!(::mig), body)).unwrap();
    let tracking = file
        .items
        .iter()
        .filter(|item| matches!(item, syn::Item::Const(c) if c.ident == "_"))
        .count();
    assert_eq!(tracking, if tracked == 0 { 0 } else { tracked + 1 });
    file.items
        .retain(|item| !matches!(item, syn::Item::Const(c) if c.ident == "_"));
    mig_build::format_items(file.into_token_stream()).unwrap()
}

fn tokens(text: &str) -> TokenStream {
    TokenStream::from_str(text).unwrap()
}

fn calc_defs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/defs/calc.defs")
}

/// A fresh directory for one test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_defs_file_prints_as_the_macro_expands_its_include() {
    let output = mig(&[&calc_defs()]);
    let printed = stdout(&output);
    let include = format!("#include {:?}", calc_defs().to_str().unwrap());
    // Two files: calc.defs and the calc_types.defs it includes.
    let expected = macro_expansion(tokens(&include), 2);
    assert!(printed.contains("pub mod calc {"), "{printed}");
    assert_eq!(printed, expected);
}

#[test]
fn the_mig_blocks_of_a_rust_file_print_in_order_under_their_lines() {
    let dir = scratch("rust_blocks");
    let first = "subsystem one 100;\n\
                 #include <mach/std_types.defs>\n\
                 routine ping(server: mach_port_t);";
    let second = "subsystem two 200;\n\
                  #include <mach/std_types.defs>\n\
                  simpleroutine note(server: mach_port_t; value: int);";
    let source = format!(
        "//! Two blocks, the second nested.\n\
         mig::mig! {{\n{first}\n}}\n\
         \n\
         mod inner {{\n\
             fn f() {{\n\
                 mig! {{\n{second}\n}}\n\
             }}\n\
             // Not ours.\n\
             other::mig_like! {{ x }}\n\
         }}\n"
    );
    let file = dir.join("two.rs");
    fs::write(&file, source).unwrap();
    let output = mig(&[&file]);
    let shown = file.display();
    let expected = format!(
        "// mig! at {shown}:2\n{}\n// mig! at {shown}:10\n{}",
        macro_expansion(tokens(first), 0),
        macro_expansion(tokens(second), 0)
    );
    assert_eq!(stdout(&output), expected);
}

#[test]
fn a_bad_defs_file_prints_file_line_column_errors_and_fails() {
    let dir = scratch("bad_defs");
    let bad = dir.join("bad.defs");
    fs::write(
        &bad,
        "subsystem bad 100;\n\
         #include <mach/std_types.defs>\n\
         #include \"inner.defs\"\n\
         /* a comment first */ routine r(server: mach_port_t;\n\
         \tx: no_such_type);\n",
    )
    .unwrap();
    fs::write(dir.join("inner.defs"), "type a = int;\n\ntype b = nope_t;\n").unwrap();
    let output = mig(&[&bad]);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    let inner = dir.join("inner.defs").canonicalize().unwrap();
    let expected = [
        format!("{}:3:10: error: unknown type `nope_t`", inner.display()),
        " 3 | type b = nope_t;".to_owned(),
        "   |          ^~~~~~".to_owned(),
        format!("{}:5:5: error: unknown type `no_such_type`", bad.display()),
        " 5 | \tx: no_such_type);".to_owned(),
        "   | \t   ^~~~~~~~~~~~".to_owned(),
        format!("mig: 2 errors in `{}`", bad.display()),
    ];
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), expected.len(), "{stderr}");
    for (line, expected) in lines.iter().zip(&expected) {
        // The first error's message goes on with a hint.
        assert!(
            line.starts_with(expected.as_str()),
            "{line:?} is not {expected:?}\n{stderr}"
        );
    }
}

#[test]
fn a_preprocessing_error_names_the_included_file_and_line() {
    let dir = scratch("preprocessing");
    fs::write(dir.join("pp.defs"), "#if 1\n#error stop here\n#endif\n").unwrap();
    let outer = dir.join("outer.defs");
    fs::write(&outer, "subsystem x 1;\n#include \"pp.defs\"\n").unwrap();
    let output = mig(&[&outer]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    let pp = dir.join("pp.defs").canonicalize().unwrap();
    assert!(
        stderr.starts_with(&format!("{}:2: error: #error stop here\n", pp.display())),
        "{stderr}"
    );
}

#[test]
fn include_dirs_and_the_runtime_path_are_options() {
    let dir = scratch("options");
    fs::create_dir_all(dir.join("inc")).unwrap();
    fs::write(dir.join("inc/types.defs"), "type t = int;\n").unwrap();
    let defs = dir.join("x.defs");
    fs::write(
        &defs,
        "subsystem x 1;\n#include <mach/std_types.defs>\n#include <types.defs>\n\
         routine r(server: mach_port_t; a: t);\n",
    )
    .unwrap();
    let missing = mig(&[&defs]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot find `<types.defs>`"));

    let out = dir.join("x.rs");
    let output = mig(&[
        Path::new("-I"),
        &dir.join("inc"),
        Path::new("--krate"),
        Path::new("crate::rt"),
        Path::new("-o"),
        &out,
        &defs,
    ]);
    assert!(stdout(&output).is_empty());
    let written = fs::read_to_string(&out).unwrap();
    // The runtime is named through the `--krate` path, imported once.
    assert!(
        written.contains("use crate::rt::__private as __mig;"),
        "{written}"
    );
    assert!(written.contains("pub type t = __mig::types::int;"), "{written}");
    assert!(!written.contains("::mig::"));
    // The file holds the items as Rust parses them.
    TokenStream::from_str(&written).unwrap();
}

#[test]
fn defined_names_select_the_branches_of_calc_as_the_macro_does() {
    let defined = mig(&[
        Path::new("-DCALC_PREFIXED"),
        Path::new("-D"),
        Path::new("CALC_WITH_SCALE=1"),
        &calc_defs(),
    ]);
    // `tests/include.rs` defines the two names before its `#include`.
    let body = format!(
        "#define CALC_PREFIXED 1\n#define CALC_WITH_SCALE 1\n#include {:?}",
        calc_defs().to_str().unwrap()
    );
    let printed = stdout(&defined);
    assert!(printed.contains("pub fn calc_sum("), "{printed}");
    assert_eq!(printed, macro_expansion(tokens(&body), 2));
}

#[test]
fn a_wrong_command_line_exits_with_2_and_the_usage() {
    let output = mig(&[Path::new("--frobnicate")]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with("mig: unknown option `--frobnicate`\n\nusage: mig"),
        "{stderr}"
    );
}
