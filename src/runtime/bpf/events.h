/* The records the kernel side of vigil's sensor writes into its ring buffer, shared by
 * sensor.bpf.c (compiled with clang -target bpf against vmlinux.h) and the C++ decoder
 * (src/runtime/event.cc). Plain C, fixed-width fields, no pointers. Every record starts with a
 * vigil_header whose `size` is the size of the whole record; strings are NUL-terminated within
 * their arrays (cut when longer). Changing a layout: bump VIGIL_EVENT_ABI (and the layout the
 * decoder checks, src/runtime/payloads.cc). Which record each event type comes in: the table
 * of runtime/event_types.h. */
#ifndef VIGIL_RUNTIME_BPF_EVENTS_H
#define VIGIL_RUNTIME_BPF_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#include "runtime/event_types.h"

#define VIGIL_EVENT_ABI 2
#define VIGIL_COMM_LEN 16
#define VIGIL_TTY_LEN 16
#define VIGIL_PATH_LEN 256
#define VIGIL_ARGS_LEN 512
#define VIGIL_UNIX_PATH_LEN 108
#define VIGIL_STR_LEN 32
#define VIGIL_MAX_SYSCALLS 512 /* system call numbers below this are looked up in vigil_syscalls */
#define VIGIL_PREFIX_LEN 64    /* bytes of a path the prefix filters look at */

/* The event types, numbered as the table of runtime/event_types.h says (one row per type). */
/* Not formatted by clang-format: it reads the X-macro expansion as one expression. */
/* clang-format off */
enum vigil_event_type {
#define VIGIL_EVENT_TYPE_ENUMERATOR(name, NAME, Name, value, record, probe, in_default) VIGIL_EV_##NAME = value,
  VIGIL_EVENT_TYPES(VIGIL_EVENT_TYPE_ENUMERATOR)
#undef VIGIL_EVENT_TYPE_ENUMERATOR
  VIGIL_EV_MAX, /* one past the last type (the table's values increase by one from 1) */
};
/* clang-format on */

/* Where a record can be lost in the kernel, per event type (the stats map: a per-CPU array of
 * __u64 indexed by type * VIGIL_STAT_COUNT + stat). */
enum vigil_stat {
  VIGIL_STAT_ATTEMPTED = 0,      /* the probe decided to emit */
  VIGIL_STAT_RESERVE_FAILED = 1, /* the ring buffer was full: lost, counted */
  VIGIL_STAT_COUNT = 2,
};

/* Flags of vigil_exec.flags. */
#define VIGIL_EXEC_MEMFD 1u       /* the executable is a memfd (fileless) */
#define VIGIL_EXEC_OVERLAY 2u     /* the executable is on an overlay filesystem */
#define VIGIL_EXEC_ARGS_CUT 4u    /* argv was longer than VIGIL_ARGS_LEN */
#define VIGIL_EXEC_PARENT_HOST 8u /* the parent's mount namespace differs (runtime exec) */
#define VIGIL_EXEC_UPPER 16u      /* the executable is in the overlay's upper layer (written after start) */
#define VIGIL_EXEC_LOWER 32u      /* ... and exists in a lower (image) layer too (a modified image file) */

struct vigil_header {
  __u64 ts_ns;          /* bpf_ktime_get_boot_ns */
  __u32 type;           /* enum vigil_event_type */
  __u32 size;           /* bytes of the whole record */
  __u32 pid, tid, ppid; /* as the host sees them (tgid, pid, real parent's tgid) */
  __u32 ns_pid;         /* the process id inside its own pid namespace */
  __u32 uid, gid, loginuid;
  __u32 mnt_ns, pid_ns, net_ns; /* namespace inode numbers */
  __u64 cgroup_id;              /* default-hierarchy (cgroup v2) id */
  __u64 cgroup_v1_id;           /* kernfs id of the memory controller's cgroup (v1 and hybrid hosts) */
  char comm[VIGIL_COMM_LEN];
  char tty[VIGIL_TTY_LEN]; /* controlling terminal name ("pts0"), "" for none */
};

struct vigil_exec {
  struct vigil_header h;
  __u32 flags;    /* VIGIL_EXEC_* */
  __u32 args_len; /* bytes of args used (NUL-separated argv) */
  char filename[VIGIL_PATH_LEN];
  char args[VIGIL_ARGS_LEN];
};

