//! The subsystem both RPC benchmarks measure: one routine per shape the C anchor
//! measures (`../shared/research/perf-anchor.md`).

use std::hint::black_box;

use mig::sys::mach_port_t;
use mig::{OutArray, OutOfLine, ReceiveRight, SendRight};

mig::mig! {
    subsystem bench 15000;
    #include <mach/mach_types.defs>
    type echo_t = array[*:512] of int;
    type exception_type_t = int;
    type mach_exception_data_t = array[*:2] of int64_t;
    /// (a) all scalars.
    routine add2(server: mach_port_t; a: int; b: int; out c: int);
    /// (b) two variable arrays.
    routine echo(server: mach_port_t; data: echo_t; code: array2_t = array[*:2] of int64_t; out back: echo_t);
    /// (c) a port and an out-of-line region.
    routine ool_send(server: mach_port_t; data: pointer_t; out port: mach_port_make_send_t);
    /// (d) xnu's mach_exc.defs routine as written there (its msgh_id here is 15003, not
    /// 2407): two port descriptors, two 64-bit codes, an inout scalar, and a thread state
    /// in and out (`array[*:THREAD_STATE_MAX] of natural_t`).
    routine mach_exception_raise_state_identity(exception_port: mach_port_t; thread: mach_port_t;
        task: mach_port_t; exception: exception_type_t; code: mach_exception_data_t;
        inout flavor: int; old_state: thread_state_t; out new_state: thread_state_t);
}

pub struct Server {
    pub port: ReceiveRight,
}

impl bench::Server for Server {
    fn add2(&self, _: mach_port_t, a: i32, b: i32) -> mig::Result<i32> {
        Ok(a.wrapping_add(b))
    }
    fn echo(
        &self,
        _: mach_port_t,
        data: &[i32],
        _code: &[i64],
        back: &mut OutArray<'_, i32>,
    ) -> mig::Result<()> {
        back.extend_from_slice(data)
    }
    fn ool_send(&self, _: mach_port_t, data: OutOfLine<u8>) -> mig::Result<mach_port_t> {
        black_box(data.len());
        Ok(self.port.name())
    }
    /// As the anchor's handler: the old state comes back as the new one, the flavor
    /// unchanged; the thread and task rights are released (dropped).
    fn mach_exception_raise_state_identity(
        &self,
        _: mach_port_t,
        thread: SendRight,
        task: SendRight,
        _exception: i32,
        _code: &[i64],
        flavor: i32,
        old_state: &[u32],
        new_state: &mut OutArray<'_, u32>,
    ) -> mig::Result<i32> {
        drop((thread, task));
        new_state.extend_from_slice(old_state)?;
        Ok(flavor)
    }
}

/// The same handlers as `async` ones, for `mig::serve_async_concurrent` (`async_rpc.rs`):
/// each forwards to its blocking form, so what differs is only how requests are served.
#[cfg(not(target_vendor = "apple"))]
impl bench::AsyncServer for Server {
    async fn add2(&self, port: mach_port_t, a: i32, b: i32) -> mig::Result<i32> {
        bench::Server::add2(self, port, a, b)
    }
    async fn echo(
        &self,
        port: mach_port_t,
        data: &[i32],
        code: &[i64],
        back: &mut OutArray<'_, i32>,
    ) -> mig::Result<()> {
        bench::Server::echo(self, port, data, code, back)
    }
    async fn ool_send(&self, port: mach_port_t, data: OutOfLine<u8>) -> mig::Result<mach_port_t> {
        bench::Server::ool_send(self, port, data)
    }
    async fn mach_exception_raise_state_identity(
        &self,
        port: mach_port_t,
        thread: SendRight,
        task: SendRight,
        exception: i32,
        code: &[i64],
        flavor: i32,
        old_state: &[u32],
        new_state: &mut OutArray<'_, u32>,
    ) -> mig::Result<i32> {
        bench::Server::mach_exception_raise_state_identity(
            self, port, thread, task, exception, code, flavor, old_state, new_state,
        )
    }
}
