//! The whole pipeline on one `mig!` body, callable without a compiler session (tests and
//! benchmarks use `proc_macro2` input), and on a `.defs` file for the front ends that
//! write the generated code to a file, whose errors are [`Diagnostic`]s.

use std::cell::OnceCell;
use std::fmt;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::str::FromStr;

use proc_macro2::{LineColumn, Span, TokenStream};
use quote::quote;

use crate::builtin::BUILTIN_FILES;
use crate::errors::Errors;
use crate::layout::SubsystemLayout;
use crate::model::{Subsystem, TypeDef};
use crate::preprocess::{Defines, FileError, Search};
use crate::{check, expand, layout, lex, parse, preprocess};

/// Whether an expansion holds the `async` items: each client function's `_async` form,
/// the `Client` methods' `_async` forms, and the `AsyncServer` trait with its dispatch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AsyncItems {
    /// Emitted inside the runtime's `async_stubs! { … }`, which keeps them only when the
    /// runtime is built with its `tokio` feature: for code that may be compiled against
    /// either build (what `mig-build` writes, what the `mig` command prints).
    #[default]
    Gated,
    /// Left out: the macro's choice when the runtime it expands for is built without
    /// `tokio`, where the gate would drop them anyway, after rustc had read them (a
    /// third of a subsystem's tokens).
    Omitted,
}

/// The whole pipeline on a MIG text: the generated items, or the errors.
pub fn expand_definition(krate: TokenStream, body: TokenStream, async_items: AsyncItems) -> TokenStream {
    let mut cx = Errors::new();
    let (checked, files) = front(body, &mut cx);
    // The fallback (as serde's and thiserror's derives emit one): beside the errors, the
    // module with what did check, so code using it is still checked against it and
    // rustc adds no error about the parts that failed (see `expand::subsystem`).
    let complete = cx.is_empty();
    let module =
        checked.map(|(model, layout)| expand::subsystem(krate, &model, &layout, complete, async_items));
    let errors = cx.to_compile_errors();
    let tracking = track(&files);
    quote!(#errors #module #tracking)
}

/// Every stage before `expand`: the model and its layouts, every error in `cx`, and the
/// files read. Each stage runs on what the one before accepted, so one expansion
/// reports the errors of all of them, and the model holds what passed them all.
pub fn front(body: TokenStream, cx: &mut Errors) -> (Option<(Subsystem, SubsystemLayout)>, Vec<PathBuf>) {
    let (tokens, files) = preprocess::preprocess(lex::lower(body), cx);
    (back(&tokens, cx), files)
}

/// [`front`], with included files looked for as `search` says and `defines` defined.
fn front_with(
    body: TokenStream,
    search: Search,
    defines: Defines,
    cx: &mut Errors,
) -> (Option<(Subsystem, SubsystemLayout)>, Vec<PathBuf>) {
    let (tokens, files) = preprocess::preprocess_with(lex::lower(body), search, defines, cx);
    (back(&tokens, cx), files)
}

/// The stages after `preprocess`.
fn back(tokens: &[(lex::Tok, lex::Sp)], cx: &mut Errors) -> Option<(Subsystem, SubsystemLayout)> {
    let file = parse::parse(tokens, cx);
    // Check even after syntax errors: the statements that did parse get checked too.
    check::check(&file, &builtins(), cx).map(|mut model| {
        let layout = layout::layout(&mut model, cx);
        (model, layout)
    })
}

/// One error of a definition expanded outside the compiler, where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// What is wrong.
    pub message: String,
    /// The file the error is in: a `.defs` file, or a file it includes. `None` for an
    /// error in tokens handed to [`Config::expand_body`](crate::Config::expand_body): the
    /// line and column are then those of the tokens' spans (the place in the Rust file
    /// the tokens were parsed from); `None` with line 0 for an error in no file (a
    /// [`Config::define`](crate::Config::define) that cannot be read).
    pub file: Option<PathBuf>,
    /// The line, from 1; 0 when the error is about a whole file (it cannot be read).
    pub line: usize,
    /// The column of the error's first character, from 1 (in characters), when known:
    /// an error of the C preprocessor knows only its line.
    pub column: Option<usize>,
    /// The line and column one past the error's last character, when known.
    pub end: Option<(usize, usize)>,
}

/// `file:line:column: error: message`, as C compilers print it (without what is not
/// known).
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.file {
            Some(file) => write!(f, "{}", file.display())?,
            None if self.line == 0 => return write!(f, "error: {}", self.message),
            None => f.write_str("<tokens>")?,
        }
        if self.line != 0 {
            write!(f, ":{}", self.line)?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": error: {}", self.message)
    }
}

/// What expanding a definition outside the compiler gave.
#[derive(Debug)]
pub struct Expansion {
    /// The generated Rust items, or every error (in the order found).
    pub items: Result<TokenStream, Vec<Diagnostic>>,
    /// Every file read, each once, in the order first read: the `.defs` file and the
    /// files it includes (built-in type files are never read). A build script reruns
    /// when one of them changes; they are listed even when there are errors.
    pub files: Vec<PathBuf>,
}

/// A `mig!` body expanded as the macro would (included files looked for as `search`
/// says), without the macro's file tracking; its errors at their spans' lines.
pub fn expand_body(
    krate: TokenStream,
    body: TokenStream,
    search: Search,
    defines: &[(String, String)],
) -> Expansion {
    let defines = match preprocess::predefined(defines) {
        Ok(defines) => defines,
        Err(message) => return unplaced(message),
    };
    let mut cx = Errors::new();
    let (checked, files) = front_with(body, search, defines, &mut cx);
    let items = finish(krate, checked, &cx, |span| {
        let LineColumn { line, column } = span;
        Some((None, line, column))
    });
    Expansion { items, files }
}

