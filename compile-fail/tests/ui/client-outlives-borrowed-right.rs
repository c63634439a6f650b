// A client that borrows a send right cannot outlive it: the borrow checker refuses the
// use of a name whose right was released.
mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    routine ping(server: mach_port_t);
}

fn main() {
    let port = mig::ReceiveRight::allocate().unwrap();
    let client = {
        let right = port.make_send().unwrap();
        demo::Client::new(&right)
    };
    let _ = client.ping();
}
