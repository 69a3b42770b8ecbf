//! The `syscall.*` and `nd_syscall.*` probe aliases of one kernel, written as tapset
//! text from its system call table (meta.rs) and parsed with the library. Each call
//! gets `syscall.NAME` (and `nd_syscall.NAME`, the same: neither needs debuginfo)
//! on `__syscall(NR)`, and `syscall.NAME.return` on `__syscall(NR).return`, the
//! internal points that the raw_syscalls tracepoints run (runtime-c/syscalls.c).
//!
//! Variables follow SystemTap's conventions (tapset reference, "System Calls"):
//! `name`, `argstr`; one variable per argument, named as the kernel names it, except
//! that a user pointer to anything but an input string is `NAME_uaddr`; input strings
//! (`const char *`, but `buf`) hold their text quoted (`user_string_quoted`); directory
//! fds have `NAME_str` (`AT_FDCWD`); flags with a decoder have `NAME_str`; `.return`
//! has `name`, `retval` and `retstr` (`-2 (ENOENT)`).

use super::meta::Syscall;
use std::fmt::Write;

/// How a register holds an argument of a C type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A pointer: the address, printed `%p`.
    Ptr,
    I32,
    U32,
    U16,
    I64,
    U64,
}

/// The kind of a C type as the syscall metadata spells it; None: not known here (a type
/// this table does not know yet: the unit tests check both kernels have none).
pub fn kind(ty: &str) -> Option<Kind> {
    if ty.contains('*') {
        return Some(Kind::Ptr);
    }
    let t = ty.trim().trim_start_matches("const ").trim();
    Some(match t {
        // Pointer typedefs of capget/capset.
        "cap_user_header_t" | "cap_user_data_t" => Kind::Ptr,
        "int" | "pid_t" | "key_serial_t" | "mqd_t" | "clockid_t" | "timer_t" | "rwf_t" | "key_t" | "s32" | "__s32" => Kind::I32,
        "unsigned int" | "unsigned" | "u32" | "__u32" | "uid_t" | "gid_t" | "qid_t" | "old_uid_t" | "old_gid_t" | "mode_t" => Kind::U32,
        "umode_t" | "unsigned short" | "u16" | "__u16" => Kind::U16,
        "long" | "off_t" | "loff_t" | "long long" | "s64" | "__s64" | "ssize_t" | "__kernel_old_time_t" | "time_t" => Kind::I64,
        "unsigned long" | "size_t" | "u64" | "__u64" | "unsigned long long" | "aio_context_t" | "old_sigset_t" => Kind::U64,
        _ if t.starts_with("enum ") => Kind::I32,
        _ => return None,
    })
}

