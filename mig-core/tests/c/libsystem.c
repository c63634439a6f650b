/*
 * C written the way Apple's MIG writes it, for a subsystem `names 300`:
 *   routine count(server: mach_port_t; names: mach_port_array_t; out n: int);
 *   routine give(server: mach_port_t; out names: mach_port_array_t);
 *   routine whoami(server: mach_port_t; ServerAuditToken token: audit_token_t; out pid: int);
 *     (id 303; the C server answers it and give, not count or refuse)
 * plus calls of the libsystem functions such C links against (mig_strncpy,
 * mach_msg_server, ...), all resolved to the loopback.
 *
 * Apple's MIG never sets the `copy` byte of an out-of-line port-array
 * descriptor, so it holds whatever the buffer held: the user stub's stack (0x7f
 * here, stale bytes made deterministic) or a reused reply buffer. XNU's
 * port-array copyin never reads it.
 */
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
    mach_msg_body_t msgh_body;
    mach_msg_ool_ports_descriptor_t names;
    NDR_record_t NDR;
    mach_msg_type_number_t namesCnt;
} CountRequest;

typedef struct {
    mach_msg_header_t Head;
    NDR_record_t NDR;
    kern_return_t RetCode;
    int n;
} CountReply;

typedef struct {
    mach_msg_header_t Head;
} GiveRequest;

typedef struct {
    mach_msg_header_t Head;
    mach_msg_body_t msgh_body;
    mach_msg_ool_ports_descriptor_t names;
    NDR_record_t NDR;
    mach_msg_type_number_t namesCnt;
} GiveReply;
#pragma pack(pop)

_Static_assert(sizeof(CountRequest) == 56 && sizeof(CountReply) == 40, "count layouts");
_Static_assert(sizeof(GiveRequest) == 24 && sizeof(GiveReply) == 56, "give layouts");
_Static_assert(offsetof(CountRequest, names) == 28, "descriptor offset");

/* The stale byte Apple's MIG leaves in a port array's `copy`. */
#define STALE 0x7f

/* The user stub of `count`. */
kern_return_t loopback_c_count(mach_port_t server, mach_port_t *names, mach_msg_type_number_t namesCnt, int *n) {
    union {
        CountRequest In;
        struct {
            CountReply Out;
            mach_msg_trailer_t trailer;
        } Out;
    } Mess;
    /* An uninitialised stack, made deterministic. */
    memset(&Mess, STALE, sizeof Mess);
    CountRequest *InP = &Mess.In;
    InP->msgh_body.msgh_descriptor_count = 1;
    InP->names.address = names;
    InP->names.count = namesCnt;
    InP->names.disposition = MACH_MSG_TYPE_COPY_SEND;
    InP->names.deallocate = FALSE;
    InP->names.type = MACH_MSG_OOL_PORTS_DESCRIPTOR;
    /* InP->names.copy: never set by MIG. */
    InP->NDR = NDR_record;
    InP->namesCnt = namesCnt;
    mach_port_t reply = mig_get_reply_port();
    InP->Head.msgh_bits = MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
    InP->Head.msgh_remote_port = server;
    InP->Head.msgh_local_port = reply;
    InP->Head.msgh_id = 300;
    InP->Head.msgh_reserved = 0;
    (void)voucher_mach_msg_set(&InP->Head);
    kern_return_t kr = mach_msg(&InP->Head, MACH_SEND_MSG | MACH_RCV_MSG, sizeof(CountRequest), sizeof Mess.Out,
                                reply, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
    if (kr != MACH_MSG_SUCCESS) {
        mig_dealloc_reply_port(reply);
        return kr;
    }
    mig_put_reply_port(reply);
    CountReply *OutP = &Mess.Out.Out;
    if (OutP->Head.msgh_id != 400) return MIG_REPLY_MISMATCH;
    if (OutP->Head.msgh_size == sizeof(mig_reply_error_t) && OutP->RetCode != KERN_SUCCESS) return OutP->RetCode;
    if (OutP->Head.msgh_size != sizeof(CountReply)) return MIG_TYPE_ERROR;
    *n = OutP->n;
    return OutP->RetCode;
}

/* What `give` hands out: this port, twice (copied send rights). */
static mach_port_t given = MACH_PORT_NULL;
static mach_port_t given_names[2];

void loopback_c_set_given(mach_port_t port) {
    given = port;
}

/* The server demux, as MIG writes it (`names_server`). */
boolean_t loopback_c_names_server(mach_msg_header_t *InHeadP, mach_msg_header_t *OutHeadP) {
    OutHeadP->msgh_bits = MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(InHeadP->msgh_bits), 0);
    OutHeadP->msgh_remote_port = InHeadP->msgh_remote_port; /* the reply right, as received */
    OutHeadP->msgh_size = (mach_msg_size_t)sizeof(mig_reply_error_t);
    OutHeadP->msgh_local_port = MACH_PORT_NULL;
    OutHeadP->msgh_id = InHeadP->msgh_id + 100;
    OutHeadP->msgh_reserved = 0;
    if (InHeadP->msgh_id == 303) {
        /* whoami: the pid from the audit trailer the server loop asked for (after
         * the message, 4-byte aligned: type, size, seqno, sender id, then the audit
         * token, whose sixth word is the pid). */
        const char *trailer = (const char *)InHeadP + ((InHeadP->msgh_size + 3) & ~3u);
        mach_msg_trailer_t header;
        memcpy(&header, trailer, sizeof header);
        CountReply *OutP = (CountReply *)OutHeadP;
        OutP->NDR = NDR_record;
        OutP->RetCode = header.msgh_trailer_size == 52 ? KERN_SUCCESS : MIG_TYPE_ERROR;
        memcpy(&OutP->n, trailer + 20 + 5 * 4, sizeof OutP->n);
        OutP->Head.msgh_size = (mach_msg_size_t)sizeof *OutP;
        return TRUE;
    }
    if (InHeadP->msgh_id != 301) {
        ((mig_reply_error_t *)OutHeadP)->NDR = NDR_record;
        ((mig_reply_error_t *)OutHeadP)->RetCode = MIG_BAD_ID;
        return FALSE;
    }
    GiveReply *OutP = (GiveReply *)OutHeadP;
    /* A reply buffer's old bytes, where MIG writes nothing. */
    memset((char *)OutP + sizeof(mach_msg_header_t), STALE, sizeof *OutP - sizeof(mach_msg_header_t));
    if (InHeadP->msgh_size != sizeof(GiveRequest) || (InHeadP->msgh_bits & MACH_MSGH_BITS_COMPLEX)) {
        ((mig_reply_error_t *)OutHeadP)->NDR = NDR_record;
        ((mig_reply_error_t *)OutHeadP)->RetCode = MIG_BAD_ARGUMENTS;
        return TRUE;
    }
    OutP->msgh_body.msgh_descriptor_count = 1;
    given_names[0] = given_names[1] = given;
    OutP->names.address = given_names;
    OutP->names.count = 2;
    OutP->names.deallocate = FALSE;
    OutP->names.disposition = MACH_MSG_TYPE_COPY_SEND;
    OutP->names.type = MACH_MSG_OOL_PORTS_DESCRIPTOR;
    OutP->NDR = NDR_record;
    OutP->namesCnt = 2;
    OutP->Head.msgh_bits |= MACH_MSGH_BITS_COMPLEX;
    OutP->Head.msgh_size = (mach_msg_size_t)sizeof *OutP;
    return TRUE;
}

