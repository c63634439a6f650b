//! The syntax tree: MIG text as written, every node with its span.
//!
//! Nothing here is resolved or checked; `check` turns it into the model.

// The tree records everything written, spans included; later stages read what they use.
#![allow(dead_code)]

use crate::lex::Sp;

/// An identifier as written, with its span.
#[derive(Clone, Debug)]
pub struct Ident {
    pub text: String,
    pub span: Sp,
}

impl Ident {
    /// MIG keywords are case-insensitive, as in Apple's lexer.
    pub fn is_keyword(&self, keyword: &str) -> bool {
        self.text.eq_ignore_ascii_case(keyword)
    }
}

/// A whole `mig! { … }` body.
#[derive(Clone, Debug, Default)]
pub struct File {
    pub statements: Vec<Statement>,
}

#[derive(Clone, Debug)]
pub enum Statement {
    /// `subsystem [KernelUser] [KernelServer] name base;`
    Subsystem(Subsystem),
    /// `#include <file>` or `#include "file"`.
    Include(Include),
    /// `type name = spec [annotations];`
    Type(TypeDecl),
    /// `routine` / `simpleroutine`.
    Routine(Routine),
    /// `skip;`: consumes one message id.
    Skip(Sp),
    /// A statement made of a keyword and one identifier: `serverprefix`, `userprefix`,
    /// `serverdemux`, `error`, and NeXT's `msgtype`.
    Name { keyword: Ident, value: Ident },
    /// A statement whose argument is MIG's free-form string: `waittime`, `sendtime`,
    /// `msgoption`, `ConsumeOnSendError`; or a bare keyword: `nowaittime`, `nosendtime`.
    Text {
        keyword: Ident,
        value: Option<(String, Sp)>,
    },
    /// A statement with a number: `UseSpecialReplyPort`, `UserTypeLimit`, `OnStackLimit`.
    Number { keyword: Ident, value: Expr },
    /// `import`, `uimport`, `simport`, `iimport`, `dimport` of a C header, and `rcsid`:
    /// they only shape C output.
    CFile { keyword: Ident, file: String },
    /// A `type` statement that failed to parse (its error is already reported): the name
    /// it declares, whose uses are then not reported as unknown.
    BrokenType(Ident),
    /// A statement that failed to parse; its error is already reported.
    Error,
}

impl Statement {
    /// Gives the `///` comments written before a statement to the items that keep them.
    pub fn attach_docs(&mut self, docs: Vec<String>) {
        match self {
            Statement::Subsystem(s) => s.docs = docs,
            Statement::Type(t) => t.docs = docs,
            Statement::Routine(r) => r.docs = docs,
            _ => {}
        }
    }
}

#[derive(Clone, Debug)]
pub struct Subsystem {
    pub docs: Vec<String>,
    pub modifiers: Vec<Ident>,
    pub name: Ident,
    pub base: Expr,
    pub span: Sp,
}

#[derive(Clone, Debug)]
pub struct Include {
    pub path: String,
    pub span: Sp,
}

#[derive(Clone, Debug)]
pub struct TypeDecl {
    pub docs: Vec<String>,
    pub name: Ident,
    pub spec: TypeSpec,
    pub annotations: Vec<Annotation>,
    pub span: Sp,
}

/// The right-hand side of a `type` statement.
#[derive(Clone, Debug)]
pub enum TypeSpec {
    /// A previously declared type, a `MACH_MSG_TYPE_*` name or `polymorphic`.
    Name(Ident),
    /// `A | B` (sent as A, received as B), or NeXT's long form `(A[, bits[, dealloc]])`.
    Ipc {
        sender: Ident,
        receiver: Option<Ident>,
        bits: Option<Expr>,
        /// `dealloc` in the long form: a port that moves.
        dealloc: Option<Ident>,
        span: Sp,
    },
    /// `array[...] of T`.
    Array {
        bound: ArrayBound,
        element: Box<TypeSpec>,
        span: Sp,
    },
    /// `struct[n] of T`.
    Struct {
        count: Expr,
        element: Box<TypeSpec>,
        span: Sp,
    },
    /// `c_string[n]` or `c_string[*:n]`.
    CString { bound: ArrayBound, span: Sp },
    /// `^T`: out of line.
    Pointer { target: Box<TypeSpec>, span: Sp },
}

impl TypeSpec {
    pub fn span(&self) -> Sp {
        match self {
            TypeSpec::Name(ident) => ident.span,
            TypeSpec::Ipc { span, .. }
            | TypeSpec::Array { span, .. }
            | TypeSpec::Struct { span, .. }
            | TypeSpec::CString { span, .. }
            | TypeSpec::Pointer { span, .. } => *span,
        }
    }
}

#[derive(Clone, Debug)]
pub enum ArrayBound {
    /// `[n]`
    Fixed(Expr),
    /// `[*:n]`
    Bounded(Expr),
    /// `[]` or `[*]`
    Unbounded,
}

/// `ctype: T`, `intran: f`, … after a type spec.
#[derive(Clone, Debug)]
pub struct Annotation {
    pub keyword: Ident,
    /// A Rust path: `Foo`, `crate::x::Foo`. The type before the function in `intran:`
    /// and `outtran:`; the function itself in `destructor:`.
    pub value: Vec<Ident>,
    /// `intran: T function(U)`, `outtran: U function(T)`: the function.
    pub function: Option<Vec<Ident>>,
    /// The parenthesized type of `intran:`, `outtran:` and `destructor:`.
    pub argument: Option<Vec<Ident>>,
}

#[derive(Clone, Debug)]
pub struct Routine {
    pub docs: Vec<String>,
    pub keyword: Ident,
    pub name: Ident,
    pub args: Vec<Arg>,
    pub span: Sp,
}

#[derive(Clone, Debug)]
pub struct Arg {
    pub docs: Vec<String>,
    /// `in`, `out`, `inout`, `RequestPort`, …; `None` when omitted.
    pub direction: Option<Ident>,
    pub name: Ident,
    pub ty: ArgType,
    pub flags: Vec<Flag>,
    pub span: Sp,
}

#[derive(Clone, Debug)]
pub enum ArgType {
    /// `: type_name`
    Named(Ident),
    /// `: name = spec`, a type declared in place.
    Declared {
        name: Ident,
        spec: Box<TypeSpec>,
        annotations: Vec<Annotation>,
    },
}

/// An IPC flag after the argument's type: `, dealloc`, `, dealloc[]`, `, CountInOut`…
#[derive(Clone, Debug)]
pub struct Flag {
    pub name: Ident,
    pub brackets: bool,
}

/// An integer expression: MIG allows `+ - * /` and parentheses wherever sizes go.
#[derive(Clone, Debug)]
pub enum Expr {
    /// As written: `check` reads it (MIG numbers are decimal digits only).
    Number(String, Sp),
    Name(Ident),
    Binary(Box<Expr>, char, Box<Expr>),
}

impl Expr {
    pub fn span(&self) -> Sp {
        match self {
            Expr::Number(_, span) => *span,
            Expr::Name(ident) => ident.span,
            Expr::Binary(lhs, _, rhs) => Sp {
                start: lhs.span().start,
                end: rhs.span().end,
                context: (),
            },
        }
    }
}
