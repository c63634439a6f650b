//! Pipeline tests on `quote!` input, without a compiler session.

use proc_macro2::TokenStream;
use std::str::FromStr;

use crate::errors::Errors;
use crate::{AsyncItems, layout, pipeline};

fn tokens(text: &str) -> TokenStream {
    TokenStream::from_str(text).expect("test input lexes")
}

fn errors_of(input: TokenStream) -> Vec<String> {
    let mut cx = Errors::new();
    let _ = pipeline::front(input, &mut cx);
    cx.messages()
}

fn layout_of(input: TokenStream) -> layout::SubsystemLayout {
    let mut cx = Errors::new();
    let (checked, _) = pipeline::front(input, &mut cx);
    match checked {
        Some((_, layout)) if cx.is_empty() => layout,
        _ => panic!("{:?}", cx.messages()),
    }
}

#[test]
fn add_server_lays_out_like_apple_mig() {
    let l = layout_of(tokens(
        r#"
        subsystem add 100;
        #include <mach/std_types.defs>
        routine add2(server: mach_port_t; a: int; b: int; out c: int);
    "#,
    ));
    let r = &l.routines[0];
    assert_eq!((r.request.id, r.request.size), (100, 40));
    let reply = r.reply.as_ref().unwrap();
    assert_eq!((reply.id, reply.size), (200, 40));
    let names: Vec<_> = reply.fields.iter().map(|f| (f.name.as_str(), f.offset)).collect();
    assert_eq!(names, [("Head", 0), ("NDR", 24), ("RetCode", 32), ("c", 36)]);
}

#[test]
fn header_only_request_has_no_ndr() {
    let l = layout_of(tokens(
        r#"
        subsystem clock 1000;
        #include <mach/mach_types.defs>
        routine get(clock: mach_port_t; out t: uint64_t);
    "#,
    ));
    assert_eq!(l.routines[0].request.size, 24);
    assert_eq!(l.routines[0].reply.as_ref().unwrap().size, 44);
}

#[test]
fn sub_word_arguments_are_padded() {
    let l = layout_of(tokens(
        r#"
        subsystem pad 10;
        #include <mach/std_types.defs>
        routine r(p: mach_port_t; a: char; b: int16_t; c: int64_t);
    "#,
    ));
    let f: Vec<_> = l.routines[0]
        .request
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.offset, f.size))
        .collect();
    assert_eq!(
        f,
        [
            ("Head", 0, 24),
            ("NDR", 24, 8),
            ("a", 32, 1),
            ("aPad", 33, 3),
            ("b", 36, 2),
            ("bPad", 38, 2),
            ("c", 40, 8)
        ]
    );
}

#[test]
fn skips_consume_ids_and_keywords_ignore_case() {
    let l = layout_of(tokens(
        r#"
        Subsystem s 500;
        #include <mach/std_types.defs>
        ROUTINE a(p: mach_port_t);
        skip; Skip;
        SimpleRoutine b(p: mach_port_t; In x: int);
    "#,
    ));
    assert_eq!(l.routines[0].request.id, 500);
    assert_eq!(l.routines[1].request.id, 503);
    assert!(l.routines[1].reply.is_none());
}

#[test]
fn every_syntax_error_is_reported() {
    let errors = errors_of(tokens(
        r#"
        subsystem s 1;
        #include <mach/std_types.defs>
        routine a(p: mach_port_t) routine b(p: mach_port_t);
        frobnicate x;
        routine c(p: );
    "#,
    ));
    assert_eq!(errors.len(), 3, "{errors:?}");
    // The forgotten `;` loses neither routine.
    assert!(errors[0].starts_with("expected `;`"), "{errors:?}");
    assert!(errors[1].contains("found `frobnicate`"), "{errors:?}");
}

#[test]
fn semantic_errors_are_collected() {
    let errors = errors_of(tokens(
        r#"
        subsystem s 1;
        #include <mach/std_types.defs>
        routine a(p: mach_port_t; x: nosuch_t);
        routine a(p: mach_port_t);
        simpleroutine b(p: mach_port_t; out y: int);
    "#,
    ));
    assert_eq!(errors.len(), 4, "{errors:?}");
    assert!(errors[0].starts_with("unknown type `nosuch_t`"));
    assert_eq!(errors[1], "routine `a` is defined more than once");
    assert_eq!(errors[2], "note: `a` is first defined here");
    assert!(errors[3].starts_with("simpleroutine `b` cannot have an `out` argument"));
}

#[test]
fn layout_errors_come_with_check_errors() {
    // `layout` runs on the routines that checked, so a wire error is reported in the
    // same expansion as the other routines' errors.
    let errors = errors_of(tokens(
        r#"
        subsystem s 1;
        #include <mach/std_types.defs>
        type block = array[10000000] of int;
        routine a(p: mach_port_t; x: nosuch_t);
        routine b(p: mach_port_t; NDR: int);
        routine c(p: mach_port_t; x: block; y: block);
    "#,
    ));
    assert_eq!(
        errors,
        [
            "unknown type `nosuch_t` (declare it with `type`, or add `#include <mach/mach_types.defs>`)",
            "argument `NDR` has the name of a field MIG adds to the request (the NDR record); rename the argument",
            "the request of `c` would be larger than the 67108864 bytes Mach accepts",
        ]
    );
}

#[test]
fn builtin_types_do_not_depend_on_earlier_expansions() {
    // The built-in types are checked once per thread: a text that redefines a standard
    // type before including more must not change them for the expansions after it.
    let reply_size = |text: &str| layout_of(tokens(text)).routines[0].reply.as_ref().unwrap().size;
    let uses_state = "subsystem b 1;
        #include <mach/mach_types.defs>
        routine r(p: mach_port_t; out s: thread_state_t);";
    let alone = std::thread::spawn(move || reply_size(uses_state)).join().unwrap();
    let after = std::thread::spawn(move || {
        let _ = crate::expand(
            quote::quote!(::mig),
            tokens(
                "subsystem a 1;
                #include <mach/std_types.defs>
                type natural_t = uint16_t;
                #include <mach/mach_types.defs>
                routine r(p: mach_port_t; out s: thread_state_t);",
            ),
        );
        reply_size(uses_state)
    })
    .join()
    .unwrap();
    assert_eq!(alone, 36 + 4 + 1296 * 4);
    assert_eq!(after, alone);
}

#[test]
fn check_uses_no_later_stage() {
    // The stages import one way: lex → preprocess → parse → check → layout → expand.
    // `check` reads syntax trees, the built-in files included (the driver parses them).
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/check");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for later in [
            "crate::preprocess",
            "crate::parse",
            "crate::layout",
            "crate::expand",
            "lex::lower",
        ] {
            assert!(!text.contains(later), "{} uses `{later}`", path.display());
        }
    }
}

#[test]
fn builtin_types_check_cleanly() {
    let defs = pipeline::builtin_types();
    assert!(defs.iter().any(|d| d.name == "mach_port_t"));
    assert!(defs.iter().any(|d| d.name == "natural_t"));
}

#[test]
#[ignore = "prints an expansion for eyeballing: cargo test -p mig-gen print_expansion -- --ignored --nocapture"]
fn print_expansion() {
    let out = crate::expand(
        quote::quote!(::mig),
        tokens(&std::env::var("MIG_EXPAND").unwrap_or_else(|_| {
            "subsystem add 100; #include <mach/std_types.defs> routine add2(server: mach_port_t; a: int; b: int; out c: int); simpleroutine note(server: mach_port_t; x: short);".to_owned()
        }),
        ),
    );
    println!("{out}");
}

#[test]
fn arrays_expand_without_panicking() {
    let out = crate::expand(
        quote::quote!(::mig),
        tokens(
            r#"subsystem catcher 2405;
    #include <mach/mach_types.defs>
    type exception_type_t = int;
    type code_t = array[*:2] of int64_t;
    routine raise(server: mach_port_t; thread: mach_port_t; task: mach_port_t;
        exception: exception_type_t; code: code_t);
    routine raise_state(server: mach_port_t; exception: exception_type_t;
        code: code_t, const; inout flavor: int; old_state: thread_state_t, const;
        out new_state: thread_state_t);
    routine echo_bytes(server: mach_port_t; data: bytes_t = array[*:9] of uint8_t;
        out echoed: bytes_t; out count: int);"#,
        ),
    );
    assert!(!out.to_string().contains("compile_error"), "{out}");
}

