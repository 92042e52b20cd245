/* The records the kernel side of vigil's sensor writes into its ring buffer, shared by
 * sensor.bpf.c (compiled with clang -target bpf against vmlinux.h) and the C++ decoder
 * (src/runtime/event.cc). Plain C, fixed-width fields, no pointers. Every record starts with a
 * vigil_header whose `size` is the size of the whole record; strings are NUL-terminated within
 * their arrays (cut when longer). Changing a layout: bump VIGIL_EVENT_ABI. */
#ifndef VIGIL_RUNTIME_BPF_EVENTS_H
#define VIGIL_RUNTIME_BPF_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define VIGIL_EVENT_ABI 1
#define VIGIL_COMM_LEN 16
#define VIGIL_TTY_LEN 16
#define VIGIL_PATH_LEN 256
#define VIGIL_ARGS_LEN 512
#define VIGIL_UNIX_PATH_LEN 108

enum vigil_event_type {
  VIGIL_EV_EXEC = 1,
  VIGIL_EV_EXIT = 2,
  VIGIL_EV_FORK = 3,
  VIGIL_EV_OPEN = 4,
  VIGIL_EV_CONNECT = 5,
  VIGIL_EV_MAX = 6, /* one past the last type */
};

/* Where a record can be lost in the kernel, per event type (the stats map: a per-CPU array of
 * __u64 indexed by type * VIGIL_STAT_COUNT + stat). */
enum vigil_stat {
  VIGIL_STAT_ATTEMPTED = 0, /* the probe decided to emit */
  VIGIL_STAT_RESERVE_FAILED = 1, /* the ring buffer was full: lost, counted */
  VIGIL_STAT_COUNT = 2,
};

/* Flags of vigil_exec.flags. */
#define VIGIL_EXEC_MEMFD 1u         /* the executable is a memfd (fileless) */
#define VIGIL_EXEC_OVERLAY 2u       /* the executable is on an overlay filesystem */
#define VIGIL_EXEC_ARGS_CUT 4u      /* argv was longer than VIGIL_ARGS_LEN */
#define VIGIL_EXEC_PARENT_HOST 8u   /* the parent's mount namespace differs (runtime exec) */

struct vigil_header {
  __u64 ts_ns;      /* bpf_ktime_get_boot_ns */
  __u32 type;       /* enum vigil_event_type */
  __u32 size;       /* bytes of the whole record */
  __u32 pid, tid, ppid;  /* as the host sees them (tgid, pid, real parent's tgid) */
  __u32 ns_pid;     /* the process id inside its own pid namespace */
  __u32 uid, gid, loginuid;
  __u32 mnt_ns, pid_ns, net_ns;  /* namespace inode numbers */
  __u64 cgroup_id;     /* default-hierarchy (cgroup v2) id */
  __u64 cgroup_v1_id;  /* kernfs id of the memory controller's cgroup (v1 and hybrid hosts) */
  char comm[VIGIL_COMM_LEN];
  char tty[VIGIL_TTY_LEN];       /* controlling terminal name ("pts0"), "" for none */
};

struct vigil_exec {
  struct vigil_header h;
  __u32 flags;       /* VIGIL_EXEC_* */
  __u32 args_len;    /* bytes of args used (NUL-separated argv) */
  char filename[VIGIL_PATH_LEN];
  char args[VIGIL_ARGS_LEN];
};

struct vigil_exit {
  struct vigil_header h;
  __s32 exit_code;   /* the wait status: exit code << 8 | signal */
  __u32 pad;
};

struct vigil_fork {
  struct vigil_header h;
  __u32 child_pid, child_tid;
};

struct vigil_open {
  struct vigil_header h;
  __u32 flags;       /* open(2) flags */
  __u32 mode;        /* the mode argument of a creating open, else 0 */
  __s32 result;      /* the file descriptor, or -errno */
  __u32 pad;
  char path[VIGIL_PATH_LEN];  /* as the process gave it (relative to its cwd or dirfd if not absolute) */
};

struct vigil_connect {
  struct vigil_header h;
  __s32 result;      /* 0, or -errno (-EINPROGRESS for a non-blocking connect under way) */
  __u16 family;      /* AF_INET, AF_INET6, AF_UNIX */
  __u16 port;        /* host byte order */
  __u8 addr[16];     /* IPv4 in the first 4 bytes */
  char unix_path[VIGIL_UNIX_PATH_LEN];
};

/* The single entry of the config map, written by user space before attaching. */
struct vigil_config {
  __u32 enabled;       /* bit (1 << type) per enabled event type */
  __u32 watch_host;    /* 1: also the host's processes; 0: containers only */
  __u32 host_mnt_ns;   /* the host's mount namespace inode (processes in it are the host's) */
  __u32 self_tgid;     /* the sensor itself, never reported */
};

#endif