struct vigil_exit {
  struct vigil_header h;
  __s32 exit_code; /* the wait status: exit code << 8 | signal */
  __u32 pad;
};

struct vigil_fork {
  struct vigil_header h;
  __u32 child_pid, child_tid;
};

struct vigil_open {
  struct vigil_header h;
  __u32 flags;  /* open(2) flags */
  __u32 mode;   /* the mode argument of a creating open, else 0 */
  __s32 result; /* the file descriptor, or -errno */
  __u32 pad;
  char path[VIGIL_PATH_LEN]; /* as the process gave it (relative to its cwd or dirfd if not absolute) */
};

/* connect, accept, bind, listen, tcp_connect. */
struct vigil_net {
  struct vigil_header h;
  __s32 result;  /* connect/bind/listen: 0 or -errno (-EINPROGRESS: under way; always so for
                    tcp_connect); accept: the new fd or -errno */
  __u16 family;  /* AF_INET, AF_INET6, AF_UNIX */
  __u16 port;    /* host byte order */
  __u8 addr[16]; /* IPv4 in the first 4 bytes */
  char unix_path[VIGIL_UNIX_PATH_LEN];
};

/* The other system call events (unlink .. bpf): the raw arguments and up to three strings the
 * system call's table entry (vigil_syscall_spec) names; the decoder interprets them per type. */
struct vigil_syscall {
  struct vigil_header h;
  __s64 result; /* the return value, or -errno */
  __u32 nr;     /* the system call number (of the machine's architecture) */
  __u32 pad;
  __u64 args[6]; /* capset: args[2..4] = effective, permitted, inheritable (the first u32 each) */
  char path[VIGIL_PATH_LEN];
  char path2[VIGIL_PATH_LEN];
  char str[VIGIL_STR_LEN];
};

/* How the system call probes treat one system call number (the vigil_syscalls array map,
 * written by user space from its table of the machine's system calls; type 0 = not watched). */
#define VIGIL_FILTER_NONE 0
#define VIGIL_FILTER_OPEN 1    /* report writes, and reads of paths the prefix map marks */
#define VIGIL_FILTER_OPENAT2 2 /* as OPEN, the flags in the struct open_how the argument points to */
#define VIGIL_FILTER_CHMOD 3   /* report modes with an execute, setuid or setgid bit */
#define VIGIL_FILTER_PTRACE 4  /* report attach, seize, traceme, poke*, setregs* */
#define VIGIL_FILTER_PATH 5    /* leave out paths the prefix map marks ignored */
struct vigil_syscall_spec {
  __u8 type;      /* enum vigil_event_type, 0 = not watched */
  __u8 path_arg;  /* 1-based argument holding a user string for `path`, 0 = none */
  __u8 path2_arg; /* ... for `path2` */
  __u8 str_arg;   /* ... for `str` */
  __u8 flags_arg; /* 1-based argument holding open flags or a chmod mode (filters) */
  __u8 filter;    /* VIGIL_FILTER_* */
  __u8 implied;   /* creat: the open flags are implied (O_CREAT|O_WRONLY|O_TRUNC) */
  __u8 pad;
};

/* The path-prefix filter (an LPM trie keyed by the first VIGIL_PREFIX_LEN bytes of an absolute
 * path; the longest stored prefix decides). */
#define VIGIL_PATH_READS 1u  /* report reads (opens without a write flag) too */
#define VIGIL_PATH_IGNORE 2u /* report nothing for these paths (open, unlink, rename, chmod, chown) */
struct vigil_prefix_key {
  __u32 prefixlen; /* in bits */
  char path[VIGIL_PREFIX_LEN];
};

/* The single entry of the config map, written by user space before attaching. */
struct vigil_config {
  __u32 enabled;     /* bit (1 << type) per enabled event type */
  __u32 watch_host;  /* 1: also the host's processes; 0: containers only */
  __u32 host_mnt_ns; /* the host's mount namespace inode (processes in it are the host's) */
  __u32 self_tgid;   /* the sensor itself, never reported */
  __u32 pad;
  __u64 wakeup_bytes; /* wake user space when the ring holds this much; 0 = on every record */
};

#endif
