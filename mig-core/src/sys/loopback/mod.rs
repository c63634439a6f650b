//! The loopback kernel: an in-process implementation of the Mach IPC API
//! subset generated code uses, with the names, signatures, `#[repr(C)]`
//! layouts, constants and return codes of the `mach2` crate.
//!
//! Ports, rights, queues, blocking `mach_msg`, notifications, the
//! per-thread MIG reply port, out-of-line memory and a bootstrap name
//! service behave as on XNU, so Mach clients and servers run, and can be
//! tested, on any platform. The process's own IPC space is the task
//! `mach_task_self()` names; code that never creates tasks sees only it.
//! `loopback_task_create` adds further spaces (tasks), between which rights
//! move and names translate as between processes.
//!
//! Loopback-only additions (no `mach2` counterpart): `mach_port_get_refs`,
//! `mach_port_type` and `MACH_PORT_TYPE_*`, `mach_reply_port`,
//! `mach_port_move_member`, `vm_allocate`/`vm_deallocate`, libsystem's
//! `mach_msg_server`/`mach_msg_server_once`, the voucher calls
//! (`voucher_mach_msg_set`, `voucher_mach_msg_adopt`, `voucher_mach_msg_revert`) and
//! `thread_get_special_reply_port`, the test switch setting the identity a task's
//! messages carry in their trailers (`loopback_task_set_tokens`), the test switch placing received
//! out-of-line memory within its page (`loopback_set_ool_placement`), the trailer
//! option helpers (`MACH_RCV_TRAILER_ELEMENTS`, ...), the notification
//! structs `mach2` keeps in its `notify` module, the tasks
//! (`loopback_task_create`, `loopback_with_task`, `loopback_task_terminate`,
//! `loopback_live_tasks`), the accounting functions (`loopback_live_rights`,
//! `loopback_live_ports`, `loopback_live_ool_bytes`,
//! `loopback_queued_messages`, `loopback_vm_is_allocated`,
//! `loopback_guard_exceptions`), the test switches
//! `loopback_pseudo_receive_timeouts` and `loopback_vm_limit` (a resource shortage on
//! demand), the readiness descriptor of a port set (`loopback_port_set_signal`,
//! [`LoopbackSignal`]) and, with the
//! `c-abi` feature, the C-linkage exports (`loopback_c_abi_symbols`).
//!
//! # Layers
//!
//! The modules form layers; each imports only from the layers below it, and
//! within its own layer only along a few one-way edges (a unit test,
//! `layer_tests`, reads the sources and holds every `super::` import, and every
//! call of a `Kernel` method another module defines, to this table):
//!
//! | layer | modules | what they hold |
//! | --- | --- | --- |
//! | 1. ids | `kern_return`, `types`, `ids` | return codes, the `mach2` ABI types and constants, the ids all layers share (`ObjId`, `SpaceId`, `Name`, the reserved names) |
//! | 2. state | `trailer`, `readiness`, `service`, `region`, `space`, `port` | data without behaviour of its own: trailer layouts and the sender's `Tokens`, a port set's eventfd, a bootstrap registration, the registry of memory regions, a task's name table, ports, port sets and queued messages |
//! | 3. kernel | `kernel` | the global state (spaces, ports, sets, the bootstrap registry) behind its lock and condition variable; object creation, set membership, what a receive waits on, readiness signalling |
//! | 4. mechanisms | `current`, `right`, `queue`, `notify` | the calling thread's task and `task` arguments; rights (copyin, copyout, user references, release, port death); delivering a message to a port or the kernel's own server; notifications and their requests |
//! | 5. API | `accounting`, `bootstrap`, `mach_port`, `mig`, `msg`, `task`, `vm` | the calls, with `mach2`'s names, and the loopback-only ones |
//! | 6. C ABI | `c_abi` | the C-linkage exports (`c-abi` feature) |
//!
//! The one-way edges inside a layer: `types` → `kern_return`, `ids` → `types`;
//! `space`, `port` → `trailer`, `port` → `readiness`; `notify` → `current`,
//! `right`; `mig` → `mach_port`, `vm`; `msg` → `mach_port`, `mig`. The
//! mechanisms also call each other's `Kernel` methods in one recursion, which
//! no import shows: destroying a right sends a notification (`right` →
//! `notify`), a notification is delivered (`notify` → `queue`), and a message
//! delivered to a dead port has its rights destroyed (`queue` → `right`).
//!
//! # Fidelity to XNU
//!
//! | behaviour | status |
//! | --- | --- |
//! | names (`index << 8 \| generation`), coalescing of send and receive rights, user references, dead names | implemented |
//! | `mach_port_allocate` / `deallocate` / `mod_refs` / `destroy` / `insert_right` / `extract_right` / `get_refs` / `type` / `construct` / `destruct` / `insert_member` / `extract_member` / `move_member` | implemented; `destruct` ignores the guard, `construct` honours only `MPO_QLIMIT` and `MPO_INSERT_SEND_RIGHT`; a port is in one set at a time (XNU allows several) |
//! | `mach_msg` send/receive, header dispositions and the receiver's view, timeouts, queue limits, `MACH_RCV_LARGE` | implemented; `MACH_SEND_NOTIFY`, `MACH_RCV_INTERRUPT` and importance are ignored |
//! | the header's voucher field | as `ipc_kmsg_copyin_header_validate` / `_rights` and `ipc_kmsg_copyout_header`, without vouchers: a voucher disposition other than `MOVE_SEND`/`COPY_SEND`, a dead name or any other name but null is `MACH_SEND_INVALID_VOUCHER`, nothing taken (XNU's non-fatal `kGUARD_EXC_SEND_INVALID_VOUCHER` is not counted); with no voucher disposition the field reaches the receiver as the sender wrote it; a disposition with the null name shows as `MOVE_SEND` to a receiver asking with `MACH_RCV_VOUCHER`, as nothing to others |
//! | a send refused for its header or format (`MACH_SEND_INVALID_DEST`, `_REPLY`, `_HEADER`, `_TYPE`, ...) | implemented: nothing is taken. A destination that is a dead send-once right is `MACH_SEND_INVALID_DEST` with nothing taken (XNU takes it, destroys the message and reports success); destroying the message afterwards, as servers do, comes to the same |
//! | a send refused for a right in its body (`MACH_SEND_INVALID_RIGHT`) | implemented as `ipc_kmsg_copyin_body`: the header's rights and the body's entries before the failing one are taken and destroyed, the rest stays the sender's |
//! | a send that times out (`MACH_SEND_TIMED_OUT`) | differs by default: the message is left untouched; XNU pseudo-receives it (`mach_msg_receive_pseudo`: rights renamed, out-of-line memory in new regions, error bits or-ed in). `loopback_pseudo_receive_timeouts` makes a thread's timed-out sends do what XNU does, for a port without reply-port semantics: a send-once right made for the reply comes back under a new name as `PORT_SEND_ONCE` (a hardened process's `mach_reply_port` ports, which XNU hands back as `MAKE_SEND_ONCE` holding no right, are not modelled); the voucher field and disposition come back as sent. Generated stubs and `Shutdown` handle both |
//! | a receiver without room for out-of-line memory (`MACH_RCV_BODY_ERROR \| MACH_MSG_VM_SPACE`) | on demand: `loopback_vm_limit` caps a task's memory |
//! | complex messages: port, OOL and OOL-ports descriptors | implemented; fields checked as XNU's copyin checks them (a port array's `copy` byte and every pad byte ignored; a disposition checked only with a valid name); OOL data is always copied; guarded port descriptors are rejected (`MACH_SEND_INVALID_TYPE`) |
//! | received OOL memory: `deallocate` set only for a virtual copy, and `mach_msg_destroy` frees only regions so marked | implemented; placed at the start of a page unless `loopback_set_ool_placement` asks for XNU's sender's page offset (or any offset) |
//! | trailers up to `mach_msg_mac_trailer_t` | implemented; the sender's tokens are stamped at send, from its task (the process's real uid/gid/pid, no audit session nor pid version, unless a test set them with `loopback_task_set_tokens`), the kernel's (`KERNEL_SECURITY_TOKEN_VALUE`, `KERNEL_AUDIT_TOKEN_VALUE`) on notifications and kernel replies; MAC labels 0 |
//! | port sets | implemented |
//! | readiness of a port set as a descriptor (XNU: a kqueue with `EVFILT_MACHPORT` on the set) | an eventfd (`loopback_port_set_signal`, Linux and Android only) signalled when a message is queued on a member and when a member joins with messages queued; like a level-triggered kqueue it may wake with nothing to receive, and one wake may stand for many messages. XNU's direct delivery through the filter (`MACH_RCV_MSG` in `fflags`) is not modelled |
//! | `MACH_NOTIFY_SEND_ONCE` | implemented |
//! | `MACH_NOTIFY_DEAD_NAME`, with the extra dead-name reference and immediate (`sync`) firing | implemented |
//! | `MACH_NOTIFY_PORT_DELETED` when a name with a dead-name request goes first | implemented |
//! | `MACH_NOTIFY_NO_SENDERS` with make-send count and `sync` | implemented (send rights counted per name, per message and for the bootstrap registry, as `ip_srights`) |
//! | `MACH_NOTIFY_PORT_DESTROYED` (receive right handed over with its queue) | implemented |
//! | `MACH_NOTIFY_SEND_POSSIBLE` | not implemented (`KERN_NOT_SUPPORTED`) |
//! | failed `mach_port_request_notification` destroys the notify right (send-once notification) | implemented; a wrong `notifyPoly` is `MIG_TYPE_ERROR` without taking the right |
//! | receive right moved: make-send count, sequence number and context reset | implemented |
//! | tasks: several spaces, per-space names, task ports as send rights, `task` arguments | implemented (loopback API); the process's own task port cannot be moved, only named `mach_task_self()` |
//! | messages to a task port (kernel MIG server) | differs: no kernel routines; every request is answered `MIG_BAD_ID`, as XNU answers an unknown id |
//! | task termination: rights destroyed, notifications, memory freed, task port dies | implemented (`loopback_task_terminate`); threads are not stopped, their calls fail |
//! | virtual memory | differs: one address space; regions are recorded per task and only freed through their task; no `VM_FLAGS_FIXED` |
//! | bootstrap (launchd) | differs: one flat namespace shared by all tasks; `check_in` creates the service; no subsets or per-user domains |
//! | `mig_get_reply_port` per thread (and per task), freed at thread exit | implemented |
//! | `mig_get_special_reply_port` (`UseSpecialReplyPort`) | differs: an ordinary per-thread receive right; no priority inheritance, and `MACH_SEND_SYNC_OVERRIDE`/`MACH_RCV_SYNC_WAIT` are accepted and ignored |
//! | guard exception `kGUARD_EXC_INVALID_NAME` (`mach_port_deallocate` / `mod_refs` of a name holding no right) | a stand-in: counted per task (`loopback_guard_exceptions`), fatal with `MIG_LOOPBACK_FATAL_GUARDS` set, as for a hardened process |
//! | `thread_get_special_reply_port` | differs: a fresh ordinary receive right each call (no link monitoring, no priority inheritance) |
//! | vouchers | none exist: `voucher_mach_msg_set` leaves the header alone and answers `false`, as libsystem does for a thread without a voucher; `voucher_mach_msg_adopt` takes a voucher right out of a header (as libsystem's) and releases it, answering `VOUCHER_MACH_MSG_STATE_UNCHANGED`; `voucher_mach_msg_revert` does nothing. The C `mach_msg_server` receives with `MACH_RCV_VOUCHER` and adopts around the demux and reply, as libsystem's |
//! | other port guards, `mach_msg2`, importance, QoS | not implemented |
//! | C linkage (`mach_msg`, `NDR_record`, `mach_task_self_`, `bootstrap_port`, ...) | implemented behind the `c-abi` feature |

