//! Building C with the system compiler and loading it with the dynamic loader: shared by
//! the C interop test and the C stubs benchmark (each includes this file as a module).

use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::path::{Path, PathBuf};
use std::process::Command;

const RTLD_NOW: c_int = 2;

// SAFETY: the POSIX dynamic loader functions, with their C signatures.
unsafe extern "C" {
    fn dlopen(filename: *const c_char, flag: c_int) -> *mut c_void;
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
    fn dlerror() -> *mut c_char;
}

/// The dynamic loader's last error.
pub fn dl_error() -> String {
    // SAFETY: dlerror returns null or a NUL-terminated string.
    let message = unsafe { dlerror() };
    if message.is_null() {
        "unknown dynamic loader error".into()
    } else {
        // SAFETY: non-null, NUL-terminated per dlerror's contract.
        unsafe { CStr::from_ptr(message) }.to_string_lossy().into_owned()
    }
}

/// Compiles `sources` into the shared object `out` with `cc` (or `$CC`), `flags` and the
/// include directories; its Mach symbols stay undefined, for the loopback to provide.
pub fn compile(sources: &[PathBuf], includes: &[&Path], flags: &[&str], out: &Path) {
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let mut command = Command::new(&cc);
    command.args(["-shared", "-fPIC", "-std=c11", "-Wall", "-Wextra", "-Werror"]);
    command.args(flags);
    for include in includes {
        command.arg("-I").arg(include);
    }
    let output = command
        .args(sources)
        .arg("-o")
        .arg(out)
        .output()
        .unwrap_or_else(|e| panic!("running the C compiler `{cc}`: {e}"));
    assert!(
        output.status.success(),
        "compiling {sources:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Loads a shared object, resolving its undefined symbols now.
pub fn load(path: &Path) -> *mut c_void {
    let path = CString::new(path.to_string_lossy().as_bytes()).unwrap();
    // SAFETY: a NUL-terminated path; RTLD_NOW is a valid mode.
    let handle = unsafe { dlopen(path.as_ptr(), RTLD_NOW) };
    assert!(!handle.is_null(), "dlopen: {}", dl_error());
    handle
}

/// The address of `name` in `library`: a `load` handle, or null for the global scope
/// (glibc's `RTLD_DEFAULT`). Panics if there is none.
pub fn symbol(library: *mut c_void, name: &CStr) -> *mut c_void {
    // SAFETY: a handle from dlopen (or RTLD_DEFAULT) and a NUL-terminated name.
    let entry = unsafe { dlsym(library, name.as_ptr()) };
    assert!(!entry.is_null(), "dlsym {name:?}: {}", dl_error());
    entry
}
