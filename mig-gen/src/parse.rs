//! Stage 2: tokens to syntax tree, with chumsky.
//!
//! Each rule names the production of Apple's `migcom.tproj/parser.y` it follows.
//! Recovery mirrors migcom's `error sySemi`: a statement that does not parse is skipped
//! up to its `;` and parsing goes on, so one compile reports every syntax error.

use chumsky::error::{Rich, RichPattern, RichReason};
use chumsky::prelude::*;
use proc_macro2::{Delimiter, Span};

use crate::errors::Errors;
use crate::lex::{Sp, Tok, Tokens, point};
use crate::syntax::*;

type In<'t> = Tokens<'t>;
type Extra<'t> = extra::Err<Rich<'t, Tok, Sp>>;
/// A grammar rule behind a pointer. Each combinator is a generic type wrapping its
/// parts, and rustc type-checks, instantiates and (chumsky inlines every `go`) compiles
/// each one at the full depth of what it wraps: boxed at rule boundaries, and at the
/// alternatives of the larger rules, no type is deeper than one rule. The cost at run
/// time is one indirect call per rule.
type Rule<'t, O> = Boxed<'t, 't, In<'t>, O, Extra<'t>>;

/// Parses lowered tokens; syntax errors go to `cx`, the tree keeps what did parse.
pub fn parse(tokens: &[(Tok, Sp)], cx: &mut Errors) -> File {
    let eoi = tokens
        .last()
        .map(|(_, sp)| point(sp.end))
        .unwrap_or_else(|| point(Span::call_site()));
    let (file, errors) = file().parse(Tokens::new(tokens, eoi)).into_output_errors();
    for error in errors {
        cx.error(*error.span(), describe(&error));
    }
    file.unwrap_or_default()
}

/// Renders a chumsky error the way rustc words its own.
fn describe(error: &Rich<'_, Tok, Sp>) -> String {
    match error.reason() {
        RichReason::Custom(msg) => msg.clone(),
        RichReason::ExpectedFound { expected, found } => {
            let mut wanted: Vec<String> = expected.iter().filter_map(pattern).collect();
            wanted.sort();
            wanted.dedup();
            // At statement level the alternatives are every statement and `#include`;
            // naming them all helps nobody.
            if wanted.iter().any(|w| w == "statement") {
                wanted = vec!["a MIG statement (`routine`, `simpleroutine`, `type`, `skip`, …)".to_owned()];
            }
            if let Some(hint) = found.as_deref().and_then(|tok| teach(tok, &wanted)) {
                return hint;
            }
            if wanted[0].contains("MIG statement")
                && let Some(Tok::Ident(word)) = found.as_deref()
                && let Some(keyword) = crate::suggest::closest(word, STATEMENT_KEYWORDS.iter().copied())
            {
                return format!(
                    "expected {}, found `{word}`; did you mean `{keyword}`?",
                    wanted[0]
                );
            }
            let found = match found {
                Some(tok) => format!("`{}`", &**tok),
                None => "end of input".to_owned(),
            };
            let wanted = match wanted.as_slice() {
                [] => "something else".to_owned(),
                [one] => one.clone(),
                [rest @ .., last] => format!("one of {}, or {last}", rest.join(", ")),
            };
            format!("expected {wanted}, found {found}")
        }
    }
}

/// What to say instead of "expected …, found …" when the token found is Rust's way of
/// writing what MIG writes otherwise.
fn teach(found: &Tok, wanted: &[String]) -> Option<String> {
    let wants = |what: &str| wanted.iter().any(|w| w.contains(what));
    match found {
        Tok::Punct('&') if wants("type") => Some(
            "MIG types are names, not references: a string is `c_string[n]`, a slice \
             `array[*:n] of T` or `array[] of T` (declare them with `type`)"
                .to_owned(),
        ),
        Tok::Ident(word) if wants("MIG statement") && matches!(word.as_str(), "fn" | "pub" | "async") => {
            Some(format!(
                "expected a MIG statement, found `{word}`: MIG declares an operation with `routine name(args);` \
             (the caller waits for a reply) or `simpleroutine name(args);` (no reply)"
            ))
        }
        Tok::Ident(word) if wants("MIG statement") && matches!(word.as_str(), "struct" | "union") => {
            Some(format!(
                "expected a MIG statement, found `{word}`: MIG declares structured data with `type`, as \
                 elements of one type (`type point = struct[2] of int;`); for a struct of your own with \
                 fields of several types, bind it with `rusttype:` (`type point_t = struct[12] of char \
                 rusttype: Point;`)"
            ))
        }
        // Rust's `[T; n]` where a type goes.
        Tok::Group(g) if g.delim == proc_macro2::Delimiter::Bracket && wants("type") => Some(
            "MIG writes arrays as words: `array[n] of T` (Rust's `[T; n]`), `array[*:n] of T` (at most n, \
             inline) or `array[] of T` (any number, out of line)"
                .to_owned(),
        ),
        // Rust's generics after a type name (`Vec<u8>`).
        Tok::Punct('<') if !wants("file name") => Some(
            "MIG types take no `<…>` parameters: declare the type with `type` (a Rust `Vec<T>` is \
             `array[*:n] of T`, at most n inline, or `array[] of T`, out of line) and use its name"
                .to_owned(),
        ),
        _ => None,
    }
}

