//! `mig`: prints the Rust that `mig!` generates, for review and for tools that cannot
//! expand macros.
//!
//! ```text
//! mig [-I DIR]... [-D NAME[=VALUE]]... [--krate PATH] [-o FILE] FILE
//! ```
//!
//! A `FILE` ending in `.rs` is a Rust file: each of its `mig! { … }` blocks (by any path
//! ending in `mig`: `mig::mig!`, a renamed crate's) is expanded as the macro expands it,
//! and printed in order, each under a comment naming its line. Any other `FILE` is MIG text (a `.defs` file):
//! it is preprocessed as C, as an `#include` of it in a `mig!` body is, and its
//! expansion printed. Errors print as `file:line:column: error: message` with the line
//! and a caret, and the command exits with status 1 (2 for a wrong command line).
//!
//! The work is `mig-gen`'s (the pipeline behind the macro); this crate reads the command
//! line, finds the blocks of a Rust file and prints.

mod report;
mod rust;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::{env, fs};

use mig_gen::{Config, Diagnostic};
use proc_macro2::TokenStream;

const USAGE: &str = "\
usage: mig [-I DIR]... [-D NAME[=VALUE]]... [--krate PATH] [-o FILE] FILE

Prints the Rust that `mig!` generates for FILE: a `.defs` file (MIG text, preprocessed
as C), or, for a FILE ending in `.rs`, each `mig! { ... }` block of that Rust file.

options:
  -I DIR          look for `#include`d files in DIR too (after the including file's
                  directory; repeatable; then each directory of MIG_INCLUDE_PATH)
  -D NAME[=VALUE] define NAME (as VALUE, else as 1) before the text starts, as
                  `#define NAME VALUE` written first would (steers `#if`s)
  --krate PATH    the path the generated code names the `mig` crate by (default `::mig`)
  -o FILE         write the Rust to FILE instead of standard output
  -h, --help      print this help
  -V, --version   print the version
";

/// What the command line asks for.
#[derive(Debug)]
struct Options {
    input: PathBuf,
    include_dirs: Vec<PathBuf>,
    defines: Vec<(String, String)>,
    krate: TokenStream,
    output: Option<PathBuf>,
}

/// The outcome of reading the command line.
enum Command {
    Run(Options),
    /// `--help` or `--version`: print this and succeed.
    Print(String),
}