/// A table decoder of runtime-c/syscall_decode.c (`__sc_flags_str(v, TABLE)`), by
/// number: the C enum `rt_sc_decoder` has the same names (a unit test compares them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoder {
    /// O_RDONLY|O_CLOEXEC ...
    Open = 0,
    /// PROT_READ|PROT_WRITE, PROT_NONE
    Prot = 1,
    /// MAP_PRIVATE|MAP_ANONYMOUS ...
    Mmap = 2,
    /// AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH ...
    At = 3,
    /// SIGTERM, SIGRTMIN+2, 0
    Signal = 4,
    /// PF_INET ...
    SockFamily = 5,
    /// SOCK_STREAM|SOCK_CLOEXEC ...
    SockType = 6,
    /// SOCK_CLOEXEC|SOCK_NONBLOCK
    SockFlags = 7,
    /// MSG_DONTWAIT|MSG_NOSIGNAL ...
    MsgFlags = 8,
    /// CLONE_VM|...|SIGCHLD
    CloneFlags = 9,
    /// F_SETFL ...
    FcntlCmd = 10,
    /// WNOHANG|WEXITED ...
    WaitOptions = 11,
    /// P_PID ...
    WaitidWhich = 12,
    /// EPOLL_CTL_ADD ...
    EpollOp = 13,
    /// EPOLL_CLOEXEC
    EpollFlags = 14,
    /// RLIMIT_NOFILE ...
    Rlimit = 15,
    /// CLOCK_MONOTONIC ...
    Clock = 16,
    /// TIMER_ABSTIME
    TimerFlags = 17,
    /// MS_RDONLY|MS_NOSUID ...
    MountFlags = 18,
    /// MNT_FORCE|MNT_DETACH ...
    UmountFlags = 19,
    /// RENAME_NOREPLACE ...
    RenameFlags = 20,
    /// S_IFREG|0644
    MknodMode = 21,
    /// R_OK|W_OK, F_OK
    AccessMode = 22,
    /// SIG_BLOCK ...
    SigprocmaskHow = 23,
    /// SEEK_SET ...
    SeekWhence = 24,
    /// dup3's O_CLOEXEC
    FdFlags = 25,
    /// pipe2's O_NONBLOCK|O_CLOEXEC|O_DIRECT
    PipeFlags = 26,
    /// EFD_CLOEXEC ...
    EventfdFlags = 27,
    /// TFD_CLOEXEC, TFD_TIMER_ABSTIME ...
    TimerfdFlags = 28,
    /// SFD_CLOEXEC ...
    SignalfdFlags = 29,
    /// IN_CLOEXEC ...
    InotifyFlags = 30,
    /// SHUT_RDWR ...
    ShutdownHow = 31,
    /// LOCK_EX|LOCK_NB ...
    FlockOp = 32,
    /// MADV_DONTNEED ...
    Madvise = 33,
    /// MS_SYNC ...
    MsyncFlags = 34,
    /// MCL_CURRENT|MCL_FUTURE
    MlockallFlags = 35,
    /// IN_MODIFY|IN_CREATE ...
    InotifyMask = 36,
    /// ITIMER_REAL ...
    ItimerWhich = 37,
    /// RUSAGE_SELF, RUSAGE_CHILDREN ...
    RusageWho = 38,
    /// PRIO_PROCESS ...
    PriorityWhich = 39,
    /// SCHED_OTHER, SCHED_RESET_ON_FORK|SCHED_FIFO ...
    SchedPolicy = 40,
    /// POSIX_FADV_DONTNEED ...
    Fadvise = 41,
    /// MREMAP_MAYMOVE ...
    MremapFlags = 42,
    /// GRND_NONBLOCK ...
    GetrandomFlags = 43,
    /// MFD_CLOEXEC ...
    MemfdFlags = 44,
    /// MLOCK_ONFAULT
    Mlock2Flags = 45,
    /// SOL_SOCKET ...
    SockoptLevel = 46,
    /// SO_REUSEADDR ...
    SockoptName = 47,
}

impl Decoder {
    /// Every decoder, in number order.
    pub const ALL: [Decoder; 48] = {
        use Decoder::*;
        [
            Open, Prot, Mmap, At, Signal, SockFamily, SockType, SockFlags, MsgFlags, CloneFlags, FcntlCmd, WaitOptions,
            WaitidWhich, EpollOp, EpollFlags, Rlimit, Clock, TimerFlags, MountFlags, UmountFlags, RenameFlags, MknodMode,
            AccessMode, SigprocmaskHow, SeekWhence, FdFlags, PipeFlags, EventfdFlags, TimerfdFlags, SignalfdFlags,
            InotifyFlags, ShutdownHow, FlockOp, Madvise, MsyncFlags, MlockallFlags, InotifyMask, ItimerWhich, RusageWho,
            PriorityWhich, SchedPolicy, Fadvise, MremapFlags, GetrandomFlags, MemfdFlags, Mlock2Flags, SockoptLevel,
            SockoptName,
        ]
    };
}

/// How an argument prints in argstr and its `NAME_str` variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decode {
    /// A table of runtime-c/syscall_decode.c.
    Table(Decoder),
    /// A tapset function call: `{v}` is this argument's value, `{N}` argument N's;
    /// printed in argstr with the format.
    Call(&'static str, &'static str),
}

