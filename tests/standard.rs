//! The built-in subsystems `mig::mach_exc`, `mig::exc` and `mig::notify` against the
//! figures Apple's MIG gives for xnu's osfmk/mach/mach_exc.defs, exc.defs and
//! notify.defs (migcom bootstrap_cmds-138 on xnu-11417.101.15, macOS x86_64 user space:
//! the project's golden layout data, copied here), and round trips through them.

mod common;

use mig::RoutineLayout;

/// A subsystem's bounds as Apple's MIG states them.
struct Subsystem {
    base: i32,
    end: i32,
    max_request: usize,
    max_reply: usize,
}

/// One message: msgh_id, `sizeof`, complex bit, descriptor count, and every field's
/// `(name, offsetof, sizeof)`.
struct Message {
    id: i32,
    size: usize,
    complex: bool,
    descriptors: u32,
    fields: &'static [(&'static str, usize, usize)],
}

/// One routine: its request, and its reply (`None` for a simpleroutine, which is sent
/// no reply).
struct Routine {
    name: &'static str,
    request: Message,
    reply: Option<Message>,
}

/// `osfmk/mach/exc.defs`: base 2401, end 2404, largest request and reply.
const EXC_SUBSYSTEM: Subsystem = Subsystem {
    base: 2401,
    end: 2404,
    max_request: 5268,
    max_reply: 5228,
};
/// `osfmk/mach/exc.defs`, routine by routine (skipped ids []).
const EXC: &[Routine] = &[
    Routine {
        name: "exception_raise",
        request: Message {
            id: 2401,
            size: 76,
            complex: true,
            descriptors: 2,
            fields: &[
                ("Head", 0, 24),
                ("msgh_body", 24, 4),
                ("thread", 28, 12),
                ("task", 40, 12),
                ("NDR", 52, 8),
                ("exception", 60, 4),
                ("codeCnt", 64, 4),
                ("code", 68, 8),
            ],
        },
        reply: Some(Message {
            id: 2501,
            size: 36,
            complex: false,
            descriptors: 0,
            fields: &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)],
        }),
    },
    Routine {
        name: "exception_raise_state",
        request: Message {
            id: 2402,
            size: 5240,
            complex: false,
            descriptors: 0,
            fields: &[
                ("Head", 0, 24),
                ("NDR", 24, 8),
                ("exception", 32, 4),
                ("codeCnt", 36, 4),
                ("code", 40, 8),
                ("flavor", 48, 4),
                ("old_stateCnt", 52, 4),
                ("old_state", 56, 5184),
            ],
        },
        reply: Some(Message {
            id: 2502,
            size: 5228,
            complex: false,
            descriptors: 0,
            fields: &[
                ("Head", 0, 24),
                ("NDR", 24, 8),
                ("RetCode", 32, 4),
                ("flavor", 36, 4),
                ("new_stateCnt", 40, 4),
                ("new_state", 44, 5184),
            ],
        }),
    },
    Routine {
        name: "exception_raise_state_identity",
        request: Message {
            id: 2403,
            size: 5268,
            complex: true,
            descriptors: 2,
            fields: &[
                ("Head", 0, 24),
                ("msgh_body", 24, 4),
                ("thread", 28, 12),
                ("task", 40, 12),
                ("NDR", 52, 8),
                ("exception", 60, 4),
                ("codeCnt", 64, 4),
                ("code", 68, 8),
                ("flavor", 76, 4),
                ("old_stateCnt", 80, 4),
                ("old_state", 84, 5184),
            ],
        },
        reply: Some(Message {
            id: 2503,
            size: 5228,
            complex: false,
            descriptors: 0,
            fields: &[
                ("Head", 0, 24),
                ("NDR", 24, 8),
                ("RetCode", 32, 4),
                ("flavor", 36, 4),
                ("new_stateCnt", 40, 4),
                ("new_state", 44, 5184),
            ],
        }),
    },
];
/// `osfmk/mach/mach_exc.defs`: base 2405, end 2411, largest request and reply.
const MACH_EXC_SUBSYSTEM: Subsystem = Subsystem {
    base: 2405,
    end: 2411,
    max_request: 5276,
    max_reply: 5228,
};
/// `osfmk/mach/mach_exc.defs`, routine by routine (skipped ids [2408, 2409, 2410]).
const MACH_EXC: &[Routine] = &[
    Routine {
        name: "mach_exception_raise",
        request: Message {
            id: 2405,
            size: 84,
            complex: true,
            descriptors: 2,
            fields: &[
                ("Head", 0, 24),
                ("msgh_body", 24, 4),
                ("thread", 28, 12),
                ("task", 40, 12),
                ("NDR", 52, 8),
                ("exception", 60, 4),
                ("codeCnt", 64, 4),
                ("code", 68, 16),
            ],
        },
        reply: Some(Message {
            id: 2505,
            size: 36,
            complex: false,
            descriptors: 0,
            fields: &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)],
        }),
    },
    Routine {
        name: "mach_exception_raise_state",
        request: Message {
            id: 2406,
            size: 5248,
            complex: false,
            descriptors: 0,
            fields: &[
                ("Head", 0, 24),
                ("NDR", 24, 8),
                ("exception", 32, 4),
                ("codeCnt", 36, 4),
                ("code", 40, 16),
                ("flavor", 56, 4),
                ("old_stateCnt", 60, 4),
                ("old_state", 64, 5184),
            ],
        },
        reply: Some(Message {
            id: 2506,
            size: 5228,
            complex: false,
            descriptors: 0,
            fields: &[
                ("Head", 0, 24),
                ("NDR", 24, 8),
                ("RetCode", 32, 4),
                ("flavor", 36, 4),
                ("new_stateCnt", 40, 4),
                ("new_state", 44, 5184),
            ],
        }),
    },
    Routine {
        name: "mach_exception_raise_state_identity",
        request: Message {
            id: 2407,
            size: 5276,
            complex: true,
            descriptors: 2,
            fields: &[
                ("Head", 0, 24),
                ("msgh_body", 24, 4),
                ("thread", 28, 12),
                ("task", 40, 12),
                ("NDR", 52, 8),
                ("exception", 60, 4),
                ("codeCnt", 64, 4),
                ("code", 68, 16),
                ("flavor", 84, 4),
                ("old_stateCnt", 88, 4),
                ("old_state", 92, 5184),
            ],
        },
        reply: Some(Message {
            id: 2507,
            size: 5228,
            complex: false,
            descriptors: 0,
            fields: &[
                ("Head", 0, 24),
                ("NDR", 24, 8),
                ("RetCode", 32, 4),
                ("flavor", 36, 4),
                ("new_stateCnt", 40, 4),
                ("new_state", 44, 5184),
            ],
        }),
    },
];
/// `osfmk/mach/notify.defs`: base 64, end 73, largest request and reply.
const NOTIFY_SUBSYSTEM: Subsystem = Subsystem {
    base: 64,
    end: 73,
    max_request: 40,
    max_reply: 36,
};
/// `osfmk/mach/notify.defs`, routine by routine (skipped ids [64, 66, 67, 68]).
const NOTIFY: &[Routine] = &[
    Routine {
        name: "mach_notify_port_deleted",
        request: Message {
            id: 65,
            size: 36,
            complex: false,
            descriptors: 0,
            fields: &[("Head", 0, 24), ("NDR", 24, 8), ("name", 32, 4)],
        },
        reply: None,
    },
    Routine {
        name: "mach_notify_port_destroyed",
        request: Message {
            id: 69,
            size: 40,
            complex: true,
            descriptors: 1,
            fields: &[("Head", 0, 24), ("msgh_body", 24, 4), ("rights", 28, 12)],
        },
        reply: None,
    },
    Routine {
        name: "mach_notify_no_senders",
        request: Message {
            id: 70,
            size: 36,
            complex: false,
            descriptors: 0,
            fields: &[("Head", 0, 24), ("NDR", 24, 8), ("mscount", 32, 4)],
        },
        reply: None,
    },
    Routine {
        name: "mach_notify_send_once",
        request: Message {
            id: 71,
            size: 24,
            complex: false,
            descriptors: 0,
            fields: &[("Head", 0, 24)],
        },
        reply: None,
    },
    Routine {
        name: "mach_notify_dead_name",
        request: Message {
            id: 72,
            size: 36,
            complex: false,
            descriptors: 0,
            fields: &[("Head", 0, 24), ("NDR", 24, 8), ("name", 32, 4)],
        },
        reply: None,
    },
];