/// The `.defs` file at `path` expanded: read and preprocessed as an `#include` of it in
/// a `mig!` body would be (files it includes looked for as `search` says), then lexed
/// whole, so that every error is at its line and column in the file it came from.
pub fn expand_file(
    krate: TokenStream,
    path: &Path,
    search: Search,
    defines: &[(String, String)],
) -> Expansion {
    let defines = match preprocess::predefined(defines) {
        Ok(defines) => defines,
        Err(message) => return unplaced(message),
    };
    let (read, files) = preprocess::read_file(path, search, defines);
    // The file as given, not as canonicalized, where its errors are.
    let canonical = path.canonicalize().ok();
    let shown = |file: &Path| {
        if Some(file) == canonical.as_deref() {
            path.to_path_buf()
        } else {
            file.to_path_buf()
        }
    };
    let mapped = match read {
        Ok(mapped) => mapped,
        Err(error) => {
            let items = Err(vec![file_error(&error, path, shown)]);
            return Expansion { items, files };
        }
    };
    let locate = |LineColumn { line, column }: LineColumn| {
        let (file, line) = mapped.origin(line)?;
        Some((Some(shown(file)), line, column))
    };
    let tokens = match TokenStream::from_str(&mapped.text) {
        Ok(tokens) => tokens,
        Err(error) => {
            let message = format!("after preprocessing, the text is not valid Rust tokens: {error}");
            let items = Err(vec![diagnostic(message, error.span(), error.span(), locate)]);
            return Expansion { items, files };
        }
    };
    let mut cx = Errors::new();
    let checked = back(&lex::lower(tokens), &mut cx);
    let items = finish(krate, checked, &cx, locate);
    Expansion { items, files }
}

/// An error that is in no file (a bad predefined name), before any file was read.
fn unplaced(message: String) -> Expansion {
    Expansion {
        items: Err(vec![Diagnostic {
            message,
            file: None,
            line: 0,
            column: None,
            end: None,
        }]),
        files: Vec::new(),
    }
}

/// The items of a definition that checked, or its errors, each placed by `locate`
/// (which maps a span's line and column to a file, line and column).
fn finish(
    krate: TokenStream,
    checked: Option<(Subsystem, SubsystemLayout)>,
    cx: &Errors,
    locate: impl Fn(LineColumn) -> Option<(Option<PathBuf>, usize, usize)>,
) -> Result<TokenStream, Vec<Diagnostic>> {
    if !cx.is_empty() {
        return Err(cx
            .iter()
            .map(|e| diagnostic(e.message.clone(), e.start, e.end, &locate))
            .collect());
    }
    Ok(checked
        .map(|(model, layout)| expand::subsystem(krate, &model, &layout, true, AsyncItems::Gated))
        .unwrap_or_default())
}

fn diagnostic(
    message: String,
    start: Span,
    end: Span,
    locate: impl Fn(LineColumn) -> Option<(Option<PathBuf>, usize, usize)>,
) -> Diagnostic {
    let Some((file, line, column)) = locate(start.start()) else {
        // A span made by the pipeline itself (not from the text): no place to name.
        return Diagnostic {
            message,
            file: None,
            line: 0,
            column: None,
            end: None,
        };
    };
    let end = locate(end.end())
        .filter(|(end_file, ..)| *end_file == file)
        .map(|(_, line, column)| (line, column + 1));
    Diagnostic {
        message,
        file,
        line,
        column: Some(column + 1),
        end,
    }
}

/// A preprocessing error at the line of the innermost file it is in.
fn file_error(error: &FileError, path: &Path, shown: impl Fn(&Path) -> PathBuf) -> Diagnostic {
    let (file, line, message) = error.innermost();
    Diagnostic {
        message: message.to_owned(),
        file: Some(if line == 0 && error.cause.is_none() {
            path.to_path_buf()
        } else {
            shown(file)
        }),
        line,
        column: None,
        end: None,
    }
}

/// The aliases of every built-in type, for `mig::types`.
pub fn builtin_types() -> Vec<TypeDef> {
    builtins().all()
}

/// The built-in type files, lexed, parsed and checked once per compiler thread: their
/// checked types hold no spans, so they outlive one expansion (syntax trees would not).
fn builtins() -> Rc<check::Builtins> {
    thread_local! {
        static BUILTINS: OnceCell<Rc<check::Builtins>> = const { OnceCell::new() };
    }
    BUILTINS.with(|builtins| Rc::clone(builtins.get_or_init(|| Rc::new(load_builtins()))))
}

fn load_builtins() -> check::Builtins {
    let mut cx = Errors::new();
    let files: Vec<_> = BUILTIN_FILES
        .iter()
        .map(|&text| {
            let tokens = TokenStream::from_str(text).expect("built-in definitions lex");
            (text, parse::parse(&lex::lower(tokens), &mut cx))
        })
        .collect();
    let builtins = check::Builtins::check(&files, &mut cx);
    assert!(cx.is_empty(), "the built-in definitions must check cleanly");
    builtins
}

/// Makes the compiler expand the macro again when an included file or the include path
/// changes: it watches what `include_bytes!` and `option_env!` read.
fn track(files: &[PathBuf]) -> TokenStream {
    if files.is_empty() {
        return TokenStream::new();
    }
    let paths = files.iter().map(|f| f.to_string_lossy().into_owned());
    let var = preprocess::INCLUDE_PATH_VAR;
    quote! {
        #(const _: &[u8] = ::core::include_bytes!(#paths);)*
        const _: ::core::option::Option<&str> = ::core::option_env!(#var);
    }
}
