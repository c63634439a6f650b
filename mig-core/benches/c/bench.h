/*
 * Subsystem `bench` 15000 of benches/subsystem/mod.rs, written by hand in the
 * shape of what Apple's MIG emits for it (the user header's message typedefs,
 * the stub prototypes, the server routines the demux calls):
 *
 *     subsystem bench 15000;
 *     type echo_t = array[*:512] of int;
 *     routine add2(server: mach_port_t; a: int; b: int; out c: int);
 *     routine echo(server: mach_port_t; data: echo_t;
 *                  code: array2_t = array[*:2] of int64_t; out back: echo_t);
 *     routine ool_send(server: mach_port_t; data: pointer_t;
 *                      out port: mach_port_make_send_t);
 *     routine mach_exception_raise_state_identity(exception_port: mach_port_t;
 *                      thread: mach_port_t; task: mach_port_t;
 *                      exception: exception_type_t; code: mach_exception_data_t;
 *                      inout flavor: int; old_state: thread_state_t;
 *                      out new_state: thread_state_t);
 *
 * with mach_exc.defs's exception_type_t (int) and mach_exception_data_t
 * (array[*:2] of int64_t), and mach_types.defs's thread_state_t
 * (array[*:THREAD_STATE_MAX] of natural_t, THREAD_STATE_MAX 1296). The last
 * routine is xnu's osfmk/mach/mach_exc.defs one, at msgh_id 15003 here
 * (2407 in subsystem mach_exc 2405); its structs are Apple's
 * __Request__/__Reply__mach_exception_raise_state_identity_t (5276 and
 * 5228 bytes at their maximum, ../shared/golden/xnu-layouts.json).
 *
 * Layouts are those of ../shared/golden/README.md (x86_64, pack(4)): every
 * variable array at its maximum in the typedef, packed tight on the wire.
 */
#ifndef MIG_BENCH_H
#define MIG_BENCH_H

#include <stddef.h>

#include "loopback_mach.h"

/* <mach/mig.h>'s `sizeof(mach_msg_max_trailer_t)`. */
#define MAX_TRAILER_SIZE 68

#define bench_MSG_COUNT 4

typedef int echo_t[512];
typedef int64_t array2_t[2];
typedef int exception_type_t;
typedef int64_t *mach_exception_data_t;
#define THREAD_STATE_MAX 1296
typedef natural_t *thread_state_t;

#pragma pack(push, 4)
typedef struct {
    mach_msg_header_t Head;
    NDR_record_t NDR;
    int a;
    int b;
} __Request__add2_t;

typedef struct {
    mach_msg_header_t Head;
    NDR_record_t NDR;
    mach_msg_type_number_t dataCnt;
    int data[512];
    mach_msg_type_number_t codeCnt;
    int64_t code[2];
} __Request__echo_t;

typedef struct {
    mach_msg_header_t Head;
    /* start of the kernel processed data */
    mach_msg_body_t msgh_body;
    mach_msg_ool_descriptor_t data;
    /* end of the kernel processed data */
    NDR_record_t NDR;
    mach_msg_type_number_t dataCnt;
} __Request__ool_send_t;

typedef struct {
    mach_msg_header_t Head;
    /* start of the kernel processed data */
    mach_msg_body_t msgh_body;
    mach_msg_port_descriptor_t thread;
    mach_msg_port_descriptor_t task;
    /* end of the kernel processed data */
    NDR_record_t NDR;
    exception_type_t exception;
    mach_msg_type_number_t codeCnt;
    int64_t code[2];
    int flavor;
    mach_msg_type_number_t old_stateCnt;
    natural_t old_state[1296];
} __Request__mach_exception_raise_state_identity_t;

typedef struct {
    mach_msg_header_t Head;
    NDR_record_t NDR;
    kern_return_t RetCode;
    int c;
} __Reply__add2_t;

typedef struct {
    mach_msg_header_t Head;
    NDR_record_t NDR;
    kern_return_t RetCode;
    mach_msg_type_number_t backCnt;
    int back[512];
} __Reply__echo_t;

typedef struct {
    mach_msg_header_t Head;
    /* start of the kernel processed data */
    mach_msg_body_t msgh_body;
    mach_msg_port_descriptor_t port;
    /* end of the kernel processed data */
} __Reply__ool_send_t;

typedef struct {
    mach_msg_header_t Head;
    NDR_record_t NDR;
    kern_return_t RetCode;
    int flavor;
    mach_msg_type_number_t new_stateCnt;
    natural_t new_state[1296];
} __Reply__mach_exception_raise_state_identity_t;
#pragma pack(pop)

