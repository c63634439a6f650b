//! Compiles MIG `.defs` files to Rust from a build script, for users who keep their
//! definitions in files (such as the SDK's `mach_exc.defs`) rather than in `mig!`
//! blocks. The Rust for each file is what `mig!` expands an `#include` of it to,
//! formatted; it goes to `OUT_DIR/<stem>.rs`, for `mig::include_defs!` (or `include!`).
//!
//! In `Cargo.toml`:
//!
//! ```toml
//! [dependencies]
//! mig = "0.1"
//!
//! [build-dependencies]
//! mig-build = "0.1"
//! ```
//!
//! In `build.rs`:
//!
//! ```no_run
//! // build.rs
//! fn main() {
//!     mig_build::Defs::new()
//!         .file("defs/calc.defs")
//!         .include_dir("defs")
//!         .compile()
//!         .unwrap();
//! }
//! ```
//!
//! In the crate, the subsystem module `calc` (named by the file's `subsystem`
//! statement) then comes from:
//!
//! ```ignore
//! mig::include_defs!("calc"); // the file's stem
//! // or, without the macro:
//! include!(concat!(env!("OUT_DIR"), "/calc.rs"));
//! ```
//!
//! The build script reruns when a `.defs` file or a file it includes changes (it prints
//! `cargo::rerun-if-changed` for each). An error in the definitions fails the build
//! with each error as `file:line:column: message`, printed by cargo as it prints a
//! compiler's. Built-in type files (`#include <mach/std_types.defs>` and the others)
//! are built in, as for `mig!`.
//!
//! The work is `mig-gen`'s (the pipeline behind `mig!`); this crate only drives it and
//! writes files.

// The example is a build script, whose `main` is the point.
#![allow(clippy::needless_doctest_main)]

use std::collections::HashMap;
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::{env, fs, io};

use mig_gen::{Config, Diagnostic};

mod format;
pub use format::format_items;

/// The `.defs` files to compile and how: a builder, as `cc::Build` is.
#[derive(Clone, Debug, Default)]
pub struct Defs {
    files: Vec<PathBuf>,
    include_dirs: Vec<PathBuf>,
    defines: Vec<(String, String)>,
    krate: Option<String>,
    out_dir: Option<PathBuf>,
}

impl Defs {
    /// No files yet; code naming the runtime as `::mig`, written to `OUT_DIR`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a `.defs` file (a relative path is from the package's directory, where
    /// cargo runs build scripts). Its Rust goes to `<out dir>/<stem>.rs`.
    pub fn file(&mut self, path: impl Into<PathBuf>) -> &mut Self {
        self.files.push(path.into());
        self
    }

    /// Adds `.defs` files.
    pub fn files(&mut self, paths: impl IntoIterator<Item = impl Into<PathBuf>>) -> &mut Self {
        self.files.extend(paths.into_iter().map(Into::into));
        self
    }

