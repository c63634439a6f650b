/*
 * Server side of subsystem `bench` (see bench.h), in the shape of Apple MIG's
 * <subsystem>Server.c with its defaults: per routine a
 * __MIG_check__Request__* (complex bit, descriptor count, size range, counts
 * against their maximum and against the size, descriptor types, OOL size
 * against its count), a server stub _X* that checks, calls the server
 * routine S_* with pointers into the request and reply buffers, and fills
 * the reply in place; a routine table; and the demux bench_server, which
 * writes the reply header and answers unknown ids with MIG_BAD_ID.
 *
 * Written for the benchmark from migcom's documented behaviour; not migcom
 * output.
 */
#include <string.h>

#include "bench.h"

#define mig_internal static __inline__
#define novalue void

/* As in MIG's server side: the request arrives with the reply port as the
 * remote port. */
#define msgh_request_port msgh_local_port
#define MACH_MSGH_BITS_REQUEST(bits) MACH_MSGH_BITS_LOCAL(bits)
#define msgh_reply_port msgh_remote_port
#define MACH_MSGH_BITS_REPLY(bits) MACH_MSGH_BITS_REMOTE(bits)

#define MIG_RETURN_ERROR(X, code)                        \
    {                                                    \
        ((mig_reply_error_t *)X)->RetCode = code;        \
        ((mig_reply_error_t *)X)->NDR = NDR_record;      \
        return;                                          \
    }

/* ---- add2 (15000) ---- */

mig_internal kern_return_t __MIG_check__Request__add2_t(__Request__add2_t *In0P) {
    typedef __Request__add2_t __Request;

    if ((In0P->Head.msgh_bits & MACH_MSGH_BITS_COMPLEX) ||
        (In0P->Head.msgh_size != (mach_msg_size_t)sizeof(__Request)))
        return MIG_BAD_ARGUMENTS;
    return MACH_MSG_SUCCESS;
}

mig_internal novalue _Xadd2(mach_msg_header_t *InHeadP, mach_msg_header_t *OutHeadP) {
#pragma pack(push, 4)
    typedef struct {
        mach_msg_header_t Head;
        NDR_record_t NDR;
        int a;
        int b;
        mach_msg_trailer_t trailer;
    } Request;
#pragma pack(pop)
    _Static_assert(sizeof(Request) == sizeof(__Request__add2_t) + sizeof(mach_msg_trailer_t), "Request + trailer");
    typedef __Request__add2_t __Request;
    typedef __Reply__add2_t Reply;
    Request *In0P = (Request *)InHeadP;
    Reply *OutP = (Reply *)OutHeadP;
    kern_return_t check_result;

    check_result = __MIG_check__Request__add2_t((__Request *)In0P);
    if (check_result != MACH_MSG_SUCCESS)
        MIG_RETURN_ERROR(OutP, check_result);

    OutP->RetCode = S_add2(In0P->Head.msgh_request_port, In0P->a, In0P->b, &OutP->c);
    if (OutP->RetCode != KERN_SUCCESS)
        MIG_RETURN_ERROR(OutP, OutP->RetCode);

    OutP->NDR = NDR_record;
    OutP->Head.msgh_size = (mach_msg_size_t)(sizeof(Reply));
}

/* ---- echo (15001) ---- */

mig_internal kern_return_t __MIG_check__Request__echo_t(__Request__echo_t *In0P, __Request__echo_t **In1PP) {
    typedef __Request__echo_t __Request;
    __Request *In1P;
    unsigned int msgh_size;
    unsigned int msgh_size_delta;

    msgh_size = In0P->Head.msgh_size;
    if ((In0P->Head.msgh_bits & MACH_MSGH_BITS_COMPLEX) ||
        (msgh_size < (mach_msg_size_t)(sizeof(__Request) - 2064)) || (msgh_size > (mach_msg_size_t)sizeof(__Request)))
        return MIG_BAD_ARGUMENTS;

    /* data: an intermediate variable array, so only "at least" here. */
    msgh_size_delta = (4 * In0P->dataCnt);
    if (In0P->dataCnt > 512)
        return MIG_BAD_ARGUMENTS;
    if (((msgh_size - (mach_msg_size_t)(sizeof(__Request) - 2064)) / 4 < In0P->dataCnt) ||
        (msgh_size < (mach_msg_size_t)(sizeof(__Request) - 2064) + (4 * In0P->dataCnt)))
        return MIG_BAD_ARGUMENTS;
    msgh_size -= msgh_size_delta;

    *In1PP = In1P = (__Request *)((uintptr_t)In0P + msgh_size_delta - 2048);

    /* code: the last one, so the size must match exactly. */
    if (In1P->codeCnt > 2)
        return MIG_BAD_ARGUMENTS;
    if (((msgh_size - (mach_msg_size_t)(sizeof(__Request) - 2064)) / 8 < In1P->codeCnt) ||
        (msgh_size != (mach_msg_size_t)(sizeof(__Request) - 2064) + (8 * In1P->codeCnt)))
        return MIG_BAD_ARGUMENTS;

    return MACH_MSG_SUCCESS;
}