#[test]
fn preprocessor_defines_and_conditionals() {
    let l = layout_of(tokens(
        "subsystem pp 100;
        #include <mach/std_types.defs>
        #define COUNT 2 + 1
        #define KERNEL_SERVER 0
        #if KERNEL_SERVER
        routine kernel_only(p: mach_port_t);
        #elif defined(__LP64__) && COUNT == 3
        type words_t = array[COUNT] of int;
        routine user(p: mach_port_t;
        #ifdef NOT_DEFINED
            wrong: int;
        #else
            w: words_t;
        #endif
            n: int);
        #else
        routine fallback(p: mach_port_t);
        #endif
        type state_t = array[*:THREAD_STATE_MAX] of natural_t;
        routine state(p: mach_port_t; out s: state_t);",
    ));
    assert_eq!(l.routines.len(), 2);
    assert_eq!(l.routines[0].request.id, 100, "kernel_only was left out");
    let f: Vec<_> = l.routines[0]
        .request
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.size))
        .collect();
    assert_eq!(f, [("Head", 24), ("NDR", 8), ("w", 12), ("n", 4)]);
    assert_eq!(l.routines[1].reply.as_ref().unwrap().size, 36 + 4 + 1296 * 4);
}

#[test]
fn preprocessor_errors_are_reported() {
    let errors = errors_of(tokens(
        "subsystem pp 1;
        #if 1
        #frobnicate
        #error stop here
        ",
    ));
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(errors[0].contains("unsupported preprocessor directive `#frobnicate`"));
    assert!(errors[1].contains("#error stop here"));
    assert!(errors[2].contains("no `#endif`"));
}

#[test]
fn consume_on_send_error_takes_migs_three_values() {
    let errors = errors_of(tokens(
        "subsystem c 1;
        ConsumeOnSendError none;
        ConsumeOnSendError Timeout;
        ConsumeOnSendError ANY;
        ConsumeOnSendError Always;
        ",
    ));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("`None`, `Timeout` or `Any`, not `Always`"));
}

/// The definitions whose expansions are kept in `snapshots/`: reviewed when they change,
/// so that what `cargo expand` shows stays short (shared logic lives in `mig-core`).
fn snapshot_definitions() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "add",
            r#"
            /// The NeXT manual's add server.
            subsystem add 100;
            #include <mach/std_types.defs>
            routine add2(server: mach_port_t; a: int; b: int; out c: int);
            simpleroutine note(server: mach_port_t; value: int);
            "#,
        ),
        (
            "arrays_and_ports",
            r#"
            subsystem bulk 200;
            #include <mach/mach_types.defs>
            type words_t = array[*:16] of int;
            routine swap(server: mach_port_t; w: words_t; right: mach_port_move_send_t;
                out data: pointer_t; out back: mach_port_make_send_t; out w2: words_t);
            "#,
        ),
    ]
}

#[test]
fn expansions_match_their_snapshots() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots");
    let bless = std::env::var_os("MIG_BLESS").is_some();
    for (name, definition) in snapshot_definitions() {
        let expanded = crate::expand(quote::quote!(::mig), tokens(definition));
        let file: syn::File = syn::parse2(expanded).expect("the expansion parses as a file");
        let pretty = prettyplease::unparse(&file);
        assert!(!pretty.contains("compile_error"), "`{name}` must expand cleanly");
        let path = dir.join(format!("{name}.rs"));
        if bless {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &pretty).unwrap();
            continue;
        }
        let kept = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            kept == pretty,
            "the expansion of `{name}` changed: review it with `MIG_BLESS=1 cargo test -p mig-gen` \
             and `git diff mig-gen/snapshots`"
        );
    }
}