    /// Adds a directory `#include` looks in, after those added before (as `-I` does).
    /// `#include "file"` looks beside the including file first. `MIG_INCLUDE_PATH`,
    /// which `mig!` reads, is not read here: a build script's inputs are what it is
    /// given.
    pub fn include_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.include_dirs.push(dir.into());
        self
    }

    /// Defines `name` as `value` before each file's text starts, as `#define name value`
    /// written first would (as `cc -D name=value` does): names steer the files' `#if`s.
    pub fn define(&mut self, name: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.defines.push((name.into(), value.into()));
        self
    }

    /// The path the generated code names the `mig` crate by: `::mig` unless set (set it
    /// when the crate is renamed or re-exported, such as `crate::mig`).
    pub fn krate(&mut self, path: impl Into<String>) -> &mut Self {
        self.krate = Some(path.into());
        self
    }

    /// Where the `.rs` files go instead of `OUT_DIR`.
    pub fn out_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Compiles every file, prints the build-script instructions (a
    /// `cargo::rerun-if-changed` for each file read, a `cargo::error` for each error),
    /// and returns the paths written. Every file is compiled even after one fails, so
    /// that one build shows every error; nothing is written for a file with errors.
    pub fn compile(&self) -> Result<Vec<PathBuf>, Error> {
        let mut out = io::stdout().lock();
        self.compile_to(&mut out)
    }

    /// [`Defs::compile`], with the instructions written to `instructions`.
    fn compile_to(&self, instructions: &mut impl io::Write) -> Result<Vec<PathBuf>, Error> {
        let mut say = |line: String| {
            // Standard output is how a build script talks to cargo; if it is gone, so
            // is cargo.
            writeln!(instructions, "{line}").expect("the build script's standard output");
        };
        let out_dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            None => PathBuf::from(env::var_os("OUT_DIR").ok_or_else(|| {
                Error::other(
                    "OUT_DIR is not set: call `compile` from a build script, or set `out_dir`".to_owned(),
                )
            })?),
        };
        let mut config = Config::new();
        if let Some(krate) = &self.krate {
            let tokens = krate
                .parse()
                .map_err(|_| Error::other(format!("`{krate}` (the `krate` path) is not a Rust path")))?;
            config = config.krate(tokens);
        }
        for dir in &self.include_dirs {
            config = config.include_dir(dir);
        }
        for (name, value) in &self.defines {
            config = config.define(name, value);
        }
        if self.files.is_empty() {
            return Err(Error::other(
                "no `.defs` file to compile: add one with `file`".to_owned(),
            ));
        }
        let mut stems: HashMap<OsString, &Path> = HashMap::new();
        let mut written = Vec::new();
        let mut diagnostics = Vec::new();
        let mut failures = Vec::new();
        for file in &self.files {
            // Rerun when the file appears, even if it cannot be read now.
            say(format!("cargo::rerun-if-changed={}", file.display()));
            let stem = file.file_stem().map(OsString::from).unwrap_or_default();
            if let Some(other) = stems.insert(stem.clone(), file) {
                failures.push(format!(
                    "`{}` and `{}` would both be written to `{}.rs`",
                    other.display(),
                    file.display(),
                    stem.to_string_lossy()
                ));
                continue;
            }
            let expansion = config.expand_file(file);
            let canonical = file.canonicalize().ok();
            for read in expansion
                .files
                .iter()
                .filter(|&read| Some(read) != canonical.as_ref())
            {
                say(format!("cargo::rerun-if-changed={}", read.display()));
            }
            let items = match expansion.items {
                Ok(items) => items,
                Err(errors) => {
                    for d in &errors {
                        say(format!("cargo::error={}", one_line(d)));
                    }
                    diagnostics.extend(errors);
                    continue;
                }
            };
            let formatted = match format_items(items) {
                Ok(text) => text,
                Err(error) => {
                    failures.push(format!(
                        "the Rust generated for `{}` does not parse: {error}",
                        file.display()
                    ));
                    continue;
                }
            };
            let text = format!(
                "// @generated by mig-build from `{}`: MIG definitions as `mig!` expands them.\n\n{formatted}",
                file.display(),
            );
            let path = out_dir.join(stem).with_extension("rs");
            match fs::write(&path, text) {
                Ok(()) => written.push(path),
                Err(e) => failures.push(format!("cannot write `{}`: {e}", path.display())),
            }
        }
        for failure in &failures {
            say(format!("cargo::error={}", failure.replace('\n', " ")));
        }
        if diagnostics.is_empty() && failures.is_empty() {
            Ok(written)
        } else {
            Err(Error {
                diagnostics,
                failures,
            })
        }
    }
}

/// A diagnostic as one instruction's worth of text: cargo adds `error: <package>: `.
fn one_line(d: &Diagnostic) -> String {
    let mut location = match &d.file {
        Some(file) => file.display().to_string(),
        None => "<tokens>".to_owned(),
    };
    if d.line != 0 {
        location.push_str(&format!(":{}", d.line));
        if let Some(column) = d.column {
            location.push_str(&format!(":{column}"));
        }
    }
    format!("{location}: {}", d.message.replace('\n', " "))
}

/// Why [`Defs::compile`] failed: the definitions' errors (each already printed for
/// cargo), and anything else that went wrong.
pub struct Error {
    /// The errors in the definitions, file by file.
    pub diagnostics: Vec<Diagnostic>,
    /// Other failures: no `OUT_DIR`, an output that cannot be written, two files with
    /// one stem.
    pub failures: Vec<String>,
}

impl Error {
    fn other(message: String) -> Self {
        Error {
            diagnostics: Vec::new(),
            failures: vec![message],
        }
    }
}

