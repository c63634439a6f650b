/*
 * The subset of <mach/mach.h>, <mach/mig.h> and <servers/bootstrap.h> that
 * the loopback kernel exports with C linkage (cargo feature `c-abi`).
 * Written for the interop test and the C-stub benchmark (benches/c/); values
 * and layouts are XNU's (LP64).
 */
#ifndef LOOPBACK_MACH_H
#define LOOPBACK_MACH_H

#include <stdint.h>

typedef int kern_return_t;
typedef unsigned int natural_t;
typedef int integer_t;
typedef natural_t mach_port_name_t;
typedef natural_t mach_port_t;
typedef mach_port_t ipc_space_t;
typedef natural_t mach_port_right_t;
typedef integer_t mach_port_delta_t;
typedef natural_t mach_port_mscount_t;
typedef unsigned int mach_msg_bits_t;
typedef natural_t mach_msg_size_t;
typedef integer_t mach_msg_id_t;
typedef integer_t mach_msg_option_t;
typedef natural_t mach_msg_timeout_t;
typedef unsigned int mach_msg_type_name_t;
typedef unsigned int mach_msg_trailer_type_t;
typedef unsigned int mach_msg_trailer_size_t;
typedef kern_return_t mach_msg_return_t;
typedef uintptr_t vm_address_t;
typedef uintptr_t vm_size_t;
typedef char name_t[128];
typedef uint64_t mach_vm_address_t;
typedef uint64_t mach_vm_size_t;
typedef natural_t mach_port_urefs_t;
typedef natural_t mach_port_type_t;
typedef mach_port_t vm_map_t;
typedef integer_t mach_msg_options_t;
typedef int boolean_t;
typedef natural_t mach_msg_type_number_t;
typedef unsigned int mach_msg_descriptor_type_t;
typedef unsigned int mach_msg_copy_options_t;
typedef vm_address_t pointer_t;

#define KERN_SUCCESS 0
#define MACH_MSG_SUCCESS 0
#define MACH_PORT_NULL ((mach_port_t)0)
#define MACH_PORT_RIGHT_SEND ((mach_port_right_t)0)
#define MACH_PORT_RIGHT_RECEIVE ((mach_port_right_t)1)
#define MACH_MSG_TYPE_MOVE_SEND 17
#define MACH_MSG_TYPE_MOVE_SEND_ONCE 18
#define MACH_MSG_TYPE_COPY_SEND 19
#define MACH_MSG_TYPE_MAKE_SEND 20
#define MACH_MSG_TYPE_MAKE_SEND_ONCE 21
#define MACH_MSG_TYPE_PORT_SEND MACH_MSG_TYPE_MOVE_SEND
#define MACH_MSG_TYPE_PORT_SEND_ONCE MACH_MSG_TYPE_MOVE_SEND_ONCE
#define MACH_MSGH_BITS(remote, local) ((remote) | ((local) << 8))
#define MACH_MSGH_BITS_REMOTE(bits) ((bits) & 0x1f)
#define MACH_MSGH_BITS_LOCAL(bits) (((bits) >> 8) & 0x1f)
#define MACH_MSGH_BITS_COMPLEX 0x80000000u
#define MACH_SEND_MSG 0x00000001
#define MACH_RCV_MSG 0x00000002
#define MACH_SEND_TIMEOUT 0x00000010
#define MACH_MSG_OPTION_NONE 0
#define MACH_MSG_TIMEOUT_NONE 0
#define MACH_MSG_PORT_DESCRIPTOR 0
#define MACH_MSG_OOL_DESCRIPTOR 1
#define MACH_MSG_OOL_PORTS_DESCRIPTOR 2
#define MACH_PORT_TYPE_RECEIVE (1u << 17)
#define MACH_RCV_TRAILER_AUDIT 3
#define MACH_RCV_TRAILER_TYPE(x) (((x) & 0xf) << 28)
#define MACH_RCV_TRAILER_ELEMENTS(x) (((x) & 0xf) << 24)
#define MACH_MSG_TYPE_PORT_NONE 0
#define MACH_MSG_TRAILER_FORMAT_0 0
#define VM_FLAGS_ANYWHERE 1
#define FALSE 0
#define TRUE 1
#define MACH_MSG_PHYSICAL_COPY 0
#define MACH_MSG_VIRTUAL_COPY 1
#define MACH_NOTIFY_SEND_ONCE 71
#define MACH_SEND_INVALID_DATA 0x10000002
#define MACH_SEND_INVALID_DEST 0x10000003
#define MACH_SEND_INVALID_HEADER 0x10000010
#define MACH_RCV_INVALID_NAME 0x10004002
#define MACH_RCV_PORT_DIED 0x10004009
#define MIG_TYPE_ERROR (-300)
#define MIG_REPLY_MISMATCH (-301)
#define MIG_BAD_ID (-303)
#define MIG_BAD_ARGUMENTS (-304)
#define MIG_NO_REPLY (-305)
#define MIG_ARRAY_TOO_LARGE (-307)
#define MIG_SERVER_DIED (-308)
#define BOOTSTRAP_SUCCESS 0
#define BOOTSTRAP_UNKNOWN_SERVICE 1102

typedef struct {
    mach_msg_bits_t msgh_bits;
    mach_msg_size_t msgh_size;
    mach_port_t msgh_remote_port;
    mach_port_t msgh_local_port;
    mach_port_name_t msgh_voucher_port;
    mach_msg_id_t msgh_id;
} mach_msg_header_t;
#define msgh_reserved msgh_voucher_port