/// The decoder for argument `arg` of kernel function `func`, if there is one: what
/// SystemTap's syscall tapsets print for it (their `_str` variables).
pub fn decoder(func: &str, arg: &str) -> Option<Decode> {
    use Decoder::*;
    let table = match (func, arg) {
        ("open" | "openat" | "open_by_handle_at", "flags") => Open,
        ("mmap" | "mprotect" | "pkey_mprotect" | "remap_file_pages", "prot") => Prot,
        ("mmap", "flags") => Mmap,
        (
            "newfstatat" | "fchownat" | "linkat" | "unlinkat" | "faccessat2" | "utimensat" | "statx" | "execveat"
            | "name_to_handle_at" | "open_tree" | "fchmodat2",
            "flag" | "flags",
        ) => At,
        (
            "kill" | "tkill" | "tgkill" | "rt_sigaction" | "rt_sigqueueinfo" | "rt_tgsigqueueinfo" | "pidfd_send_signal",
            "sig",
        ) => Signal,
        ("socket" | "socketpair", "family") => SockFamily,
        ("socket" | "socketpair", "type") => SockType,
        ("accept4", "flags") => SockFlags,
        ("sendto" | "recvfrom" | "sendmsg" | "recvmsg" | "sendmmsg" | "recvmmsg", "flags") => MsgFlags,
        ("clone", "clone_flags") => CloneFlags,
        ("fcntl", "cmd") => FcntlCmd,
        ("wait4" | "waitid", "options") => WaitOptions,
        ("waitid", "which") => WaitidWhich,
        ("epoll_ctl", "op") => EpollOp,
        ("epoll_create1", "flags") => EpollFlags,
        ("getrlimit" | "setrlimit" | "prlimit64", "resource") => Rlimit,
        ("clock_gettime" | "clock_settime" | "clock_getres" | "clock_nanosleep" | "clock_adjtime" | "timer_create", "which_clock")
        | ("timerfd_create", "clockid") => Clock,
        ("clock_nanosleep", "flags") => TimerFlags,
        ("mount", "flags") => MountFlags,
        // umount2 is the kernel's sys_umount.
        ("umount", "flags") => UmountFlags,
        ("renameat2", "flags") => RenameFlags,
        ("mknod" | "mknodat", "mode") => MknodMode,
        ("access" | "faccessat" | "faccessat2", "mode") => AccessMode,
        ("rt_sigprocmask", "how") => SigprocmaskHow,
        ("lseek", "whence") => SeekWhence,
        ("dup3", "flags") => FdFlags,
        ("pipe2", "flags") => PipeFlags,
        ("eventfd2", "flags") => EventfdFlags,
        ("timerfd_create" | "timerfd_settime", "flags") => TimerfdFlags,
        ("signalfd4", "flags") => SignalfdFlags,
        ("inotify_init1", "flags") => InotifyFlags,
        ("shutdown", "how") => ShutdownHow,
        ("flock", "cmd") => FlockOp,
        ("madvise", "behavior") => Madvise,
        ("msync", "flags") => MsyncFlags,
        ("mlockall", "flags") => MlockallFlags,
        ("inotify_add_watch", "mask") => InotifyMask,
        ("getitimer" | "setitimer", "which") => ItimerWhich,
        ("getrusage", "who") => RusageWho,
        ("getpriority" | "setpriority", "which") => PriorityWhich,
        ("sched_setscheduler", "policy") => SchedPolicy,
        ("fadvise64", "advice") => Fadvise,
        ("mremap", "flags") => MremapFlags,
        ("getrandom", "flags") => GetrandomFlags,
        ("memfd_create", "flags") => MemfdFlags,
        ("mlock2", "flags") => Mlock2Flags,
        ("setsockopt" | "getsockopt", "level") => SockoptLevel,
        ("setsockopt" | "getsockopt", "optname") => SockoptName,
        _ => return decode_call(func, arg),
    };
    Some(Decode::Table(table))
}

/// The decoders that read user memory or other arguments.
fn decode_call(func: &str, arg: &str) -> Option<Decode> {
    Some(match (func, arg) {
        ("socket" | "socketpair", "protocol") => Decode::Call("__sc_protocol_str({0}, {v})", "%s"),
        ("connect" | "bind", "uservaddr" | "umyaddr") => Decode::Call("__sc_sockaddr_str({v}, {2})", "%s"),
        ("sendto", "addr") => Decode::Call("__sc_sockaddr_str({v}, {5})", "%s"),
        ("setrlimit", "rlim") | ("prlimit64", "new_rlim") => Decode::Call("__sc_rlimit_str({v})", "%s"),
        ("nanosleep" | "clock_nanosleep", "rqtp")
        | ("clock_settime", "tp")
        | ("ppoll" | "pselect6", "tsp")
        | ("recvmmsg", "timeout") => Decode::Call("__sc_timespec_str({v})", "%s"),
        ("select", "tvp") => Decode::Call("__sc_timeval_str({v})", "%s"),
        ("rt_sigprocmask", "nset") => Decode::Call("__sc_sigset_str({v})", "%s"),
        // SystemTap prints the action in braces: {SIG_IGN}.
        ("rt_sigaction", "act") => Decode::Call("__sc_sigaction_str({v})", "{%s}"),
        ("pipe" | "pipe2", "fildes") => Decode::Call("__sc_fdpair_str({v})", "%s"),
        // What is written, quoted, cut at 50 characters (SystemTap's syscall_string_trunc).
        ("write" | "pwrite64", "buf") | ("sendto", "buff") => Decode::Call("user_buffer_quoted({v}, {2}, 50)", "%s"),
        ("add_key", "payload") => Decode::Call("user_buffer_quoted({v}, {3}, 50)", "%s"),
        ("setitimer", "value") => Decode::Call("__sc_itimerval_str({v})", "%s"),
        ("utimensat", "utimes") => Decode::Call("__sc_timespec2_str({v})", "%s"),
        ("timerfd_settime", "utmr") | ("timer_settime", "new_setting") => Decode::Call("__sc_itimerspec_str({v})", "%s"),
        ("execve" | "execveat", "argv") => Decode::Call("__sc_argv_str({v})", "%s"),
        ("execve" | "execveat", "envp") => Decode::Call("__sc_envc_str({v})", "%s"),
        _ => return None,
    })
}