mod accounting;
mod bootstrap;
#[cfg(feature = "c-abi")]
mod c_abi;
mod current;
mod ids;
mod kern_return;
mod kernel;
mod mach_port;
mod mig;
mod msg;
mod notify;
mod port;
mod queue;
#[cfg(any(target_os = "linux", target_os = "android"))]
mod readiness;
mod region;
mod right;
mod service;
mod space;
mod task;
mod trailer;
mod types;
mod vm;

pub use self::accounting::{
    loopback_live_ool_bytes, loopback_live_ports, loopback_live_rights, loopback_queued_messages,
};
pub use self::bootstrap::{
    BOOTSTRAP_BAD_COUNT, BOOTSTRAP_MAX_NAME_LEN, BOOTSTRAP_NAME_IN_USE, BOOTSTRAP_NO_CHILDREN,
    BOOTSTRAP_NO_MEMORY, BOOTSTRAP_NOT_PRIVILEGED, BOOTSTRAP_SERVICE_ACTIVE, BOOTSTRAP_SUCCESS,
    BOOTSTRAP_UNKNOWN_SERVICE, bootstrap_check_in, bootstrap_look_up, bootstrap_port, bootstrap_register,
    bootstrap_status_t, name_t,
};
#[cfg(feature = "c-abi")]
pub use self::c_abi::loopback_c_abi_symbols;
pub use self::kern_return::*;
#[cfg(any(target_os = "linux", target_os = "android"))]
pub use self::mach_port::loopback_port_set_signal;
pub use self::mach_port::{
    loopback_guard_exceptions, mach_port_allocate, mach_port_construct, mach_port_deallocate,
    mach_port_destroy, mach_port_destruct, mach_port_extract_member, mach_port_extract_right,
    mach_port_get_attributes, mach_port_get_refs, mach_port_insert_member, mach_port_insert_right,
    mach_port_mod_refs, mach_port_move_member, mach_port_set_attributes, mach_port_type, mach_reply_port,
    mach_task_self,
};
pub use self::mig::{
    VOUCHER_MACH_MSG_STATE_UNCHANGED, mig_allocate, mig_dealloc_reply_port, mig_dealloc_special_reply_port,
    mig_deallocate, mig_get_reply_port, mig_get_special_reply_port, mig_put_reply_port, mig_strncpy,
    mig_strncpy_zerofill, thread_get_special_reply_port, voucher_mach_msg_adopt, voucher_mach_msg_revert,
    voucher_mach_msg_set, voucher_mach_msg_state_t,
};
pub use self::msg::loopback_pseudo_receive_timeouts;
pub use self::msg::{
    MigDemuxFn, mach_msg, mach_msg_destroy, mach_msg_send, mach_msg_server, mach_msg_server_once,
};
pub use self::notify::{
    mach_dead_name_notification_t, mach_no_senders_notification_t, mach_port_deleted_notification_t,
    mach_port_destroyed_notification_t, mach_port_request_notification,
};
#[cfg(any(target_os = "linux", target_os = "android"))]
pub use self::readiness::LoopbackSignal;
pub use self::region::{OolPlacement, PAGE_SIZE};
pub use self::task::loopback_task_set_tokens;
pub use self::task::{
    loopback_current_task_id, loopback_live_tasks, loopback_task_create, loopback_task_terminate,
    loopback_with_task,
};
pub use self::trailer::{
    GET_RCV_ELEMENTS, MACH_MSG_TRAILER_MINIMUM_SIZE, MACH_RCV_TRAILER_ELEMENTS, MACH_RCV_TRAILER_MASK,
    MACH_RCV_TRAILER_TYPE, MAX_TRAILER_SIZE, REQUESTED_TRAILER_SIZE, mach_msg_context_trailer_t,
    mach_msg_format_0_trailer_t, mach_msg_mac_trailer_t, mach_msg_max_trailer_t, msg_labels_t,
};
pub use self::types::*;
pub use self::vm::{
    VM_FLAGS_ANYWHERE, VM_FLAGS_FIXED, loopback_set_ool_placement, loopback_vm_is_allocated,
    loopback_vm_limit, mach_vm_allocate, mach_vm_deallocate, vm_allocate, vm_deallocate,
};