union __RequestUnion__bench_subsystem {
    __Request__add2_t Request_add2;
    __Request__echo_t Request_echo;
    __Request__ool_send_t Request_ool_send;
    __Request__mach_exception_raise_state_identity_t Request_mach_exception_raise_state_identity;
};

union __ReplyUnion__bench_subsystem {
    __Reply__add2_t Reply_add2;
    __Reply__echo_t Reply_echo;
    __Reply__ool_send_t Reply_ool_send;
    __Reply__mach_exception_raise_state_identity_t Reply_mach_exception_raise_state_identity;
};

/* The sizes `mig!` gives the same messages (its layout table), pinned here. */
_Static_assert(sizeof(mach_msg_port_descriptor_t) == 12, "port descriptor");
_Static_assert(sizeof(mach_msg_ool_descriptor_t) == 16, "OOL descriptor");
_Static_assert(sizeof(mig_reply_error_t) == 36, "mig_reply_error_t");
_Static_assert(sizeof(__Request__add2_t) == 40 && sizeof(__Reply__add2_t) == 40, "add2");
_Static_assert(sizeof(__Request__echo_t) == 2104 && sizeof(__Reply__echo_t) == 2088, "echo");
_Static_assert(offsetof(__Request__echo_t, codeCnt) == 2084, "echo codeCnt");
_Static_assert(sizeof(__Request__ool_send_t) == 56 && sizeof(__Reply__ool_send_t) == 40, "ool_send");
_Static_assert(offsetof(__Request__ool_send_t, NDR) == 44, "ool_send NDR");
/* Apple's sizes and offsets for these two (the golden layouts). */
_Static_assert(sizeof(__Request__mach_exception_raise_state_identity_t) == 5276 &&
                   sizeof(__Reply__mach_exception_raise_state_identity_t) == 5228,
               "mach_exception_raise_state_identity");
_Static_assert(offsetof(__Request__mach_exception_raise_state_identity_t, NDR) == 52 &&
                   offsetof(__Request__mach_exception_raise_state_identity_t, code) == 68 &&
                   offsetof(__Request__mach_exception_raise_state_identity_t, flavor) == 84 &&
                   offsetof(__Request__mach_exception_raise_state_identity_t, old_state) == 92,
               "mach_exception_raise_state_identity request offsets");
_Static_assert(offsetof(__Reply__mach_exception_raise_state_identity_t, flavor) == 36 &&
                   offsetof(__Reply__mach_exception_raise_state_identity_t, new_state) == 44,
               "mach_exception_raise_state_identity reply offsets");

/* User stubs (bench_user.c). */
kern_return_t add2(mach_port_t server, int a, int b, int *c);
kern_return_t echo(mach_port_t server, const int *data, mach_msg_type_number_t dataCnt, const int64_t *code,
                   mach_msg_type_number_t codeCnt, int *back, mach_msg_type_number_t *backCnt);
kern_return_t ool_send(mach_port_t server, pointer_t data, mach_msg_type_number_t dataCnt, mach_port_t *port);
kern_return_t mach_exception_raise_state_identity(mach_port_t exception_port, mach_port_t thread, mach_port_t task,
                                                  exception_type_t exception, mach_exception_data_t code,
                                                  mach_msg_type_number_t codeCnt, int *flavor, thread_state_t old_state,
                                                  mach_msg_type_number_t old_stateCnt, thread_state_t new_state,
                                                  mach_msg_type_number_t *new_stateCnt);

/* Server routines the server stubs call (the handlers, bench_driver.c). */
kern_return_t S_add2(mach_port_t server, int a, int b, int *c);
kern_return_t S_echo(mach_port_t server, const int *data, mach_msg_type_number_t dataCnt, const int64_t *code,
                     mach_msg_type_number_t codeCnt, int *back, mach_msg_type_number_t *backCnt);
kern_return_t S_ool_send(mach_port_t server, pointer_t data, mach_msg_type_number_t dataCnt, mach_port_t *port);
kern_return_t S_mach_exception_raise_state_identity(mach_port_t exception_port, mach_port_t thread, mach_port_t task,
                                                    exception_type_t exception, mach_exception_data_t code,
                                                    mach_msg_type_number_t codeCnt, int *flavor,
                                                    thread_state_t old_state, mach_msg_type_number_t old_stateCnt,
                                                    thread_state_t new_state, mach_msg_type_number_t *new_stateCnt);

/* The demux (bench_server.c): MIG's `<subsystem>_server`. */
boolean_t bench_server(mach_msg_header_t *InHeadP, mach_msg_header_t *OutHeadP);

#endif