typedef struct {
    mach_msg_size_t msgh_descriptor_count;
} mach_msg_body_t;

/* The LP64 user descriptors (12 and 16 bytes). */
typedef struct {
    mach_port_t name;
    mach_msg_size_t pad1;
    unsigned int pad2 : 16;
    mach_msg_type_name_t disposition : 8;
    mach_msg_descriptor_type_t type : 8;
} mach_msg_port_descriptor_t;

typedef struct {
    void *address;
    boolean_t deallocate : 8;
    mach_msg_copy_options_t copy : 8;
    unsigned int pad1 : 8;
    mach_msg_descriptor_type_t type : 8;
    mach_msg_size_t size;
} mach_msg_ool_descriptor_t;

typedef struct {
    void *address;
    boolean_t deallocate : 8;
    mach_msg_copy_options_t copy : 8;
    mach_msg_type_name_t disposition : 8;
    mach_msg_descriptor_type_t type : 8;
    mach_msg_size_t count;
} mach_msg_ool_ports_descriptor_t;

typedef struct {
    mach_msg_trailer_type_t msgh_trailer_type;
    mach_msg_trailer_size_t msgh_trailer_size;
} mach_msg_trailer_t;

typedef struct {
    unsigned char mig_vers, if_vers, reserved1, mig_encoding;
    unsigned char int_rep, char_rep, float_rep, reserved2;
} NDR_record_t;

typedef struct {
    mach_msg_header_t Head;
    NDR_record_t NDR;
    kern_return_t RetCode;
} mig_reply_error_t;

extern NDR_record_t NDR_record;
extern mach_port_t mach_task_self_;
#define mach_task_self() mach_task_self_
extern mach_port_t bootstrap_port;

mach_msg_return_t mach_msg(mach_msg_header_t *msg, mach_msg_option_t option, mach_msg_size_t send_size,
                           mach_msg_size_t rcv_size, mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
                           mach_port_name_t notify);
mach_msg_return_t mach_msg_send(mach_msg_header_t *msg);
void mach_msg_destroy(mach_msg_header_t *msg);
kern_return_t mach_port_allocate(ipc_space_t task, mach_port_right_t right, mach_port_name_t *name);
kern_return_t mach_port_deallocate(ipc_space_t task, mach_port_name_t name);
kern_return_t mach_port_mod_refs(ipc_space_t task, mach_port_name_t name, mach_port_right_t right,
                                 mach_port_delta_t delta);
kern_return_t mach_port_insert_right(ipc_space_t task, mach_port_name_t name, mach_port_t poly,
                                     mach_msg_type_name_t polyPoly);
kern_return_t mach_port_extract_right(ipc_space_t task, mach_port_name_t name, mach_msg_type_name_t msgt_name,
                                      mach_port_t *poly, mach_msg_type_name_t *polyPoly);
kern_return_t mach_port_destroy(ipc_space_t task, mach_port_name_t name);
kern_return_t mach_port_request_notification(ipc_space_t task, mach_port_name_t name, mach_msg_id_t msgid,
                                             mach_port_mscount_t sync, mach_port_t notify,
                                             mach_msg_type_name_t notifyPoly, mach_port_t *previous);
mach_port_t mig_get_reply_port(void);
void mig_put_reply_port(mach_port_t reply_port);
void mig_dealloc_reply_port(mach_port_t reply_port);
kern_return_t vm_allocate(mach_port_t target_task, vm_address_t *address, vm_size_t size, int flags);
kern_return_t vm_deallocate(mach_port_t target_task, vm_address_t address, vm_size_t size);
/* <mach/mig.h>, <mach/mach.h>, <mach/mach_vm.h>, <mach/mach_port.h>, <mach/mach_traps.h> */
int mig_strncpy(char *dest, const char *src, int len);
int mig_strncpy_zerofill(char *dest, const char *src, int len);
void mig_allocate(vm_address_t *addr_p, vm_size_t size);
void mig_deallocate(vm_address_t addr, vm_size_t size);
mach_msg_return_t mach_msg_server(boolean_t (*demux)(mach_msg_header_t *, mach_msg_header_t *),
                                  mach_msg_size_t max_size, mach_port_t rcv_name, mach_msg_options_t options);
mach_msg_return_t mach_msg_server_once(boolean_t (*demux)(mach_msg_header_t *, mach_msg_header_t *),
                                       mach_msg_size_t max_size, mach_port_t rcv_name, mach_msg_options_t options);
boolean_t voucher_mach_msg_set(mach_msg_header_t *msg);
kern_return_t mach_vm_allocate(vm_map_t target, mach_vm_address_t *address, mach_vm_size_t size, int flags);
kern_return_t mach_vm_deallocate(vm_map_t target, mach_vm_address_t address, mach_vm_size_t size);
kern_return_t mach_port_get_refs(ipc_space_t task, mach_port_name_t name, mach_port_right_t right,
                                 mach_port_urefs_t *refs);
kern_return_t mach_port_type(ipc_space_t task, mach_port_name_t name, mach_port_type_t *ptype);
mach_port_name_t mach_reply_port(void);
mach_port_name_t thread_get_special_reply_port(void);
kern_return_t bootstrap_look_up(mach_port_t bp, const name_t service_name, mach_port_t *sp);
kern_return_t bootstrap_check_in(mach_port_t bp, const name_t service_name, mach_port_t *sp);
kern_return_t bootstrap_register(mach_port_t bp, name_t service_name, mach_port_t sp);

#endif