/// The layers of the loopback, bottom up (see "Layers" in the module docs): a module
/// imports (`super::X`) modules of lower layers only, and within its own layer only
/// along [`SAME_LAYER`].
#[cfg(test)]
const LAYERS: &[(&str, &[&str])] = &[
    ("ids", &["kern_return", "types", "ids"]),
    (
        "state",
        &["trailer", "readiness", "service", "region", "space", "port"],
    ),
    ("kernel", &["kernel"]),
    ("mechanisms", &["current", "right", "queue", "notify"]),
    (
        "API",
        &["accounting", "bootstrap", "mach_port", "mig", "msg", "task", "vm"],
    ),
    ("C ABI", &["c_abi"]),
];

/// The one-way imports allowed inside a layer, `(importer, imported)`; they must form
/// no circle.
#[cfg(test)]
const SAME_LAYER: &[(&str, &str)] = &[
    ("types", "kern_return"),
    ("ids", "types"),
    ("space", "trailer"),
    ("port", "trailer"),
    ("port", "readiness"),
    ("notify", "current"),
    ("notify", "right"),
    ("mig", "mach_port"),
    ("mig", "vm"),
    ("msg", "mach_port"),
    ("msg", "mig"),
];

/// The calls allowed inside a layer between `impl Kernel` methods of different
/// modules, `(caller's module, callee's module)`, which need no import: the mechanisms'
/// one recursion (destroying a right sends a notification, delivering a message to a
/// dead port destroys the rights it carries, a request may fire at once).
#[cfg(test)]
const SAME_LAYER_CALLS: &[(&str, &str)] = &[
    ("notify", "current"),
    ("notify", "queue"),
    ("notify", "right"),
    ("queue", "right"),
    ("right", "notify"),
];

