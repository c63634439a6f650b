//! The runtime's send functions take whatever a writer closure writes: a hand-made
//! descriptor could name memory the caller does not own with `deallocate` set, which the
//! kernel would unmap. Only the generated stubs (which write requests from owned and
//! borrowed arguments) call them safely; anyone else must write `unsafe` and keep the
//! promise.

mig::mig! {
    subsystem bulk 7000;
    #include <mach/std_types.defs>
    simpleroutine give(server: mach_port_t; data: pointer_t);
}

fn main() {
    let descriptor = mig::sys::mach_msg_ool_descriptor_t {
        address: 0x1000 as *mut core::ffi::c_void,
        deallocate: 1,
        copy: 0,
        pad1: 0,
        type_: 1,
        size: 4096,
    };
    let write = |writer: &mut mig::__private::Writer<'_>| {
        writer.put(24, mig::__private::body(1));
        writer.put(28, descriptor);
        writer.put(44, mig::__private::NDR);
        writer.put(52, 4096u32);
    };
    let _ = mig::__private::post::<bulk::give::Request>(write, 0, 19, bulk::give::ID, 0, 0, 0, 0);
}
