// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The kernel side of vigil's runtime sensor (CO-RE, libbpf). Each probe fills one record of
 * events.h into a shared ring buffer; user space (src/runtime/sensor.cc) decodes, attributes and
 * reports it. Every record a probe decides to emit is counted as attempted, and every one the
 * ring buffer had no room for as reserve_failed, so that user space can reconcile delivered +
 * dropped with what the kernel attempted.
 *
 * Probes (BTF-enabled raw tracepoints: no tracefs, kprobes or trampolines needed, as some
 * kernels and sandboxes allow none of those):
 * - tp_btf sched_process_exec / sched_process_fork / sched_process_exit: process events;
 * - tp_btf inet_sock_set_state: outgoing TCP connections (the connecting process is current when
 *   a socket enters SYN_SENT), off the system call path: it costs nothing per system call;
 * - tp_btf sys_enter / sys_exit: the system call events (open .. bpf). User space writes, per
 *   system call number, which event it belongs to and which arguments to read (vigil_syscalls);
 *   the enter probe keeps the arguments per thread, the exit probe emits them with the result.
 *   Attached only when such an event is enabled: any program on these tracepoints puts every
 *   system call of the machine on the kernel's slow path (docs/SENSOR.md, "overhead").
 * Filtering in the kernel, from maps user space writes: enabled event types (config and
 * vigil_syscalls), the host's processes (same mount namespace as the sensor's init) left out
 * unless watch_host is set, and path prefixes (vigil_prefixes: which reads to report, which
 * paths to ignore). */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "events.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define O_WRONLY 01
#define O_RDWR 02
#define O_CREAT 0100
#define O_TRUNC 01000
#define O_APPEND 02000
#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define EINPROGRESS 115
#define TCP_SYN_SENT_STATE 2
#define TCP_CLOSE_STATE 7
#define IPPROTO_TCP_NUM 6

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 8 << 20); /* user space resizes it before loading */
} vigil_events SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, VIGIL_EV_MAX * VIGIL_STAT_COUNT);
  __type(key, __u32);
  __type(value, __u64);
} vigil_stats SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct vigil_config);
} vigil_config_map SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, VIGIL_MAX_SYSCALLS);
  __type(key, __u32);
  __type(value, struct vigil_syscall_spec);
} vigil_syscalls SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, 1024);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct vigil_prefix_key);
  __type(value, __u32);
} vigil_prefixes SEC(".maps");

/* What the enter probe keeps for the exit probe, per thread. */
struct pending {
  __u32 nr;
  __u32 type;
  __u32 flags; /* open flags (OPEN filters) */
  __u32 pad;
  __u64 args[6];
  char path[VIGIL_PATH_LEN];
  char path2[VIGIL_PATH_LEN];
  char str[VIGIL_STR_LEN];
};

/* Scratch space for the pending record of the enter probe (too large for the BPF stack). */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct pending);
} vigil_scratch SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 16384);
  __type(key, __u32);
  __type(value, struct pending);
} vigil_pending SEC(".maps");

static __always_inline struct vigil_config *get_config(void) {
  __u32 key = 0;
  return bpf_map_lookup_elem(&vigil_config_map, &key);
}

static __always_inline void count(__u32 type, __u32 stat) {
  __u32 key = type * VIGIL_STAT_COUNT + stat;
  __u64 *v = bpf_map_lookup_elem(&vigil_stats, &key);
  if (v) *v += 1; /* per-CPU: no other writer */
}

/* Whether `task` should be reported for `type`; counts the attempt when so. */
static __always_inline bool wanted(struct task_struct *task, __u32 type) {
  struct vigil_config *c = get_config();
  if (!c || !(c->enabled & (1u << type))) return false;
  /* Direct (BTF) loads, not BPF_CORE_READ: this runs for every watched system call. */
  if (task->tgid == c->self_tgid) return false;
  if (!c->watch_host && task->nsproxy->mnt_ns->ns.inum == c->host_mnt_ns) return false;
  return true;
}