/// Compares a generated subsystem with Apple's figures, message by message.
fn check(
    name: &str,
    generated: &[RoutineLayout],
    bounds: (i32, i32, usize, usize),
    apple: &[Routine],
    apple_bounds: &Subsystem,
) {
    assert_eq!(
        bounds,
        (
            apple_bounds.base,
            apple_bounds.end,
            apple_bounds.max_request,
            apple_bounds.max_reply
        ),
        "{name}: base, end, largest request and reply"
    );
    assert_eq!(generated.len(), apple.len(), "{name}: routines");
    let same = |what: &str, ours: &mig::Layout, theirs: &Message| {
        assert_eq!(
            (ours.id, ours.size, ours.complex, ours.descriptors),
            (theirs.id, theirs.size, theirs.complex, theirs.descriptors),
            "{name}: {what}"
        );
        let fields: Vec<_> = ours.fields.iter().map(|f| (f.name, f.offset, f.size)).collect();
        assert_eq!(fields, theirs.fields, "{name}: {what} fields");
    };
    for (ours, theirs) in generated.iter().zip(apple) {
        assert_eq!(ours.name, theirs.name, "{name}: routine order");
        same(
            &format!("{} request", theirs.name),
            &ours.request,
            &theirs.request,
        );
        match (&ours.reply, &theirs.reply) {
            (Some(ours), Some(theirs_reply)) => same(&format!("{} reply", theirs.name), ours, theirs_reply),
            (None, None) => {}
            _ => panic!("{name}: {} is a routine on one side only", theirs.name),
        }
    }
}