/// Calls whose whole argstr one tapset function writes (what it prints depends on an
/// argument): the function, given every argument's variable in order.
fn argstr_function(func: &str) -> Option<&'static str> {
    match func {
        "futex" => Some("__sc_futex_argstr"),
        "prctl" => Some("__sc_prctl_argstr"),
        _ => None,
    }
}

/// Number arguments SystemTap prints otherwise than their C type says: `%p` for
/// values that are addresses to the caller, `%d` for ioctl's request.
fn number_format(func: &str, arg: &str) -> Option<&'static str> {
    match (func, arg) {
        ("fcntl" | "ioctl", "arg") | ("clone", "newsp") => Some("%p"),
        ("ioctl", "cmd") => Some("%d"),
        _ => None,
    }
}

/// Arguments SystemTap's argstr leaves out (clone's tls).
fn omitted(func: &str, arg: &str) -> bool {
    matches!((func, arg), ("clone", "tls"))
}

/// Pointers the kernel does not declare `const char *` that hold input strings
/// (mount's, umount2's).
fn is_input_string(func: &str, arg: &str) -> bool {
    matches!((func, arg), ("mount", "dev_name" | "dir_name" | "type" | "data") | ("umount", "name"))
}

/// One script variable of an entry alias.
#[derive(Debug, Clone, PartialEq)]
pub struct Var {
    pub name: String,
    /// `string` or `long`.
    pub ty: &'static str,
    /// Its value, as script text.
    pub expr: String,
}

/// The kind of a register of argument `arg` (of C type `ty`).
fn arg_kind(func: &str, ty: &str, arg: &str) -> Kind {
    let k = kind(ty).unwrap_or(Kind::I64);
    // File descriptors are ints to user space (mmap's is `unsigned long` to the kernel,
    // which truncates it: -1 arrives as 0xffffffff), and print signed; so does ioctl's
    // request, an unsigned int to the kernel.
    if matches!(k, Kind::U32 | Kind::U64 | Kind::I64) && arg.ends_with("fd") || number_format(func, arg) == Some("%d") {
        return Kind::I32;
    }
    k
}

/// A decoder's call with `{v}` (this argument) and `{N}` (argument N) filled in.
fn fill(template: &str, this: &str, raw: &[String]) -> String {
    let mut out = template.replace("{v}", this);
    for (i, r) in raw.iter().enumerate() {
        out = out.replace(&format!("{{{i}}}"), r);
    }
    out
}

