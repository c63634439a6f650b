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
    loopback_live_tasks, loopback_task_create, loopback_task_terminate, loopback_with_task,
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