#[cfg(test)]
mod layer_tests {
    use super::{LAYERS, SAME_LAYER, SAME_LAYER_CALLS};
    use std::collections::BTreeSet;

    macro_rules! sources {
        ($($module:ident),* $(,)?) => {
            &[$((stringify!($module), include_str!(concat!(stringify!($module), ".rs")))),*]
        };
    }

    /// Every module's source, read at build time.
    const SOURCES: &[(&str, &str)] = sources!(
        accounting,
        bootstrap,
        c_abi,
        current,
        ids,
        kern_return,
        kernel,
        mach_port,
        mig,
        msg,
        notify,
        port,
        queue,
        readiness,
        region,
        right,
        service,
        space,
        task,
        trailer,
        types,
        vm,
    );

    fn layer(module: &str) -> usize {
        LAYERS
            .iter()
            .position(|(_, modules)| modules.contains(&module))
            .unwrap_or_else(|| panic!("module `{module}` is in no layer of LAYERS"))
    }

    fn ident(text: &str) -> &str {
        let end = text
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(text.len());
        &text[..end]
    }

    /// The first path segment of each item of a `{...}` use group starting at `text`.
    fn group_heads(text: &str) -> Vec<&str> {
        let mut heads = Vec::new();
        let (mut depth, mut start) = (0, 1);
        for (i, c) in text.char_indices() {
            match c {
                '{' => depth += 1,
                '}' | ',' if depth == 1 => {
                    heads.push(ident(text[start..].trim_start()));
                    start = i + 1;
                    if c == '}' {
                        break;
                    }
                }
                '}' => depth -= 1,
                _ => {}
            }
        }
        heads
    }