#[test]
fn mach_exc_is_apples() {
    use mig::mach_exc as m;
    let bounds = (m::BASE, m::END, m::MAX_REQUEST_SIZE, m::MAX_REPLY_SIZE);
    check("mach_exc", m::ROUTINES, bounds, MACH_EXC, &MACH_EXC_SUBSYSTEM);
}

#[test]
fn exc_is_apples() {
    use mig::exc as m;
    let bounds = (m::BASE, m::END, m::MAX_REQUEST_SIZE, m::MAX_REPLY_SIZE);
    check("exc", m::ROUTINES, bounds, EXC, &EXC_SUBSYSTEM);
}

#[test]
fn notify_is_apples() {
    use mig::notify as m;
    let bounds = (m::BASE, m::END, m::MAX_REQUEST_SIZE, m::MAX_REPLY_SIZE);
    check("notify", m::ROUTINES, bounds, NOTIFY, &NOTIFY_SUBSYSTEM);
}

/// Round trips over the loopback kernel, whose accounting proves nothing is left behind.
#[cfg(not(target_vendor = "apple"))]
mod behaviors {
    use super::common;
    use mig::sys::mach_port_t;
    use mig::{Error, InlineArray, OutArray, SendRight};

    /// `rip` of `x86_thread_state64_t`, as 32-bit words: index 32.
    const RIP: usize = 32;

    /// Takes `EXC_BAD_ACCESS` (1) under every behavior, refuses the rest; under the state
    /// behaviors, moves `rip` on by 4.
    struct Catcher;

    fn resume(flavor: i32, old_state: &[u32], new_state: &mut OutArray<'_, u32>) -> mig::Result<i32> {
        new_state.extend_from_slice(old_state)?;
        let rip = new_state.get(RIP).ok_or(Error::KERN_FAILURE)?;
        new_state.set(RIP, rip + 4);
        Ok(flavor)
    }

    impl mig::mach_exc::Server for Catcher {
        fn catch_mach_exception_raise(
            &self,
            _: mach_port_t,
            _thread: SendRight,
            _task: SendRight,
            exception: i32,
            code: &[i64],
        ) -> mig::Result<()> {
            // 64-bit codes arrive whole.
            if exception == 1 && code == [1, 0x7fff_1234_5678] {
                Ok(())
            } else {
                Err(Error::KERN_FAILURE)
            }
        }

        fn catch_mach_exception_raise_state(
            &self,
            _: mach_port_t,
            exception: i32,
            _: &[i64],
            flavor: i32,
            old_state: &[u32],
            new_state: &mut OutArray<'_, u32>,
        ) -> mig::Result<i32> {
            if exception != 1 {
                return Err(Error::KERN_FAILURE);
            }
            resume(flavor, old_state, new_state)
        }