mig_internal novalue _Xecho(mach_msg_header_t *InHeadP, mach_msg_header_t *OutHeadP) {
#pragma pack(push, 4)
    typedef struct {
        mach_msg_header_t Head;
        NDR_record_t NDR;
        mach_msg_type_number_t dataCnt;
        int data[512];
        mach_msg_type_number_t codeCnt;
        int64_t code[2];
        mach_msg_trailer_t trailer;
    } Request;
#pragma pack(pop)
    _Static_assert(sizeof(Request) == sizeof(__Request__echo_t) + sizeof(mach_msg_trailer_t), "Request + trailer");
    typedef __Request__echo_t __Request;
    typedef __Reply__echo_t Reply;
    Request *In0P = (Request *)InHeadP;
    Request *In1P;
    Reply *OutP = (Reply *)OutHeadP;
    kern_return_t check_result;

    check_result = __MIG_check__Request__echo_t((__Request *)In0P, (__Request **)&In1P);
    if (check_result != MACH_MSG_SUCCESS)
        MIG_RETURN_ERROR(OutP, check_result);

    OutP->backCnt = 512;

    OutP->RetCode = S_echo(In0P->Head.msgh_request_port, In0P->data, In0P->dataCnt, In1P->code, In1P->codeCnt,
                           OutP->back, &OutP->backCnt);
    if (OutP->RetCode != KERN_SUCCESS)
        MIG_RETURN_ERROR(OutP, OutP->RetCode);

    OutP->NDR = NDR_record;
    OutP->Head.msgh_size = (mach_msg_size_t)(sizeof(Reply) - 2048) + (((4 * OutP->backCnt)));
}

/* ---- ool_send (15002) ---- */

mig_internal kern_return_t __MIG_check__Request__ool_send_t(__Request__ool_send_t *In0P) {
    typedef __Request__ool_send_t __Request;

    if (!(In0P->Head.msgh_bits & MACH_MSGH_BITS_COMPLEX) || (In0P->msgh_body.msgh_descriptor_count != 1) ||
        (In0P->Head.msgh_size != (mach_msg_size_t)sizeof(__Request)))
        return MIG_BAD_ARGUMENTS;
    if (In0P->data.type != MACH_MSG_OOL_DESCRIPTOR)
        return MIG_TYPE_ERROR;
    if (In0P->data.size != In0P->dataCnt)
        return MIG_TYPE_ERROR;
    return MACH_MSG_SUCCESS;
}

mig_internal novalue _Xool_send(mach_msg_header_t *InHeadP, mach_msg_header_t *OutHeadP) {
#pragma pack(push, 4)
    typedef struct {
        mach_msg_header_t Head;
        mach_msg_body_t msgh_body;
        mach_msg_ool_descriptor_t data;
        NDR_record_t NDR;
        mach_msg_type_number_t dataCnt;
        mach_msg_trailer_t trailer;
    } Request;
#pragma pack(pop)
    _Static_assert(sizeof(Request) == sizeof(__Request__ool_send_t) + sizeof(mach_msg_trailer_t), "Request + trailer");
    typedef __Request__ool_send_t __Request;
    typedef __Reply__ool_send_t Reply;
    Request *In0P = (Request *)InHeadP;
    Reply *OutP = (Reply *)OutHeadP;
    kern_return_t RetCode;
    kern_return_t check_result;

    check_result = __MIG_check__Request__ool_send_t((__Request *)In0P);
    if (check_result != MACH_MSG_SUCCESS)
        MIG_RETURN_ERROR(OutP, check_result);

    /* The reply's descriptor is set up before the call (MAKE_SEND). */
    OutP->port.disposition = MACH_MSG_TYPE_MAKE_SEND;
    OutP->port.pad1 = 0;
    OutP->port.pad2 = 0;
    OutP->port.type = MACH_MSG_PORT_DESCRIPTOR;

    RetCode = S_ool_send(In0P->Head.msgh_request_port, (pointer_t)(In0P->data.address), In0P->dataCnt,
                         &OutP->port.name);
    if (RetCode != KERN_SUCCESS)
        MIG_RETURN_ERROR(OutP, RetCode);

    OutP->Head.msgh_bits |= MACH_MSGH_BITS_COMPLEX;
    OutP->Head.msgh_size = (mach_msg_size_t)(sizeof(Reply));
    OutP->msgh_body.msgh_descriptor_count = 1;
}