/// After an error, the expansion still holds what checked (the routine modules and stubs
/// of routines that checked, the types that did) beside the error, and no server side.
#[test]
fn a_definition_with_errors_expands_to_its_errors_and_what_checked() {
    let expanded = crate::expand(
        quote::quote!(::mig),
        tokens(
            r#"
            subsystem demo 100;
            #include <mach/std_types.defs>
            type words = array[*:WORD_COUNT] of int;
            type pair = array[2] of int;
            type block = array[10000000] of int;
            routine broken(server: mach_port_t; value: no_such_type);
            routine add(server: mach_port_t; a: int; b: int; out sum: int);
            routine named_like_a_field(server: mach_port_t; NDR: int);
            routine too_large(server: mach_port_t; x: block; y: block);
            "#,
        ),
    );
    let file: syn::File = syn::parse2(expanded).expect("the expansion parses as a file");
    let text = prettyplease::unparse(&file);
    // `layout`'s errors leave their routines out too: a struct with two `NDR` fields
    // would be one more error, rustc's, away from the definition.
    for left_out in ["named_like_a_field", "too_large"] {
        assert!(!text.contains(&format!("fn {left_out}(")), "{text}");
        assert!(!text.contains(&format!("mod {left_out}")), "{text}");
    }
    assert_eq!(text.matches("compile_error!").count(), 4, "{text}");
    assert!(text.contains("pub mod demo"), "{text}");
    assert!(text.contains("pub fn add("), "{text}");
    assert!(text.contains("pub mod add"), "{text}");
    assert!(text.contains("pub type pair"), "{text}");
    assert!(!text.contains("broken"), "{text}");
    assert!(!text.contains("words"), "{text}");
    assert!(!text.contains("trait Server"), "{text}");
    assert!(!text.contains("fn dispatch"), "{text}");
    // Without errors, the server side is there.
    let expanded = crate::expand(
        quote::quote!(::mig),
        tokens(
            r#"
            subsystem demo 100;
            #include <mach/std_types.defs>
            routine add(server: mach_port_t; a: int; b: int; out sum: int);
            "#,
        ),
    );
    assert!(expanded.to_string().contains("trait Server"));
}

#[test]
fn the_runtime_import_is_a_reserved_name() {
    // Each subsystem module imports the runtime as `__mig`: a type alias or a routine's
    // module of that name would clash with the import (E0255, away from the definition).
    let errors = errors_of(tokens(
        r#"
        subsystem demo 100;
        #include <mach/std_types.defs>
        type __mig = int;
        routine __mig(server: mach_port_t);
        "#,
    ));
    assert_eq!(
        errors,
        [
            "type `__mig` has the name of the generated import of the runtime: both would be `__mig` in the subsystem's module; rename one",
            "routine `__mig` has the name of the generated import of the runtime: both would be `__mig` in the subsystem's module; rename one",
        ]
    );
}

/// The expansion of `definition`, pretty-printed.
fn expanded_text(definition: &str) -> String {
    let expanded = crate::expand(quote::quote!(::mig), tokens(definition));
    let file: syn::File = syn::parse2(expanded).expect("the expansion parses as a file");
    prettyplease::unparse(&file)
}

/// `Client` has a method for each routine it can call through its port: borrowing for a
/// copied send right, consuming for a moved one; none for a polymorphic or a made
/// request port, nor for a function named like the handle's own methods, each named in
/// its docs. The port's type parameter is named unlike the subsystem's types.
#[test]
fn the_client_handle_has_a_method_per_routine_it_can_call() {
    let text = expanded_text(
        r#"
        subsystem h 100;
        #include <mach/std_types.defs>
        #include <mach/mach_types.defs>
        type P = int;
        routine plain(server: mach_port_t; a: P; out b: P);
        routine moved(server: mach_port_move_send_t; out b: int);
        simpleroutine once(server: mach_port_move_send_once_t);
        simpleroutine poly(server: polymorphic; a: int);
        simpleroutine made(server: mach_port_make_send_t; a: int);
        routine new(server: mach_port_t);
        routine port(server: mach_port_t);
        "#,
    );
    assert!(
        text.contains("pub struct Client<P_ = __mig::SendRight>"),
        "{text}"
    );
    assert!(text.contains("impl<P_: __mig::SendPort> Client<P_>"), "{text}");
    assert!(
        text.contains("pub fn plain(&self, a: P) -> __mig::Result<P>"),
        "{text}"
    );
    assert!(
        text.contains("plain(__mig::SendPort::name(&self.port), a)"),
        "{text}"
    );
    assert!(text.contains("impl Client<__mig::SendRight> {"), "{text}");
    assert!(
        text.contains("pub fn moved(self) -> __mig::Result<__mig::types::int>"),
        "{text}"
    );
    assert!(text.contains("impl Client<__mig::SendOnceRight> {"), "{text}");
    assert!(text.contains("pub fn once(self) -> __mig::Result<()>"), "{text}");
    for skipped in ["poly", "made"] {
        assert!(!text.contains(&format!("pub fn {skipped}(&self")), "{text}");
        assert!(!text.contains(&format!("pub fn {skipped}(self")), "{text}");
        assert!(
            text.contains(&format!("`{skipped}` (its request port `server`")),
            "{text}"
        );
    }
    // The handle's own `new` and `port`, once each, and the routines' functions.
    assert_eq!(text.matches("pub const fn new(").count(), 1, "{text}");
    assert_eq!(text.matches("pub fn port(&self)").count(), 1, "{text}");
    assert!(
        text.contains("pub fn new(server: __mig::types::mach_port_t)"),
        "{text}"
    );
    assert!(text.contains("`new` (the name of `Client::new`)"), "{text}");
}

