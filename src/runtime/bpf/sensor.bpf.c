// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The kernel side of vigil's runtime sensor (CO-RE, libbpf). Each probe fills one record of
 * events.h into a shared ring buffer; user space (src/runtime/sensor.cc) decodes, attributes and
 * reports it. Every record a probe decides to emit is counted as attempted, and every one the
 * ring buffer had no room for as reserve_failed, so that user space can reconcile delivered +
 * dropped with what the kernel attempted.
 *
 * Probes (BTF-enabled raw tracepoints: no tracefs, kprobes or trampolines needed, as some
 * kernels and sandboxes allow none of those): tp_btf sched_process_exec / sched_process_fork /
 * sched_process_exit; tp_btf sys_enter / sys_exit for open/openat/openat2/creat (writes
 * everywhere, reads of sensitive files) and connect (address and result): the enter probe keeps
 * the arguments per thread, the exit probe emits them with the result. Filtering in the kernel,
 * from the config map:
 * enabled event types, and the host's processes (same mount namespace as the sensor's init)
 * left out unless watch_host is set. */
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

/* Scratch space for the pending record of the enter probe (too large for the BPF stack). */
struct pending;
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, char[VIGIL_PATH_LEN + 16]);
} vigil_scratch SEC(".maps");

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
  if (BPF_CORE_READ(task, tgid) == c->self_tgid) return false;
  if (!c->watch_host && BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum) == c->host_mnt_ns) return false;
  return true;
}

static __always_inline void *reserve(__u32 type, __u32 size) {
  count(type, VIGIL_STAT_ATTEMPTED);
  void *e = bpf_ringbuf_reserve(&vigil_events, size, 0);
  if (!e) count(type, VIGIL_STAT_RESERVE_FAILED);
  return e;
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
  if (BPF_CORE_READ(d, d_sb, s_magic) == OVERLAYFS_SUPER_MAGIC) e->flags |= VIGIL_EXEC_OVERLAY;
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
  bpf_ringbuf_submit(e, 0);
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
  bpf_ringbuf_submit(e, 0);
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
  bpf_ringbuf_submit(e, 0);
  return 0;
}

/* Reads of these are reported; writes are reported everywhere. */
static __always_inline bool sensitive(const char *p) {
  /* /etc/shadow, /etc/gshadow, /etc/sudoers(.d), /etc/ssh/ssh_host_*, /root/.ssh */
  if (p[0] != '/') return false;
  if (p[1] == 'e' && p[2] == 't' && p[3] == 'c' && p[4] == '/') {
    const char *r = p + 5;
    if (r[0] == 's' && r[1] == 'h' && r[2] == 'a' && r[3] == 'd' && r[4] == 'o' && r[5] == 'w') return true;
    if (r[0] == 'g' && r[1] == 's' && r[2] == 'h' && r[3] == 'a' && r[4] == 'd' && r[5] == 'o' && r[6] == 'w') return true;
    if (r[0] == 's' && r[1] == 'u' && r[2] == 'd' && r[3] == 'o' && r[4] == 'e' && r[5] == 'r' && r[6] == 's') return true;
    if (r[0] == 's' && r[1] == 's' && r[2] == 'h' && r[3] == '/' && r[4] == 's' && r[5] == 's' && r[6] == 'h' &&
        r[7] == '_' && r[8] == 'h') return true;
    return false;
  }
  return p[1] == 'r' && p[2] == 'o' && p[3] == 'o' && p[4] == 't' && p[5] == '/' && p[6] == '.' && p[7] == 's' &&
         p[8] == 's' && p[9] == 'h';
}

/* x86-64 system call numbers. */
#define NR_OPEN 2
#define NR_CONNECT 42
#define NR_CREAT 85
#define NR_OPENAT 257
#define NR_OPENAT2 437

/* What the enter probe keeps for the exit probe, per thread. */
struct pending {
  __u32 nr;
  __u32 flags;
  __u64 uaddr; /* connect: the user sockaddr */
  char path[VIGIL_PATH_LEN];
};

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 16384);
  __type(key, __u32);
  __type(value, struct pending);
} vigil_pending SEC(".maps");

