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

/// A flags decoder of tapsets/syscalls.stp (`__sc_flags_str(v, TABLE)`), by table.
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
}

/// The decoder for argument `arg` of kernel function `func`, if there is one.
pub fn decoder(func: &str, arg: &str) -> Option<Decoder> {
    match (func, arg) {
        ("open" | "openat" | "open_by_handle_at", "flags") => Some(Decoder::Open),
        ("mmap" | "mprotect" | "pkey_mprotect" | "remap_file_pages", "prot") => Some(Decoder::Prot),
        ("mmap", "flags") => Some(Decoder::Mmap),
        (
            "newfstatat" | "fchownat" | "linkat" | "unlinkat" | "faccessat2" | "utimensat" | "statx" | "execveat"
            | "name_to_handle_at" | "open_tree" | "fchmodat2",
            "flag" | "flags",
        ) => Some(Decoder::At),
        (
            "kill" | "tkill" | "tgkill" | "rt_sigaction" | "rt_sigqueueinfo" | "rt_tgsigqueueinfo" | "pidfd_send_signal",
            "sig",
        ) => Some(Decoder::Signal),
        _ => None,
    }
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

/// What `syscall.NAME` sets, and its argstr as (format, arguments).
pub fn entry_vars(c: &Syscall) -> (Vec<Var>, String) {
    let mut vars = Vec::new();
    let mut fmt = Vec::new();
    let mut fargs = Vec::new();
    for (i, (ty, arg)) in c.args.iter().enumerate() {
        let mut k = kind(ty).unwrap_or(Kind::I64);
        // File descriptors are ints to user space (mmap's is `unsigned long` to the kernel,
        // which truncates it: -1 arrives as 0xffffffff), and print signed.
        if matches!(k, Kind::U32 | Kind::U64 | Kind::I64) && arg.ends_with("fd") {
            k = Kind::I32;
        }
        // `_type` of add_key: SystemTap drops the underscore the kernel uses to dodge keywords.
        let base = arg.trim_start_matches('_');
        let raw = format!("__sc_arg({i}, {})", k as u8);
        // The metadata spells types after preprocessing: `__user` is gone.
        let is_string = k == Kind::Ptr && ty.trim() == "const char *" && !matches!(base, "buf" | "ubuf");
        if is_string {
            // `name` is the call's name: a string argument called so (acct, getxattr's
            // attribute) is `name_str`, as SystemTap names getxattr's.
            let n = if base == "name" { "name_str".to_string() } else { base.to_string() };
            vars.push(Var { name: n.clone(), ty: "string", expr: format!("user_string_quoted({raw})") });
            fmt.push("%s");
            fargs.push(n);
            continue;
        }
        if k == Kind::Ptr {
            // futex's `uaddr`, wait4's `stat_addr` already say what they are.
            let n = if base.ends_with("addr") || base.ends_with("addr2") { base.to_string() } else { format!("{base}_uaddr") };
            vars.push(Var { name: n.clone(), ty: "long", expr: raw });
            fmt.push("%p");
            fargs.push(n);
            continue;
        }
        // No number argument is called `name`, `argstr`, `retval` or `retstr` on 6.1 or
        // 6.12 (the build tier checks every variable name is unique).
        vars.push(Var { name: base.into(), ty: "long", expr: raw });
        if matches!(base, "dfd" | "olddfd" | "newdfd" | "dirfd" | "fromfd" | "from_dfd" | "to_dfd") {
            let n = format!("{base}_str");
            vars.push(Var { name: n.clone(), ty: "string", expr: format!("__sc_dfd_str({base})") });
            fmt.push("%s");
            fargs.push(n);
        } else if let Some(d) = decoder(&c.func, base) {
            let n = format!("{base}_str");
            vars.push(Var { name: n.clone(), ty: "string", expr: format!("__sc_flags_str({base}, {})", d as u8) });
            fmt.push("%s");
            fargs.push(n);
        } else if base == "mode" {
            fmt.push("%#o");
            fargs.push(base.into());
        } else {
            fmt.push(match k {
                Kind::I32 | Kind::I64 => "%d",
                // User addresses held as numbers (mmap's addr, brk, munmap's start) print as
                // pointers, as SystemTap prints them.
                Kind::U64 if is_address(base) => "%p",
                _ => "%u",
            });
            fargs.push(base.into());
        }
    }
    let argstr = if fargs.is_empty() {
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

    #[test]
    fn kinds() {
        assert_eq!(kind("const char *"), Some(Kind::Ptr));
        assert_eq!(kind("const clockid_t"), Some(Kind::I32));
        assert_eq!(kind("umode_t"), Some(Kind::U16));
        assert_eq!(kind("pid_t"), Some(Kind::I32));
        assert_eq!(kind("struct foo"), None);
    }
}