    /// The sibling modules `source` names through `super::` (paths and use groups).
    fn imports(source: &str) -> BTreeSet<&str> {
        let modules: BTreeSet<&str> = SOURCES.iter().map(|(m, _)| *m).collect();
        let mut found = BTreeSet::new();
        for (at, _) in source.match_indices("super::") {
            let rest = &source[at + "super::".len()..];
            let heads = if rest.starts_with('{') {
                group_heads(rest)
            } else {
                vec![ident(rest)]
            };
            // `super::super::x` is seen again at its second `super`; a test
            // submodule's `super::item` names the file's own items, not a module.
            found.extend(heads.into_iter().filter(|h| modules.contains(h)));
        }
        found
    }

    /// The methods each module defines in its `impl Kernel` blocks.
    fn kernel_methods() -> Vec<(&'static str, String)> {
        let mut methods = Vec::new();
        for (module, source) in SOURCES {
            for block in source.split("\nimpl Kernel {\n").skip(1) {
                let block = block.split("\n}\n").next().unwrap_or(block);
                for line in block.lines() {
                    let line = line.trim_start_matches("    ");
                    let line = line.strip_prefix("pub(super) ").unwrap_or(line);
                    if let Some(name) = line.strip_prefix("fn ") {
                        methods.push((*module, ident(name).to_owned()));
                    }
                }
            }
        }
        methods
    }

