// Why each riscv32 syscall without a handler is missing: the note its `enosys` row carries in
// `cptbench syscalls`. Grouped by subsystem, one note per group. The guest sees ENOSYS for all of
// them (the kernel's dispatch finds no entry). A call that gains a handler leaves its group here:
// test/machine/kernel/syscall-table.test.ts fails while a name is both implemented and listed.

export interface MissingGroup {
  note: string;
  names: readonly string[];
}

export const MISSING: readonly MissingGroup[] = [
  {
    note: "no AIO or io_uring: programs fall back to plain read/write",
    names: [
      "io_setup", "io_destroy", "io_submit", "io_cancel", "io_pgetevents_time64",
      "io_uring_setup", "io_uring_enter", "io_uring_register",
    ],
  },
  {
    note: "tmpfs here has no extended attributes",
    names: [
      "setxattr", "lsetxattr", "fsetxattr", "getxattr", "lgetxattr", "fgetxattr",
      "listxattr", "llistxattr", "flistxattr", "removexattr", "lremovexattr", "fremovexattr",
    ],
  },
  {
    note: "no fanotify (inotify is there)",
    names: ["fanotify_init", "fanotify_mark"],
  },
  {
    note: "the mounts are fixed at boot: no new mounts, no pivot_root",
    names: [
      "mount", "umount2", "pivot_root", "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount",
      "fspick", "mount_setattr", "statmount", "listmount",
    ],
  },
  {
    note: "file operations not implemented yet",
    names: [
      "sendfile64", "splice", "vmsplice", "tee", "sync_file_range", "syncfs", "readahead",
      "copy_file_range", "preadv2", "pwritev2", "openat2", "fchmodat2", "cachestat", "execveat",
    ],
  },
  {
    note: "no file handles: nothing can be looked up by handle",
    names: ["name_to_handle_at", "open_by_handle_at"],
  },
  {
    note: "no kernel log, accounting, quotas, swap, reboot or kexec: the machine has one fixed configuration",
    names: ["syslog", "acct", "quotactl", "quotactl_fd", "swapon", "swapoff", "reboot", "kexec_load", "kexec_file_load"],
  },
  {
    note: "no terminals: the console is not a tty",
    names: ["vhangup"],
  },
  {
    note: "obsolete: nfsservctl has had no handler in Linux either since 3.1; lookup_dcookie only served oprofile (no profiling here)",
    names: ["nfsservctl", "lookup_dcookie"],
  },
  {
    note: "no UTS namespace or host name changes (uname reports fixed values)",
    names: ["sethostname", "setdomainname"],
  },
  {
    note: "no personality: the machine is always plain Linux riscv32",
    names: ["personality"],
  },
  {
    note: "no rseq: restartable sequences need the kernel to rewrite a preempted thread's pc",
    names: ["rseq"],
  },
  {
    note: "no futex2 interface: futex_time64 only",
    names: ["futex_waitv", "futex_wake", "futex_wait", "futex_requeue"],
  },
  {
    note: "the clock is the machine's virtual time: it cannot be set or slewed",
    names: ["clock_settime64", "clock_adjtime64"],
  },
  {
    note: "no ptrace: a checkpoint is taken by the kernel (or the task itself), not by a tracer",
    names: ["ptrace", "process_vm_readv", "process_vm_writev"],
  },
  {
    note: "one scheduler, driven by the seed: nice values and policies are kept (sys-sched.ts), but no sched_attr, round-robin interval, I/O priorities or CPU numbers",
    names: ["sched_rr_get_interval_time64", "sched_setattr", "sched_getattr", "ioprio_set", "ioprio_get", "getcpu"],
  },
  {
    note: "restart_syscall is internal: the kernel re-executes interrupted calls itself (pc stays on the ecall)",
    names: ["restart_syscall"],
  },
  {
    note: "times is not implemented: getrusage and clock_gettime give the same CPU times",
    names: ["times"],
  },
  {
    note: "no POSIX message queues",
    names: ["mq_open", "mq_unlink", "mq_notify", "mq_getsetattr", "mq_timedsend_time64", "mq_timedreceive_time64"],
  },
  {
    note: "no System V IPC (the 2008 patchsets checkpoint it; this workbench does not yet)",
    names: ["msgget", "msgctl", "msgrcv", "msgsnd", "semget", "semctl", "semop", "semtimedop_time64", "shmget", "shmctl", "shmat", "shmdt"],
  },
  {
    note: "no batched socket calls yet: programs fall back to sendmsg/recvmsg",
    names: ["sendmmsg", "recvmmsg_time64"],
  },
  {
    note: "no kernel keyrings",
    names: ["add_key", "request_key", "keyctl"],
  },
  {
    note: "memory calls not implemented: no reclaim or NUMA to act on",
    names: [
      "msync", "mlock", "munlock", "mlockall", "munlockall", "mlock2", "mincore", "remap_file_pages", "mbind",
      "get_mempolicy", "set_mempolicy", "set_mempolicy_home_node", "migrate_pages", "move_pages", "process_madvise",
      "process_mrelease", "memfd_secret", "userfaultfd", "mseal", "map_shadow_stack",
    ],
  },
  {
    note: "no memory protection keys (riscv has none)",
    names: ["pkey_mprotect", "pkey_alloc", "pkey_free"],
  },
  {
    note: "no perf, BPF, seccomp, Landlock or LSM interfaces",
    names: [
      "perf_event_open", "bpf", "seccomp", "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self",
      "lsm_get_self_attr", "lsm_set_self_attr", "lsm_list_modules",
    ],
  },
  {
    note: "no namespaces to join: setns needs nsfs files, and only pid namespaces exist",
    names: ["setns"],
  },
  {
    note: "riscv's own calls are not implemented: riscv_flush_icache (JIT-compiling guests need it) and riscv_hwprobe",
    names: ["riscv_flush_icache", "riscv_hwprobe"],
  },
];