/* ---- mach_exception_raise_state_identity (15003) ---- */

mig_internal kern_return_t
__MIG_check__Request__mach_exception_raise_state_identity_t(__Request__mach_exception_raise_state_identity_t *In0P,
                                                            __Request__mach_exception_raise_state_identity_t **In1PP) {
    typedef __Request__mach_exception_raise_state_identity_t __Request;
    __Request *In1P;
    unsigned int msgh_size;
    unsigned int msgh_size_delta;

    msgh_size = In0P->Head.msgh_size;
    if (!(In0P->Head.msgh_bits & MACH_MSGH_BITS_COMPLEX) || (In0P->msgh_body.msgh_descriptor_count != 2) ||
        (msgh_size < (mach_msg_size_t)(sizeof(__Request) - 5200)) || (msgh_size > (mach_msg_size_t)sizeof(__Request)))
        return MIG_BAD_ARGUMENTS;
    /* Both rights arrive as send rights (COPY_SEND sent, PORT_SEND received). */
    if (In0P->thread.type != MACH_MSG_PORT_DESCRIPTOR || In0P->thread.disposition != MACH_MSG_TYPE_PORT_SEND)
        return MIG_TYPE_ERROR;
    if (In0P->task.type != MACH_MSG_PORT_DESCRIPTOR || In0P->task.disposition != MACH_MSG_TYPE_PORT_SEND)
        return MIG_TYPE_ERROR;

    /* code: an intermediate variable array, so only "at least" here. */
    msgh_size_delta = (8 * In0P->codeCnt);
    if (In0P->codeCnt > 2)
        return MIG_BAD_ARGUMENTS;
    if (((msgh_size - (mach_msg_size_t)(sizeof(__Request) - 5200)) / 8 < In0P->codeCnt) ||
        (msgh_size < (mach_msg_size_t)(sizeof(__Request) - 5200) + (8 * In0P->codeCnt)))
        return MIG_BAD_ARGUMENTS;
    msgh_size -= msgh_size_delta;

    *In1PP = In1P = (__Request *)((uintptr_t)In0P + msgh_size_delta - 16);

    /* old_state: the last one, so the size must match exactly. */
    if (In1P->old_stateCnt > 1296)
        return MIG_BAD_ARGUMENTS;
    if (((msgh_size - (mach_msg_size_t)(sizeof(__Request) - 5200)) / 4 < In1P->old_stateCnt) ||
        (msgh_size != (mach_msg_size_t)(sizeof(__Request) - 5200) + (4 * In1P->old_stateCnt)))
        return MIG_BAD_ARGUMENTS;

    return MACH_MSG_SUCCESS;
}