/* libsystem's server loops from C, with any demux (C's, or one `mig!` made),
 * asking for the audit trailer as servers reading audit tokens do. */
mach_msg_return_t loopback_c_mach_msg_server(boolean_t (*demux)(mach_msg_header_t *, mach_msg_header_t *),
                                             mach_msg_size_t max_size, mach_port_t port, int once) {
    mach_msg_options_t options =
        MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0) | MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT);
    return once ? mach_msg_server_once(demux, max_size, port, options)
                : mach_msg_server(demux, max_size, port, options);
}

/* The other libsystem calls MIG output links against, with libsystem's results.
 * Returns 0, or the line of the first failed check. */
int loopback_c_libsystem_calls(void) {
    char buf[8];
    memset(buf, 'x', sizeof buf);
    CHECK(mig_strncpy(buf, "abc", 8) == 4 && strcmp(buf, "abc") == 0 && buf[4] == 'x');
    CHECK(mig_strncpy(buf, "abcdefghij", 8) == 8 && strcmp(buf, "abcdefg") == 0);
    CHECK(mig_strncpy(buf, "abc", 0) == 0);
    memset(buf, 'x', sizeof buf);
    CHECK(mig_strncpy_zerofill(buf, "ab", 8) == 3);
    for (int i = 2; i < 8; i++) CHECK(buf[i] == 0);
    CHECK(mig_strncpy_zerofill(buf, "abcdefghij", 8) == 8 && strcmp(buf, "abcdefg") == 0);
    memset(buf, 'x', sizeof buf);
    CHECK(mig_strncpy_zerofill(buf, NULL, 8) == 0 && buf[0] == 0 && buf[7] == 0);
    CHECK(mig_strncpy_zerofill(NULL, "a", 8) == 0);

    mach_msg_header_t head = {0};
    CHECK(voucher_mach_msg_set(&head) == FALSE && head.msgh_bits == 0 && head.msgh_voucher_port == 0);

    vm_address_t address = 0;
    mig_allocate(&address, 100);
    CHECK(address != 0 && ((char *)address)[99] == 0);
    mig_deallocate(address, 100);
    mach_vm_address_t wide = 0;
    CHECK(mach_vm_allocate(mach_task_self(), &wide, 5000, VM_FLAGS_ANYWHERE) == KERN_SUCCESS && wide != 0);
    CHECK(mach_vm_deallocate(mach_task_self(), wide, 5000) == KERN_SUCCESS);

    mach_port_name_t ports[2] = {mach_reply_port(), thread_get_special_reply_port()};
    CHECK(ports[0] != MACH_PORT_NULL && ports[1] != MACH_PORT_NULL && ports[0] != ports[1]);
    for (int i = 0; i < 2; i++) {
        mach_port_type_t type = 0;
        mach_port_urefs_t refs = 0;
        CHECK(mach_port_type(mach_task_self(), ports[i], &type) == KERN_SUCCESS && type == MACH_PORT_TYPE_RECEIVE);
        CHECK(mach_port_get_refs(mach_task_self(), ports[i], MACH_PORT_RIGHT_RECEIVE, &refs) == KERN_SUCCESS &&
              refs == 1);
        CHECK(mach_port_mod_refs(mach_task_self(), ports[i], MACH_PORT_RIGHT_RECEIVE, -1) == KERN_SUCCESS);
    }
    return 0;
}
