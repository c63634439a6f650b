//! The symbol table: every type name in scope (the built-in files' and the user's), what a
//! `type` statement defines, and the translations a type carries.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::Span;

use crate::builtin::builtin_files;
use crate::errors::Errors;
use crate::lex;
use crate::model::{Origin, Rust, Translation, Type, TypeDef, UserPath, Wire};
use crate::syntax::{self, Statement, TypeSpec};

/// The built-in type files, checked: each file's definitions, in order. They hold no
/// spans, so the driver can keep them beyond one expansion (syntax trees cannot).
pub struct Builtins {
    files: Vec<(&'static str, Vec<TypeDef>)>,
}

impl Builtins {
    /// Checks the parsed built-in files (given with their text, which `#include` finds
    /// them by), each in the scope of those before it: the order of `BUILTIN_FILES`,
    /// where every file comes after the files it uses.
    pub fn check(files: &[(&'static str, syntax::File)], cx: &mut Errors) -> Builtins {
        let mut types = Types::default();
        let mut checked = Vec::new();
        for (text, file) in files {
            let first = types.builtin.len();
            for statement in &file.statements {
                match statement {
                    Statement::Type(decl) => types.define(decl, Origin::Builtin, cx),
                    _ => cx.error(
                        lex::point(Span::call_site()),
                        "a built-in file may hold only `type` statements",
                    ),
                }
            }
            checked.push((*text, types.builtin[first..].to_vec()));
        }
        Builtins { files: checked }
    }

    /// The definitions of the built-in file with this text.
    fn defs(&self, text: &str) -> &[TypeDef] {
        let (_, defs) = self
            .files
            .iter()
            .find(|(file, _)| *file == text)
            .expect("the driver checks every built-in file `#include` can name");
        defs
    }

    /// Every built-in type, for `mig::types`: a name two files define alike
    /// (`UNDServerRef`) gets one alias.
    pub fn all(&self) -> Vec<TypeDef> {
        let mut seen = BTreeSet::new();
        let mut defs: Vec<TypeDef> = self.files.iter().flat_map(|(_, defs)| defs.clone()).collect();
        defs.retain(|def| seen.insert(def.name.clone()));
        defs
    }
}

/// The types in scope at one point of a definition.
#[derive(Default)]
pub(super) struct Types {
    /// Every name defined so far; a later definition replaces an earlier one, as when a
    /// pasted text repeats a standard type.
    pub(super) by_name: BTreeMap<String, Type>,
    /// The user's `type` statements, in order: the aliases of the subsystem's module.
    user: Vec<TypeDef>,
    /// The built-in definitions, in order (what `Builtins::check` collects).
    builtin: Vec<TypeDef>,
    /// The built-in files included so far.
    loaded: BTreeSet<&'static str>,
    /// Types whose definition failed: their uses are not reported again.
    pub(super) poisoned: BTreeSet<String>,
    /// An `#include` failed (and was reported): unknown types may be its, and are not
    /// reported.
    pub(super) failed_include: bool,
    /// Translations of the types that have them, by type name.
    translations: BTreeMap<String, Translation>,
}

impl Types {
    /// Every type name in scope and the Rust it stands for, aliases followed to the end
    /// (`int` → `i32`, `pointer_t` → `mig::OutOfLine<u8>`).
    pub fn rust_names(&self) -> BTreeMap<String, String> {
        self.by_name
            .keys()
            .map(|name| (name.clone(), self.rust_name(name, 0)))
            .collect()
    }

    fn rust_name(&self, name: &str, depth: usize) -> String {
        match self.by_name.get(name) {
            // An alias chain is short; a cycle cannot pass `check`, but stop anyway.
            Some(ty) if depth < 32 => self.render(&ty.rust, depth + 1),
            _ => name.to_owned(),
        }
    }

    fn render(&self, rust: &Rust, depth: usize) -> String {
        match rust {
            Rust::Primitive(p) => p.rsplit("::").next().unwrap_or(p).to_owned(),
            Rust::Sys(name) => (*name).to_owned(),
            Rust::Named { name, .. } => self.rust_name(name, depth),
            Rust::Array(element, n) => format!("[{}; {n}]", self.render(element, depth)),
            Rust::Inline(element, n) => format!("mig::InlineArray<{}, {n}>", self.render(element, depth)),
            Rust::OutOfLine(element) => format!("mig::OutOfLine<{}>", self.render(element, depth)),
            Rust::CString(n) => format!("mig::InlineString<{n}>"),
            Rust::Ports(element) => format!("Vec<{}>", self.render(element, depth)),
            Rust::User { path, .. } => path.join("::"),
            Rust::None => "()".to_owned(),
        }
    }

    /// `#include`: brings in the built-in files the path names.
    pub(super) fn include(&mut self, path: &str, builtins: &Builtins) {
        let Some(files) = builtin_files(path) else {
            // The preprocessor reads every other file, and leaves here only one it could
            // not read, having said why: what it would have defined is missing, and each
            // use of it would only repeat that error.
            self.failed_include = true;
            return;
        };
        for &text in files {
            if !self.loaded.insert(text) {
                continue;
            }
            for def in builtins.defs(text) {
                self.by_name.insert(def.name.clone(), def.ty.clone());
            }
        }
    }

    /// Marks a type whose definition failed: its uses say nothing more.
    pub(super) fn poison(&mut self, name: &str) {
        self.poisoned.insert(name.to_owned());
    }

    /// The type of this name, if one is in scope.
    pub(super) fn get(&self, name: &str) -> Option<&Type> {
        self.by_name.get(name)
    }

    /// The translations of the type of this name, if it has any.
    pub(super) fn translation(&self, name: &str) -> Option<Translation> {
        self.translations.get(name).cloned()
    }

    /// The user's definitions, which the subsystem's module declares.
    pub(super) fn user_types(&self) -> &[TypeDef] {
        &self.user
    }

    pub(super) fn into_user_types(self) -> Vec<TypeDef> {
        self.user
    }

    /// A `type` statement: resolves its spec and defines the name.
    pub(super) fn define(&mut self, decl: &syntax::TypeDecl, origin: Origin, cx: &mut Errors) {
        let Some(resolved) = self.resolve(&decl.spec, Some(&decl.name.text), cx) else {
            self.poison(&decl.name.text);
            return;
        };
        // An alias keeps the translations of the type it names, as in MIG.
        let inherited = match &decl.spec {
            TypeSpec::Name(base) => self.translations.get(&base.text).cloned(),
            _ => None,
        };
        match translation(&decl.annotations, inherited, cx) {
            Some(t) => self.translations.insert(decl.name.text.clone(), t),
            None => self.translations.remove(&decl.name.text),
        };
        let Some(user_type) = user_type(decl, &resolved, origin, cx) else {
            self.poison(&decl.name.text);
            return;
        };
        let rust = match (user_type, resolved.origin) {
            (Some(user), _) => user,
            // A variable array's alias keeps its element type at hand: the element is
            // what slices and wire structs are made of.
            _ if matches!(
                resolved.wire,
                Wire::Variable { .. }
                    | Wire::OutOfLine { .. }
                    | Wire::PortArray { .. }
                    | Wire::OutOfLinePorts { .. }
            ) =>
            {
                resolved.rust.clone()
            }
            (None, Origin::Primitive) => resolved.rust.clone(),
            (None, other) => Rust::Named {
                name: resolved.name.clone(),
                origin: other,
            },
        };
        let ty = Type {
            name: decl.name.text.clone(),
            origin,
            wire: resolved.wire,
            rust,
        };
        self.by_name.insert(decl.name.text.clone(), ty.clone());
        let def = TypeDef {
            name: decl.name.text.clone(),
            docs: decl.docs.clone(),
            ty,
        };
        match origin {
            Origin::Builtin => self.builtin.push(def),
            _ => {
                self.user.retain(|t| t.name != def.name);
                self.user.push(def);
            }
        }
    }
}

/// The Rust type of the user's that `rusttype:` binds, if any: `Some(None)` without one,
/// `None` after an error.
///
/// `ctype:` names a C type (from a header the `.defs` text imports) and is ignored: the
/// MIG description decides the Rust type, so pasted text compiles as it is. Binding a
/// Rust type of the user's is asked for by `rusttype:`, on fixed inline data only (the
/// Rust forms of ports, arrays and strings are fixed).
fn user_type(
    decl: &syntax::TypeDecl,
    resolved: &Type,
    origin: Origin,
    cx: &mut Errors,
) -> Option<Option<Rust>> {
    let mut user_type = None;
    for a in decl
        .annotations
        .iter()
        .filter(|a| a.keyword.is_keyword("rusttype") && !a.value.is_empty())
    {
        match resolved.wire {
            Wire::Fixed { count, element_size } if origin == Origin::User => {
                user_type = Some(Rust::User {
                    path: a.value.iter().map(|i| i.text.clone()).collect(),
                    span: a.value[0].span.start,
                    size: count * element_size,
                });
            }
            _ => {
                cx.error(
                    a.keyword.span,
                    format!(
                        "`rusttype:` binds a Rust type to fixed inline data (`struct[n] of T`, \
                         `array[n] of T`); `{}` is not fixed inline data, and its Rust type is \
                         decided by its definition",
                        decl.name.text
                    ),
                );
                return None;
            }
        }
    }
    Some(user_type)
}

/// The translations a type's annotations declare, on top of those it inherits.
/// `ctype:`, `cusertype:` and `cservertype:` name C types only, and `rusttype:` is
/// handled by `user_type`: they change nothing here.
fn translation(
    annotations: &[syntax::Annotation],
    inherited: Option<Translation>,
    cx: &mut Errors,
) -> Option<Translation> {
    let user_path = |path: &[syntax::Ident]| UserPath {
        path: path.iter().map(|i| i.text.clone()).collect(),
        span: path[0].span.start,
    };
    let mut result = inherited;
    for a in annotations {
        let keyword = a.keyword.text.to_ascii_lowercase();
        // Which path is the translated type, and which the function, per form:
        // `intran: T f(U)`, `outtran: U f(T)`, `destructor: f(T)`.
        let (translated, function) = match (keyword.as_str(), &a.function, &a.argument) {
            ("intran", Some(function), Some(_)) => (&a.value, function),
            ("outtran", Some(function), Some(argument)) => (argument, function),
            ("destructor", None, Some(argument)) => (argument, &a.value),
            _ => continue,
        };
        let at = translated[0].span;
        let translated = user_path(translated);
        let function = Some(user_path(function));
        let t = result.get_or_insert_with(|| Translation {
            translated: translated.clone(),
            intran: None,
            outtran: None,
            destructor: None,
        });
        if t.translated.path != translated.path {
            cx.error(
                at,
                format!(
                    "`{}:` translates to `{}`, but the type's other translations to `{}`: a type \
                     has one translated type",
                    a.keyword.text,
                    translated.path.join("::"),
                    t.translated.path.join("::")
                ),
            );
            continue;
        }
        match keyword.as_str() {
            "intran" => t.intran = function,
            "outtran" => t.outtran = function,
            _ => t.destructor = function,
        }
    }
    result
}
