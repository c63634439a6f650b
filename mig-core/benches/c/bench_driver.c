/*
 * The benchmark's own C around the stubs: the server routines (handlers
 * doing what benches/subsystem/mod.rs's Rust handlers do), a server loop
 * that handles one request per call with libsystem's mach_msg_server reply
 * handling (receive and send as two mach_msg calls, as mig_core's serve_one
 * makes them), and one client function per routine. The functions callgrind
 * selects with --toggle-collect (c_stub_client_*, c_stub_server_once) are
 * kept out of line; everything else is private to the shared object
 * (-fvisibility=hidden), so calls between these files are direct, and only
 * the loopback's Mach calls go through the PLT, as calls into libsystem do
 * on macOS.
 */
#include <string.h>

#include "bench.h"

#define EXPORT __attribute__((visibility("default")))
#define MEASURED __attribute__((noinline, visibility("default")))

/* The receive right whose send right ool_send hands out (MAKE_SEND). */
static mach_port_t made_port = MACH_PORT_NULL;

kern_return_t S_add2(mach_port_t server, int a, int b, int *c) {
    (void)server;
    *c = (int)((unsigned int)a + (unsigned int)b); /* wrapping, as the Rust handler */
    return KERN_SUCCESS;
}

kern_return_t S_echo(mach_port_t server, const int *data, mach_msg_type_number_t dataCnt, const int64_t *code,
                     mach_msg_type_number_t codeCnt, int *back, mach_msg_type_number_t *backCnt) {
    (void)server;
    (void)code;
    (void)codeCnt;
    if (dataCnt > *backCnt)
        return MIG_ARRAY_TOO_LARGE;
    memcpy(back, data, 4 * dataCnt);
    *backCnt = dataCnt;
    return KERN_SUCCESS;
}

kern_return_t S_ool_send(mach_port_t server, pointer_t data, mach_msg_type_number_t dataCnt, mach_port_t *port) {
    (void)server;
    /* The region is the server's: release it, as the Rust handler's OutOfLine does on drop. */
    (void)vm_deallocate(mach_task_self(), data, dataCnt);
    *port = made_port;
    return KERN_SUCCESS;
}

/* As the Rust handler: the old state comes back as the new one, the flavor unchanged,
 * and the thread and task send rights, which the server now holds, are released (the
 * Rust handler's SendRights drop). */
kern_return_t S_mach_exception_raise_state_identity(mach_port_t exception_port, mach_port_t thread, mach_port_t task,
                                                    exception_type_t exception, mach_exception_data_t code,
                                                    mach_msg_type_number_t codeCnt, int *flavor,
                                                    thread_state_t old_state, mach_msg_type_number_t old_stateCnt,
                                                    thread_state_t new_state, mach_msg_type_number_t *new_stateCnt) {
    (void)exception_port;
    (void)exception;
    (void)code;
    (void)codeCnt;
    (void)flavor;
    (void)mach_port_deallocate(mach_task_self(), thread);
    (void)mach_port_deallocate(mach_task_self(), task);
    if (old_stateCnt > *new_stateCnt)
        return MIG_ARRAY_TOO_LARGE;
    memcpy(new_state, old_state, 4 * old_stateCnt);
    *new_stateCnt = old_stateCnt;
    return KERN_SUCCESS;
}

/* A received request (room for the largest trailer) and its reply. */
typedef union {
    mach_msg_header_t Head;
    union __RequestUnion__bench_subsystem request;
    unsigned char room[sizeof(union __RequestUnion__bench_subsystem) + MAX_TRAILER_SIZE];
} request_buffer_t;

typedef union {
    mach_msg_header_t Head;
    mig_reply_error_t error;
    union __ReplyUnion__bench_subsystem reply;
} reply_buffer_t;

/* One request: receive, demux, reply; returns the receive's error, or
 * MACH_MSG_SUCCESS. The reply handling is mach_msg_server's: a failed
 * request's resources are destroyed (but not the reply right), a request
 * without a reply port gets no answer, a reply to a send-once right is
 * sent without a timeout. */