static __always_inline void *reserve(__u32 type, __u32 size) {
  count(type, VIGIL_STAT_ATTEMPTED);
  void *e = bpf_ringbuf_reserve(&vigil_events, size, 0);
  if (!e) count(type, VIGIL_STAT_RESERVE_FAILED);
  return e;
}

/* Submits a record. User space is woken only once the ring holds wakeup_bytes (it also polls on
 * a timer): a wake-up per record costs a context switch per event in both the watched process
 * and the sensor, which at 100,000+ events/s is most of the cost. */
static __always_inline void submit(void *e) {
  struct vigil_config *c = get_config();
  __u64 threshold = c ? c->wakeup_bytes : 0;
  __u64 flags = 0;
  if (threshold > 0) {
    flags = bpf_ringbuf_query(&vigil_events, BPF_RB_AVAIL_DATA) >= threshold ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
  }
  bpf_ringbuf_submit(e, flags);
}

static __always_inline void fill_header(struct vigil_header *h, struct task_struct *task, __u32 type,
                                        __u32 size) {
  h->ts_ns = bpf_ktime_get_boot_ns();
  h->type = type;
  h->size = size;
  h->pid = BPF_CORE_READ(task, tgid);
  h->tid = BPF_CORE_READ(task, pid);
  h->ppid = BPF_CORE_READ(task, real_parent, tgid);
  struct pid *tp = BPF_CORE_READ(task, thread_pid);
  unsigned int level = BPF_CORE_READ(tp, level);
  struct upid up = {};
  bpf_core_read(&up, sizeof(up), &tp->numbers[level & 31]);
  h->ns_pid = up.nr;
  h->pid_ns = BPF_CORE_READ(up.ns, ns.inum);
  h->uid = BPF_CORE_READ(task, real_cred, uid.val);
  h->gid = BPF_CORE_READ(task, real_cred, gid.val);
  h->loginuid = BPF_CORE_READ(task, loginuid.val);
  h->mnt_ns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
  h->net_ns = BPF_CORE_READ(task, nsproxy, net_ns, ns.inum);
  h->cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
  int memcg = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
  if (memcg >= 0 && memcg < 16) {
    struct cgroup_subsys_state *css = BPF_CORE_READ(task, cgroups, subsys[memcg & 15]);
    h->cgroup_v1_id = css ? BPF_CORE_READ(css, cgroup, kn, id) : 0;
  }
  BPF_CORE_READ_STR_INTO(&h->comm, task, comm);
  struct tty_struct *tty = BPF_CORE_READ(task, signal, tty);
  if (tty) {
    BPF_CORE_READ_STR_INTO(&h->tty, tty, name);
  } else {
    h->tty[0] = 0;
  }
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(vigil_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm) {
  if (!wanted(p, VIGIL_EV_EXEC)) return 0;
  struct vigil_exec *e = reserve(VIGIL_EV_EXEC, sizeof(*e));
  if (!e) return 0;
  fill_header(&e->h, p, VIGIL_EV_EXEC, sizeof(*e));
  e->flags = 0;
  bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), BPF_CORE_READ(bprm, filename));
  struct file *f = BPF_CORE_READ(bprm, file);
  struct dentry *d = BPF_CORE_READ(f, f_path.dentry);
  char name[8] = {};
  bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(d, d_name.name));
  if (name[0] == 'm' && name[1] == 'e' && name[2] == 'm' && name[3] == 'f' && name[4] == 'd' && name[5] == ':') {
    e->flags |= VIGIL_EXEC_MEMFD;
  }
  if (BPF_CORE_READ(d, d_sb, s_magic) == OVERLAYFS_SUPER_MAGIC) {
    e->flags |= VIGIL_EXEC_OVERLAY;
    /* The overlay's inode: upper dentry set = written or copied up in the container. */
    struct inode *inode = BPF_CORE_READ(d, d_inode);
    struct ovl_inode *oi = (void *)inode - bpf_core_field_offset(struct ovl_inode, vfs_inode);
    if (inode && BPF_CORE_READ(oi, __upperdentry)) e->flags |= VIGIL_EXEC_UPPER;
    if (bpf_core_field_exists(struct ovl_entry, __numlower)) {
      struct ovl_entry *oe = BPF_CORE_READ(oi, oe);
      if (inode && oe && BPF_CORE_READ(oe, __numlower) > 0) e->flags |= VIGIL_EXEC_LOWER;
    } else {
      e->flags |= VIGIL_EXEC_LOWER * (inode && BPF_CORE_READ(oi, oe) != 0);
    }
  }
  if (BPF_CORE_READ(p, real_parent, nsproxy, mnt_ns, ns.inum) != e->h.mnt_ns) e->flags |= VIGIL_EXEC_PARENT_HOST;
  unsigned long start = BPF_CORE_READ(p, mm, arg_start);
  unsigned long end = BPF_CORE_READ(p, mm, arg_end);
  unsigned long len = end > start ? end - start : 0;
  if (len > VIGIL_ARGS_LEN) {
    len = VIGIL_ARGS_LEN;
    e->flags |= VIGIL_EXEC_ARGS_CUT;
  }
  e->args_len = 0;
  if (len > 0 && bpf_probe_read_user(e->args, len, (void *)start) == 0) e->args_len = len;
  submit(e);
  return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(vigil_exit, struct task_struct *p) {
  if (BPF_CORE_READ(p, pid) != BPF_CORE_READ(p, tgid)) return 0; /* threads: only the process */
  if (!wanted(p, VIGIL_EV_EXIT)) return 0;
  struct vigil_exit *e = reserve(VIGIL_EV_EXIT, sizeof(*e));
  if (!e) return 0;
  fill_header(&e->h, p, VIGIL_EV_EXIT, sizeof(*e));
  e->exit_code = BPF_CORE_READ(p, exit_code);
  e->pad = 0;
  submit(e);
  return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(vigil_fork, struct task_struct *parent, struct task_struct *child) {
  if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid)) return 0; /* new threads: no */
  if (!wanted(parent, VIGIL_EV_FORK)) return 0;
  struct vigil_fork *e = reserve(VIGIL_EV_FORK, sizeof(*e));
  if (!e) return 0;
  fill_header(&e->h, parent, VIGIL_EV_FORK, sizeof(*e));
  e->child_pid = BPF_CORE_READ(child, tgid);
  e->child_tid = BPF_CORE_READ(child, pid);
  submit(e);
  return 0;
}


