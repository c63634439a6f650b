//! The file front ends' API ([`Config`]): errors at the lines and columns of the files
//! they are in, whatever the preprocessor removed or spliced in before them.

use std::fs;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use proc_macro2::TokenStream;

use crate::{Config, Diagnostic};

/// A fresh directory holding `files` (name, text).
fn files(test: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mig-gen-{}-{test}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        fs::write(dir.join(name), text).unwrap();
    }
    dir.canonicalize().unwrap()
}

fn at(file: &Path, line: usize, column: usize, end: usize, message: &str) -> Diagnostic {
    Diagnostic {
        message: message.to_owned(),
        file: Some(file.to_path_buf()),
        line,
        column: Some(column),
        end: Some((line, end)),
    }
}

#[test]
fn errors_are_at_their_file_line_and_column_past_directives_comments_and_includes() {
    let dir = files(
        "lines",
        &[
            (
                "s.defs",
                "subsystem s 1;\n\
                 #include <mach/std_types.defs>\n\
                 #include \"t.defs\"\n\
                 #if 0\n\
                 routine skipped(a: int);\n\
                 #endif\n\
                 /* a\n   comment */ routine r(server: mach_port_t;\n\
                 \ta: bad_t);\n",
            ),
            ("t.defs", "type t1 = int;\n\n/* c */ type t2 = worse_t;\n"),
        ],
    );
    let expansion = Config::new().expand_file(dir.join("s.defs"));
    let unknown = "(declare it with `type`, or add `#include <mach/mach_types.defs>`)";
    assert_eq!(
        expansion.items.unwrap_err(),
        [
            at(
                &dir.join("t.defs"),
                3,
                19,
                26,
                &format!("unknown type `worse_t` {unknown}")
            ),
            at(
                &dir.join("s.defs"),
                9,
                5,
                10,
                &format!("unknown type `bad_t` {unknown}")
            ),
        ]
    );
    assert_eq!(expansion.files, [dir.join("s.defs"), dir.join("t.defs")]);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_file_is_shown_as_given_and_a_preprocessing_error_has_a_line_only() {
    let dir = files(
        "given",
        &[("p.defs", "subsystem p 1;\n#if 1\n#error stop\n#endif\n")],
    );
    let given = dir.join(".").join("p.defs");
    let errors = Config::new().expand_file(&given).items.unwrap_err();
    let expected = Diagnostic {
        message: "#error stop".to_owned(),
        file: Some(given.clone()),
        line: 3,
        column: None,
        end: None,
    };
    assert_eq!(errors, [expected]);
    assert_eq!(
        errors[0].to_string(),
        format!("{}:3: error: #error stop", given.display())
    );
    let missing = Config::new()
        .expand_file(dir.join("none.defs"))
        .items
        .unwrap_err();
    assert_eq!(missing[0].line, 0);
    assert!(missing[0].to_string().starts_with(&format!(
        "{}: error: cannot read",
        dir.join("none.defs").display()
    )));
}

#[test]
fn a_nested_files_error_names_each_include_in_a_body_as_before() {
    let dir = files(
        "nested",
        &[
            ("outer.defs", "type a = int;\n#include \"inner.defs\"\n"),
            ("inner.defs", "\n#error deep\n"),
        ],
    );
    let body = TokenStream::from_str(&format!(
        "subsystem n 1;\n#include <mach/std_types.defs>\n#include {:?}\n",
        dir.join("outer.defs").to_str().unwrap()
    ))
    .unwrap();
    let errors = Config::new().expand_body(body).items.unwrap_err();
    // The macro's message, at the `#include` in the body.
    let message = format!(
        "{}:2: {}:2: #error deep",
        dir.join("outer.defs").display(),
        dir.join("inner.defs").display()
    );
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].message, message);
    assert_eq!(
        (errors[0].file.as_deref(), errors[0].line, errors[0].column),
        (None, 3, Some(1))
    );
    // A file front end says where the error is, innermost.
    let errors = Config::new()
        .expand_file(dir.join("outer.defs"))
        .items
        .unwrap_err();
    assert_eq!(
        (errors[0].file.clone(), errors[0].line),
        (Some(dir.join("inner.defs")), 2)
    );
    assert_eq!(errors[0].message, "#error deep");
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn include_dirs_are_searched_in_order_and_a_miss_lists_them() {
    let dir = files(
        "dirs",
        &[(
            "x.defs",
            "subsystem x 1;\n#include <mach/std_types.defs>\n#include <types.defs>\n",
        )],
    );
    fs::create_dir_all(dir.join("a")).unwrap();
    fs::create_dir_all(dir.join("b")).unwrap();
    fs::write(dir.join("b/types.defs"), "type t = int;\n").unwrap();
    let errors = Config::new()
        .include_dir(dir.join("a"))
        .expand_file(dir.join("x.defs"))
        .items
        .unwrap_err();
    assert_eq!(
        errors[0].message,
        format!(
            "cannot find `<types.defs>`: it is not a built-in type file and no include directory \
             holds it (searched: `{}`); add the directory that holds it to the include directories",
            dir.join("a").display()
        )
    );
    let expansion = Config::new()
        .include_dir(dir.join("a"))
        .include_dir(dir.join("b"))
        .expand_file(dir.join("x.defs"));
    assert!(expansion.items.is_ok(), "{:?}", expansion.items);
    assert_eq!(expansion.files, [dir.join("x.defs"), dir.join("b/types.defs")]);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn defined_names_steer_a_files_ifs_and_a_bad_one_is_an_error() {
    let dir = files(
        "defines",
        &[(
            "d.defs",
            "subsystem d 1;\n#include <mach/std_types.defs>\n\
             routine PREFIX(one)(server: mach_port_t);\n\
             #if WITH_TWO\nroutine two(server: mach_port_t);\n#endif\n",
        )],
    );
    let routines = |config: Config| {
        let items = config.expand_file(dir.join("d.defs")).items.unwrap().to_string();
        ["fn one", "fn d_one", "fn two"].map(|f| items.contains(&format!("{f} (")))
    };
    let plain = Config::new().define("PREFIX(n)", "n");
    assert_eq!(routines(plain), [true, false, false]);
    let both = Config::new()
        .define("PREFIX(n)", "d_ ## n")
        .define("WITH_TWO", "1");
    assert_eq!(routines(both), [false, true, true]);
    let bad = Config::new().define("X", "'").expand_file(dir.join("d.defs"));
    let errors = bad.items.unwrap_err();
    assert_eq!(
        errors[0].to_string(),
        "error: cannot define `X` as `'`: the value of `X` is not valid tokens"
    );
    assert!(bad.files.is_empty());
    fs::remove_dir_all(&dir).unwrap();
}
