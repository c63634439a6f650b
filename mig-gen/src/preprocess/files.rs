//! Which file an `#include` names and where it is: a built-in type file (`builtin`
//! holds those, and the parser reads their `#include` as a statement), or a file on the
//! include path, which is read here and remembered so the compiler expands the macro
//! (or a build script runs) again when it changes.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

use crate::builtin::{BUILTIN_NAMES, builtin_files};
use crate::suggest;

/// The environment variable that lists include directories (`:`-separated, like `-I`).
pub const INCLUDE_PATH_VAR: &str = "MIG_INCLUDE_PATH";

/// Whether `name` (without `<>`) is a built-in type file.
pub fn is_builtin(name: &str) -> bool {
    builtin_files(name).is_some()
}

/// `name` as the `#include` wrote it.
fn written(name: &str, angled: bool) -> String {
    if angled {
        format!("<{name}>")
    } else {
        format!("\"{name}\"")
    }
}

/// Where `#include` looks for files, besides beside the including file.
#[derive(Clone, Debug, Default)]
pub struct Search {
    /// Where a `"name"` written in a `mig!` body is looked for: the crate's directory
    /// for the macro.
    pub body_dir: Option<PathBuf>,
    /// The include directories, in order (`-I`).
    pub dirs: Vec<PathBuf>,
    /// Whether the directories came from the macro's environment (`MIG_INCLUDE_PATH`),
    /// which a missing file's message then names, or were given explicitly.
    pub from_env: bool,
}

impl Search {
    /// The macro's search: the crate's directory (`CARGO_MANIFEST_DIR`) for a `"name"`
    /// in the body, then each directory of `MIG_INCLUDE_PATH`.
    pub fn from_env() -> Self {
        Search {
            body_dir: env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from),
            dirs: env::var_os(INCLUDE_PATH_VAR)
                .map(|list| env::split_paths(&list).collect())
                .unwrap_or_default(),
            from_env: true,
        }
    }

    /// Where `name` is: beside the including file `from` (`"name"` only), in the body's
    /// directory (`"name"` only, from a `mig!` body), then in each include directory,
    /// then, on macOS, in the SDK's `usr/include`, where Apple ships xnu's `.defs`.
    pub fn find(&self, name: &str, angled: bool, from: Option<&Path>) -> Result<PathBuf, String> {
        let mut dirs = Vec::new();
        if !angled {
            // An absolute path is itself (and `join` keeps it so in every directory).
            if Path::new(name).is_absolute() {
                dirs.push(PathBuf::new());
            }
            match from {
                Some(file) => dirs.extend(file.parent().map(Path::to_path_buf)),
                None => dirs.extend(self.body_dir.clone()),
            }
        }
        dirs.extend(self.dirs.iter().cloned());
        dirs.extend(sdk_include_dir());
        if let Some(path) = dirs.iter().map(|dir| dir.join(name)).find(|path| path.is_file()) {
            return Ok(path);
        }
        // A near miss of a built-in file is a typo, not a file to look for.
        if let Some(close) = suggest::closest(name, BUILTIN_NAMES) {
            return Err(format!(
                "`{}` is not a built-in type file; did you mean `<{close}>`?",
                written(name, angled)
            ));
        }
        if !self.from_env {
            let searched: Vec<String> = dirs
                .iter()
                .filter(|d| !d.as_os_str().is_empty())
                .map(|d| format!("`{}`", d.display()))
                .collect();
            return Err(format!(
                "cannot find `{}`: it is not a built-in type file and no include directory holds it \
                 (searched: {}); add the directory that holds it to the include directories",
                written(name, angled),
                if searched.is_empty() {
                    "no directory".to_owned()
                } else {
                    searched.join(", ")
                }
            ));
        }
        Err(format!(
            "cannot find `{}`: it is not a built-in type file and no include directory holds it \
             (list directories in the `{INCLUDE_PATH_VAR}` environment variable{})",
            written(name, angled),
            if angled {
                ""
            } else {
                ", or give a path relative to the crate's `Cargo.toml`"
            }
        ))
    }
}

/// The macOS SDK's header directory, which holds `mach/*.defs`.
#[cfg(target_os = "macos")]
fn sdk_include_dir() -> Option<PathBuf> {
    let sdk = match env::var_os("SDKROOT") {
        Some(sdk) => PathBuf::from(sdk),
        None => {
            let out = std::process::Command::new("xcrun")
                .args(["--sdk", "macosx", "--show-sdk-path"])
                .output()
                .ok()?;
            PathBuf::from(String::from_utf8(out.stdout).ok()?.trim())
        }
    };
    Some(sdk.join("usr/include"))
}

#[cfg(not(target_os = "macos"))]
fn sdk_include_dir() -> Option<PathBuf> {
    None
}

/// Where files are looked for, and the files read so far, each once, in the order first
/// read.
#[derive(Default)]
pub struct Files {
    pub search: Search,
    read: Vec<PathBuf>,
}

impl Files {
    /// No file read yet; files are looked for as `search` says.
    pub fn new(search: Search) -> Self {
        Files {
            search,
            read: Vec::new(),
        }
    }

    /// The text of the file at `path`, and its canonical path (for messages and for
    /// finding the files it includes beside it); the file is remembered.
    pub fn load(&mut self, path: &Path) -> Result<(PathBuf, String), String> {
        let text = fs::read_to_string(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        if !self.read.contains(&path) {
            self.read.push(path.clone());
        }
        Ok((path, text))
    }

    /// Every file read, for the compiler to watch.
    pub fn into_paths(self) -> Vec<PathBuf> {
        self.read
    }
}