/// What `syscall.NAME` sets, and its argstr (an expression).
pub fn entry_vars(c: &Syscall) -> (Vec<Var>, String) {
    let mut vars = Vec::new();
    let mut fmt = Vec::new();
    let mut fargs = Vec::new();
    // Every argument's register as its kind reads it, for decoders that read others.
    let raw: Vec<String> =
        c.args.iter().enumerate().map(|(i, (ty, arg))| format!("__sc_arg({i}, {})", arg_kind(&c.func, ty, arg) as u8)).collect();
    // Each argument's own variable, in order.
    let mut primary = Vec::new();
    for (i, (ty, arg)) in c.args.iter().enumerate() {
        let k = arg_kind(&c.func, ty, arg);
        // `_type` of add_key: SystemTap drops the underscore the kernel uses to dodge keywords.
        let base = arg.trim_start_matches('_');
        let raw_i = &raw[i];
        let mut shown = !omitted(&c.func, base);
        // The metadata spells types after preprocessing: `__user` is gone.
        let is_string = k == Kind::Ptr
            && (ty.trim() == "const char *" && !matches!(base, "buf" | "ubuf") || is_input_string(&c.func, base));
        let mut push = |fmt_s: &str, name: &str, fmt: &mut Vec<String>, fargs: &mut Vec<String>| {
            if shown {
                fmt.push(fmt_s.to_string());
                fargs.push(name.to_string());
            }
            shown = false;
        };
        if is_string {
            // `name` is the call's name: a string argument called so (acct, getxattr's
            // attribute) is `name_str`, as SystemTap names getxattr's.
            let n = if base == "name" { "name_str".to_string() } else { base.to_string() };
            vars.push(Var { name: n.clone(), ty: "string", expr: format!("user_string_quoted({raw_i})") });
            push("%s", &n, &mut fmt, &mut fargs);
            primary.push(n);
            continue;
        }
        let n = if k == Kind::Ptr && !(base.ends_with("addr") || base.ends_with("addr2")) {
            // futex's `uaddr`, wait4's `stat_addr` already say what they are.
            format!("{base}_uaddr")
        } else {
            // No number argument is called `name`, `argstr`, `retval` or `retstr` on 6.1 or
            // 6.12 (the build tier checks every variable name is unique).
            base.to_string()
        };
        vars.push(Var { name: n.clone(), ty: "long", expr: raw_i.clone() });
        primary.push(n.clone());
        let str_var = |vars: &mut Vec<Var>, expr: String| {
            let s = format!("{base}_str");
            vars.push(Var { name: s.clone(), ty: "string", expr });
            s
        };
        if k != Kind::Ptr && matches!(base, "dfd" | "olddfd" | "newdfd" | "dirfd" | "fromfd" | "from_dfd" | "to_dfd") {
            let s = str_var(&mut vars, format!("__sc_dfd_str({n})"));
            push("%s", &s, &mut fmt, &mut fargs);
        } else if let Some(d) = decoder(&c.func, base) {
            let (expr, f) = match d {
                Decode::Table(t) => (format!("__sc_flags_str({n}, {})", t as u8), "%s"),
                Decode::Call(template, f) => (fill(template, &n, &raw), f),
            };
            let s = str_var(&mut vars, expr);
            push(f, &s, &mut fmt, &mut fargs);
        } else if k == Kind::Ptr {
            push("%p", &n, &mut fmt, &mut fargs);
        } else if base == "mode" {
            push("%#o", &n, &mut fmt, &mut fargs);
        } else {
            let f = number_format(&c.func, base).unwrap_or(match k {
                Kind::I32 | Kind::I64 => "%d",
                // User addresses held as numbers (mmap's addr, brk, munmap's start) print as
                // pointers, as SystemTap prints them.
                Kind::U64 if is_address(base) => "%p",
                _ => "%u",
            });
            push(f, &n, &mut fmt, &mut fargs);
        }
    }
    let argstr = if let Some(f) = argstr_function(&c.func) {
        format!("{f}({})", primary.join(", "))
    } else if fargs.is_empty() {
        "\"\"".to_string()
    } else {
        format!("sprintf(\"{}\", {})", fmt.join(", "), fargs.join(", "))
    };
    (vars, argstr)
}

/// Whether a number argument called `arg` is a user address.
fn is_address(arg: &str) -> bool {
    matches!(arg, "addr" | "start" | "brk" | "new_addr" | "old_addr" | "uaddr" | "uaddr2" | "vaddr") || arg.ends_with("_addr")
}

/// Calls whose return value is an address: `retstr` in hex, as SystemTap prints them.
fn returns_address(func: &str) -> bool {
    matches!(func, "mmap" | "brk" | "mremap" | "shmat")
}