SEC("tp_btf/sys_enter")
int BPF_PROG(vigil_sys_enter, struct pt_regs *regs, long id) {
  if (id != NR_OPEN && id != NR_OPENAT && id != NR_OPENAT2 && id != NR_CREAT && id != NR_CONNECT) return 0;
  __u32 type = id == NR_CONNECT ? VIGIL_EV_CONNECT : VIGIL_EV_OPEN;
  struct task_struct *task = bpf_get_current_task_btf();
  if (!wanted(task, type)) return 0;
  __u32 key = 0;
  struct pending *p = bpf_map_lookup_elem(&vigil_scratch, &key);
  if (!p) return 0;
  p->nr = id;
  p->flags = 0;
  p->uaddr = 0;
  p->path[0] = 0;
  const char *path = 0;
  if (id == NR_CONNECT) {
    p->uaddr = PT_REGS_PARM2_CORE(regs);
  } else if (id == NR_OPEN) {
    path = (const char *)PT_REGS_PARM1_CORE(regs);
    p->flags = PT_REGS_PARM2_CORE(regs);
  } else if (id == NR_CREAT) {
    path = (const char *)PT_REGS_PARM1_CORE(regs);
    p->flags = O_CREAT | O_WRONLY | O_TRUNC;
  } else if (id == NR_OPENAT) {
    path = (const char *)PT_REGS_PARM2_CORE(regs);
    p->flags = PT_REGS_PARM3_CORE(regs);
  } else {
    path = (const char *)PT_REGS_PARM2_CORE(regs);
    __u64 how_flags = 0; /* struct open_how starts with __u64 flags */
    bpf_probe_read_user(&how_flags, sizeof(how_flags), (void *)PT_REGS_PARM3_CORE(regs));
    p->flags = how_flags;
  }
  if (path) {
    bpf_probe_read_user_str(p->path, sizeof(p->path), path);
    bool write = p->flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND);
    if (!write && !sensitive(p->path)) return 0;
  }
  __u32 tid = BPF_CORE_READ(task, pid);
  bpf_map_update_elem(&vigil_pending, &tid, p, BPF_ANY);
  return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(vigil_sys_exit, struct pt_regs *regs, long ret) {
  /* Most system calls are none of ours: decide on the number before any map lookup. */
  long id = BPF_CORE_READ(regs, orig_ax);
  if (id != NR_OPEN && id != NR_OPENAT && id != NR_OPENAT2 && id != NR_CREAT && id != NR_CONNECT) return 0;
  struct task_struct *task = bpf_get_current_task_btf();
  __u32 tid = BPF_CORE_READ(task, pid);
  struct pending *p = bpf_map_lookup_elem(&vigil_pending, &tid);
  if (!p) return 0;
  if (p->nr == NR_CONNECT) {
    __u16 family = 0;
    if (bpf_probe_read_user(&family, sizeof(family), (void *)p->uaddr) != 0 ||
        (family != AF_INET && family != AF_INET6 && family != AF_UNIX)) {
      bpf_map_delete_elem(&vigil_pending, &tid);
      return 0;
    }
    struct vigil_connect *e = reserve(VIGIL_EV_CONNECT, sizeof(*e));
    if (e) {
      fill_header(&e->h, task, VIGIL_EV_CONNECT, sizeof(*e));
      e->result = ret;
      e->family = family;
      e->port = 0;
      __builtin_memset(e->addr, 0, sizeof(e->addr));
      e->unix_path[0] = 0;
      if (family == AF_INET) {
        struct sockaddr_in sin = {};
        bpf_probe_read_user(&sin, sizeof(sin), (void *)p->uaddr);
        e->port = bpf_ntohs(sin.sin_port);
        __builtin_memcpy(e->addr, &sin.sin_addr, 4);
      } else if (family == AF_INET6) {
        struct sockaddr_in6 sin6 = {};
        bpf_probe_read_user(&sin6, sizeof(sin6), (void *)p->uaddr);
        e->port = bpf_ntohs(sin6.sin6_port);
        __builtin_memcpy(e->addr, &sin6.sin6_addr, 16);
      } else {
        bpf_probe_read_user_str(e->unix_path, sizeof(e->unix_path), (void *)(p->uaddr + 2));
      }
      bpf_ringbuf_submit(e, 0);
    }
  } else {
    struct vigil_open *e = reserve(VIGIL_EV_OPEN, sizeof(*e));
    if (e) {
      fill_header(&e->h, task, VIGIL_EV_OPEN, sizeof(*e));
      e->flags = p->flags;
      e->mode = 0;
      e->result = ret;
      __builtin_memcpy(e->path, p->path, sizeof(e->path));
      bpf_ringbuf_submit(e, 0);
    }
  }
  bpf_map_delete_elem(&vigil_pending, &tid);
  return 0;
}