MEASURED mach_msg_return_t c_stub_server_once(mach_port_t port, request_buffer_t *in, reply_buffer_t *out) {
    mach_msg_return_t mr = mach_msg(&in->Head, MACH_RCV_MSG, 0, (mach_msg_size_t)sizeof *in, port,
                                    MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
    if (mr != MACH_MSG_SUCCESS)
        return mr;
    (void)bench_server(&in->Head, &out->Head);
    if (!(out->Head.msgh_bits & MACH_MSGH_BITS_COMPLEX) && out->error.RetCode != KERN_SUCCESS) {
        if (out->error.RetCode == MIG_NO_REPLY)
            return MACH_MSG_SUCCESS;
        in->Head.msgh_remote_port = MACH_PORT_NULL;
        mach_msg_destroy(&in->Head);
    }
    if (out->Head.msgh_remote_port == MACH_PORT_NULL) {
        if (out->Head.msgh_bits & MACH_MSGH_BITS_COMPLEX)
            mach_msg_destroy(&out->Head);
        return MACH_MSG_SUCCESS;
    }
    mr = mach_msg(&out->Head,
                  MACH_MSGH_BITS_REMOTE(out->Head.msgh_bits) == MACH_MSG_TYPE_MOVE_SEND_ONCE
                      ? MACH_SEND_MSG
                      : MACH_SEND_MSG | MACH_SEND_TIMEOUT,
                  out->Head.msgh_size, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
    if (mr != MACH_MSG_SUCCESS && (out->Head.msgh_bits & MACH_MSGH_BITS_COMPLEX))
        mach_msg_destroy(&out->Head);
    return MACH_MSG_SUCCESS;
}

/* The server loop on `port` until the port goes away; ool_send answers
 * with a send right made from `made`. Returns 0, or the receive error that
 * stopped it. */
EXPORT int c_stub_serve(mach_port_t port, mach_port_t made) {
    request_buffer_t in;
    reply_buffer_t out;
    mach_msg_return_t mr;

    made_port = made;
    while ((mr = c_stub_server_once(port, &in, &out)) == MACH_MSG_SUCCESS) {
    }
    return mr == MACH_RCV_PORT_DIED || mr == MACH_RCV_INVALID_NAME ? 0 : mr;
}

/* The client side, one function per routine, with the arguments the Rust
 * benchmark passes (benches/insns.rs). */
MEASURED kern_return_t c_stub_client_add2(mach_port_t port, int a, int b, int *c) {
    return add2(port, a, b, c);
}

MEASURED kern_return_t c_stub_client_echo(mach_port_t port, const int *data, mach_msg_type_number_t dataCnt,
                                          int *back, mach_msg_type_number_t *backCnt) {
    static const int64_t code[1] = {1};
    return echo(port, data, dataCnt, code, 1, back, backCnt);
}

/* The send right that comes back is released, as the Rust client drops it. */
MEASURED kern_return_t c_stub_client_ool_send(mach_port_t port, const void *data, mach_msg_type_number_t size) {
    mach_port_t right = MACH_PORT_NULL;
    kern_return_t kr = ool_send(port, (pointer_t)data, size, &right);
    if (kr == KERN_SUCCESS)
        kr = mach_port_deallocate(mach_task_self(), right);
    return kr;
}

/* The anchor's arguments (as benches/insns.rs): EXC_BAD_ACCESS, codes
 * KERN_INVALID_ADDRESS and the address, `thread` (a send right; the benchmark
 * passes the service port's) copied as both thread and task, and room for
 * THREAD_STATE_MAX words back. */
MEASURED kern_return_t c_stub_client_mach_exception_raise_state_identity(mach_port_t port, mach_port_t thread,
                                                                         int *flavor, natural_t *old_state,
                                                                         mach_msg_type_number_t old_stateCnt,
                                                                         natural_t *new_state,
                                                                         mach_msg_type_number_t *new_stateCnt) {
    static int64_t code[2] = {1, 0x10};
    return mach_exception_raise_state_identity(port, thread, thread, 1, code, 2, flavor, old_state, old_stateCnt,
                                               new_state, new_stateCnt);
}
