/*
 * A C client and a C server doing MIG-style RPCs through the loopback
 * kernel: subsystem 100, routine add2(a, b) -> c, laid out as Apple's MIG
 * lays it out (request and reply both 40 bytes: header, NDR, two ints).
 * Entry point: loopback_c_rpc(rounds) returns 0, or the line of the first
 * failed check.
 */
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include "loopback_mach.h"

#define CHECK(cond) \
    do { \
        if (!(cond)) return __LINE__; \
    } while (0)

#pragma pack(push, 4)
typedef struct {
    mach_msg_header_t Head;
    NDR_record_t NDR;
    int a;
    int b;
} Request;

typedef struct {
    mach_msg_header_t Head;
    NDR_record_t NDR;
    kern_return_t RetCode;
    int c;
} Reply;
#pragma pack(pop)

_Static_assert(sizeof(mach_msg_header_t) == 24, "header");
_Static_assert(sizeof(NDR_record_t) == 8, "NDR");
_Static_assert(sizeof(Request) == 40 && sizeof(Reply) == 40, "MIG layouts");
_Static_assert(offsetof(Reply, RetCode) == 32, "RetCode");

static const name_t SERVICE = "org.loopback.c-interop.add";

/* The server loop: answers add2 (id 100) with id 200; id 101 stops it. */
static void *server(void *arg) {
    mach_port_t port = *(mach_port_t *)arg;
    for (;;) {
        union {
            Request req;
            struct {
                Request req;
                mach_msg_trailer_t trailer;
            } with_trailer;
        } in;
        Reply out;
        memset(&in, 0, sizeof in);
        if (mach_msg(&in.req.Head, MACH_RCV_MSG, 0, sizeof in, port, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL) !=
            MACH_MSG_SUCCESS)
            return (void *)1;
        if (in.req.Head.msgh_id == 101) return NULL;
        memset(&out, 0, sizeof out);
        out.Head.msgh_bits = MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(in.req.Head.msgh_bits), 0);
        out.Head.msgh_remote_port = in.req.Head.msgh_remote_port;
        out.Head.msgh_size = sizeof out;
        out.Head.msgh_id = in.req.Head.msgh_id + 100;
        out.NDR = NDR_record;
        if (in.req.Head.msgh_id == 100 && in.req.Head.msgh_size == sizeof(Request)) {
            out.RetCode = KERN_SUCCESS;
            out.c = in.req.a + in.req.b;
        } else {
            out.RetCode = -303; /* MIG_BAD_ID */
        }
        if (mach_msg(&out.Head, MACH_SEND_MSG, sizeof out, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL) !=
            MACH_MSG_SUCCESS)
            return (void *)2;
    }
}

/* The user stub, as MIG writes it: size field left 0, reply port from
 * mig_get_reply_port, send and receive in one call. */
