//! The runtime's send functions take a request struct as built: a hand-made one could name
//! memory the caller does not own with `deallocate` set, which the kernel would unmap. Only
//! the generated stubs (which build requests from owned and borrowed arguments) call them
//! safely; anyone else must write `unsafe` and keep the promise.

mig::mig! {
    subsystem bulk 7000;
    #include <mach/std_types.defs>
    simpleroutine give(server: mach_port_t; data: pointer_t);
}

fn main() {
    let request = bulk::give::Request {
        Head: mig::__private::HEADER,
        msgh_body: mig::__private::body(1),
        data: mig::sys::mach_msg_ool_descriptor_t {
            address: 0x1000 as *mut core::ffi::c_void,
            deallocate: 1,
            copy: 0,
            pad1: 0,
            type_: 1,
            size: 4096,
        },
        NDR: mig::__private::NDR,
        dataCnt: 4096,
    };
    let _ = mig::__private::send(request, 0, 19, bulk::give::ID, 0, 0);
}
