//! The server side: the `Server` trait, `dispatch`, and `Service`.

use proc_macro2::TokenStream;
use quote::quote;

use super::args::{
    handler_out_type, is_out_of_line, is_port_array, is_string, is_variable, out_array, outtran,
    port_array_to_wire, read_trailer, received_port_array, sent_out_type, server_output_differs,
    server_values, token_type,
};
use super::names::{Paths, Scope, docs_with, ident, lit_i32, user_path};
use super::ports;
use super::wire::{self, Fields};
use crate::layout::{Message, RoutineLayout, SubsystemLayout};
use crate::model::{Arg, Role, Routine, Subsystem, Translation, UserPath};

pub fn items(paths: &Paths, model: &Subsystem, layout: &SubsystemLayout) -> TokenStream {
    let krate = &paths.krate;
    let Handlers {
        methods,
        routines,
        arms,
    } = handlers(paths, model, layout, false);
    let forwards = model.routines.iter().map(|r| forward(paths, r));
    let trait_doc = format!(
        "The server of subsystem `{}`: one method per routine. Serve it with [`Service`] and \
         `mig::serve`, or call [`dispatch`] from your own loop.",
        model.name
    );
    let trait_doc = super::names::doc(&trait_doc);
    let body = dispatch_body(model, &arms);
    quote! {
        #trait_doc
        pub trait Server {
            #(#methods)*
        }

        /// Handles one request as Apple MIG's demux does: prepares the reply header,
        /// checks the request, calls the handler and writes the reply (or a
        /// `mig_reply_error_t` carrying the handler's error). Returns `false` when the
        /// msgh_id is not one of this subsystem's; the reply then carries `MIG_BAD_ID`.
        ///
        /// `request` must carry the proof of a kernel receive
        /// (`MessageBuffer::receive`); a buffer filled any other way is refused with
        /// `MIG_BAD_ARGUMENTS` before its names, addresses or trailer are trusted.
        pub fn dispatch<S: Server + ?::core::marker::Sized>(
            server: &S,
            request: &mut #krate::MessageBuffer,
            reply: &mut #krate::MessageBuffer,
        ) -> bool {
            #routines
            #krate::prepare_reply(request, reply);
            #body
        }

        /// Dispatch with MIG's C demux signature, for C server loops such as
        /// `mach_msg_server`: requests go to `S::instance()`.
        ///
        /// # Safety
        ///
        /// As for any MIG demux: `request` points at a received message and its trailer,
        /// `reply` at a writable buffer of at least [`MAX_REPLY_SIZE`] bytes.
        pub unsafe extern "C" fn demux<S: Server + #krate::StaticServer>(
            request: *mut #krate::sys::mach_msg_header_t,
            reply: *mut #krate::sys::mach_msg_header_t,
        ) -> #krate::sys::boolean_t {
            // SAFETY: the caller upholds the demux contract, forwarded unchanged.
            unsafe { #krate::c_demux(&Service(S::instance()), request, reply) }
        }

        #[automatically_derived]
        impl<S: Server + ?::core::marker::Sized> Server for &S {
            #(#forwards)*
        }

        /// A [`Server`] ready for `mig::serve`: `mig::serve(port, &Service(my_server))`.
        #[derive(::core::fmt::Debug, ::core::default::Default)]
        pub struct Service<S>(pub S);

        #[automatically_derived]
        // SAFETY: `dispatch` writes into the reply only messages it built from what the
        // handler returned, whose types own every right and region they carry.
        unsafe impl<S: Server> #krate::Demux for Service<S> {
            const BASE: i32 = BASE;
            const END: i32 = END;
            const MAX_REQUEST_SIZE: usize = MAX_REQUEST_SIZE;
            const MAX_REPLY_SIZE: usize = MAX_REPLY_SIZE;

            fn demux(&self, request: &mut #krate::MessageBuffer, reply: &mut #krate::MessageBuffer) -> bool {
                dispatch(&self.0, request, reply)
            }
        }
    }
}

/// The server side's `async` form (with the `tokio` feature, inside the runtime's
/// `async_stubs!`): the `AsyncServer` trait, `dispatch_async` and `AsyncService`, from the
/// same argument rules as `dispatch`.
pub fn async_items(paths: &Paths, model: &Subsystem, layout: &SubsystemLayout) -> TokenStream {
    let krate = &paths.krate;
    let Handlers {
        methods,
        routines,
        arms,
    } = handlers(paths, model, layout, true);
    let trait_doc = format!(
        "The server of subsystem `{}` with `async` handlers (feature `tokio`): one method per \
         routine, as in [`Server`], returning a `Send` future. Serve it with [`AsyncService`] \
         and `mig::serve_async_concurrent`, which runs each request's handler in a task of \
         its own, or await [`dispatch_async`] from your own loop.",
        model.name
    );
    let trait_doc = super::names::doc(&trait_doc);
    let body = dispatch_body(model, &arms);
    quote! {
        #trait_doc
        pub trait AsyncServer: ::core::marker::Send + ::core::marker::Sync {
            #(#methods)*
        }

        /// [`dispatch`] for an [`AsyncServer`]: the same checks, reply and error
        /// handling, with the handler's future awaited (a panic in it answered with
        /// `KERN_FAILURE`). Resolves to `false` when the msgh_id is not one of this
        /// subsystem's; the reply then carries `MIG_BAD_ID`. Dropping the future before
        /// it resolves leaves the request naming what the handler has not taken, for
        /// the caller to release (`mig::serve_async_concurrent` does).
        pub async fn dispatch_async<S: AsyncServer + ?::core::marker::Sized>(
            server: &S,
            request: &mut #krate::MessageBuffer,
            reply: &mut #krate::MessageBuffer,
        ) -> bool {
            #routines
            #krate::prepare_reply(request, reply);
            #body
        }

        /// An [`AsyncServer`] ready for `mig::serve_async_concurrent`:
        /// `mig::serve_async_concurrent(&readiness, Arc::new(AsyncService(my_server)), 64, shutdown)`.
        #[derive(::core::fmt::Debug, ::core::default::Default)]
        pub struct AsyncService<S>(pub S);

        #[automatically_derived]
        // SAFETY: `dispatch_async` writes into the reply only messages it built from what
        // the handler returned, whose types own every right and region they carry, and
        // clears in the request each right and region it hands the handler.
        unsafe impl<S: AsyncServer> #krate::AsyncDemux for AsyncService<S> {
            const BASE: i32 = BASE;
            const END: i32 = END;
            const MAX_REQUEST_SIZE: usize = MAX_REQUEST_SIZE;
            const MAX_REPLY_SIZE: usize = MAX_REPLY_SIZE;

            fn demux<'a>(
                &'a self,
                request: &'a mut #krate::MessageBuffer,
                reply: &'a mut #krate::MessageBuffer,
            ) -> impl ::core::future::Future<Output = bool> + ::core::marker::Send + 'a {
                dispatch_async(&self.0, request, reply)
            }
        }
    }
}