/* The 1-based argument `i` of the pending call, 0 when there is none. */
static __always_inline __u64 arg(struct pending *p, __u8 i) {
  /* A switch, not p->args[i - 1]: clang bounds-checks a copy of the index, which the verifier
   * does not connect to the one used. */
  switch (i) {
    case 1: return p->args[0];
    case 2: return p->args[1];
    case 3: return p->args[2];
    case 4: return p->args[3];
    case 5: return p->args[4];
    case 6: return p->args[5];
    default: return 0;
  }
}

/* The prefix map's word on a path read by bpf_probe_read_user_str (len: its return value). */
static __always_inline __u32 path_decision(const char *path, long len) {
  if (len <= 1 || path[0] != '/') return 0;
  struct vigil_prefix_key k = {};
  long n = len - 1;
  if (n > VIGIL_PREFIX_LEN) n = VIGIL_PREFIX_LEN;
  k.prefixlen = n * 8;
  __builtin_memcpy(k.path, path, VIGIL_PREFIX_LEN);
  __u32 *v = bpf_map_lookup_elem(&vigil_prefixes, &k);
  return v ? *v : 0;
}

/* ptrace requests worth reporting: attach, seize, traceme, writes into the tracee. */
static __always_inline bool ptrace_reported(__u64 request) {
  return request == 0 /* TRACEME */ || request == 4 || request == 5 || request == 6 /* POKE* */ ||
         request == 13 /* SETREGS */ || request == 15 /* SETFPREGS */ || request == 16 /* ATTACH */ ||
         request == 0x4205 /* SETREGSET */ || request == 0x4206 /* SEIZE */;
}