fn pattern(p: &RichPattern<'_, Tok>) -> Option<String> {
    Some(match p {
        RichPattern::Token(tok) => format!("`{}`", &**tok),
        RichPattern::Label(label) => label.to_string(),
        RichPattern::Identifier(name) => format!("`{name}`"),
        RichPattern::Any => "any token".to_owned(),
        RichPattern::EndOfInput => "end of input".to_owned(),
        _ => return None,
    })
}

/// Every word that can start a statement, for suggestions.
const STATEMENT_KEYWORDS: &[&str] = &[
    "subsystem",
    "routine",
    "simpleroutine",
    "procedure",
    "simpleprocedure",
    "function",
    "type",
    "skip",
    "import",
    "uimport",
    "simport",
    "iimport",
    "dimport",
    "serverprefix",
    "userprefix",
    "serverdemux",
    "rcsid",
    "waittime",
    "nowaittime",
    "sendtime",
    "nosendtime",
    "msgoption",
    "error",
    "msgtype",
    "UseSpecialReplyPort",
    "ConsumeOnSendError",
    "UserTypeLimit",
    "OnStackLimit",
];

// ---- terminals ------------------------------------------------------------------------

/// A MIG keyword, case-insensitive (`Routine` = `routine`).
fn kw<'t>(word: &'static str) -> impl Parser<'t, In<'t>, Ident, Extra<'t>> + Clone {
    select_ref! { Tok::Ident(s) = e if s.eq_ignore_ascii_case(word) => Ident { text: s.clone(), span: e.span() } }
        .labelled(format!("`{word}`"))
}

/// One of several keywords; yields the keyword as written.
fn any_kw<'t>(
    words: &'static [&'static str],
    label: &'static str,
) -> impl Parser<'t, In<'t>, Ident, Extra<'t>> + Clone {
    select_ref! { Tok::Ident(s) = e if words.iter().any(|w| s.eq_ignore_ascii_case(w)) => Ident { text: s.clone(), span: e.span() } }
        .labelled(label)
}

fn ident<'t>() -> impl Parser<'t, In<'t>, Ident, Extra<'t>> + Clone {
    select_ref! { Tok::Ident(s) = e => Ident { text: s.clone(), span: e.span() } }.labelled("identifier")
}

fn punct<'t>(c: char) -> impl Parser<'t, In<'t>, Sp, Extra<'t>> + Clone {
    select_ref! { Tok::Punct(p) = e if *p == c => e.span() }.labelled(format!("`{c}`"))
}

fn docs<'t>() -> impl Parser<'t, In<'t>, Vec<String>, Extra<'t>> + Clone {
    select_ref! { Tok::Doc(d) => d.clone() }.repeated().collect()
}

/// `syNumber`: decimal digits, as migcom reads them.
fn number<'t>() -> impl Parser<'t, In<'t>, Expr, Extra<'t>> + Clone {
    select_ref! {
        Tok::Number(n) = e => (n.clone(), e.span()),
        Tok::OtherLit(l) = e => (l.clone(), e.span()),
    }
    .labelled("number")
    // Validated by `check`, so that a bad number does not lose its statement.
    .map(|(text, span)| Expr::Number(text, span))
}

/// Runs `inner` over the contents of a group with the given delimiter.
fn group<'t, O: 't>(
    delim: Delimiter,
    inner: impl Parser<'t, In<'t>, O, Extra<'t>> + Clone + 't,
) -> impl Parser<'t, In<'t>, O, Extra<'t>> + Clone {
    let label = match delim {
        Delimiter::Parenthesis => "`(`",
        Delimiter::Bracket => "`[`",
        _ => "`{`",
    };
    inner.nested_in(
        select_ref! { Tok::Group(g) if g.delim == delim => Tokens::new(&g.tokens, point(g.close)) }
            .labelled(label),
    )
}

