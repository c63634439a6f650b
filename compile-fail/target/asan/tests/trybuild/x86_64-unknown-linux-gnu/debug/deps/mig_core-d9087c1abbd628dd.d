/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/mig_core-d9087c1abbd628dd.d: /work/main/mig-core/src/lib.rs /work/main/mig-core/src/array.rs /work/main/mig-core/src/bootstrap.rs /work/main/mig-core/src/client.rs /work/main/mig-core/src/error.rs /work/main/mig-core/src/layout.rs /work/main/mig-core/src/message.rs /work/main/mig-core/src/ndr.rs /work/main/mig-core/src/ool.rs /work/main/mig-core/src/port_array.rs /work/main/mig-core/src/rights.rs /work/main/mig-core/src/server.rs /work/main/mig-core/src/string.rs /work/main/mig-core/src/sys/mod.rs /work/main/mig-core/src/sys/loopback/mod.rs /work/main/mig-core/src/sys/loopback/accounting.rs /work/main/mig-core/src/sys/loopback/bootstrap.rs /work/main/mig-core/src/sys/loopback/kern_return.rs /work/main/mig-core/src/sys/loopback/kernel.rs /work/main/mig-core/src/sys/loopback/mach_port.rs /work/main/mig-core/src/sys/loopback/mig.rs /work/main/mig-core/src/sys/loopback/msg.rs /work/main/mig-core/src/sys/loopback/notify.rs /work/main/mig-core/src/sys/loopback/port.rs /work/main/mig-core/src/sys/loopback/right.rs /work/main/mig-core/src/sys/loopback/space.rs /work/main/mig-core/src/sys/loopback/task.rs /work/main/mig-core/src/sys/loopback/trailer.rs /work/main/mig-core/src/sys/loopback/types.rs /work/main/mig-core/src/sys/loopback/vm.rs /work/main/mig-core/src/trailer.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libmig_core-d9087c1abbd628dd.rmeta: /work/main/mig-core/src/lib.rs /work/main/mig-core/src/array.rs /work/main/mig-core/src/bootstrap.rs /work/main/mig-core/src/client.rs /work/main/mig-core/src/error.rs /work/main/mig-core/src/layout.rs /work/main/mig-core/src/message.rs /work/main/mig-core/src/ndr.rs /work/main/mig-core/src/ool.rs /work/main/mig-core/src/port_array.rs /work/main/mig-core/src/rights.rs /work/main/mig-core/src/server.rs /work/main/mig-core/src/string.rs /work/main/mig-core/src/sys/mod.rs /work/main/mig-core/src/sys/loopback/mod.rs /work/main/mig-core/src/sys/loopback/accounting.rs /work/main/mig-core/src/sys/loopback/bootstrap.rs /work/main/mig-core/src/sys/loopback/kern_return.rs /work/main/mig-core/src/sys/loopback/kernel.rs /work/main/mig-core/src/sys/loopback/mach_port.rs /work/main/mig-core/src/sys/loopback/mig.rs /work/main/mig-core/src/sys/loopback/msg.rs /work/main/mig-core/src/sys/loopback/notify.rs /work/main/mig-core/src/sys/loopback/port.rs /work/main/mig-core/src/sys/loopback/right.rs /work/main/mig-core/src/sys/loopback/space.rs /work/main/mig-core/src/sys/loopback/task.rs /work/main/mig-core/src/sys/loopback/trailer.rs /work/main/mig-core/src/sys/loopback/types.rs /work/main/mig-core/src/sys/loopback/vm.rs /work/main/mig-core/src/trailer.rs

/work/main/mig-core/src/lib.rs:
/work/main/mig-core/src/array.rs:
/work/main/mig-core/src/bootstrap.rs:
/work/main/mig-core/src/client.rs:
/work/main/mig-core/src/error.rs:
/work/main/mig-core/src/layout.rs:
/work/main/mig-core/src/message.rs:
/work/main/mig-core/src/ndr.rs:
/work/main/mig-core/src/ool.rs:
/work/main/mig-core/src/port_array.rs:
/work/main/mig-core/src/rights.rs:
/work/main/mig-core/src/server.rs:
/work/main/mig-core/src/string.rs:
/work/main/mig-core/src/sys/mod.rs:
/work/main/mig-core/src/sys/loopback/mod.rs:
/work/main/mig-core/src/sys/loopback/accounting.rs:
/work/main/mig-core/src/sys/loopback/bootstrap.rs:
/work/main/mig-core/src/sys/loopback/kern_return.rs:
/work/main/mig-core/src/sys/loopback/kernel.rs:
/work/main/mig-core/src/sys/loopback/mach_port.rs:
/work/main/mig-core/src/sys/loopback/mig.rs:
/work/main/mig-core/src/sys/loopback/msg.rs:
/work/main/mig-core/src/sys/loopback/notify.rs:
/work/main/mig-core/src/sys/loopback/port.rs:
/work/main/mig-core/src/sys/loopback/right.rs:
/work/main/mig-core/src/sys/loopback/space.rs:
/work/main/mig-core/src/sys/loopback/task.rs:
/work/main/mig-core/src/sys/loopback/trailer.rs:
/work/main/mig-core/src/sys/loopback/types.rs:
/work/main/mig-core/src/sys/loopback/vm.rs:
/work/main/mig-core/src/trailer.rs:
