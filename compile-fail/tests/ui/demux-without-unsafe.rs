//! A hand-written `Demux` decides what the server loop sends, and the kernel takes what a
//! message names as given: implementing it is a promise, so it takes `unsafe impl`.

struct Echo;

impl mig::Demux for Echo {
    const BASE: i32 = 100;
    const END: i32 = 101;
    const MAX_REQUEST_SIZE: usize = 64;
    const MAX_REPLY_SIZE: usize = 64;

    fn demux(&self, _request: &mut mig::MessageBuffer, reply: &mut mig::MessageBuffer) -> bool {
        // Any bytes, an out-of-line descriptor with `deallocate` set among them.
        reply.bytes_mut().fill(0xff);
        true
    }
}

fn main() {}