// ---- expressions ----------------------------------------------------------------------

/// `IntExp`: `+ - * /` over numbers (and names, for `#define`d constants), with parentheses.
fn expr<'t>() -> Rule<'t, Expr> {
    recursive(|expr| {
        let atom = choice((
            number(),
            ident().map(Expr::Name),
            group(Delimiter::Parenthesis, expr),
        ))
        .boxed();
        let op = |a: char, b: char| {
            select_ref! { Tok::Punct(p) if *p == a || *p == b => *p }
        };
        let product = atom
            .clone()
            .foldl(op('*', '/').then(atom).repeated(), |l, (o, r)| {
                Expr::Binary(Box::new(l), o, Box::new(r))
            })
            .boxed();
        product
            .clone()
            .foldl(op('+', '-').then(product).repeated(), |l, (o, r)| {
                Expr::Binary(Box::new(l), o, Box::new(r))
            })
    })
    .labelled("integer expression")
    .boxed()
}

// ---- types ----------------------------------------------------------------------------

/// `TypeSpec`.
fn type_spec<'t>() -> Rule<'t, TypeSpec> {
    recursive(|spec| {
        // `VarArrayHead` / `ArrayHead` / `CStringSpec` bounds, inside `[ ]`.
        let bound = choice((
            punct('*')
                .ignore_then(punct(':'))
                .ignore_then(expr())
                .map(ArrayBound::Bounded),
            punct('*').to(ArrayBound::Unbounded),
            expr().map(ArrayBound::Fixed),
            empty().to(ArrayBound::Unbounded),
        ))
        .boxed();
        let array = kw("array")
            .ignore_then(group(Delimiter::Bracket, bound.clone()))
            .then_ignore(kw("of"))
            .then(spec.clone())
            .map_with(|(bound, element), e| TypeSpec::Array {
                bound,
                element: Box::new(element),
                span: e.span(),
            })
            .boxed();
        let structure = kw("struct")
            .ignore_then(group(Delimiter::Bracket, expr()))
            .then_ignore(kw("of"))
            .then(spec.clone())
            .map_with(|(count, element), e| TypeSpec::Struct {
                count,
                element: Box::new(element),
                span: e.span(),
            })
            .boxed();
        let c_string = kw("c_string")
            .ignore_then(group(Delimiter::Bracket, bound))
            .map_with(|bound, e| TypeSpec::CString {
                bound,
                span: e.span(),
            })
            .boxed();
        let pointer = punct('^')
            .ignore_then(spec)
            .map_with(|target, e| TypeSpec::Pointer {
                target: Box::new(target),
                span: e.span(),
            })
            .boxed();
        // `BasicTypeSpec: ( IPCType , IntExp )`, and NeXT's `( IPCType [, bits [, dealloc]] )`.
        let sized = group(
            Delimiter::Parenthesis,
            ident().then(punct('|').ignore_then(ident()).or_not()).then(
                punct(',')
                    .ignore_then(expr())
                    .then(punct(',').ignore_then(kw("dealloc")).or_not())
                    .or_not(),
            ),
        )
        .map_with(|((sender, receiver), rest), e| {
            let (bits, dealloc) = rest.map_or((None, None), |(bits, dealloc)| (Some(bits), dealloc));
            TypeSpec::Ipc {
                sender,
                receiver,
                bits,
                dealloc,
                span: e.span(),
            }
        })
        .boxed();
        // `IPCType` or `PrevTypeSpec`.
        let named = ident()
            .then(punct('|').ignore_then(ident()).or_not())
            .map_with(|(sender, receiver), e| match receiver {
                None => TypeSpec::Name(sender),
                Some(receiver) => TypeSpec::Ipc {
                    sender,
                    receiver: Some(receiver),
                    bits: None,
                    dealloc: None,
                    span: e.span(),
                },
            })
            .boxed();
        choice((array, structure, c_string, pointer, sized, named))
    })
    .labelled("type")
    .boxed()
}

/// A Rust path after `ctype:` and friends: `name` or `a::b::name`.
fn path<'t>() -> Rule<'t, Vec<Ident>> {
    ident()
        .separated_by(punct(':').then(punct(':')))
        .at_least(1)
        .collect()
        .boxed()
}