mig_internal novalue _Xmach_exception_raise_state_identity(mach_msg_header_t *InHeadP, mach_msg_header_t *OutHeadP) {
#pragma pack(push, 4)
    typedef struct {
        mach_msg_header_t Head;
        mach_msg_body_t msgh_body;
        mach_msg_port_descriptor_t thread;
        mach_msg_port_descriptor_t task;
        NDR_record_t NDR;
        exception_type_t exception;
        mach_msg_type_number_t codeCnt;
        int64_t code[2];
        int flavor;
        mach_msg_type_number_t old_stateCnt;
        natural_t old_state[1296];
        mach_msg_trailer_t trailer;
    } Request;
#pragma pack(pop)
    _Static_assert(sizeof(Request) == sizeof(__Request__mach_exception_raise_state_identity_t) +
                                          sizeof(mach_msg_trailer_t),
                   "Request + trailer");
    typedef __Request__mach_exception_raise_state_identity_t __Request;
    typedef __Reply__mach_exception_raise_state_identity_t Reply;
    Request *In0P = (Request *)InHeadP;
    Request *In1P;
    Reply *OutP = (Reply *)OutHeadP;
    kern_return_t check_result;

    check_result = __MIG_check__Request__mach_exception_raise_state_identity_t((__Request *)In0P, (__Request **)&In1P);
    if (check_result != MACH_MSG_SUCCESS)
        MIG_RETURN_ERROR(OutP, check_result);

    OutP->new_stateCnt = 1296;

    /* flavor is inout: the handler updates it where it lies in the request, and it is
     * copied to the reply afterwards. */
    OutP->RetCode = S_mach_exception_raise_state_identity(
        In0P->Head.msgh_request_port, In0P->thread.name, In0P->task.name, In0P->exception, In0P->code, In0P->codeCnt,
        &In1P->flavor, In1P->old_state, In1P->old_stateCnt, OutP->new_state, &OutP->new_stateCnt);
    if (OutP->RetCode != KERN_SUCCESS)
        MIG_RETURN_ERROR(OutP, OutP->RetCode);

    OutP->NDR = NDR_record;
    OutP->flavor = In1P->flavor;
    OutP->Head.msgh_size = (mach_msg_size_t)(sizeof(Reply) - 5184) + (((4 * OutP->new_stateCnt)));
}

/* ---- the routine table and the demux ---- */

typedef novalue (*mig_stub_routine_t)(mach_msg_header_t *InHeadP, mach_msg_header_t *OutHeadP);

/* MIG's `struct routine_descriptor`, reduced to what the demux reads and
 * what it records about each routine. */
struct bench_routine_descriptor {
    mig_stub_routine_t stub_routine;
    unsigned int argc;
    unsigned int descr_count;
    unsigned int max_reply_msg;
};

static const struct bench_subsystem {
    mig_stub_routine_t server; /* the demux's own routine-finder in MIG; unused here */
    mach_msg_id_t start;
    mach_msg_id_t end;
    unsigned int maxsize;
    struct bench_routine_descriptor routine[4];
} bench_subsystem = {
    0,
    15000,
    15004,
    (mach_msg_size_t)sizeof(union __ReplyUnion__bench_subsystem),
    {
        {_Xadd2, 4, 0, (mach_msg_size_t)sizeof(__Reply__add2_t)},
        {_Xecho, 7, 0, (mach_msg_size_t)sizeof(__Reply__echo_t)},
        {_Xool_send, 4, 0, (mach_msg_size_t)sizeof(__Reply__ool_send_t)},
        {_Xmach_exception_raise_state_identity, 11, 0,
         (mach_msg_size_t)sizeof(__Reply__mach_exception_raise_state_identity_t)},
    },
};

boolean_t bench_server(mach_msg_header_t *InHeadP, mach_msg_header_t *OutHeadP) {
    mig_stub_routine_t routine;

    OutHeadP->msgh_bits = MACH_MSGH_BITS(MACH_MSGH_BITS_REPLY(InHeadP->msgh_bits), 0);
    OutHeadP->msgh_remote_port = InHeadP->msgh_reply_port;
    /* Minimal size: routine() will update it if different */
    OutHeadP->msgh_size = (mach_msg_size_t)sizeof(mig_reply_error_t);
    OutHeadP->msgh_local_port = MACH_PORT_NULL;
    OutHeadP->msgh_id = InHeadP->msgh_id + 100;
    OutHeadP->msgh_reserved = 0;

    if ((InHeadP->msgh_id > 15003) || (InHeadP->msgh_id < 15000) ||
        ((routine = bench_subsystem.routine[InHeadP->msgh_id - 15000].stub_routine) == 0)) {
        ((mig_reply_error_t *)OutHeadP)->NDR = NDR_record;
        ((mig_reply_error_t *)OutHeadP)->RetCode = MIG_BAD_ID;
        return 0;
    }
    (*routine)(InHeadP, OutHeadP);
    return 1;
}
