/*
 * User stubs of subsystem `bench` (see bench.h), in the shape of Apple MIG's
 * <subsystem>User.c with its defaults (__MigTypeCheck 1, __MigPackStructs 1,
 * UseStaticTemplates 0, voucher code on): the request is built in a stack
 * union shared with the reply, variable arrays are packed tight, one
 * mach_msg SEND|RCV on mig_get_reply_port(), then __MIG_check__Reply__*:
 * reply id, complex bit, sizes (with the 36-byte error reply allowed),
 * remote port NULL, RetCode, counts and descriptor types; then the out
 * values are copied to the caller.
 *
 * Written for the benchmark from migcom's documented behaviour; not migcom
 * output.
 */
#include <string.h>

#include "bench.h"

#define mig_internal static __inline__

/* As in MIG's user side: the request goes to the remote port, the reply
 * comes back on the local one. */
#define msgh_request_port msgh_remote_port
#define msgh_reply_port msgh_local_port

/* libdispatch's voucher hook, weakly imported as MIG's output declares it. The
 * loopback's C ABI defines it (a no-op answering false, as libsystem does for a
 * thread without a voucher), so the stubs call it, as they do on macOS. */
extern boolean_t voucher_mach_msg_set(mach_msg_header_t *msg) __attribute__((weak, visibility("default")));

/* What a failed SEND|RCV leaves of the reply port. */
#define __MachMsgErrorWithoutTimeout(_R_)                              \
    {                                                                  \
        switch (_R_) {                                                 \
        case MACH_SEND_INVALID_DATA:                                   \
        case MACH_SEND_INVALID_DEST:                                   \
        case MACH_SEND_INVALID_HEADER:                                 \
            mig_put_reply_port(InP->Head.msgh_reply_port);             \
            break;                                                     \
        default:                                                       \
            mig_dealloc_reply_port(InP->Head.msgh_reply_port);         \
        }                                                              \
    }

/* ---- add2 (15000) ---- */

mig_internal kern_return_t __MIG_check__Reply__add2_t(__Reply__add2_t *Out0P) {
    typedef __Reply__add2_t __Reply;
    unsigned int msgh_size;

    if (Out0P->Head.msgh_id != 15100) {
        if (Out0P->Head.msgh_id == MACH_NOTIFY_SEND_ONCE)
            return MIG_SERVER_DIED;
        return MIG_REPLY_MISMATCH;
    }
    msgh_size = Out0P->Head.msgh_size;
    if ((Out0P->Head.msgh_bits & MACH_MSGH_BITS_COMPLEX) ||
        ((msgh_size != (mach_msg_size_t)sizeof(__Reply)) &&
         (msgh_size != (mach_msg_size_t)sizeof(mig_reply_error_t) || Out0P->RetCode == KERN_SUCCESS)))
        return MIG_TYPE_ERROR;
    if (Out0P->Head.msgh_request_port != MACH_PORT_NULL)
        return MIG_TYPE_ERROR;
    if (Out0P->RetCode != KERN_SUCCESS)
        return ((mig_reply_error_t *)Out0P)->RetCode;
    return MACH_MSG_SUCCESS;
}