/* Direct loads (the tracepoint's pt_regs is a BTF pointer): no helper call on the path every
 * system call of the machine takes. */
#if defined(__TARGET_ARCH_x86)
#define SYSCALL_NR(regs) ((regs)->orig_ax)
#elif defined(__TARGET_ARCH_arm64)
#define SYSCALL_NR(regs) ((regs)->syscallno)
#endif

SEC("tp_btf/sys_enter")
int BPF_PROG(vigil_sys_enter, struct pt_regs *regs, long id) {
  if ((unsigned long)id >= VIGIL_MAX_SYSCALLS) return 0;
  __u32 nr = id;
  struct vigil_syscall_spec *spec = bpf_map_lookup_elem(&vigil_syscalls, &nr);
  if (!spec || spec->type == 0) return 0;
  struct task_struct *task = bpf_get_current_task_btf();
  if (!wanted(task, spec->type)) return 0;
  __u32 key = 0;
  struct pending *p = bpf_map_lookup_elem(&vigil_scratch, &key);
  if (!p) return 0;
  p->nr = nr;
  p->type = spec->type;
  p->flags = 0;
  /* Direct loads from the tracepoint's (BTF) pt_regs: no helper call per argument. */
#if defined(__TARGET_ARCH_x86)
  p->args[0] = regs->di;
  p->args[1] = regs->si;
  p->args[2] = regs->dx;
  p->args[3] = regs->r10;
  p->args[4] = regs->r8;
  p->args[5] = regs->r9;
#elif defined(__TARGET_ARCH_arm64)
  p->args[0] = regs->regs[0];
  p->args[1] = regs->regs[1];
  p->args[2] = regs->regs[2];
  p->args[3] = regs->regs[3];
  p->args[4] = regs->regs[4];
  p->args[5] = regs->regs[5];
#endif
  p->path[0] = 0;
  p->path2[0] = 0;
  p->str[0] = 0;
  long len = 0;
  if (spec->path_arg) len = bpf_probe_read_user_str(p->path, sizeof(p->path), (void *)arg(p, spec->path_arg));
  if (spec->path2_arg) bpf_probe_read_user_str(p->path2, sizeof(p->path2), (void *)arg(p, spec->path2_arg));
  if (spec->str_arg) bpf_probe_read_user_str(p->str, sizeof(p->str), (void *)arg(p, spec->str_arg));
  __u8 filter = spec->filter;
  if (filter == VIGIL_FILTER_OPEN || filter == VIGIL_FILTER_OPENAT2) {
    if (spec->implied) {
      p->flags = O_CREAT | O_WRONLY | O_TRUNC;
    } else if (filter == VIGIL_FILTER_OPENAT2) {
      __u64 how_flags = 0; /* struct open_how starts with __u64 flags */
      bpf_probe_read_user(&how_flags, sizeof(how_flags), (void *)arg(p, spec->flags_arg));
      p->flags = how_flags;
    } else {
      p->flags = arg(p, spec->flags_arg);
    }
    __u32 decision = path_decision(p->path, len);
    if (decision & VIGIL_PATH_IGNORE) return 0;
    bool write = p->flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND);
    if (!write && !(decision & VIGIL_PATH_READS)) return 0;
  } else if (filter == VIGIL_FILTER_CHMOD) {
    if (!(arg(p, spec->flags_arg) & 07111)) return 0;
    if (path_decision(p->path, len) & VIGIL_PATH_IGNORE) return 0;
  } else if (filter == VIGIL_FILTER_PTRACE) {
    if (!ptrace_reported(p->args[0])) return 0;
  } else if (filter == VIGIL_FILTER_PATH) {
    if (path_decision(p->path, len) & VIGIL_PATH_IGNORE) return 0;
  }
  __u32 tid = BPF_CORE_READ(task, pid);
  bpf_map_update_elem(&vigil_pending, &tid, p, BPF_ANY);
  return 0;
}