/// The `TransTypeSpec` suffixes: `ctype: T`, `cusertype: T`, `cservertype: T`,
/// `intran: T f(U)`, `outtran: U f(T)` and `destructor: f(T)`; and `mig!`'s own
/// `rusttype: T`, which binds a Rust type of the user's to fixed inline data.
fn annotations<'t>() -> Rule<'t, Vec<Annotation>> {
    let argument = group(Delimiter::Parenthesis, path());
    let named = any_kw(
        &["ctype", "cusertype", "cservertype", "rusttype"],
        "type annotation",
    )
    .then_ignore(punct(':'))
    .then(path())
    .map(|(keyword, value)| Annotation {
        keyword,
        value,
        function: None,
        argument: None,
    })
    .boxed();
    let translation = any_kw(&["intran", "outtran"], "type annotation")
        .then_ignore(punct(':'))
        .then(path())
        .then(path())
        .then(argument.clone())
        .map(|(((keyword, value), function), argument)| Annotation {
            keyword,
            value,
            function: Some(function),
            argument: Some(argument),
        })
        .boxed();
    let destructor = kw("destructor")
        .then_ignore(punct(':'))
        .then(path())
        .then(argument)
        .map(|((keyword, value), argument)| Annotation {
            keyword,
            value,
            function: None,
            argument: Some(argument),
        })
        .boxed();
    choice((named, translation, destructor))
        .repeated()
        .collect()
        .boxed()
}

// ---- statements -----------------------------------------------------------------------

/// `Subsystem`: `subsystem [KernelUser] [KernelServer] name base`.
fn subsystem<'t>() -> Rule<'t, Statement> {
    kw("subsystem")
        .ignore_then(
            any_kw(&["KernelUser", "KernelServer"], "`KernelUser` or `KernelServer`")
                .repeated()
                .collect(),
        )
        .then(ident())
        .then(expr().or_not())
        .validate(|((modifiers, name), base), e, emitter| {
            // Reported here, and the statement kept: without it every routine after
            // would be "before `subsystem`".
            let base = base.unwrap_or_else(|| {
                emitter.emit(Rich::custom(
                    name.span,
                    format!(
                        "`subsystem {0}` needs its base, the msgh_id of its first routine: \
                         `subsystem {0} 100;`",
                        name.text
                    ),
                ));
                Expr::Number("0".to_owned(), name.span)
            });
            Statement::Subsystem(Subsystem {
                docs: Vec::new(),
                modifiers,
                name,
                base,
                span: e.span(),
            })
        })
        .boxed()
}

/// `TypeDecl`: `type name = spec annotations`.
fn type_decl<'t>() -> Rule<'t, Statement> {
    kw("type")
        .ignore_then(ident())
        .then_ignore(punct('='))
        .then(type_spec())
        .then(annotations())
        .map_with(|((name, spec), annotations), e| {
            Statement::Type(TypeDecl {
                docs: Vec::new(),
                name,
                spec,
                annotations,
                span: e.span(),
            })
        })
        .boxed()
}

const DIRECTIONS: &[&str] = &[
    "in",
    "out",
    "inout",
    "requestport",
    "replyport",
    "sreplyport",
    "ureplyport",
    "waittime",
    "sendtime",
    "msgoption",
    "msgtype",
    "msgseqno",
    "sectoken",
    "serversectoken",
    "usersectoken",
    "audittoken",
    "serveraudittoken",
    "useraudittoken",
    "servercontexttoken",
    "serverimpl",
    "userimpl",
];

/// `Argument`: `[direction] name : type [, flag]*`.
fn argument<'t>() -> Rule<'t, Arg> {
    let declared = ident()
        .then_ignore(punct('='))
        .then(type_spec())
        .then(annotations())
        .map(|((name, spec), annotations)| ArgType::Declared {
            name,
            spec: Box::new(spec),
            annotations,
        })
        .boxed();
    let arg_type = choice((declared, ident().map(ArgType::Named)))
        .labelled("type name")
        .boxed();
    // `, name :` or `, in name :` is the next argument after a mistaken `,`, not a flag.
    let next_argument = ident().then(ident().or_not()).then(punct(':')).ignored();
    let flag = punct(',')
        .then(next_argument.not().rewind())
        .ignore_then(ident())
        .then(group(Delimiter::Bracket, empty()).or_not())
        .map(|(name, brackets)| Flag {
            name,
            brackets: brackets.is_some(),
        })
        .boxed();
    docs()
        .then(any_kw(DIRECTIONS, "argument direction").or_not())
        .then(ident())
        .then_ignore(punct(':'))
        .then(arg_type)
        .then(flag.repeated().collect())
        .map_with(|((((docs, direction), name), ty), flags), e| Arg {
            docs,
            direction,
            name,
            ty,
            flags,
            span: e.span(),
        })
        .boxed()
}