kern_return_t add2(mach_port_t server, int a, int b, int *c) {
    typedef __Request__add2_t Request;
#pragma pack(push, 4)
    typedef struct {
        mach_msg_header_t Head;
        NDR_record_t NDR;
        kern_return_t RetCode;
        int c;
        mach_msg_trailer_t trailer;
    } Reply;
#pragma pack(pop)
    _Static_assert(sizeof(Reply) == sizeof(__Reply__add2_t) + sizeof(mach_msg_trailer_t), "Reply + trailer");
    union {
        Request In;
        Reply Out;
    } Mess;
    Request *InP = &Mess.In;
    Reply *Out0P = &Mess.Out;
    mach_msg_return_t msg_result;
    kern_return_t check_result;

    InP->NDR = NDR_record;
    InP->a = a;
    InP->b = b;
    InP->Head.msgh_reply_port = mig_get_reply_port();
    InP->Head.msgh_bits = MACH_MSGH_BITS(19, MACH_MSG_TYPE_MAKE_SEND_ONCE);
    /* msgh_size passed as argument */
    InP->Head.msgh_request_port = server;
    InP->Head.msgh_id = 15000;
    InP->Head.msgh_reserved = 0;
    if (voucher_mach_msg_set != NULL)
        voucher_mach_msg_set(&InP->Head);

    msg_result = mach_msg(&InP->Head, MACH_SEND_MSG | MACH_RCV_MSG | MACH_MSG_OPTION_NONE,
                          (mach_msg_size_t)sizeof(Request), (mach_msg_size_t)sizeof(Reply), InP->Head.msgh_reply_port,
                          MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
    if (msg_result != MACH_MSG_SUCCESS) {
        __MachMsgErrorWithoutTimeout(msg_result);
        return msg_result;
    }

    check_result = __MIG_check__Reply__add2_t((__Reply__add2_t *)Out0P);
    if (check_result != MACH_MSG_SUCCESS)
        return check_result;

    *c = Out0P->c;
    return KERN_SUCCESS;
}

/* ---- echo (15001) ---- */

mig_internal kern_return_t __MIG_check__Reply__echo_t(__Reply__echo_t *Out0P) {
    typedef __Reply__echo_t __Reply;
    unsigned int msgh_size;

    if (Out0P->Head.msgh_id != 15101) {
        if (Out0P->Head.msgh_id == MACH_NOTIFY_SEND_ONCE)
            return MIG_SERVER_DIED;
        return MIG_REPLY_MISMATCH;
    }
    msgh_size = Out0P->Head.msgh_size;
    if ((Out0P->Head.msgh_bits & MACH_MSGH_BITS_COMPLEX) ||
        ((msgh_size > (mach_msg_size_t)sizeof(__Reply) || msgh_size < (mach_msg_size_t)(sizeof(__Reply) - 2048)) &&
         (msgh_size != (mach_msg_size_t)sizeof(mig_reply_error_t) || Out0P->RetCode == KERN_SUCCESS)))
        return MIG_TYPE_ERROR;
    if (Out0P->Head.msgh_request_port != MACH_PORT_NULL)
        return MIG_TYPE_ERROR;
    if (Out0P->RetCode != KERN_SUCCESS)
        return ((mig_reply_error_t *)Out0P)->RetCode;
    /* back is the last variable item: its count must fill the message exactly. */
    if (Out0P->backCnt > 512)
        return MIG_TYPE_ERROR;
    if (((msgh_size - (mach_msg_size_t)(sizeof(__Reply) - 2048)) / 4 < Out0P->backCnt) ||
        (msgh_size != (mach_msg_size_t)(sizeof(__Reply) - 2048) + Out0P->backCnt * 4))
        return MIG_TYPE_ERROR;
    return MACH_MSG_SUCCESS;
}

kern_return_t echo(mach_port_t server, const int *data, mach_msg_type_number_t dataCnt, const int64_t *code,
                   mach_msg_type_number_t codeCnt, int *back, mach_msg_type_number_t *backCnt) {
    typedef __Request__echo_t Request;
#pragma pack(push, 4)
    typedef struct {
        mach_msg_header_t Head;
        NDR_record_t NDR;
        kern_return_t RetCode;
        mach_msg_type_number_t backCnt;
        int back[512];
        mach_msg_trailer_t trailer;
    } Reply;
#pragma pack(pop)
    _Static_assert(sizeof(Reply) == sizeof(__Reply__echo_t) + sizeof(mach_msg_trailer_t), "Reply + trailer");
    union {
        Request In;
        Reply Out;
    } Mess;
    Request *InP = &Mess.In;
    Reply *Out0P = &Mess.Out;
    unsigned int msgh_size;
    unsigned int msgh_size_delta;
    mach_msg_return_t msg_result;
    kern_return_t check_result;

    InP->NDR = NDR_record;
    if (dataCnt > 512)
        return MIG_ARRAY_TOO_LARGE;
    (void)memcpy((char *)InP->data, (const char *)data, 4 * dataCnt);
    InP->dataCnt = dataCnt;
    msgh_size_delta = (4 * dataCnt);
    msgh_size = (mach_msg_size_t)(sizeof(Request) - 2064) + msgh_size_delta;
    /* Everything after data moves down to where data ends. */
    InP = (Request *)((uintptr_t)InP + msgh_size_delta - 2048);

    if (codeCnt > 2)
        return MIG_ARRAY_TOO_LARGE;
    (void)memcpy((char *)InP->code, (const char *)code, 8 * codeCnt);
    InP->codeCnt = codeCnt;
    msgh_size += (8 * codeCnt);

    InP = &Mess.In;
    InP->Head.msgh_reply_port = mig_get_reply_port();
    InP->Head.msgh_bits = MACH_MSGH_BITS(19, MACH_MSG_TYPE_MAKE_SEND_ONCE);
    /* msgh_size passed as argument */
    InP->Head.msgh_request_port = server;
    InP->Head.msgh_id = 15001;
    InP->Head.msgh_reserved = 0;
    if (voucher_mach_msg_set != NULL)
        voucher_mach_msg_set(&InP->Head);

    msg_result = mach_msg(&InP->Head, MACH_SEND_MSG | MACH_RCV_MSG | MACH_MSG_OPTION_NONE, msgh_size,
                          (mach_msg_size_t)sizeof(Reply), InP->Head.msgh_reply_port, MACH_MSG_TIMEOUT_NONE,
                          MACH_PORT_NULL);
    if (msg_result != MACH_MSG_SUCCESS) {
        __MachMsgErrorWithoutTimeout(msg_result);
        return msg_result;
    }

    check_result = __MIG_check__Reply__echo_t((__Reply__echo_t *)Out0P);
    if (check_result != MACH_MSG_SUCCESS)
        return check_result;

    if (Out0P->backCnt > 512) {
        (void)memcpy((char *)back, (const char *)Out0P->back, 4 * 512);
        *backCnt = Out0P->backCnt;
        return MIG_ARRAY_TOO_LARGE;
    }
    (void)memcpy((char *)back, (const char *)Out0P->back, 4 * Out0P->backCnt);
    *backCnt = Out0P->backCnt;
    return KERN_SUCCESS;
}

/* ---- ool_send (15002) ---- */

mig_internal kern_return_t __MIG_check__Reply__ool_send_t(__Reply__ool_send_t *Out0P) {
    typedef __Reply__ool_send_t __Reply;
    boolean_t msgh_simple;
    unsigned int msgh_size;

    if (Out0P->Head.msgh_id != 15102) {
        if (Out0P->Head.msgh_id == MACH_NOTIFY_SEND_ONCE)
            return MIG_SERVER_DIED;
        return MIG_REPLY_MISMATCH;
    }
    msgh_simple = !(Out0P->Head.msgh_bits & MACH_MSGH_BITS_COMPLEX);
    msgh_size = Out0P->Head.msgh_size;
    /* A complex reply has no RetCode: an error comes as a simple mig_reply_error_t. */
    if ((msgh_simple || Out0P->msgh_body.msgh_descriptor_count != 1 ||
         msgh_size != (mach_msg_size_t)sizeof(__Reply)) &&
        (!msgh_simple || msgh_size != (mach_msg_size_t)sizeof(mig_reply_error_t) ||
         ((mig_reply_error_t *)Out0P)->RetCode == KERN_SUCCESS))
        return MIG_TYPE_ERROR;
    if (Out0P->Head.msgh_request_port != MACH_PORT_NULL)
        return MIG_TYPE_ERROR;
    if (msgh_simple)
        return ((mig_reply_error_t *)Out0P)->RetCode;
    if (Out0P->port.type != MACH_MSG_PORT_DESCRIPTOR || Out0P->port.disposition != MACH_MSG_TYPE_PORT_SEND)
        return MIG_TYPE_ERROR;
    return MACH_MSG_SUCCESS;
}

kern_return_t ool_send(mach_port_t server, pointer_t data, mach_msg_type_number_t dataCnt, mach_port_t *port) {
    typedef __Request__ool_send_t Request;
#pragma pack(push, 4)
    typedef struct {
        mach_msg_header_t Head;
        mach_msg_body_t msgh_body;
        mach_msg_port_descriptor_t port;
        mach_msg_trailer_t trailer;
    } Reply;
#pragma pack(pop)
    _Static_assert(sizeof(Reply) == sizeof(__Reply__ool_send_t) + sizeof(mach_msg_trailer_t), "Reply + trailer");
    union {
        Request In;
        Reply Out;
    } Mess;
    Request *InP = &Mess.In;
    Reply *Out0P = &Mess.Out;
    mach_msg_return_t msg_result;
    kern_return_t check_result;

    InP->msgh_body.msgh_descriptor_count = 1;
    InP->data.address = (void *)(data);
    InP->data.size = dataCnt;
    InP->data.deallocate = 0;
    InP->data.copy = MACH_MSG_VIRTUAL_COPY;
    InP->data.type = MACH_MSG_OOL_DESCRIPTOR;
    InP->NDR = NDR_record;
    InP->dataCnt = dataCnt;
    InP->Head.msgh_reply_port = mig_get_reply_port();
    InP->Head.msgh_bits = MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(19, MACH_MSG_TYPE_MAKE_SEND_ONCE);
    /* msgh_size passed as argument */
    InP->Head.msgh_request_port = server;
    InP->Head.msgh_id = 15002;
    InP->Head.msgh_reserved = 0;
    if (voucher_mach_msg_set != NULL)
        voucher_mach_msg_set(&InP->Head);

    msg_result = mach_msg(&InP->Head, MACH_SEND_MSG | MACH_RCV_MSG | MACH_MSG_OPTION_NONE,
                          (mach_msg_size_t)sizeof(Request), (mach_msg_size_t)sizeof(Reply), InP->Head.msgh_reply_port,
                          MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
    if (msg_result != MACH_MSG_SUCCESS) {
        __MachMsgErrorWithoutTimeout(msg_result);
        return msg_result;
    }

    check_result = __MIG_check__Reply__ool_send_t((__Reply__ool_send_t *)Out0P);
    if (check_result != MACH_MSG_SUCCESS)
        return check_result;

    *port = Out0P->port.name;
    return KERN_SUCCESS;
}

/* ---- mach_exception_raise_state_identity (15003) ---- */

mig_internal kern_return_t
__MIG_check__Reply__mach_exception_raise_state_identity_t(__Reply__mach_exception_raise_state_identity_t *Out0P) {
    typedef __Reply__mach_exception_raise_state_identity_t __Reply;
    unsigned int msgh_size;

    if (Out0P->Head.msgh_id != 15103) {
        if (Out0P->Head.msgh_id == MACH_NOTIFY_SEND_ONCE)
            return MIG_SERVER_DIED;
        return MIG_REPLY_MISMATCH;
    }
    msgh_size = Out0P->Head.msgh_size;
    if ((Out0P->Head.msgh_bits & MACH_MSGH_BITS_COMPLEX) ||
        ((msgh_size > (mach_msg_size_t)sizeof(__Reply) || msgh_size < (mach_msg_size_t)(sizeof(__Reply) - 5184)) &&
         (msgh_size != (mach_msg_size_t)sizeof(mig_reply_error_t) || Out0P->RetCode == KERN_SUCCESS)))
        return MIG_TYPE_ERROR;
    if (Out0P->Head.msgh_request_port != MACH_PORT_NULL)
        return MIG_TYPE_ERROR;
    if (Out0P->RetCode != KERN_SUCCESS)
        return ((mig_reply_error_t *)Out0P)->RetCode;
    /* new_state is the last variable item: its count must fill the message exactly. */
    if (Out0P->new_stateCnt > 1296)
        return MIG_TYPE_ERROR;
    if (((msgh_size - (mach_msg_size_t)(sizeof(__Reply) - 5184)) / 4 < Out0P->new_stateCnt) ||
        (msgh_size != (mach_msg_size_t)(sizeof(__Reply) - 5184) + Out0P->new_stateCnt * 4))
        return MIG_TYPE_ERROR;
    return MACH_MSG_SUCCESS;
}

/* `*new_stateCnt` is the caller's capacity on the way in and the count on the way out. */
kern_return_t mach_exception_raise_state_identity(mach_port_t exception_port, mach_port_t thread, mach_port_t task,
                                                  exception_type_t exception, mach_exception_data_t code,
                                                  mach_msg_type_number_t codeCnt, int *flavor, thread_state_t old_state,
                                                  mach_msg_type_number_t old_stateCnt, thread_state_t new_state,
                                                  mach_msg_type_number_t *new_stateCnt) {
    typedef __Request__mach_exception_raise_state_identity_t Request;
#pragma pack(push, 4)
    typedef struct {
        mach_msg_header_t Head;
        NDR_record_t NDR;
        kern_return_t RetCode;
        int flavor;
        mach_msg_type_number_t new_stateCnt;
        natural_t new_state[1296];
        mach_msg_trailer_t trailer;
    } Reply;
#pragma pack(pop)
    _Static_assert(sizeof(Reply) == sizeof(__Reply__mach_exception_raise_state_identity_t) + sizeof(mach_msg_trailer_t),
                   "Reply + trailer");
    union {
        Request In;
        Reply Out;
    } Mess;
    Request *InP = &Mess.In;
    Reply *Out0P = &Mess.Out;
    unsigned int msgh_size;
    unsigned int msgh_size_delta;
    mach_msg_return_t msg_result;
    kern_return_t check_result;

    InP->msgh_body.msgh_descriptor_count = 2;
    InP->thread.name = thread;
    InP->thread.disposition = MACH_MSG_TYPE_COPY_SEND;
    InP->thread.type = MACH_MSG_PORT_DESCRIPTOR;
    InP->task.name = task;
    InP->task.disposition = MACH_MSG_TYPE_COPY_SEND;
    InP->task.type = MACH_MSG_PORT_DESCRIPTOR;
    InP->NDR = NDR_record;
    InP->exception = exception;
    if (codeCnt > 2)
        return MIG_ARRAY_TOO_LARGE;
    (void)memcpy((char *)InP->code, (const char *)code, 8 * codeCnt);
    InP->codeCnt = codeCnt;
    msgh_size_delta = (8 * codeCnt);
    msgh_size = (mach_msg_size_t)(sizeof(Request) - 5200) + msgh_size_delta;
    /* Everything after code moves down to where code ends. */
    InP = (Request *)((uintptr_t)InP + msgh_size_delta - 16);

    InP->flavor = *flavor;
    if (old_stateCnt > 1296)
        return MIG_ARRAY_TOO_LARGE;
    (void)memcpy((char *)InP->old_state, (const char *)old_state, 4 * old_stateCnt);
    InP->old_stateCnt = old_stateCnt;
    msgh_size += (4 * old_stateCnt);

    InP = &Mess.In;
    InP->Head.msgh_reply_port = mig_get_reply_port();
    InP->Head.msgh_bits = MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(19, MACH_MSG_TYPE_MAKE_SEND_ONCE);
    /* msgh_size passed as argument */
    InP->Head.msgh_request_port = exception_port;
    InP->Head.msgh_id = 15003;
    InP->Head.msgh_reserved = 0;
    if (voucher_mach_msg_set != NULL)
        voucher_mach_msg_set(&InP->Head);

    msg_result = mach_msg(&InP->Head, MACH_SEND_MSG | MACH_RCV_MSG | MACH_MSG_OPTION_NONE, msgh_size,
                          (mach_msg_size_t)sizeof(Reply), InP->Head.msgh_reply_port, MACH_MSG_TIMEOUT_NONE,
                          MACH_PORT_NULL);
    if (msg_result != MACH_MSG_SUCCESS) {
        __MachMsgErrorWithoutTimeout(msg_result);
        return msg_result;
    }

    check_result = __MIG_check__Reply__mach_exception_raise_state_identity_t(
        (__Reply__mach_exception_raise_state_identity_t *)Out0P);
    if (check_result != MACH_MSG_SUCCESS)
        return check_result;

    *flavor = Out0P->flavor;
    if (Out0P->new_stateCnt > *new_stateCnt) {
        (void)memcpy((char *)new_state, (const char *)Out0P->new_state, 4 * *new_stateCnt);
        *new_stateCnt = Out0P->new_stateCnt;
        return MIG_ARRAY_TOO_LARGE;
    }
    (void)memcpy((char *)new_state, (const char *)Out0P->new_state, 4 * Out0P->new_stateCnt);
    *new_stateCnt = Out0P->new_stateCnt;
    return KERN_SUCCESS;
}
