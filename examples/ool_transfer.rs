//! A server that returns a large buffer out of line and a port right, with nothing to
//! free by hand: the buffer is a `mig::OutOfLine` that returns its pages on drop, the
//! right a `mig::SendRight` that releases itself.
//!
//! `cargo run --example ool_transfer`

use mig::sys::mach_port_t;
use std::sync::Arc;

use mig::{OutOfLine, ReceiveRight, SendRight, Shutdown};

mig::mig! {
    /// A file server, in miniature.
    subsystem files 7100;
    #include <mach/mach_types.defs>

    type path_t = c_string[*:1024];

    /// Reads a whole file: its bytes out of line, and a port to watch it with.
    routine read_file(server: mach_port_t; path: path_t;
        out data: pointer_t; out watcher: mach_port_make_send_t);
}

struct Files {
    /// The port change notifications would come from; clients get send rights to it.
    changes: ReceiveRight,
}

impl files::Server for Files {
    fn read_file(
        &self,
        _: mach_port_t,
        path: &std::ffi::CStr,
    ) -> mig::Result<files::read_file::ServerOutput> {
        // A megabyte of "file contents", copied into pages that move to the client.
        let contents: Vec<u8> = path.to_bytes().iter().copied().cycle().take(1 << 20).collect();
        Ok(files::read_file::ServerOutput {
            data: OutOfLine::copy_from(&contents)?,
            // MAKE_SEND: the kernel makes the client a send right from our receive right.
            watcher: self.changes.name(),
        })
    }
}

fn main() -> mig::Result<()> {
    let port = ReceiveRight::allocate()?;
    let client = files::Client::new(port.make_send()?);
    let shutdown = Arc::new(Shutdown::new(port.make_send()?));
    let server = {
        let shutdown = Arc::clone(&shutdown);
        // The thread owns the receive right: the port goes away when the loop returns.
        std::thread::spawn(move || {
            let files = Files {
                changes: ReceiveRight::allocate().expect("a port"),
            };
            mig::serve_until(port.name(), &files::Service(files), &shutdown)
        })
    };

    let out = client.read_file(c"/etc/motd")?;
    let data: &OutOfLine<u8> = &out.data;
    let watcher: &SendRight = &out.watcher;
    println!(
        "read {} bytes out of line, starting {:?}; watcher port {:#x}",
        data.len(),
        String::from_utf8_lossy(&data[..18]),
        watcher.name()
    );
    // Dropping `out` returns the pages (mach_vm_deallocate) and the send right.
    drop(out);
    println!("buffer and right released");

    shutdown.request()?;
    server.join().expect("server thread")
}