/// A local variable named after an argument.
fn quote_ident(name: &str) -> TokenStream {
    let name = ident(name);
    quote!(#name)
}

/// The `intran:` of an argument the server receives (the request port included).
fn intran(arg: &Arg) -> Option<(&Translation, &UserPath)> {
    let t = arg.translation.as_ref()?;
    let received = matches!(arg.role, Role::RequestPort | Role::In | Role::InOut);
    Some((t, t.intran.as_ref().filter(|_| received)?))
}

/// The `destructor:` of an argument the server receives and then destroys: MIG calls
/// it on `in` arguments only (an `inout` value goes back in the reply).
fn destructor(arg: &Arg) -> Option<&UserPath> {
    let (t, _) = intran(arg)?;
    t.destructor
        .as_ref()
        .filter(|_| matches!(arg.role, Role::RequestPort | Role::In))
}

/// The type the handler gets for a translated argument: the translated value, or a
/// borrow of it when a destructor takes it afterwards.
fn translated_param(arg: &Arg) -> Option<TokenStream> {
    let (t, _) = intran(arg)?;
    let ty = user_path(&t.translated.path, t.translated.span, Scope::Subsystem);
    Some(match destructor(arg) {
        Some(_) => quote!(&#ty),
        None => ty,
    })
}

/// `value` (a handler's `out` value) made ready for the wire: through its `outtran:`,
/// whose type rustc checks at the function's name in the definition.
fn out_value(paths: &Paths, arg: &Arg, value: TokenStream, scope: Scope) -> TokenStream {
    let Some((t, function)) = outtran(arg) else {
        return value;
    };
    let translated = user_path(&t.translated.path, t.translated.span, scope);
    let sent = sent_out_type(paths, arg, scope);
    let function = user_path(&function.path, function.span, scope);
    quote!({ let __outtran: fn(#translated) -> #sent = #function; __outtran(#value) })
}

/// The handler arguments, in definition order: the request port and everything sent.
fn handler_args(routine: &Routine) -> impl Iterator<Item = &Arg> {
    routine.args.iter().filter(|a| {
        matches!(
            a.role,
            Role::RequestPort | Role::Trailer { server: true, .. } | Role::ReplyPort { server: true, .. }
        ) || a.in_request()
    })
}

/// The `out` arrays a handler writes straight into its reply (`OutArray` parameters): all
/// of them, unless the handler holds the reply port and answers later.
fn written_arrays(routine: &Routine) -> Vec<&Arg> {
    if routine.server_reply_port().is_some() {
        return Vec::new();
    }
    routine.args.iter().filter(|a| out_array(a)).collect()
}

/// One handler parameter.
#[derive(Clone, Copy)]
enum Param<'a> {
    /// An argument received or read for the handler (see `handler_args`).
    Arg(&'a Arg),
    /// An `out` array the handler writes into the reply.
    Written(&'a Arg),
}

/// The handler's parameters in definition order: its arguments, and after a `CountInOut`
/// array's capacity (or where an `out` array stands) the `OutArray` it writes.
fn handler_params(routine: &Routine) -> Vec<Param<'_>> {
    let args: Vec<&Arg> = handler_args(routine).collect();
    let written = written_arrays(routine);
    let mut params = Vec::new();
    for arg in &routine.args {
        if args.iter().any(|a| std::ptr::eq(*a, arg)) {
            params.push(Param::Arg(arg));
        }
        if written.iter().any(|a| std::ptr::eq(*a, arg)) {
            params.push(Param::Written(arg));
        }
    }
    params
}

/// A handler parameter's name: the argument's, or `<arg>_capacity` for what the caller
/// can take of a `CountInOut` array.
fn param_name(param: Param) -> proc_macro2::Ident {
    match param {
        Param::Arg(arg) if arg.role == Role::Out => quote::format_ident!("{}_capacity", arg.name),
        Param::Arg(arg) | Param::Written(arg) => ident(&arg.name),
    }
}

/// A handler parameter's type.
fn param_type(paths: &Paths, param: Param) -> TokenStream {
    match param {
        Param::Arg(arg) => arg_type(paths, arg),
        Param::Written(arg) => {
            let krate = &paths.krate;
            let element = paths.element(&arg.ty, Scope::Subsystem);
            quote!(&mut #krate::OutArray<'_, #element>)
        }
    }
}

/// What a handler returns: its `out` values as the server sends them.
fn returns(paths: &Paths, routine: &Routine) -> TokenStream {
    let module = ident(&routine.name);
    if routine.server_reply_port().is_some() {
        // The answer goes through `reply`, whenever the handler likes.
        return quote!(());
    }
    let outs = server_values(routine);
    match outs.as_slice() {
        [] => quote!(()),
        [one] => handler_out_type(paths, one, Scope::Subsystem),
        _ if server_output_differs(routine) => quote!(#module::ServerOutput),
        _ => quote!(#module::Output),
    }
}

/// A handler argument's type: ports arrive as owned rights, except the request port,
/// which names the server's own receive right.
fn arg_type(paths: &Paths, arg: &Arg) -> TokenStream {
    if let Some(translated) = translated_param(arg) {
        return translated;
    }
    wire_param_type(paths, arg)
}

/// A handler parameter's type before any `intran:`.
fn wire_param_type(paths: &Paths, arg: &Arg) -> TokenStream {
    let krate = &paths.krate;
    if let Some(token) = token_type(paths, arg) {
        token
    } else if arg.role == Role::Out {
        quote!(#krate::sys::mach_msg_type_number_t)
    } else if matches!(arg.role, Role::ReplyPort { .. }) {
        ports::received_type(paths, arg)
    } else if arg.role == Role::RequestPort {
        // The server's own receive right, by name.
        paths.ty(&arg.ty, Scope::Subsystem)
    } else if ports::is_poly(arg) {
        quote!(#krate::PolyPort)
    } else if ports::is_port(arg) && arg.role != Role::RequestPort {
        ports::received_type(paths, arg)
    } else if is_variable(arg) {
        let element = paths.element(&arg.ty, Scope::Subsystem);
        quote!(&[#element])
    } else if is_port_array(arg) {
        received_port_array(paths, arg)
    } else if is_string(arg) {
        quote!(&::core::ffi::CStr)
    } else if is_out_of_line(arg) {
        // Received memory is the handler's to keep or drop.
        paths.ty(&arg.ty, Scope::Subsystem)
    } else {
        paths.ty(&arg.ty, Scope::Subsystem)
    }
}

fn method(
    paths: &Paths,
    routine: &Routine,
    rust_names: &std::collections::BTreeMap<String, String>,
    asynchronous: bool,
) -> TokenStream {
    let krate = &paths.krate;
    let name = ident(&routine.server_fn);
    let params = handler_params(routine).into_iter().map(|p| {
        let name = param_name(p);
        let ty = param_type(paths, p);
        quote!(#name: #ty)
    });
    let returns = returns(paths, routine);
    let doc = if routine.simple {
        format!(
            "Handles simpleroutine `{}` (msgh_id {}); no reply is sent. An error releases the request.",
            routine.name, routine.id
        )
    } else {
        if routine.server_reply_port().is_some() {
            format!(
                "Handles routine `{}` (msgh_id {}). The handler owns the reply port and answers \
                 through `{}::reply`, now or later; dropping the port unused tells the client \
                 `MIG_SERVER_DIED`. `Err` releases the request.",
                routine.name, routine.id, routine.name
            )
        } else {
            format!(
                "Handles routine `{}` (msgh_id {}). `Ok` sends the reply; `Err` sends a \
                 `mig_reply_error_t` carrying the code, except `Error::NO_REPLY`, which sends \
                 nothing and releases the reply right (the client gets `MIG_SERVER_DIED`): \
                 only a handler that takes the reply port (`sreplyport`) can answer later.",
                routine.name, routine.id
            )
        }
    };
    let mut doc = doc;
    for arg in written_arrays(routine) {
        doc.push_str(&format!(
            " The handler writes `{0}` into the reply where it is sent from (up to the \
             array's maximum); an `Err` sends none of it.",
            arg.name
        ));
    }
    for arg in routine.args.iter().filter(|a| a.count_in_out) {
        doc.push_str(&format!(
            " `{0}_capacity` is how many elements of `{0}` the caller takes, already clamped to \
             the array's maximum; the caller refuses a reply with more.",
            arg.name
        ));
    }
    // The signature with every MIG type name spelled as the Rust it stands for.
    let params: Vec<TokenStream> = params.collect();
    let asyncness = asynchronous.then(|| quote!(async));
    let signature = super::names::rust_signature(
        quote!(#asyncness fn #name(&self, #(#params),*) -> #krate::Result<#returns>),
        rust_names,
    );
    doc.push_str(&format!("\n\nIn Rust types: `{signature}`."));
    if asynchronous {
        doc.push_str(
            " Implement it as an `async fn`; its future must be `Send`, and may borrow the \
             arguments, which live as long as it.",
        );
    }
    let doc = docs_with(&routine.docs, &doc);
    let returns = if asynchronous {
        quote!(impl ::core::future::Future<Output = #krate::Result<#returns>> + ::core::marker::Send)
    } else {
        quote!(#krate::Result<#returns>)
    };
    // At the routine: rustc's errors about a handler (wrong arguments, missing) show it.
    let method = quote! {
        #doc
        fn #name(&self, #(#params),*) -> #returns;
    };
    super::names::located_fn(method, routine)
}

/// `Server for &S`: each method forwards to `S`.
fn forward(paths: &Paths, routine: &Routine) -> TokenStream {
    let krate = &paths.krate;
    let name = ident(&routine.server_fn);
    let names: Vec<_> = handler_params(routine).into_iter().map(param_name).collect();
    let types = handler_params(routine).into_iter().map(|p| param_type(paths, p));
    let returns = returns(paths, routine);
    quote! {
        fn #name(&self, #(#names: #types),*) -> #krate::Result<#returns> {
            (**self).#name(#(#names),*)
        }
    }
}

/// One routine's part of `dispatch`: a function of its own inside `dispatch`'s body,
/// named after the routine, and the `match` arm that calls it. A function each, not an
/// arm's expression each: rustc type-checks a body with its closures as one, and hashes
/// that result again for each closure when it builds incrementally, so one `dispatch`
/// holding every routine's closures cost a large subsystem's crate a quadratic share
/// of each rebuild.
fn routine_fn(
    paths: &Paths,
    routine: &Routine,
    layout: &RoutineLayout,
    asynchronous: bool,
) -> (TokenStream, TokenStream) {
    let krate = &paths.krate;
    let name = ident(&routine.name);
    let id = lit_i32(routine.id);
    let body = arm(paths, routine, layout, asynchronous);
    if asynchronous {
        let function = quote! {
            async fn #name<S: AsyncServer + ?::core::marker::Sized>(
                server: &S,
                request: &mut #krate::MessageBuffer,
                reply: &mut #krate::MessageBuffer,
            ) {
                #body
            }
        };
        return (function, quote!(#id => #name(server, request, reply).await,));
    }
    let function = quote! {
        fn #name<S: Server + ?::core::marker::Sized>(
            server: &S,
            request: &mut #krate::MessageBuffer,
            reply: &mut #krate::MessageBuffer,
        ) {
            #body
        }
    };
    (function, quote!(#id => #name(server, request, reply),))
}

/// The body of one routine's function in `dispatch`: the handler's arguments are taken from
/// the request where they lie (rights and regions first, each cleared in the buffer as it
/// gets its owner; then values, arrays and strings, borrowed), and the reply is written
/// straight into the reply buffer. `asynchronous`: the body of the routine's `async fn` in
/// `dispatch_async`, from the same arguments: the runtime's check part, the handler's
/// future awaited (its panic contained), then the runtime's finish part.
fn arm(paths: &Paths, routine: &Routine, layout: &RoutineLayout, asynchronous: bool) -> TokenStream {
    let krate = &paths.krate;
    let module = ident(&routine.name);
    let method = ident(&routine.server_fn);
    let fields = Fields::new(&layout.request);
    let reader = quote!(__reader);
    let index_of = |a: &Arg| routine.args.iter().position(|b| std::ptr::eq(a, b)).unwrap_or(0);
    // Rights and regions first, while the reader is borrowed mutably.
    let mut taken = TokenStream::new();
    for a in handler_args(routine) {
        if a.role == Role::RequestPort || matches!(a.role, Role::ReplyPort { .. } | Role::Trailer { .. }) {
            continue;
        }
        if let Some(owner) = wire::take(paths, &fields, index_of(a), a, &reader) {
            let local = quote::format_ident!("__take_{}", a.name);
            taken.extend(quote!(let #local = #owner;));
        }
    }
    let args = handler_args(routine).map(|a| {
        let index = index_of(a);
        match a.role {
            Role::RequestPort => quote!(#reader.header().msgh_local_port),
            Role::ReplyPort { .. } => {
                // The reply right, taken out of the request by `deferred_routine`.
                let owner = ports::received_type(paths, a);
                quote!(unsafe { #owner::from_raw(__reply_port) })
            }
            Role::Out => {
                // `CountInOut`: the caller's capacity, clamped to the array's maximum as
                // Apple's server does, so a handler never sees more room than the reply has.
                let capacity = match fields.capacity(index) {
                    Some(field) => wire::get(&fields, field, &reader, quote!(u32)),
                    None => quote!(0u32),
                };
                let max = match a.ty.wire {
                    crate::model::Wire::Variable { max, .. } => max,
                    _ => u32::MAX,
                };
                let max = proc_macro2::Literal::u32_unsuffixed(max);
                quote!(::core::cmp::Ord::min(#capacity, #max))
            }
            Role::Trailer { element, .. } => read_trailer(element),
            // Not in a complex request (whose code is 0): the code of one that came alone
            // (not taken by a handler that holds the reply port: it answers the request).
            _ if crate::layout::left_out_ret_code(routine).is_some_and(|r| std::ptr::eq(r, a)) => {
                match routine.server_reply_port() {
                    None => quote!(__ret_code),
                    Some(_) => quote!(#krate::sys::KERN_SUCCESS),
                }
            }
            _ if a.ty.wire.is_descriptor() => {
                let local = quote::format_ident!("__take_{}", a.name);
                quote!(#local)
            }
            _ if is_string(a) => {
                let string = wire::c_str(&fields, index, a, &reader);
                quote!(#string.ok_or(#krate::Error::MIG_BAD_ARGUMENTS)?)
            }
            _ if is_variable(a) => {
                let elements = wire::elements(paths, &fields, index, a, &reader);
                quote!(&*#elements)
            }
            _ => match fields.data(index) {
                Some(field) => {
                    let ty = paths.ty(&a.ty, Scope::Subsystem);
                    wire::get(&fields, field, &reader, ty)
                }
                None => quote!(::core::default::Default::default()),
            },
        }
    });
    // Translated arguments go through their `intran:` first, in definition order (so
    // their destructors run in reverse order once the handler returns, as in MIG).
    let mut translations = TokenStream::new();
    let args: Vec<TokenStream> = handler_args(routine)
        .zip(args)
        .map(|(a, value)| {
            let Some((t, function)) = intran(a) else {
                return value;
            };
            let local = quote::format_ident!("__intran_{}", a.name);
            let translated = user_path(&t.translated.path, t.translated.span, Scope::Subsystem);
            let wire = wire_param_type(paths, a);
            let function = user_path(&function.path, function.span, Scope::Subsystem);
            let value = quote!({ let __intran: fn(#wire) -> #translated = #function; __intran(#value) });
            match destructor(a) {
                Some(destructor) => {
                    let destructor = user_path(&destructor.path, destructor.span, Scope::Subsystem);
                    translations.extend(quote! {
                        let #local = #krate::Destroyed::new(#value, {
                            let __destructor: fn(#translated) = #destructor;
                            __destructor
                        });
                    });
                    quote!(&#local)
                }
                None => {
                    translations.extend(quote!(let #local = #value;));
                    quote!(#local)
                }
            }
        })
        .collect();
    // The `out` arrays the handler writes, each an `OutArray` over its slot in the reply.
    let written = written_arrays(routine);
    let reply_fields = layout.reply.as_ref().map(Fields::new);
    let mut slots = TokenStream::new();
    let mut counts = Vec::new();
    for arg in &written {
        let local = quote::format_ident!("__out_{}", arg.name);
        let field = reply_fields.as_ref().and_then(|f| f.data(index_of(arg)));
        let (Some(field), crate::model::Wire::Variable { max, .. }) = (field, &arg.ty.wire) else {
            continue;
        };
        let offset = proc_macro2::Literal::usize_unsuffixed(field.offset as usize);
        let max = proc_macro2::Literal::usize_unsuffixed(*max as usize);
        let element = paths.element(&arg.ty, Scope::Subsystem);
        slots.extend(quote!(let mut #local = __slots.array::<#element>(#offset, #max);));
        counts.push(quote!(#local.count()));
    }
    let mut args = args.into_iter();
    let params: Vec<TokenStream> = handler_params(routine)
        .into_iter()
        .map(|p| match p {
            Param::Arg(_) => args.next().unwrap_or_default(),
            Param::Written(arg) => {
                let local = quote::format_ident!("__out_{}", arg.name);
                quote!(&mut #local)
            }
        })
        .collect();
    let awaited = asynchronous.then(|| quote!(.await));
    let call = if written.is_empty() {
        quote!(server.#method(#(#params),*) #awaited)
    } else {
        quote! {
            let __value = server.#method(#(#params),*) #awaited?;
            #krate::Ok((__value, #(#counts),*))
        }
    };
    let call = quote! {
        #taken
        let #reader = &*#reader;
        #translations
        #slots
        #call
    };
    if asynchronous {
        return async_arm(paths, routine, layout, &call, !written.is_empty());
    }
    if routine.server_reply_port().is_some() {
        // The handler answers when it likes, through `#module::reply`.
        return quote! {
            #krate::deferred_routine::<#module::Request>(
                request,
                reply,
                |#reader, __trailer, __reply_port| { #call },
            )
        };
    }
    if crate::layout::left_out_ret_code(routine).is_some() {
        // A code sent alone (a `mig_reply_error_t`) is taken as well as the request.
        return quote! {
            #krate::simple_routine_with_ret_code::<#module::Request>(
                request,
                reply,
                |#reader, __trailer, __ret_code| { #call },
            )
        };
    }
    if routine.simple {
        let handler = quote!(|#reader, __trailer| { #call });
        return quote! {
            #krate::simple_routine::<#module::Request>(request, reply, #handler)
        };
    }
    let slots = if written.is_empty() {
        quote!(_)
    } else {
        quote!(__slots)
    };
    let handler = quote!(|#reader, __trailer, #slots| { #call });
    let reply_of = reply_of(paths, routine, layout);
    quote! {
        #krate::routine::<#module::Request, #module::Reply, _>(
            request,
            reply,
            #handler,
            #reply_of,
        )
    }
}

/// The closure that writes a routine's reply from its handler's output (and the counts
/// of the `out` arrays it wrote).
fn reply_of(paths: &Paths, routine: &Routine, layout: &RoutineLayout) -> TokenStream {
    let krate = &paths.krate;
    let module = ident(&routine.name);
    let written = written_arrays(routine);
    let outs = server_values(routine);
    let names = outs.iter().map(|a| ident(&a.name));
    let pattern = match outs.as_slice() {
        [] => quote!(()),
        [one] => {
            let name = ident(&one.name);
            quote!(#name)
        }
        _ if server_output_differs(routine) => quote!(#module::ServerOutput { #(#names),* }),
        _ => quote!(#module::Output { #(#names),* }),
    };
    let pattern = if written.is_empty() {
        pattern
    } else {
        let counts = written.iter().map(|a| quote::format_ident!("__count_{}", a.name));
        quote!((#pattern, #(#counts),*))
    };
    let reply_layout = layout.reply.as_ref().expect("a routine has a reply");
    let (prelude, writes) = reply_writes(paths, routine, reply_layout, Scope::Subsystem, true);
    quote! {
        |#pattern, __writer| {
            #prelude
            #writes
            #krate::Ok(())
        }
    }
}

/// The body of a routine's `async fn` in `dispatch_async`: the runtime's check part of
/// its kind, the handler's arguments taken as `dispatch` takes them (`call`, the same
/// tokens, awaiting the handler) in a future whose panic is contained, and the runtime's
/// finish part. The future borrows the request and reply buffers for the arguments it
/// hands the handler (strings, arrays, `OutArray`s); they outlive it.
fn async_arm(
    paths: &Paths,
    routine: &Routine,
    layout: &RoutineLayout,
    call: &TokenStream,
    slots: bool,
) -> TokenStream {
    let krate = &paths.krate;
    let module = ident(&routine.name);
    let handled = quote!(#krate::guarded_async(async move { #call }).await);
    let read = quote! {
        let (mut __reader, __trailer) = __accepted.reader(request);
        let __reader = &mut __reader;
    };
    if routine.server_reply_port().is_some() {
        return quote! {
            let #krate::Some((mut __accepted, __reply_port)) =
                #krate::accept_deferred::<#module::Request>(request, reply) else { return };
            let __result = { #read #handled };
            #krate::finish_deferred(reply, __result);
        };
    }
    if crate::layout::left_out_ret_code(routine).is_some() {
        return quote! {
            let #krate::Some((mut __accepted, __ret_code)) =
                #krate::accept_with_ret_code::<#module::Request>(request, reply) else { return };
            let __result = { #read #handled };
            #krate::finish_simple(request, reply, __result);
        };
    }
    let accept = quote! {
        let #krate::Some(mut __accepted) =
            #krate::accept_routine::<#module::Request>(request, reply) else { return };
    };
    if routine.simple {
        return quote! {
            #accept
            let __result = { #read #handled };
            #krate::finish_simple(request, reply, __result);
        };
    }
    let read = if slots {
        quote! {
            let (mut __reader, __trailer, mut __slots) =
                __accepted.with_slots::<#module::Reply>(request, reply);
            let (__reader, __slots) = (&mut __reader, &mut __slots);
        }
    } else {
        read
    };
    let reply_of = reply_of(paths, routine, layout);
    quote! {
        #accept
        let __result = { #read #handled };
        #krate::finish_routine::<#module::Reply, _>(request, reply, __result, #reply_of);
    }
}

/// The conversions and writes of a reply carrying the handler's `outs`, named as the
/// handler's output pattern binds them, into the `Writer` `__writer`.
fn reply_writes(
    paths: &Paths,
    routine: &Routine,
    layout: &Message,
    scope: Scope,
    in_place: bool,
) -> (TokenStream, TokenStream) {
    wire::write_message(
        paths,
        &Fields::new(layout),
        routine,
        &quote!(__writer),
        in_place,
        |a| out_value(paths, a, quote_ident(&a.name), scope),
        |arg, value| {
            if is_port_array(arg) {
                port_array_to_wire(paths, arg, value, true)
            } else if is_out_of_line(arg) {
                // Fails (releasing the region) past the descriptor's 32-bit size.
                quote!(#value.into_wire()?)
            } else {
                // An `InlineArray` or `InlineString`, written where it lies.
                value
            }
        },
    )
}

/// `<routine>::reply`, for routines whose handler takes the reply port: sends the reply
/// (or the error) later, from anywhere.
pub fn deferred_reply(paths: &Paths, routine: &Routine, layout: &RoutineLayout) -> TokenStream {
    let krate = &paths.krate;
    let Some(reply_port) = routine.server_reply_port() else {
        return TokenStream::new();
    };
    if routine.simple {
        return TokenStream::new();
    }
    let owner = ports::received_type(paths, reply_port);
    let outs = server_values(routine);
    let (value_type, pattern) = match outs.as_slice() {
        [] => (quote!(()), quote!(())),
        [one] => {
            let name = ident(&one.name);
            (handler_out_type(paths, one, Scope::Routine), quote!(#name))
        }
        many => {
            let names = many.iter().map(|a| ident(&a.name));
            let output = if server_output_differs(routine) {
                quote!(ServerOutput)
            } else {
                quote!(Output)
            };
            (output.clone(), quote!(#output { #(#names),* }))
        }
    };
    let reply_layout = layout.reply.as_ref().expect("a routine has a reply");
    let (prelude, writes) = reply_writes(paths, routine, reply_layout, Scope::Routine, false);
    let doc = format!(
        "Answers a `{}` request later, through the reply port its handler was given: \
         `Ok` sends the reply, `Err` a `mig_reply_error_t` carrying the code. A reply \
         that cannot be built (an array beyond its maximum) is answered with the error \
         instead, which is also returned: the client always gets an answer.",
        routine.name
    );
    let doc = super::names::doc(&doc);
    quote! {
        #doc
        pub fn reply(to: #owner, result: #krate::Result<#value_type>) -> #krate::Result<()> {
            // Built before the right is taken out of `to`, so a failure cannot lose it.
            let built = result.map(|#pattern| {
                #krate::build_reply::<Reply>(|__writer| {
                    #prelude
                    #writes
                    #krate::Ok(())
                })
            });
            let to = to.into_raw();
            match built {
                // SAFETY: built from the handler's values, whose types own every right
                // and region the reply carries.
                #krate::Ok(#krate::Ok(reply)) => unsafe { #krate::send_reply(to, REPLY_ID, reply) },
                #krate::Ok(#krate::Err(__error)) => {
                    #krate::send_error_reply(to, REPLY_ID, __error)?;
                    #krate::Err(__error)
                }
                #krate::Err(__error) => #krate::send_error_reply(to, REPLY_ID, __error),
            }
        }
    }
}

/// The end of a dispatch function: the match of the request's msgh_id over `arms` (each
/// calling its routine's function), `false` for an id that is not the subsystem's.
fn dispatch_body(model: &Subsystem, arms: &TokenStream) -> TokenStream {
    // Without routines no id is this subsystem's: a `match` of only `_ => return false`
    // would leave the `true` after it unreachable, a warning in the user's crate.
    if model.routines.is_empty() {
        return quote! {
            let _ = server;
            false
        };
    }
    quote! {
        match request.header().msgh_id {
            #arms
            _ => return false,
        }
        true
    }
}

/// The parts of a server that are one per routine: the trait's methods, the dispatch's
/// per-routine functions and its match arms.
struct Handlers {
    methods: Vec<TokenStream>,
    routines: TokenStream,
    arms: TokenStream,
}

/// [`Handlers`] of the blocking server, or with `asynchronous` of the `async` one.
fn handlers(paths: &Paths, model: &Subsystem, layout: &SubsystemLayout, asynchronous: bool) -> Handlers {
    let methods = model
        .routines
        .iter()
        .map(|r| method(paths, r, &model.rust_names, asynchronous))
        .collect();
    let mut routines = TokenStream::new();
    let mut arms = TokenStream::new();
    for (r, l) in model.routines.iter().zip(&layout.routines) {
        let (function, arm) = routine_fn(paths, r, l, asynchronous);
        routines.extend(function);
        arms.extend(arm);
    }
    Handlers {
        methods,
        routines,
        arms,
    }
}