/// The tapset text for every call of `table`.
pub fn generate(table: &[Syscall]) -> String {
    let mut s = String::from(
        "// Generated by rstap from the target kernel's system call table (syscalls/tapset.rs):\n// do not edit.\n\n",
    );
    for c in table {
        let (vars, argstr) = entry_vars(c);
        writeln!(s, "probe syscall.{0}, nd_syscall.{0} = __syscall({1})\n{{\n\tname = \"{0}\"", c.name, c.nr).unwrap();
        for v in &vars {
            writeln!(s, "\t{} = {}", v.name, v.expr).unwrap();
        }
        // `open` and `openat` print a mode only when the flags create a file, as SystemTap does.
        if matches!(c.func.as_str(), "open" | "openat") && vars.iter().any(|v| v.name == "mode") {
            let short = argstr.replace(", %#o\"", "\"").replace(", mode)", ")");
            writeln!(s, "\targstr = __sc_creates(flags) ? {argstr} : {short}").unwrap();
        } else {
            writeln!(s, "\targstr = {argstr}").unwrap();
        }
        s.push_str("}\n");
        writeln!(
            s,
            "probe syscall.{0}.return, nd_syscall.{0}.return = __syscall({1}).return\n{{\n\tname = \"{0}\"\n\tretval = __sc_ret()\n\tretstr = __sc_retstr(retval, {2})\n}}",
            c.name,
            c.nr,
            returns_address(&c.func) as u8
        )
        .unwrap();
    }
    generate_any(table, &mut s);
    s
}

/// `syscall_any` and `syscall_any.return` (SystemTap's low-overhead probes on every call:
/// `syscall_nr`, `name`, and `retval` at the return; no arguments), and the name of a
/// number, `__sc_name(NR)`, a table generated with them.
fn generate_any(table: &[Syscall], s: &mut String) {
    s.push_str("probe syscall_any = __syscall_any\n{\n\tsyscall_nr = __sc_nr()\n\tname = __sc_name(syscall_nr)\n}\n");
    s.push_str("probe syscall_any.return = __syscall_any.return\n{\n\tsyscall_nr = __sc_nr()\n\tname = __sc_name(syscall_nr)\n\tretval = __sc_ret()\n}\n");
    s.push_str("// __sc_name - the name of system call NR (\"\" when it has none)\nfunction __sc_name:string (nr:long)\n%{ /* pure */ /* unprivileged */\n\tstatic const char *const names[] = {\n");
    for c in table {
        writeln!(s, "\t\t[{}] = \"{}\",", c.nr, c.name).unwrap();
    }
    s.push_str("\t};\n\tunsigned long nr = STAP_ARG_nr;\n\n\tstrscpy(STAP_RETVALUE, nr < ARRAY_SIZE(names) && names[nr] ? names[nr] : \"\", MAXSTRINGLEN);\n%}\n");
    // SystemTap's syscall_name(3stap) and syscall_num(3stap), over the same table.
    s.push_str("// syscall_name - the name of system call number num (\"\" when it has none)\nfunction syscall_name:string (num:long) { return __sc_name(num) }\n");
    s.push_str("// syscall_num - the number of the system call called name (-1 when none is)\nfunction syscall_num:long (name:string)\n%{ /* pure */ /* unprivileged */\n\tstatic const struct { const char *name; int nr; } calls[] = {\n");
    for c in table {
        writeln!(s, "\t\t{{ \"{}\", {} }},", c.name, c.nr).unwrap();
    }
    s.push_str("\t};\n\tsize_t i;\n\n\tSTAP_RETVALUE = -1;\n\tfor (i = 0; i < ARRAY_SIZE(calls); i++) {\n\t\tif (!strcmp(calls[i].name, STAP_ARG_name)) {\n\t\t\tSTAP_RETVALUE = calls[i].nr;\n\t\t\tbreak;\n\t\t}\n\t}\n%}\n");
}

