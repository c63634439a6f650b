//! Expansion time: the whole `mig!` pipeline, in process, on large definitions.
//!
//! `cargo bench -p mig-gen --bench expand`. The pipeline's modules are compiled into
//! this benchmark from the sources of `mig-gen`, whose API is only the whole pipeline.

#![allow(dead_code, unused_imports)]

#[path = "../src/builtin.rs"]
mod builtin;
#[path = "../src/check/mod.rs"]
mod check;
#[path = "../src/errors.rs"]
mod errors;
#[path = "../src/expand/mod.rs"]
mod expand;
#[path = "../src/layout.rs"]
mod layout;
#[path = "../src/lex.rs"]
mod lex;
#[path = "../src/model.rs"]
mod model;
#[path = "../src/parse.rs"]
mod parse;
#[path = "../src/pipeline.rs"]
mod pipeline;
#[path = "../src/preprocess/mod.rs"]
mod preprocess;
#[path = "../src/suggest.rs"]
mod suggest;
#[path = "../src/syntax.rs"]
mod syntax;

use std::hint::black_box;
use std::str::FromStr;

use criterion::{Criterion, criterion_group, criterion_main};
use proc_macro2::TokenStream;
use quote::quote;

/// The expansion with the `async` items (inside their gate), as measured before the macro
/// could leave them out: the figures stay comparable.
const GATED: pipeline::AsyncItems = pipeline::AsyncItems::Gated;

/// A definition the size of xnu's task.defs (65 routines) that mixes every wire type:
/// scalars, ports, inline arrays fixed and variable, `CountInOut`, out-of-line data and
/// ports, strings, polymorphic ports, trailer arguments.
fn large_definition() -> String {
    let mut text = String::from(
        "subsystem large 5000;\n#include <mach/mach_types.defs>\n\
         type name_t = c_string[*:128];\ntype words_t = array[*:64] of int;\n",
    );
    let shapes = [
        "out a: int; out b: uint64_t",
        "x: words_t; out y: words_t",
        "p: mach_port_t; q: mach_port_move_send_t; out r: mach_port_make_send_t",
        "flavor: int; out state: thread_state_t, CountInOut",
        "data: pointer_t; out back: pointer_t",
        "names: mach_port_array_t; out list: mach_port_array_t",
        "s: name_t; out t: name_t",
        "p: mach_port_poly_t; ServerAuditToken who: audit_token_t",
        "out masks: exception_mask_array_t; out h: exception_handler_array_t, SameCount",
        "v: vm_address_t; w: vm_size_t; inout f: int",
        "fixed: act_params_t; out info: time_value_t",
        "out info: task_info_t, CountInOut",
        "c: int8_t; d: int16_t; out e: boolean_t",
    ];
    for i in 0..65 {
        let kind = if i % 9 == 8 { "simpleroutine" } else { "routine" };
        let mut shape = shapes[i % shapes.len()];
        if kind == "simpleroutine" {
            shape = "v: vm_address_t; w: vm_size_t";
        }
        text.push_str(&format!("{kind} r{i}(target: task_t; {shape});\n"));
    }
    text
}

fn bench(c: &mut Criterion) {
    let text = large_definition();
    let tokens = TokenStream::from_str(&text).expect("the definition lexes");
    let out = pipeline::expand_definition(quote!(::mig), tokens.clone(), GATED);
    assert!(
        !out.to_string().contains("compile_error"),
        "the definition must expand"
    );
    c.bench_function("expand 65 routines, every wire type", |b| {
        b.iter(|| pipeline::expand_definition(quote!(::mig), black_box(tokens.clone()), GATED))
    });

    c.bench_function("load the built-in std and mach types", |b| {
        b.iter(pipeline::builtin_types)
    });
    let parsed = {
        let mut cx = errors::Errors::new();
        let lexed = lex::lower(tokens.clone());
        c.bench_function("lex + preprocess + parse only", |b| {
            b.iter(|| {
                let (lexed, _) = preprocess::preprocess(lex::lower(black_box(tokens.clone())), &mut cx);
                parse::parse(&lexed, &mut cx)
            })
        });
        lexed.len()
    };
    black_box(parsed);

    // Apple's own task.defs, when the corpus sits beside the checkout.
    let task = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/golden/defs/osfmk__mach__task.defs");
    if let Ok(text) = std::fs::read_to_string(&task) {
        let tokens = TokenStream::from_str(&text).expect("task.defs lexes");
        c.bench_function("expand xnu task.defs (65 routines)", |b| {
            b.iter(|| pipeline::expand_definition(quote!(::mig), black_box(tokens.clone()), GATED))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