/// The methods are named as the client functions are: with the `userprefix`.
#[test]
fn the_client_handle_names_its_methods_as_the_functions() {
    let text = expanded_text(
        r#"
        subsystem h 100;
        #include <mach/std_types.defs>
        userprefix u_;
        routine add(server: mach_port_t; a: int; out b: int);
        "#,
    );
    assert!(
        text.contains("pub fn u_add(&self, a: __mig::types::int)"),
        "{text}"
    );
    assert!(
        text.contains("u_add(__mig::SendPort::name(&self.port), a)"),
        "{text}"
    );
}

/// `Client` is the handle's name: a type or routine named so is refused where it is
/// written, not by rustc as a second definition in the module.
#[test]
fn a_type_or_routine_named_client_is_refused() {
    let errors = errors_of(tokens(
        "subsystem h 100;
        #include <mach/std_types.defs>
        type Client = int;
        routine Client(server: mach_port_t);
        ",
    ));
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors.iter().all(|e| e.contains("the generated client handle")),
        "{errors:?}"
    );
}

/// The handlers' docs spell each MIG type name as the Rust it stands for, through alias
/// chains, arrays, strings and out-of-line data.
#[test]
fn handler_docs_show_the_rust_types() {
    let definition = "subsystem t 100;
        #include <mach/mach_types.defs>
        type my_int = int;
        type my_alias = my_int;
        type quad = array[4] of my_alias;
        type name_t = c_string[*:16];
        routine f(server: mach_port_t; data: pointer_t; a: my_alias; q: quad; s: name_t; out o: my_alias);";
    let expanded = crate::expand(quote::quote!(::mig), tokens(definition)).to_string();
    let expected = "In Rust types: `fn f(&self, server: mach_port_t, data: mig::OutOfLine<u8>, a: i32, q: [i32; 4], \
                    s: &::core::ffi::CStr) -> mig::Result<i32>`.";
    assert!(expanded.contains(expected), "{expanded}");
}

#[test]
fn a_routine_named_like_the_async_form_of_another_is_refused() {
    let errors = errors_of(tokens(
        r#"
        subsystem s 100;
        #include <mach/std_types.defs>
        routine ping(server: mach_port_t);
        routine ping_async(server: mach_port_t);
        routine SUBSYSTEM(server: mach_port_t);
    "#,
    ));
    assert_eq!(
        errors,
        [
            "the client function of `ping_async` would be `ping_async`, which is already the `.await`able form of routine `ping`'s client function; rename the routine or change `userprefix`",
            "the client function of `SUBSYSTEM` would be `SUBSYSTEM`, which is already a constant `mig!` generates; rename the routine or change `userprefix`",
        ]
    );
}

#[test]
fn the_async_items_are_gated_or_left_out() {
    let definition = r#"
        subsystem s 100;
        #include <mach/std_types.defs>
        routine add(server: mach_port_t; a: int; b: int; out c: int);
        simpleroutine note(server: mach_port_t; a: int);
    "#;
    let expand = |items| crate::expand_with(quote::quote!(::mig), tokens(definition), items).to_string();
    let gated = expand(AsyncItems::Gated);
    for item in [
        "async_stubs",
        "add_async",
        "note_async",
        "AsyncServer",
        "dispatch_async",
    ] {
        assert!(gated.contains(item), "{item} missing from the gated expansion");
    }
    let omitted = expand(AsyncItems::Omitted);
    for item in ["async_stubs", "_async", "AsyncServer", "AsyncService"] {
        assert!(!omitted.contains(item), "{item} left in: {omitted}");
    }
    // Everything else is the same: the Client's blocking methods, the server, the table.
    for item in [
        "pub fn add",
        "pub fn note",
        "pub struct Client",
        "pub trait Server",
        "ROUTINES",
    ] {
        assert!(omitted.contains(item), "{item} missing without the async items");
    }
    assert_eq!(
        crate::expand(quote::quote!(::mig), tokens(definition)).to_string(),
        gated
    );
}