    /// Every `super::X` a loopback module uses points to a lower layer, or along a
    /// declared one-way edge inside its own; so no import circle can form.
    #[test]
    fn imports_follow_the_layers() {
        let mut wrong = Vec::new();
        let mut used = BTreeSet::new();
        for (module, source) in SOURCES {
            for target in imports(source) {
                let edge = (*module, target);
                if target == *module || layer(target) < layer(module) {
                    continue;
                }
                if SAME_LAYER.contains(&edge) && layer(target) == layer(module) {
                    used.insert(edge);
                    continue;
                }
                wrong.push(format!(
                    "{module} ({}) imports {target} ({})",
                    LAYERS[layer(module)].0,
                    LAYERS[layer(target)].0
                ));
            }
        }
        assert!(wrong.is_empty(), "imports against the layers: {wrong:#?}");
        let unused: Vec<_> = SAME_LAYER.iter().filter(|e| !used.contains(*e)).collect();
        assert!(unused.is_empty(), "SAME_LAYER edges no module uses: {unused:?}");
    }

    /// The declared same-layer edges form no circle (so neither do the imports).
    #[test]
    fn same_layer_edges_form_no_circle() {
        let mut left: Vec<(&str, &str)> = SAME_LAYER.to_vec();
        // Peel off the edges into modules that import nothing still listed, until
        // none is left; what cannot be peeled holds a circle.
        while !left.is_empty() {
            let importers: BTreeSet<&str> = left.iter().map(|e| e.0).collect();
            let before = left.len();
            left.retain(|e| importers.contains(e.1));
            assert!(left.len() < before, "a circle among {left:?}");
        }
    }

    /// A method of `impl Kernel` defined in one module and called from another (no
    /// import needed) is called from a higher layer, or along `SAME_LAYER_CALLS`.
    /// A name the calling module defines itself is skipped (it may be that module's
    /// own method of the same name, as `Space::lookup` beside `Kernel::lookup`).
    #[test]
    fn kernel_methods_are_called_from_above() {
        let methods = kernel_methods();
        assert!(
            methods.len() >= 40,
            "too few methods found: the parse is off: {methods:?}"
        );
        let mut wrong = BTreeSet::new();
        let mut used = BTreeSet::new();
        for (caller, source) in SOURCES {
            for (callee, name) in &methods {
                if callee == caller
                    || source.contains(&format!("fn {name}("))
                    || source.contains(&format!("fn {name}<"))
                    || !source.contains(&format!(".{name}("))
                {
                    continue;
                }
                let edge = (*caller, *callee);
                if layer(callee) < layer(caller) {
                    continue;
                }
                if SAME_LAYER_CALLS.contains(&edge) && layer(callee) == layer(caller) {
                    used.insert(edge);
                    continue;
                }
                wrong.insert(format!("{caller} calls Kernel::{name} of {callee}"));
            }
        }
        assert!(wrong.is_empty(), "calls against the layers: {wrong:#?}");
        let unused: Vec<_> = SAME_LAYER_CALLS.iter().filter(|e| !used.contains(*e)).collect();
        assert!(
            unused.is_empty(),
            "SAME_LAYER_CALLS edges no module uses: {unused:?}"
        );
    }

    /// Every `mod` of the loopback is in `SOURCES` and in one layer, and vice versa.
    #[test]
    fn every_module_has_a_layer() {
        let declared: BTreeSet<&str> = include_str!("mod.rs")
            .lines()
            .filter_map(|l| l.strip_prefix("mod ")?.strip_suffix(';'))
            .collect();
        let read: BTreeSet<&str> = SOURCES.iter().map(|(m, _)| *m).collect();
        let layered: BTreeSet<&str> = LAYERS.iter().flat_map(|(_, m)| m.iter().copied()).collect();
        assert_eq!(declared, read, "modules declared vs read by SOURCES");
        assert_eq!(declared, layered, "modules declared vs placed in LAYERS");
    }
}