/// Every error, one a line, as `file:line:column: error: message`.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for line in self
            .diagnostics
            .iter()
            .map(ToString::to_string)
            .chain(self.failures.iter().map(|m| format!("error: {m}")))
        {
            if !first {
                f.write_str("\n")?;
            }
            first = false;
            f.write_str(&line)?;
        }
        Ok(())
    }
}

/// As [`Display`](fmt::Display), so that `unwrap` and `main` returning the error show
/// the errors, not a struct.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory under the target directory.
    fn scratch(name: &str) -> PathBuf {
        let dir = env::temp_dir().join(format!("mig-build-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn run(defs: &Defs) -> (Result<Vec<PathBuf>, Error>, String) {
        let mut out = Vec::new();
        let result = defs.compile_to(&mut out);
        (result, String::from_utf8(out).unwrap())
    }

    #[test]
    fn a_file_and_its_includes_are_written_and_watched() {
        let dir = scratch("ok");
        fs::create_dir_all(dir.join("inc")).unwrap();
        fs::write(dir.join("inc/types.defs"), "type t = int;\n").unwrap();
        fs::write(
            dir.join("x.defs"),
            "subsystem x 1;\n#include <mach/std_types.defs>\n#include <types.defs>\n\
             routine r(server: mach_port_t; a: t);\n",
        )
        .unwrap();
        let (result, said) = run(Defs::new()
            .file(dir.join("x.defs"))
            .include_dir(dir.join("inc"))
            .krate("crate::rt")
            .out_dir(&dir));
        assert_eq!(result.unwrap(), [dir.join("x.rs")]);
        let x = dir.join("x.defs");
        let types = dir.join("inc/types.defs").canonicalize().unwrap();
        assert_eq!(
            said,
            format!(
                "cargo::rerun-if-changed={}\ncargo::rerun-if-changed={}\n",
                x.display(),
                types.display()
            )
        );
        let text = fs::read_to_string(dir.join("x.rs")).unwrap();
        assert!(text.starts_with("// @generated by mig-build"), "{text}");
        assert!(text.contains("\npub mod x {\n"), "{text}");
        // The runtime is named through the `krate` path, imported once.
        assert!(text.contains("use crate::rt::__private as __mig;"), "{text}");
        assert!(text.contains("pub type t = __mig::types::int;"), "{text}");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn errors_are_cargo_errors_at_their_lines_and_every_file_is_compiled() {
        let dir = scratch("errors");
        fs::write(dir.join("a.defs"), "subsystem a 1;\nroutine r(server: nope_t);\n").unwrap();
        fs::write(dir.join("b.defs"), "#if 1\n#error no b\n#endif\n").unwrap();
        fs::write(dir.join("c.defs"), "subsystem c 1;\n").unwrap();
        let (result, said) = run(Defs::new()
            .files(["a", "b", "c"].map(|s| dir.join(format!("{s}.defs"))))
            .out_dir(&dir));
        let error = result.unwrap_err();
        let a = dir.join("a.defs");
        let b = dir.join("b.defs");
        let errors: Vec<&str> = said.lines().filter(|l| l.starts_with("cargo::error=")).collect();
        assert_eq!(
            errors,
            [
                format!(
                    "cargo::error={}:2:19: unknown type `nope_t` (declare it with `type`, or add \
                     `#include <mach/mach_types.defs>`)",
                    a.display()
                ),
                format!("cargo::error={}:2: #error no b", b.display()),
            ]
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
        );
        assert_eq!(error.diagnostics.len(), 2);
        assert!(
            error
                .to_string()
                .starts_with(&format!("{}:2:19: error: unknown type", a.display()))
        );
        // The good file is still written; the bad ones are not.
        assert!(dir.join("c.rs").is_file());
        assert!(!dir.join("a.rs").exists() && !dir.join("b.rs").exists());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn two_files_with_one_stem_are_refused() {
        let dir = scratch("stems");
        fs::create_dir_all(dir.join("other")).unwrap();
        for path in ["x.defs", "other/x.defs"] {
            fs::write(dir.join(path), "subsystem x 1;\n").unwrap();
        }
        let (result, _) = run(Defs::new()
            .file(dir.join("x.defs"))
            .file(dir.join("other/x.defs"))
            .out_dir(&dir));
        let error = result.unwrap_err();
        assert!(
            error.failures[0].ends_with("would both be written to `x.rs`"),
            "{error}"
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