static kern_return_t add2(mach_port_t server_port, int a, int b, int *c) {
    union {
        Request In;
        struct {
            Reply Out;
            mach_msg_trailer_t trailer;
        } Out;
    } Mess;
    mach_port_t reply = mig_get_reply_port();
    memset(&Mess, 0, sizeof Mess);
    Mess.In.NDR = NDR_record;
    Mess.In.a = a;
    Mess.In.b = b;
    Mess.In.Head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
    Mess.In.Head.msgh_remote_port = server_port;
    Mess.In.Head.msgh_local_port = reply;
    Mess.In.Head.msgh_id = 100;
    kern_return_t kr = mach_msg(&Mess.In.Head, MACH_SEND_MSG | MACH_RCV_MSG, sizeof(Request), sizeof Mess.Out, reply,
                                MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
    if (kr != MACH_MSG_SUCCESS) {
        mig_dealloc_reply_port(reply);
        return kr;
    }
    mig_put_reply_port(reply);
    Reply *out = &Mess.Out.Out;
    if (out->Head.msgh_id != 200 || out->Head.msgh_size != sizeof(Reply) ||
        out->Head.msgh_bits != MACH_MSGH_BITS(0, MACH_MSG_TYPE_PORT_SEND_ONCE) ||
        out->Head.msgh_local_port != reply || out->Head.msgh_remote_port != MACH_PORT_NULL ||
        memcmp(&out->NDR, &NDR_record, sizeof NDR_record) != 0 || Mess.Out.trailer.msgh_trailer_size != 8)
        return -301; /* MIG_REPLY_MISMATCH */
    if (out->RetCode != KERN_SUCCESS) return out->RetCode;
    *c = out->c;
    return KERN_SUCCESS;
}

int loopback_c_rpc(int rounds) {
    mach_port_t port = MACH_PORT_NULL, client = MACH_PORT_NULL;
    pthread_t thread;

    CHECK(mach_task_self() != MACH_PORT_NULL);
    CHECK(NDR_record.int_rep == 1);
    CHECK(bootstrap_check_in(bootstrap_port, SERVICE, &port) == BOOTSTRAP_SUCCESS);
    CHECK(pthread_create(&thread, NULL, server, &port) == 0);
    CHECK(bootstrap_look_up(bootstrap_port, SERVICE, &client) == BOOTSTRAP_SUCCESS);
    for (int i = 0; i < rounds; i++) {
        int c = 0;
        CHECK(add2(client, i, 2 * i, &c) == KERN_SUCCESS);
        CHECK(c == 3 * i);
    }

    /* Destroying an unsent message whose remote disposition is
     * MAKE_SEND_ONCE makes the right and destroys it: the port gets a
     * send-once notification. */
    {
        mach_port_t reply = MACH_PORT_NULL;
        CHECK(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &reply) == KERN_SUCCESS);
        mach_msg_header_t unsent = {MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND_ONCE, 0), sizeof unsent, reply, 0, 0, 7};
        mach_msg_destroy(&unsent);
        struct {
            mach_msg_header_t head;
            mach_msg_trailer_t trailer;
        } note;
        CHECK(mach_msg(&note.head, MACH_RCV_MSG, 0, sizeof note, reply, 0, MACH_PORT_NULL) == MACH_MSG_SUCCESS);
        CHECK(note.head.msgh_id == MACH_NOTIFY_SEND_ONCE && note.head.msgh_size == 24);
        CHECK(mach_port_insert_right(mach_task_self(), reply, reply, MACH_MSG_TYPE_MAKE_SEND) == KERN_SUCCESS);
        CHECK(mach_port_mod_refs(mach_task_self(), reply, MACH_PORT_RIGHT_SEND, 1) == KERN_SUCCESS);
        CHECK(mach_port_deallocate(mach_task_self(), reply) == KERN_SUCCESS);
        CHECK(mach_port_destroy(mach_task_self(), reply) == KERN_SUCCESS);
    }

    /* Stop the server and tear down. */
    mach_msg_header_t quit = {MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), sizeof quit, client, 0, 0, 101};
    CHECK(mach_msg_send(&quit) == MACH_MSG_SUCCESS);
    void *status = NULL;
    CHECK(pthread_join(thread, &status) == 0 && status == NULL);
    CHECK(mach_port_deallocate(mach_task_self(), client) == KERN_SUCCESS);
    CHECK(mach_port_mod_refs(mach_task_self(), port, MACH_PORT_RIGHT_RECEIVE, -1) == KERN_SUCCESS);
    CHECK(bootstrap_look_up(bootstrap_port, SERVICE, &client) == BOOTSTRAP_UNKNOWN_SERVICE);
    mig_dealloc_reply_port(mig_get_reply_port());
    return 0;
}

/* For a peer generated by mig!: the C stub above as an entry point, and the C
 * server loop on a port the caller owns (it returns 0 when id 101 arrives). */
kern_return_t loopback_c_add2(mach_port_t server_port, int a, int b, int *c) {
    return add2(server_port, a, b, c);
}

int loopback_c_serve(mach_port_t port) {
    return server(&port) == NULL ? 0 : 1;
}