fn main() -> ExitCode {
    let options = match parse_args(env::args_os().skip(1).map(PathBuf::from)) {
        Ok(Command::Run(options)) => options,
        Ok(Command::Print(text)) => {
            print!("{text}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("mig: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(code) => {
            let written = match &options.output {
                Some(path) => {
                    fs::write(path, code).map_err(|e| format!("cannot write `{}`: {e}", path.display()))
                }
                None => {
                    print!("{code}");
                    Ok(())
                }
            };
            match written {
                Ok(()) => ExitCode::SUCCESS,
                Err(message) => {
                    eprintln!("mig: {message}");
                    ExitCode::FAILURE
                }
            }
        }
        Err(Failure::Diagnostics(diagnostics)) => {
            eprint!("{}", report::render(&diagnostics));
            let count = diagnostics.len();
            eprintln!(
                "mig: {count} error{} in `{}`",
                if count == 1 { "" } else { "s" },
                options.input.display()
            );
            ExitCode::FAILURE
        }
        Err(Failure::Other(message)) => {
            eprintln!("mig: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Why no code was printed.
enum Failure {
    /// The definitions have errors.
    Diagnostics(Vec<Diagnostic>),
    /// The input could not be read.
    Other(String),
}

/// Reads the command line (without the program's name). Options may come before or
/// after the file; `--` ends them.
fn parse_args(args: impl IntoIterator<Item = PathBuf>) -> Result<Command, String> {
    let mut args = args.into_iter();
    let mut input = None;
    let mut include_dirs = Vec::new();
    let mut defines = Vec::new();
    let mut krate = None;
    let mut output = None;
    let mut options_done = false;
    while let Some(arg) = args.next() {
        let text = arg.to_string_lossy().into_owned();
        let mut value = |name: &str| args.next().ok_or_else(|| format!("`{name}` needs a value"));
        if options_done || !text.starts_with('-') || text == "-" {
            if input.replace(arg).is_some() {
                return Err("more than one input file".to_owned());
            }
            continue;
        }
        match text.as_str() {
            "--" => options_done = true,
            "-h" | "--help" => return Ok(Command::Print(USAGE.to_owned())),
            "-V" | "--version" => return Ok(Command::Print(format!("mig {}\n", env!("CARGO_PKG_VERSION")))),
            "-I" | "--include-dir" => include_dirs.push(value(&text)?),
            "-o" | "--output" => output = Some(value(&text)?),
            "-D" => defines.push(define(&value(&text)?.to_string_lossy())),
            "--krate" => krate = Some(value(&text)?.to_string_lossy().into_owned()),
            _ => {
                if let Some(dir) = text.strip_prefix("-I") {
                    include_dirs.push(PathBuf::from(dir));
                } else if let Some(definition) = text.strip_prefix("-D") {
                    defines.push(define(definition));
                } else if let Some(path) = text.strip_prefix("--krate=") {
                    krate = Some(path.to_owned());
                } else if let Some(path) = text.strip_prefix("--output=") {
                    output = Some(PathBuf::from(path));
                } else if let Some(dir) = text.strip_prefix("--include-dir=") {
                    include_dirs.push(PathBuf::from(dir));
                } else {
                    return Err(format!("unknown option `{text}`"));
                }
            }
        }
    }
    let input = input.ok_or("no input file")?;
    let krate = match krate {
        None => quote_mig(),
        Some(path) => {
            let not_a_path = || format!("`--krate {path}` is not a Rust path");
            syn::parse_str::<syn::Path>(&path).map_err(|_| not_a_path())?;
            path.parse().map_err(|_| not_a_path())?
        }
    };
    Ok(Command::Run(Options {
        input,
        include_dirs,
        defines,
        krate,
        output,
    }))
}

/// `NAME=VALUE`, or `NAME` (defined as 1), as `cc -D` reads them.
fn define(definition: &str) -> (String, String) {
    match definition.split_once('=') {
        Some((name, value)) => (name.to_owned(), value.to_owned()),
        None => (definition.to_owned(), "1".to_owned()),
    }
}

fn quote_mig() -> TokenStream {
    "::mig".parse().expect("`::mig` lexes")
}

/// The Rust for the input, or why there is none.
fn run(options: &Options) -> Result<String, Failure> {
    let mut config = Config::new().krate(options.krate.clone());
    for (name, value) in &options.defines {
        config = config.define(name, value);
    }
    // The directories of `-I`, then those of the macro's environment variable.
    let from_env = env::var_os("MIG_INCLUDE_PATH");
    let env_dirs = from_env.iter().flat_map(env::split_paths);
    for dir in options.include_dirs.iter().cloned().chain(env_dirs) {
        config = config.include_dir(dir);
    }
    let input = &options.input;
    if input.extension().is_some_and(|e| e == "rs") {
        let text = fs::read_to_string(input)
            .map_err(|e| Failure::Other(format!("cannot read `{}`: {e}", input.display())))?;
        return rust::expand_blocks(&config.body_dir(crate_dir(input)), input, &text);
    }
    let expansion = config.expand_file(input);
    let items = expansion.items.map_err(Failure::Diagnostics)?;
    Ok(pretty(items))
}

/// Generated items, formatted.
fn pretty(items: TokenStream) -> String {
    // The pipeline's output is always a file's worth of items.
    mig_build::format_items(items).expect("generated code parses as Rust items")
}

/// The directory of the crate a Rust file belongs to (the nearest one above it with a
/// `Cargo.toml`), where the macro looks for a `"file"` its body includes; else the file's
/// own directory.
fn crate_dir(file: &Path) -> PathBuf {
    let absolute = file.canonicalize().unwrap_or_else(|_| file.to_path_buf());
    let dir = absolute.parent().unwrap_or(Path::new("."));
    dir.ancestors()
        .find(|d| d.join("Cargo.toml").is_file())
        .unwrap_or(dir)
        .to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, String> {
        match parse_args(args.iter().map(PathBuf::from))? {
            Command::Run(options) => Ok(options),
            Command::Print(_) => Err("printed".to_owned()),
        }
    }

    #[test]
    fn options_come_in_any_order_and_both_spellings() {
        let o = parse(&[
            "-I",
            "a",
            "x.defs",
            "-Ib",
            "--include-dir=c",
            "--krate",
            "crate::mig",
            "-o",
            "out.rs",
        ])
        .unwrap();
        assert_eq!(o.input, Path::new("x.defs"));
        assert_eq!(o.include_dirs, ["a", "b", "c"].map(PathBuf::from));
        assert_eq!(o.krate.to_string(), "crate :: mig");
        assert_eq!(o.output.as_deref(), Some(Path::new("out.rs")));
        assert_eq!(parse(&["x.defs"]).unwrap().krate.to_string(), ":: mig");
        assert_eq!(parse(&["--", "-odd.defs"]).unwrap().input, Path::new("-odd.defs"));
    }

    #[test]
    fn wrong_command_lines_are_refused() {
        assert_eq!(parse(&[]).unwrap_err(), "no input file");
        assert_eq!(
            parse(&["a.defs", "b.defs"]).unwrap_err(),
            "more than one input file"
        );
        assert_eq!(parse(&["a.defs", "-I"]).unwrap_err(), "`-I` needs a value");
        assert_eq!(
            parse(&["--frobnicate"]).unwrap_err(),
            "unknown option `--frobnicate`"
        );
        assert_eq!(
            parse(&["a.defs", "--krate", "not a path"]).unwrap_err(),
            "`--krate not a path` is not a Rust path"
        );
        assert_eq!(parse(&["--help"]).unwrap_err(), "printed");
    }
}