/* The socket behind a file descriptor of `task`, 0 when it is not one. */
static __always_inline struct sock *sock_of_fd(struct task_struct *task, long fd) {
  struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
  unsigned int max = BPF_CORE_READ(fdt, max_fds);
  if (fd < 0 || fd >= max) return 0;
  struct file **fds = BPF_CORE_READ(fdt, fd);
  struct file *f = 0;
  bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
  if (!f) return 0;
  if ((BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT) != S_IFSOCK) return 0;
  struct socket *sock = BPF_CORE_READ(f, private_data);
  return sock ? BPF_CORE_READ(sock, sk) : 0;
}

/* The local (listen) or peer (accept) address of a socket into `e`. */
static __always_inline void addr_of_sock(struct vigil_net *e, struct sock *sk, bool peer) {
  __u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
  e->family = family;
  if (family == AF_INET) {
    __u32 a = peer ? BPF_CORE_READ(sk, __sk_common.skc_daddr) : BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
    __builtin_memcpy(e->addr, &a, 4);
  } else if (family == AF_INET6) {
    if (peer) {
      BPF_CORE_READ_INTO(&e->addr, sk, __sk_common.skc_v6_daddr);
    } else {
      BPF_CORE_READ_INTO(&e->addr, sk, __sk_common.skc_v6_rcv_saddr);
    }
  }
  e->port = peer ? bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport)) : BPF_CORE_READ(sk, __sk_common.skc_num);
}

/* A user sockaddr into `e`; false when its family is not one we report. */
static __always_inline bool addr_of_user(struct vigil_net *e, __u64 uaddr) {
  __u16 family = 0;
  if (!uaddr || bpf_probe_read_user(&family, sizeof(family), (void *)uaddr) != 0) return false;
  e->family = family;
  if (family == AF_INET) {
    struct sockaddr_in sin = {};
    bpf_probe_read_user(&sin, sizeof(sin), (void *)uaddr);
    e->port = bpf_ntohs(sin.sin_port);
    __builtin_memcpy(e->addr, &sin.sin_addr, 4);
  } else if (family == AF_INET6) {
    struct sockaddr_in6 sin6 = {};
    bpf_probe_read_user(&sin6, sizeof(sin6), (void *)uaddr);
    e->port = bpf_ntohs(sin6.sin6_port);
    __builtin_memcpy(e->addr, &sin6.sin6_addr, 16);
  } else if (family == AF_UNIX) {
    bpf_probe_read_user_str(e->unix_path, sizeof(e->unix_path), (void *)(uaddr + 2));
  } else {
    return false;
  }
  return true;
}

static __always_inline void emit_net(struct task_struct *task, struct pending *p, long ret) {
  __u32 type = p->type;
  /* Decide before reserving: an attempt is counted only for records we mean to emit. */
  if ((type == VIGIL_EV_CONNECT || type == VIGIL_EV_BIND)) {
    __u16 family = 0;
    if (bpf_probe_read_user(&family, sizeof(family), (void *)p->args[1]) != 0 ||
        (family != AF_INET && family != AF_INET6 && family != AF_UNIX)) {
      return;
    }
  }
  struct vigil_net *e = reserve(type, sizeof(*e));
  if (!e) return;
  fill_header(&e->h, task, type, sizeof(*e));
  e->result = ret;
  e->family = 0;
  e->port = 0;
  __builtin_memset(e->addr, 0, sizeof(e->addr));
  e->unix_path[0] = 0;
  if (type == VIGIL_EV_CONNECT || type == VIGIL_EV_BIND) {
    addr_of_user(e, p->args[1]);
  } else if (type == VIGIL_EV_ACCEPT) {
    if (ret >= 0 && !addr_of_user(e, p->args[1])) {
      struct sock *sk = sock_of_fd(task, ret);
      if (sk) addr_of_sock(e, sk, true);
    }
  } else { /* listen */
    struct sock *sk = sock_of_fd(task, p->args[0]);
    if (sk) addr_of_sock(e, sk, false);
  }
  submit(e);
}