        fn catch_mach_exception_raise_state_identity(
            &self,
            _: mach_port_t,
            _thread: SendRight,
            _task: SendRight,
            exception: i32,
            _: &[i64],
            flavor: i32,
            old_state: &[u32],
            new_state: &mut OutArray<'_, u32>,
        ) -> mig::Result<i32> {
            if exception != 1 {
                return Err(Error::KERN_FAILURE);
            }
            resume(flavor, old_state, new_state)
        }
    }

    impl mig::exc::Server for Catcher {
        fn catch_exception_raise(
            &self,
            _: mach_port_t,
            _thread: SendRight,
            _task: SendRight,
            exception: i32,
            code: &[i32],
        ) -> mig::Result<()> {
            if exception == 1 && code == [1, 0x1234_5678] {
                Ok(())
            } else {
                Err(Error::KERN_FAILURE)
            }
        }

        fn catch_exception_raise_state(
            &self,
            _: mach_port_t,
            _: i32,
            _: &[i32],
            _: i32,
            _: &[u32],
            _: &mut OutArray<'_, u32>,
        ) -> mig::Result<i32> {
            Err(Error::KERN_FAILURE)
        }

        fn catch_exception_raise_state_identity(
            &self,
            _: mach_port_t,
            _: SendRight,
            _: SendRight,
            _: i32,
            _: &[i32],
            _: i32,
            _: &[u32],
            _: &mut OutArray<'_, u32>,
        ) -> mig::Result<i32> {
            Err(Error::KERN_FAILURE)
        }
    }

    /// The client side of the built-in modules plays the kernel: every behavior's request
    /// reaches its handler, the answer comes back, the thread and task rights the
    /// handler was given are released, and nothing is left behind.
    #[test]
    fn every_behavior_reaches_its_handler() {
        // The only test here that makes rights: the process's accounting is its own.
        let _turn = common::one_at_a_time();
        {
            // The thread's MIG reply port, made by the first call, stays: make it now.
            // SAFETY: returns (creating if needed) the calling thread's reply port.
            let _ = unsafe { mig::sys::mig_get_reply_port() };
            let before = common::accounting();
            {
                let server = common::Running::start(mig::mach_exc::Service(Catcher));
                let thread = mig::ReceiveRight::allocate().unwrap();
                let thread_send = thread.make_send().unwrap();
                let (port, t) = (server.port(), thread_send.name());
                let mut state = [0u32; 42];
                state[RIP] = 0x1000;

                assert_eq!(
                    mig::mach_exc::mach_exception_raise(port, t, t, 1, &[1, 0x7fff_1234_5678]),
                    Ok(())
                );
                assert_eq!(
                    mig::mach_exc::mach_exception_raise(port, t, t, 6, &[1, 0]),
                    Err(Error::KERN_FAILURE),
                    "refused: the kernel would try the next handler"
                );
                let mut new_state = InlineArray::<u32, 1296>::new();
                let flavor =
                    mig::mach_exc::mach_exception_raise_state(port, 1, &[1, 16], 4, &state, &mut new_state)
                        .unwrap();
                assert_eq!((flavor, new_state.len(), new_state[RIP]), (4, 42, 0x1004));
                let mut new_state = InlineArray::<u32, 1296>::new();
                let flavor = mig::mach_exc::mach_exception_raise_state_identity(
                    port,
                    t,
                    t,
                    1,
                    &[1, 16],
                    4,
                    &state,
                    &mut new_state,
                )
                .unwrap();
                assert_eq!((flavor, new_state[RIP]), (4, 0x1004));

                // The 32-bit subsystem is a different one: its ids are not mach_exc's.
                assert_eq!(
                    mig::exc::exception_raise(port, t, t, 1, &[1, 2]),
                    Err(Error::MIG_BAD_ID)
                );
                // And the skipped ids (identity-protected, backtrace) are refused as unknown.
                assert_eq!(mig::mach_exc::END - mig::mach_exc::BASE, 6);

                let exc = common::Running::start(mig::exc::Service(Catcher));
                assert_eq!(
                    mig::exc::exception_raise(exc.port(), t, t, 1, &[1, 0x1234_5678]),
                    Ok(())
                );
            }
            assert_eq!(common::accounting(), before, "rights or memory left behind");
        }
    }
}
