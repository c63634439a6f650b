//! The loopback kernel must be a drop-in for `mach2`: every constant, type alias and
//! struct that generated code can reach through `mig::sys` is defined as `mach2` 0.7
//! defines it. This test reads `mach2`'s sources from cargo's registry (fetching them if
//! needed: cargo only downloads Apple-only crates on request) and compares them with the
//! loopback's, item by item.

#![cfg(not(target_vendor = "apple"))]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The `mach2` files whose items `mig::sys` re-exports wholesale, and the loopback files
/// that must define the same items.
const MACH2_FILES: &[&str] = &["message.rs", "port.rs", "kern_return.rs"];
const LOOPBACK_FILES: &[&str] = &["types.rs", "kern_return.rs"];

fn mach2_source() -> PathBuf {
    let find = || -> Option<PathBuf> {
        let home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))?;
        let mut found: Vec<PathBuf> = std::fs::read_dir(home.join("registry/src"))
            .ok()?
            .flatten()
            .flat_map(|index| std::fs::read_dir(index.path()).into_iter().flatten().flatten())
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("mach2-0.7."))
            })
            .collect();
        found.sort();
        found.pop().map(|p| p.join("src"))
    };
    if let Some(dir) = find() {
        return dir;
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["fetch", "--target", "x86_64-apple-darwin", "--manifest-path"])
        .arg(manifest)
        .status()
        .expect("run cargo fetch");
    assert!(status.success(), "cargo fetch of mach2 failed");
    find().expect("mach2 sources in cargo's registry after cargo fetch")
}

#[derive(Debug, Default)]
struct Items {
    consts: BTreeMap<String, String>,
    aliases: BTreeMap<String, String>,
    structs: BTreeMap<String, Vec<String>>,
}

/// Collects `pub const`, `pub type` and `pub struct` items. Struct fields are kept for
/// 64-bit targets (fields under `cfg(not(target_pointer_width = "64"))` are dropped),
/// normalized to `name: type`.
fn items(dir: &Path, files: &[&str]) -> Items {
    let mut items = Items::default();
    for file in files {
        let text = std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        // Join statements split over lines, then scan item by item.
        let mut lines = text.lines().map(str::trim).peekable();
        while let Some(line) = lines.next() {
            if let Some(rest) = line.strip_prefix("pub const ") {
                let mut statement = rest.to_owned();
                while !statement.ends_with(';') {
                    statement.push(' ');
                    statement.push_str(lines.next().expect("const ends"));
                }
                let (name, value) = statement.split_once(':').expect("const has a type");
                items.consts.insert(name.trim().to_owned(), normalize(value));
            } else if let Some(rest) = line.strip_prefix("pub type ") {
                let mut statement = rest.to_owned();
                while !statement.ends_with(';') {
                    statement.push(' ');
                    statement.push_str(lines.next().expect("type ends"));
                }
                let (name, value) = statement.split_once('=').expect("alias has a target");
                items.aliases.insert(name.trim().to_owned(), normalize(value));
            } else if let Some(rest) = line.strip_prefix("pub struct ") {
                let name = rest.trim_end_matches(" {").trim().to_owned();
                let mut fields = Vec::new();
                let mut skip_next = false;
                for field in lines.by_ref() {
                    if field == "}" {
                        break;
                    }
                    if field.starts_with("#[cfg(not(target_pointer_width = \"64\"))]") {
                        skip_next = true;
                        continue;
                    }
                    if field.starts_with('#') || field.starts_with("//") || field.is_empty() {
                        continue;
                    }
                    if std::mem::take(&mut skip_next) {
                        continue;
                    }
                    let field = field
                        .split("//")
                        .next()
                        .unwrap()
                        .trim()
                        .trim_start_matches("pub ");
                    fields.push(normalize(field));
                }
                items.structs.insert(name, fields);
            }
        }
    }
    items
}

/// Whitespace-insensitive, and paths compare by their last segment
/// (`core::ffi::c_int` = `c_int`, `super::kern_return::kern_return_t` = `kern_return_t`).
fn normalize(text: &str) -> String {
    let text: String = text.split_whitespace().collect();
    let mut out = String::new();
    let mut word = String::new();
    for c in text.chars().chain([' ']) {
        if c.is_ascii_alphanumeric() || c == '_' || c == ':' {
            word.push(c);
        } else {
            out.push_str(word.rsplit("::").next().unwrap_or_default());
            word.clear();
            out.push(c);
        }
    }
    out.trim_end().trim_end_matches([';', ',']).to_owned()
}

#[test]
fn loopback_defines_what_mach2_defines() {
    let mach2 = items(&mach2_source(), MACH2_FILES);
    let loopback_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/sys/loopback");
    let loopback = items(&loopback_dir, LOOPBACK_FILES);
    assert!(
        mach2.consts.len() > 150,
        "parsed too few mach2 constants: {}",
        mach2.consts.len()
    );

    let mut problems = Vec::new();
    for (kind, theirs, ours) in [
        ("constant", &mach2.consts, &loopback.consts),
        ("type alias", &mach2.aliases, &loopback.aliases),
    ] {
        for (name, value) in theirs {
            match ours.get(name) {
                None => problems.push(format!("{kind} `{name}` is missing")),
                Some(v) if v != value => {
                    problems.push(format!("{kind} `{name}`: `{v}`, mach2 says `{value}`"))
                }
                Some(_) => {}
            }
        }
    }
    for (name, fields) in &mach2.structs {
        match loopback.structs.get(name) {
            None => problems.push(format!("struct `{name}` is missing")),
            // NDR_record_t's fields are private in mach2 and public here.
            Some(ours) if ours != fields && name != "NDR_record_t" => {
                problems.push(format!("struct `{name}`: {ours:?}, mach2 says {fields:?}"))
            }
            Some(_) => {}
        }
    }
    assert!(
        problems.is_empty(),
        "the loopback differs from mach2:\n{}",
        problems.join("\n")
    );
}
