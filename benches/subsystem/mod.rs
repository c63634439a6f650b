//! The subsystem both RPC benchmarks measure: one routine per shape the C anchor
//! measures (`../shared/research/perf-anchor.md`).

use std::hint::black_box;

use mig::sys::mach_port_t;
use mig::{InlineArray, OutOfLine, ReceiveRight};

mig::mig! {
    subsystem bench 15000;
    #include <mach/mach_types.defs>
    type echo_t = array[*:512] of int;
    /// (a) all scalars.
    routine add2(server: mach_port_t; a: int; b: int; out c: int);
    /// (b) two variable arrays.
    routine echo(server: mach_port_t; data: echo_t; code: array2_t = array[*:2] of int64_t; out back: echo_t);
    /// (c) a port and an out-of-line region.
    routine ool_send(server: mach_port_t; data: pointer_t; out port: mach_port_make_send_t);
}

pub struct Server {
    pub port: ReceiveRight,
}

impl bench::Server for Server {
    fn add2(&self, _: mach_port_t, a: i32, b: i32) -> mig::Result<i32> {
        Ok(a.wrapping_add(b))
    }
    fn echo(&self, _: mach_port_t, data: &[i32], _code: &[i64]) -> mig::Result<InlineArray<i32, 512>> {
        InlineArray::from_slice(data)
    }
    fn ool_send(&self, _: mach_port_t, data: OutOfLine<u8>) -> mig::Result<mach_port_t> {
        black_box(data.len());
        Ok(self.port.name())
    }
}