/// `RoutineDecl`: `routine name ( args )` or `simpleroutine name ( args )`.
fn routine<'t>() -> Rule<'t, Statement> {
    // A `,` between arguments, as in Rust or C: reported at each, and read as the `;`
    // it should be, so the arguments after it are still checked.
    let comma = punct(',').validate(|span, _, emitter| {
        emitter.emit(Rich::custom(
            span,
            "MIG separates arguments with `;`, not `,` (a `,` after a type starts a flag such as `dealloc`)",
        ));
        span
    });
    let args = argument()
        .separated_by(choice((punct(';'), comma)))
        .allow_trailing()
        .collect::<Vec<_>>()
        .boxed();
    // `-> T`, as a Rust function returns: MIG has no return type.
    let result = punct('-')
        .then(punct('>'))
        .ignore_then(ident())
        .validate(|ty, e, emitter| {
            emitter.emit(Rich::custom(
                e.span(),
                format!(
                    "a MIG routine has no return type: results are `out` arguments \
                     (`out result: {}`), and errors come back as the stub's `Err`",
                    ty.text
                ),
            ));
        });
    // NeXT MiG's `procedure` and `simpleprocedure` have the same syntax and, on XNU's
    // wire, the same messages (their errors come back as `Err`, not to an error
    // procedure).
    // NeXT MiG's `function name(args) : type`: its value comes back as an `out`
    // argument named `result`, the one value the stub returns.
    let value = punct(':').ignore_then(ident());
    any_kw(
        &[
            "routine",
            "simpleroutine",
            "procedure",
            "simpleprocedure",
            "function",
        ],
        "`routine`",
    )
    .then(ident())
    .then(group(Delimiter::Parenthesis, args))
    .then(value.or_not())
    .then_ignore(result.or_not())
    .validate(|(((keyword, name), mut args), value), _, emitter| {
        let function = keyword.is_keyword("function");
        match value {
            Some(ty) if function => args.push(Arg {
                docs: Vec::new(),
                direction: Some(Ident {
                    text: "out".to_owned(),
                    span: ty.span,
                }),
                name: Ident {
                    text: "result".to_owned(),
                    span: ty.span,
                },
                span: ty.span,
                ty: ArgType::Named(ty),
                flags: Vec::new(),
            }),
            Some(ty) => emitter.emit(Rich::custom(
                ty.span,
                format!(
                    "only a `function` has a `: type` after its arguments; a `{}` returns \
                     its results as `out` arguments (`out result: {}`)",
                    keyword.text, ty.text
                ),
            )),
            None if function => emitter.emit(Rich::custom(
                name.span,
                format!(
                    "`function {0}` needs the type of its value after the arguments: \
                     `function {0}(…) : int;`",
                    name.text
                ),
            )),
            None => {}
        }
        ((keyword, name), args)
    })
    .map_with(|((keyword, name), args), e| {
        Statement::Routine(Routine {
            docs: Vec::new(),
            keyword,
            name,
            args,
            span: e.span(),
        })
    })
    .boxed()
}

/// The option statements that take one identifier.
fn name_statement<'t>() -> Rule<'t, Statement> {
    any_kw(
        &["serverprefix", "userprefix", "serverdemux", "error", "msgtype"],
        "statement",
    )
    .then(ident())
    .map(|(keyword, value)| Statement::Name { keyword, value })
    .boxed()
}

/// `WaitTime`, `SendTime`, `MsgOption`, `ConsumeOnSendError`: migcom's `String` is
/// `[-/._$A-Za-z0-9]+`, which Rust splits into several tokens, so it is glued back.
fn text_statement<'t>() -> Rule<'t, Statement> {
    let piece = select_ref! {
        Tok::Ident(s) => s.clone(),
        Tok::Number(s) => s.clone(),
        Tok::Punct(c) if matches!(c, '-' | '/' | '.' | '$') => c.to_string(),
    };
    let text = piece
        .repeated()
        .at_least(1)
        .collect::<Vec<_>>()
        .map_with(|pieces, e| (pieces.concat(), e.span()));
    choice((
        any_kw(
            &["waittime", "sendtime", "msgoption", "consumeonsenderror"],
            "statement",
        )
        .then(text.labelled("value"))
        .map(|(keyword, value)| Statement::Text {
            keyword,
            value: Some(value),
        }),
        any_kw(&["nowaittime", "nosendtime"], "statement")
            .map(|keyword| Statement::Text { keyword, value: None }),
    ))
    .boxed()
}