static __always_inline void emit_open(struct task_struct *task, struct pending *p, long ret) {
  struct vigil_open *e = reserve(VIGIL_EV_OPEN, sizeof(*e));
  if (!e) return;
  fill_header(&e->h, task, VIGIL_EV_OPEN, sizeof(*e));
  e->flags = p->flags;
  e->mode = 0;
  e->result = ret;
  e->pad = 0;
  __builtin_memcpy(e->path, p->path, sizeof(e->path));
  submit(e);
}

static __always_inline void emit_syscall(struct task_struct *task, struct pending *p, long ret) {
  __u32 type = p->type;
  if (type >= VIGIL_EV_MAX) return;
  struct vigil_syscall *e = reserve(type, sizeof(*e));
  if (!e) return;
  fill_header(&e->h, task, type, sizeof(*e));
  e->result = ret;
  e->nr = p->nr;
  e->pad = 0;
  __builtin_memcpy(e->args, p->args, sizeof(e->args));
  if (type == VIGIL_EV_SETID && p->args[1] && p->args[0]) {
    /* capset(header, data): the first of the data structs, {effective, permitted, inheritable} */
    __u32 caps[3] = {};
    if (bpf_probe_read_user(caps, sizeof(caps), (void *)p->args[1]) == 0) {
      e->args[2] = caps[0];
      e->args[3] = caps[1];
      e->args[4] = caps[2];
    }
  }
  __builtin_memcpy(e->path, p->path, sizeof(e->path));
  __builtin_memcpy(e->path2, p->path2, sizeof(e->path2));
  __builtin_memcpy(e->str, p->str, sizeof(e->str));
  submit(e);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(vigil_sys_exit, struct pt_regs *regs, long ret) {
  /* Most system calls are none of ours: decide on the number before the per-thread lookup. */
  long id = SYSCALL_NR(regs);
  if ((unsigned long)id >= VIGIL_MAX_SYSCALLS) return 0;
  __u32 nr = id;
  struct vigil_syscall_spec *spec = bpf_map_lookup_elem(&vigil_syscalls, &nr);
  if (!spec || spec->type == 0) return 0;
  struct task_struct *task = bpf_get_current_task_btf();
  __u32 tid = task->pid;
  struct pending *p = bpf_map_lookup_elem(&vigil_pending, &tid);
  if (!p) return 0;
  if (p->nr == nr) {
    __u32 type = p->type;
    if (type == VIGIL_EV_OPEN) {
      emit_open(task, p, ret);
    } else if (type == VIGIL_EV_CONNECT || type == VIGIL_EV_ACCEPT || type == VIGIL_EV_BIND ||
               type == VIGIL_EV_LISTEN) {
      emit_net(task, p, ret);
    } else {
      emit_syscall(task, p, ret);
    }
  }
  bpf_map_delete_elem(&vigil_pending, &tid);
  return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(vigil_tcp_state, const struct sock *sk, const int oldstate, const int newstate) {
  /* connect(2) on a TCP socket moves it from CLOSE to SYN_SENT in the caller's context. */
  if (newstate != TCP_SYN_SENT_STATE || oldstate != TCP_CLOSE_STATE) return 0;
  if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP_NUM) return 0;
  struct task_struct *task = bpf_get_current_task_btf();
  if (!wanted(task, VIGIL_EV_TCP_CONNECT)) return 0;
  struct vigil_net *e = reserve(VIGIL_EV_TCP_CONNECT, sizeof(*e));
  if (!e) return 0;
  fill_header(&e->h, task, VIGIL_EV_TCP_CONNECT, sizeof(*e));
  e->result = -EINPROGRESS;
  e->port = 0;
  __builtin_memset(e->addr, 0, sizeof(e->addr));
  e->unix_path[0] = 0;
  addr_of_sock(e, (struct sock *)sk, true);
  submit(e);
  return 0;
}
