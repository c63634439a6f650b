//! Caller identity, typed: handlers get the `mig::AuditToken` and `mig::SecurityToken`
//! the kernel wrote for the sender, refuse a caller in one line, and tell the kernel's
//! own messages from a process's.

#![cfg(not(target_vendor = "apple"))]

mod common;

use common::Running;
use mig::sys::{self, mach_port_t};
use mig::{AuditToken, Error, MessageBuffer, ReceiveRight, SecurityToken};

mig::mig! {
    /// A service only root may use.
    subsystem guarded 7700;
    #include <mach/mach_types.defs>
    /// Answers the caller's pid and effective uid, as the server saw them.
    routine whoami(server: mach_port_t; ServerAuditToken caller: audit_token_t;
        ServerSecToken sender: security_token_t; out pid: int; out euid: uint32_t);
    /// Root only.
    routine reboot(server: mach_port_t; ServerAuditToken caller: audit_token_t);
}

struct Guarded;

impl guarded::Server for Guarded {
    fn whoami(
        &self,
        _: mach_port_t,
        caller: AuditToken,
        sender: SecurityToken,
    ) -> mig::Result<guarded::whoami::Output> {
        assert_eq!(sender.uid(), caller.euid(), "both tokens come from the same task");
        Ok(guarded::whoami::Output {
            pid: caller.pid(),
            euid: caller.euid(),
        })
    }

    fn reboot(&self, _: mach_port_t, caller: AuditToken) -> mig::Result<()> {
        caller.require_euid(0)?;
        Ok(())
    }
}

/// The identity a user's process would have: euid and ruid 501, gid 20, pid 4242.
fn user(pid: u32, euid: u32) -> (sys::security_token_t, sys::audit_token_t) {
    (
        sys::security_token_t { val: [euid, 20] },
        sys::audit_token_t {
            val: [501, euid, 20, 501, 20, pid, 100_004, 3],
        },
    )
}

/// Runs `f` as a thread of a new task whose messages carry `tokens`, with a send right
/// to `service` (looked up by name, as another process would).
fn as_task<R>(
    tokens: (sys::security_token_t, sys::audit_token_t),
    service: &str,
    f: impl FnOnce(mach_port_t) -> R,
) -> R {
    common::in_new_task(|_| {
        // Inside, `mach_task_self()` names the new task.
        // SAFETY: `mach_task_self` only reads the calling thread's task.
        let task = unsafe { sys::mach_task_self() };
        assert_eq!(
            sys::loopback_task_set_tokens(task, tokens.0, tokens.1),
            sys::KERN_SUCCESS
        );
        let server = mig::bootstrap::look_up(service).unwrap();
        f(server.name())
    })
}

#[test]
fn a_server_refuses_a_caller_by_euid() {
    let service = "identity.refuses";
    let port = mig::bootstrap::check_in(service).unwrap();
    let shutdown = std::sync::Arc::new(mig::Shutdown::new(port.make_send().unwrap()));
    let stop = std::sync::Arc::clone(&shutdown);
    let server = std::thread::spawn(move || mig::serve_until(port.name(), &guarded::Service(Guarded), &stop));

    // A user's process is refused, root's is not: the handler's one line decides.
    let refused = as_task(user(4242, 501), service, guarded::reboot);
    assert_eq!(refused, Err(Error::KERN_DENIED));
    let allowed = as_task(user(4243, 0), service, guarded::reboot);
    assert_eq!(allowed, Ok(()));

    // The handler sees what the kernel wrote for the sender: its pid and euid.
    let seen = as_task(user(4242, 501), service, guarded::whoami).unwrap();
    assert_eq!((seen.pid, seen.euid), (4242, 501));
    // A task whose tokens nobody set is the process itself.
    let own = guarded::whoami(mig::bootstrap::look_up(service).unwrap().name()).unwrap();
    assert_eq!(own.pid as u32, std::process::id());

    shutdown.request().unwrap();
    server.join().unwrap().unwrap();
}

#[test]
fn unknown_tasks_cannot_be_given_tokens() {
    let (security, audit) = user(1, 0);
    assert_eq!(
        sys::loopback_task_set_tokens(sys::MACH_PORT_NULL, security, audit),
        sys::KERN_INVALID_TASK
    );
}

mig::mig! {
    /// The no-senders notification (notify.defs, id 70), read with the sender's audit
    /// token: the trailer is not part of the message, so the layout is the kernel's.
    subsystem audited_notify 64;
    #include <mach/mach_types.defs>
    skip; skip; skip; skip; skip; skip;
    simpleroutine mach_notify_no_senders(notify: mach_port_move_send_once_t;
        mscount: mach_port_mscount_t; ServerAuditToken sender: audit_token_t;
        ServerSecToken security: security_token_t);
}

struct Checks(std::sync::Mutex<Option<(AuditToken, SecurityToken)>>);

impl audited_notify::Server for Checks {
    fn mach_notify_no_senders(
        &self,
        _: mach_port_t,
        _: u32,
        sender: AuditToken,
        security: SecurityToken,
    ) -> mig::Result<()> {
        *self.0.lock().unwrap() = Some((sender, security));
        Ok(())
    }
}

/// XNU's notifications carry `KERNEL_AUDIT_TOKEN_VALUE` (all zeros) and
/// `KERNEL_SECURITY_TOKEN_VALUE` (uid 0, gid 1): a handler can tell them from a message a
/// process forged (`ipc_kmsg_init_trailer_and_sign`, osfmk/ipc/ipc_kmsg.c).
#[test]
fn kernel_notifications_carry_the_kernels_tokens() {
    let notifications = ReceiveRight::allocate().unwrap();
    let service = ReceiveRight::allocate().unwrap();
    let client = service.make_send().unwrap();
    let mut previous = sys::MACH_PORT_NULL;
    // SAFETY: names we hold and an out-pointer to a local.
    let kr = unsafe {
        sys::mach_port_request_notification(
            sys::mach_task_self(),
            service.name(),
            sys::MACH_NOTIFY_NO_SENDERS,
            0,
            notifications.name(),
            sys::MACH_MSG_TYPE_MAKE_SEND_ONCE,
            &mut previous,
        )
    };
    assert_eq!(kr, sys::KERN_SUCCESS);
    drop(client);
    let checks = Checks(Default::default());
    let mut request = MessageBuffer::for_receive(audited_notify::MAX_REQUEST_SIZE);
    let mut reply = MessageBuffer::with_capacity(audited_notify::MAX_REPLY_SIZE);
    let served = mig::serve_one(
        notifications.name(),
        &audited_notify::Service(&checks),
        &mut request,
        &mut reply,
    );
    assert_eq!(served, Ok(mig::Served::Handled));
    let (audit, security) = checks.0.lock().unwrap().take().expect("handled");
    assert!(audit.is_kernel(), "{audit:?}");
    assert_eq!(audit, AuditToken::KERNEL);
    assert_eq!(security, SecurityToken::KERNEL);
}

/// A message a process sends carries that process's identity, never the kernel's.
#[test]
fn a_process_is_not_the_kernel() {
    let server = Running::start(guarded::Service(Guarded));
    let seen = guarded::whoami(server.port()).unwrap();
    assert_eq!(seen.pid as u32, std::process::id());
    assert_ne!(seen.pid, 0);
}
