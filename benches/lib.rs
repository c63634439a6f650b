//! Nothing here: the benchmarks are `rpc.rs` and `insns.rs` (see `callgrind.sh`).