/// `-L` of `syscall.NAME[.return]`: the variables in SystemTap's `name:type` form.
pub fn listing_vars(c: &Syscall, ret: bool) -> Vec<(String, &'static str)> {
    if ret {
        return vec![("name".into(), "string"), ("retval".into(), "long"), ("retstr".into(), "string")];
    }
    let mut v = vec![("name".to_string(), "string")];
    v.extend(entry_vars(c).0.into_iter().map(|x| (x.name, x.ty)));
    v.push(("argstr".into(), "string"));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: &[(&str, &str)]) -> Syscall {
        Syscall { nr: 1, name: name.into(), func: name.into(), args: args.iter().map(|(t, n)| (t.to_string(), n.to_string())).collect() }
    }

    #[test]
    fn read_and_openat_follow_systemtap_names() {
        let read = call("read", &[("unsigned int", "fd"), ("char *", "buf"), ("size_t", "count")]);
        let (v, a) = entry_vars(&read);
        assert_eq!(v.iter().map(|x| x.name.as_str()).collect::<Vec<_>>(), ["fd", "buf_uaddr", "count"]);
        assert_eq!(a, "sprintf(\"%d, %p, %u\", fd, buf_uaddr, count)");
        let openat = call("openat", &[("int", "dfd"), ("const char *", "filename"), ("int", "flags"), ("umode_t", "mode")]);
        let (v, a) = entry_vars(&openat);
        assert_eq!(
            v.iter().map(|x| x.name.as_str()).collect::<Vec<_>>(),
            ["dfd", "dfd_str", "filename", "flags", "flags_str", "mode"]
        );
        assert_eq!(a, "sprintf(\"%s, %s, %s, %#o\", dfd_str, filename, flags_str, mode)");
        assert_eq!(v[2].expr, "user_string_quoted(__sc_arg(1, 0))");
        assert_eq!(v[3].expr, "__sc_arg(2, 1)");
        let text = generate(&[openat]);
        assert!(text.contains("argstr = __sc_creates(flags) ? sprintf(\"%s, %s, %s, %#o\", dfd_str, filename, flags_str, mode) : sprintf(\"%s, %s, %s\", dfd_str, filename, flags_str)"), "{text}");
    }

    fn args_of(c: &Syscall) -> (Vec<String>, String) {
        let (v, a) = entry_vars(c);
        (v.into_iter().map(|x| x.name).collect(), a)
    }

    /// The C enum of runtime-c/syscall_decode.c names the same decoders with the same
    /// numbers as Decoder (`SockFamily` is `RT_SCD_SOCK_FAMILY`).
    #[test]
    fn decoder_numbers_match_the_c_enum() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../runtime-c/syscall_decode.c");
        let c = std::fs::read_to_string(path).unwrap();
        let body = &c[c.find("enum rt_sc_decoder {").unwrap()..];
        let body = &body[..body.find("};").unwrap()];
        let mut in_c = Vec::new();
        for l in body.lines().filter_map(|l| l.trim().strip_prefix("RT_SCD_")) {
            if let Some((name, n)) = l.trim_end_matches(',').split_once(" = ") {
                in_c.push((name.to_string(), n.parse::<u8>().unwrap()));
            }
        }
        let in_rust: Vec<(String, u8)> = Decoder::ALL
            .iter()
            .map(|d| {
                let mut snake = String::new();
                for (i, ch) in format!("{d:?}").chars().enumerate() {
                    if ch.is_uppercase() && i > 0 {
                        snake.push('_');
                    }
                    snake.push(ch.to_ascii_uppercase());
                }
                (snake, *d as u8)
            })
            .collect();
        assert_eq!(in_c, in_rust);
        assert!(Decoder::ALL.iter().enumerate().all(|(i, d)| *d as usize == i));
    }

    #[test]
    fn socket_calls_decode_family_type_protocol_and_address() {
        let socket = call("socket", &[("int", "family"), ("int", "type"), ("int", "protocol")]);
        let (v, a) = args_of(&socket);
        assert_eq!(v, ["family", "family_str", "type", "type_str", "protocol", "protocol_str"]);
        assert_eq!(a, "sprintf(\"%s, %s, %s\", family_str, type_str, protocol_str)");
        let (vars, _) = entry_vars(&socket);
        assert_eq!(vars[1].expr, "__sc_flags_str(family, 5)");
        assert_eq!(vars[5].expr, "__sc_protocol_str(__sc_arg(0, 1), protocol)");
        let connect = call("connect", &[("int", "fd"), ("struct sockaddr *", "uservaddr"), ("int", "addrlen")]);
        let (vars, a) = entry_vars(&connect);
        assert_eq!(a, "sprintf(\"%d, %s, %d\", fd, uservaddr_str, addrlen)");
        assert_eq!(vars[2].expr, "__sc_sockaddr_str(uservaddr, __sc_arg(2, 1))");
    }

    #[test]
    fn calls_printed_by_operation_or_with_exceptions() {
        let futex = call(
            "futex",
            &[("u32 *", "uaddr"), ("int", "op"), ("u32", "val"), ("const struct __kernel_timespec *", "utime"), ("u32 *", "uaddr2"), ("u32", "val3")],
        );
        assert_eq!(args_of(&futex).1, "__sc_futex_argstr(uaddr, op, val, utime_uaddr, uaddr2, val3)");
        let prctl = call("prctl", &[("int", "option"), ("unsigned long", "arg2"), ("unsigned long", "arg3"), ("unsigned long", "arg4"), ("unsigned long", "arg5")]);
        assert_eq!(args_of(&prctl).1, "__sc_prctl_argstr(option, arg2, arg3, arg4, arg5)");
        // clone: no tls in argstr, the stack as an address.
        let clone = call(
            "clone",
            &[("unsigned long", "clone_flags"), ("unsigned long", "newsp"), ("int *", "parent_tidptr"), ("int *", "child_tidptr"), ("unsigned long", "tls")],
        );
        let (v, a) = args_of(&clone);
        assert_eq!(v, ["clone_flags", "clone_flags_str", "newsp", "parent_tidptr_uaddr", "child_tidptr_uaddr", "tls"]);
        assert_eq!(a, "sprintf(\"%s, %p, %p, %p\", clone_flags_str, newsp, parent_tidptr_uaddr, child_tidptr_uaddr)");
        let fcntl = call("fcntl", &[("unsigned int", "fd"), ("unsigned int", "cmd"), ("unsigned long", "arg")]);
        assert_eq!(args_of(&fcntl).1, "sprintf(\"%d, %s, %p\", fd, cmd_str, arg)");
        let ioctl = call("ioctl", &[("unsigned int", "fd"), ("unsigned int", "cmd"), ("unsigned long", "arg")]);
        let (vars, a) = entry_vars(&ioctl);
        assert_eq!(a, "sprintf(\"%d, %d, %p\", fd, cmd, arg)");
        assert_eq!(vars[1].expr, "__sc_arg(1, 1)");
        let sigaction = call(
            "rt_sigaction",
            &[("int", "sig"), ("const struct sigaction *", "act"), ("struct sigaction *", "oact"), ("size_t", "sigsetsize")],
        );
        assert_eq!(args_of(&sigaction).1, "sprintf(\"%s, {%s}, %p, %u\", sig_str, act_str, oact_uaddr, sigsetsize)");
        // mount's strings are not `const char *` to the kernel.
        let mount = call(
            "mount",
            &[("char *", "dev_name"), ("char *", "dir_name"), ("char *", "type"), ("unsigned long", "flags"), ("void *", "data")],
        );
        let (v, a) = args_of(&mount);
        assert_eq!(v, ["dev_name", "dir_name", "type", "flags", "flags_str", "data"]);
        assert_eq!(a, "sprintf(\"%s, %s, %s, %s, %s\", dev_name, dir_name, type, flags_str, data)");
        let mknodat = call("mknodat", &[("int", "dfd"), ("const char *", "filename"), ("umode_t", "mode"), ("unsigned int", "dev")]);
        assert_eq!(args_of(&mknodat).1, "sprintf(\"%s, %s, %s, %u\", dfd_str, filename, mode_str, dev)");
        // What write sends, quoted (a pointer with a decoder keeps its `_uaddr`).
        let write = call("write", &[("unsigned int", "fd"), ("const char *", "buf"), ("size_t", "count")]);
        let (vars, a) = entry_vars(&write);
        assert_eq!(vars.iter().map(|x| x.name.as_str()).collect::<Vec<_>>(), ["fd", "buf_uaddr", "buf_str", "count"]);
        assert_eq!(vars[2].expr, "user_buffer_quoted(buf_uaddr, __sc_arg(2, 5), 50)");
        assert_eq!(a, "sprintf(\"%d, %s, %u\", fd, buf_str, count)");
        let setrlimit = call("setrlimit", &[("unsigned int", "resource"), ("struct rlimit *", "rlim")]);
        let (v, a) = args_of(&setrlimit);
        assert_eq!(v, ["resource", "resource_str", "rlim_uaddr", "rlim_str"]);
        assert_eq!(a, "sprintf(\"%s, %s\", resource_str, rlim_str)");
    }

    #[test]
    fn kinds() {
        assert_eq!(kind("const char *"), Some(Kind::Ptr));
        assert_eq!(kind("const clockid_t"), Some(Kind::I32));
        assert_eq!(kind("umode_t"), Some(Kind::U16));
        assert_eq!(kind("pid_t"), Some(Kind::I32));
        assert_eq!(kind("struct foo"), None);
    }
}