fn number_statement<'t>() -> Rule<'t, Statement> {
    any_kw(
        &["usespecialreplyport", "usertypelimit", "onstacklimit"],
        "statement",
    )
    .then(expr())
    .map(|(keyword, value)| Statement::Number { keyword, value })
    .boxed()
}

/// `Import` (`<file>` arrives as `<`, tokens, `>`) and `RCSDecl`.
fn c_file_statement<'t>() -> Rule<'t, Statement> {
    let string = select_ref! { Tok::Str(s) => s.clone() }.labelled("string");
    choice((
        any_kw(
            &["import", "uimport", "simport", "iimport", "dimport"],
            "statement",
        )
        .then(file_name()),
        kw("rcsid").then(string),
    ))
    .map(|(keyword, file)| Statement::CFile { keyword, file })
    .boxed()
}

/// `"file"` or `<dir/file.h>`, the latter glued back from its tokens.
fn file_name<'t>() -> Rule<'t, String> {
    let quoted = select_ref! { Tok::Str(s) => s.clone() };
    let piece = select_ref! {
        Tok::Ident(s) => s.clone(),
        Tok::Number(s) => s.clone(),
        Tok::Punct(c) if *c != '>' => c.to_string(),
    };
    let angled = punct('<')
        .ignore_then(piece.repeated().collect::<Vec<_>>())
        .then_ignore(punct('>'))
        .map(|pieces| format!("<{}>", pieces.concat()));
    choice((quoted, angled)).labelled("file name").boxed()
}

/// A statement's `;` (`true`), or its absence just before another statement, an
/// `#include` or the end (`false`): a forgotten `;`, reported without losing either
/// statement. Anything else is a syntax error in the statement itself.
fn terminator<'t>() -> Rule<'t, bool> {
    let next = choice((
        select_ref! { Tok::Ident(s) if STATEMENT_KEYWORDS.iter().any(|k| s.eq_ignore_ascii_case(k)) => () },
        punct('#').ignored(),
        end(),
    ));
    choice((punct(';').to(true), next.rewind().to(false))).boxed()
}

/// `#include <file>`: a preprocessor line, so no `;`.
fn include<'t>() -> Rule<'t, Statement> {
    punct('#')
        .ignore_then(kw("include"))
        .ignore_then(file_name())
        .map_with(|path, e| Statement::Include(Include { path, span: e.span() }))
        .boxed()
}

/// `Statements`: every statement ends in `;`; a bad one is skipped up to its `;`.
fn file<'t>() -> Rule<'t, File> {
    let statement = docs()
        .then(
            choice((
                subsystem(),
                type_decl(),
                routine(),
                kw("skip").map(|k| Statement::Skip(k.span)),
                name_statement(),
                text_statement(),
                number_statement(),
                c_file_statement(),
            ))
            .labelled("statement"),
        )
        .map(|(docs, mut statement)| {
            statement.attach_docs(docs);
            statement
        })
        .then(terminator())
        .validate(|(statement, ended), e, emitter| {
            if !ended {
                // Where rustc says "add `;` here": after the statement, not at the
                // next one.
                emitter.emit(Rich::custom(
                    point(e.span().end),
                    "expected `;`: every MIG statement ends with one (add `;` here)",
                ));
            }
            statement
        })
        .recover_with(via_parser(
            // A `type` statement that does not parse still names a type: its uses are not
            // reported again.
            docs()
                .ignore_then(kw("type"))
                .ignore_then(ident())
                .then_ignore(any().and_is(punct(';').not()).repeated())
                .then_ignore(punct(';'))
                .map(Statement::BrokenType),
        ))
        .recover_with(via_parser(
            any()
                .and_is(punct(';').not())
                .repeated()
                .at_least(1)
                .then(punct(';'))
                .to(Statement::Error),
        ))
        .boxed();
    // A lone `;` is an empty statement, as in migcom.
    let empty_statement = punct(';').to(Statement::Error);
    choice((include(), empty_statement, statement))
        .repeated()
        .collect::<Vec<_>>()
        .map(|statements| File {
            statements: statements
                .into_iter()
                .filter(|s| !matches!(s, Statement::Error))
                .collect(),
        })
        .boxed()
}
