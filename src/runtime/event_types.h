/* The sensor's event types: one row each, the only list of them. From it come the kernel's type
 * numbers (enum vigil_event_type, bpf/events.h), the C++ EventType and kEventTypeSlots
 * (event.h), the names, the event sets of --events ("default", "syscalls", "all"), which kernel
 * programs a set of types needs (sensor.cc), the dispatch of decoding and of JSON writing per
 * type (event.cc, payloads.cc), the record layout checks and the field registry's per-type sets
 * (fields.cc). docs/howto/add-a-sensor-event.md is the recipe for a new type.
 *
 * Plain C, macros only: the BPF program (bpf/sensor.bpf.c, clang -target bpf) includes it too.
 *
 *   X(name, NAME, Name, value, record, probe, in_default)
 *   name        the type's name: "type" of the JSON lines, --events, the counters' type label
 *   NAME        the kernel's constant: VIGIL_EV_<NAME>
 *   Name        the C++ enumerator: EventType::k<Name>; the payload writer payload::Write<Name>
 *   value       the number in vigil_header.type: rows in increasing order from 1 without gaps,
 *               below 32 (the config map enables types by bit); never renumber or reuse one
 *   record      the record the kernel writes: struct vigil_<record> of bpf/events.h
 *   probe       the kernel programs that emit it (sensor.cc attaches a program only when a
 *               type it emits is enabled): Exec, Exit, Fork (the sched tracepoints), TcpState
 *               (inet_sock_set_state), Syscalls (sys_enter + sys_exit, which slow every system
 *               call of the machine down, driven by the system call table of syscalls.cc)
 *   in_default  1: in the default event set (types whose probes are off the system call path)
 */
#ifndef VIGIL_RUNTIME_EVENT_TYPES_H
#define VIGIL_RUNTIME_EVENT_TYPES_H

/* What each type reports: docs/SENSOR.md, "Event types and the default set". */
/* clang-format off */
#define VIGIL_EVENT_TYPES(X)                                                                            \
  X(exec,        EXEC,        Exec,        1, exec,    Exec,     1) /* a program started */             \
  X(exit,        EXIT,        Exit,        2, exit,    Exit,     1) /* a process ended */               \
  X(fork,        FORK,        Fork,        3, fork,    Fork,     1) /* a new process */                 \
  X(open,        OPEN,        Open,        4, open,    Syscalls, 0) /* open, openat, openat2, creat */  \
  X(connect,     CONNECT,     Connect,     5, net,     Syscalls, 0) /* every family, with the result */ \
  X(accept,      ACCEPT,      Accept,      6, net,     Syscalls, 0) /* the peer, the new fd */          \
  X(bind,        BIND,        Bind,        7, net,     Syscalls, 0)                                     \
  X(listen,      LISTEN,      Listen,      8, net,     Syscalls, 0) /* the socket's own address */      \
  X(unlink,      UNLINK,      Unlink,      9, syscall, Syscalls, 0) /* unlink, unlinkat, rmdir */       \
  X(rename,      RENAME,      Rename,     10, syscall, Syscalls, 0) /* rename, renameat(2) */           \
  X(chmod,       CHMOD,       Chmod,      11, syscall, Syscalls, 0) /* setting x, setuid, setgid */     \
  X(chown,       CHOWN,       Chown,      12, syscall, Syscalls, 0)                                     \
  X(setid,       SETID,       Setid,      13, syscall, Syscalls, 0) /* set*id, capset */                \
  X(namespace,   NAMESPACE,   Namespace,  14, syscall, Syscalls, 0) /* setns, unshare */                \
  X(ptrace,      PTRACE,      Ptrace,     15, syscall, Syscalls, 0) /* attach, seize, writes */         \
  X(mount,       MOUNT,       Mount,      16, syscall, Syscalls, 0)                                     \
  X(module,      MODULE,      Module,     17, syscall, Syscalls, 0) /* init_module, finit_module */     \
  X(memfd,       MEMFD,       Memfd,      18, syscall, Syscalls, 0) /* memfd_create */                  \
  X(bpf,         BPF,         Bpf,        19, syscall, Syscalls, 0) /* bpf(2) */                        \
  X(tcp_connect, TCP_CONNECT, TcpConnect, 20, net,     TcpState, 1) /* outgoing TCP, off the system call path */
/* clang-format on */

#endif
