//! Build tier (installed kernel debuginfo and headers, no kernel run): the system call
//! table rstap generates `syscall.*` from (compiler/translator/src/syscalls/meta.rs).
//! `rstap -l 'syscall.*'` must list exactly the calls an independent reading finds: the
//! vmlinux's `sys_call_table` dumped with objdump, each entry named through nm's
//! `__x64_sys_NAME` symbols, kept when nm shows a `__syscall_meta__NAME` record, and named
//! by the headers' unistd_64.h number. `-L` arities must equal the prototypes in the
//! headers' include/linux/syscalls.h (their argument names differ from the definitions'
//! often, so names are checked on a few calls only).

use rstap_tests::{bin, hex, kernel_releases, run, text, vmlinux};
use std::collections::{BTreeSet, HashMap};
use std::process::Command;

/// nm's symbols: name → (address, type letter).
fn nm(vmlinux: &str) -> HashMap<String, (u64, char)> {
    let out = run(Command::new("nm").arg(vmlinux));
    let mut m = HashMap::new();
    for l in text(&out.stdout).lines() {
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.len() == 3 {
            m.insert(f[2].to_string(), (hex(f[0]), f[1].chars().next().unwrap()));
        }
    }
    m
}

/// `sys_call_table`'s entries, from objdump's hex dump of its bytes.
fn call_table(vmlinux: &str, addr: u64, size: u64) -> Vec<u64> {
    let out = run(Command::new("objdump").args([
        "-s",
        &format!("--start-address={addr:#x}"),
        &format!("--stop-address={:#x}", addr + size),
        vmlinux,
    ]));
    let mut bytes = Vec::new();
    for l in text(&out.stdout).lines() {
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.len() < 2 || f[0].len() != 16 || u64::from_str_radix(f[0], 16).is_err() {
            continue;
        }
        for w in &f[1..f.len().min(5)] {
            if w.len() % 2 != 0 || u32::from_str_radix(w, 16).is_err() {
                break;
            }
            for i in (0..w.len()).step_by(2) {
                bytes.push(u8::from_str_radix(&w[i..i + 2], 16).unwrap());
            }
        }
    }
    assert_eq!(bytes.len() as u64, size, "objdump's dump of sys_call_table");
    bytes.chunks(8).map(|c| u64::from_le_bytes(c.try_into().unwrap())).collect()
}

fn nr_names(kver: &str) -> HashMap<u64, String> {
    let p = format!("/lib/modules/{kver}/build/arch/x86/include/generated/uapi/asm/unistd_64.h");
    let mut m = HashMap::new();
    for l in std::fs::read_to_string(&p).unwrap().lines() {
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.len() == 3 && f[0] == "#define" && f[1].starts_with("__NR_") && f[1] != "__NR_syscalls" {
            m.insert(f[2].parse().unwrap(), f[1]["__NR_".len()..].to_string());
        }
    }
    m
}

/// The number of parameters of each `asmlinkage long sys_NAME(...)` declared once.
fn header_arities(kver: &str) -> HashMap<String, usize> {
    let common = std::fs::read_link(format!("/lib/modules/{kver}/build"))
        .ok()
        .and_then(|p| std::fs::read_to_string(p.join("include/linux/syscalls.h")).ok())
        .or_else(|| {
            // Debian: the flavour's tree (-amd64, -rt-amd64, ...) names the common tree
            // holding the headers in its Makefile's `include` line.
            let mk = std::fs::read_to_string(format!("/lib/modules/{kver}/build/Makefile")).ok()?;
            let common = mk.lines().find_map(|l| l.strip_prefix("include "))?.trim().strip_suffix("/Makefile")?.to_string();
            std::fs::read_to_string(format!("{common}/include/linux/syscalls.h")).ok()
        })
        .expect("include/linux/syscalls.h");
    let flat = common.replace("\\\n", " ");
    let re = regex::Regex::new(r"asmlinkage long sys_(\w+)\(([^;]*?)\);").unwrap();
    let mut seen: HashMap<String, Vec<usize>> = HashMap::new();
    for c in re.captures_iter(&flat) {
        let args = c[2].split_whitespace().collect::<Vec<_>>().join(" ");
        let n = if args == "void" { 0 } else { args.split(',').count() };
        seen.entry(c[1].to_string()).or_default().push(n);
    }
    seen.into_iter().filter(|(_, v)| v.len() == 1).map(|(k, v)| (k, v[0])).collect()
}

#[test]
fn syscall_list_matches_the_vmlinux_table() {
    for kver in kernel_releases() {
        let Some(vml) = vmlinux(&kver) else {
            println!("skip {kver}: no debuginfo vmlinux");
            continue;
        };
        let syms = nm(&vml);
        let (table, _) = syms["sys_call_table"];
        let sized = run(Command::new("nm").args(["-S", &vml]));
        let size = text(&sized.stdout)
            .lines()
            .find(|l| l.ends_with(" sys_call_table"))
            .map(|l| hex(l.split_whitespace().nth(1).unwrap()))
            .unwrap();
        let names = nr_names(&kver);
        let count = size / 8;
        let by_addr: HashMap<u64, &str> = syms
            .iter()
            .filter(|(n, (_, t))| n.starts_with("__x64_sys_") && matches!(t, 'T' | 't' | 'W'))
            .map(|(n, (a, _))| (*a, &n["__x64_sys_".len()..]))
            .collect();
        let mut expected = BTreeSet::new();
        let mut funcs = HashMap::new();
        for (nr, addr) in call_table(&vml, table, count * 8).into_iter().enumerate() {
            let func = by_addr.get(&addr).unwrap_or_else(|| panic!("{kver}: sys_call_table[{nr}] = {addr:#x} is no __x64_sys_ symbol"));
            if *func == "ni_syscall" || !syms.contains_key(&format!("__syscall_meta__{func}")) {
                continue;
            }
            let name = names.get(&(nr as u64)).cloned().unwrap_or_else(|| func.to_string());
            expected.insert(format!("syscall.{name}"));
            funcs.insert(name, func.to_string());
        }
        let out = run(Command::new(bin("rstap")).args(["-l", "syscall.*", "-r", &kver]));
        assert!(out.status.success(), "{kver}: {}", text(&out.stderr));
        let listed: BTreeSet<String> = text(&out.stdout).lines().map(str::to_string).collect();
        assert_eq!(listed, expected, "{kver}: rstap -l 'syscall.*' against objdump/nm");
        println!("{kver}: {} system calls", listed.len());
        assert!(listed.len() > 300, "{kver}: only {} system calls", listed.len());
        let ret = run(Command::new(bin("rstap")).args(["-l", "syscall.*.return", "-r", &kver]));
        assert_eq!(text(&ret.stdout).lines().count(), listed.len(), "{kver}: one .return per call");

        // -L: arities against the headers' prototypes; a few exact variable lists.
        let arities = header_arities(&kver);
        let out = run(Command::new(bin("rstap")).args(["-L", "syscall.*", "-r", &kver]));
        let mut checked = 0;
        for l in text(&out.stdout).lines() {
            let mut f = l.split_whitespace();
            let name = &f.next().unwrap()["syscall.".len()..];
            let vars: Vec<&str> = f.collect();
            let unique: BTreeSet<&str> = vars.iter().map(|v| v.split(':').next().unwrap()).collect();
            assert_eq!(unique.len(), vars.len(), "{kver}: a variable twice: {l}");
            // One variable per argument, besides name, argstr and the `X_str` forms of
            // number arguments X (dfd_str, flags_str) and of pointers X_uaddr (rlim_str).
            let companion = |v: &str| {
                v.strip_suffix("_str:string").is_some_and(|b| {
                    vars.contains(&format!("{b}:long").as_str()) || vars.contains(&format!("{b}_uaddr:long").as_str())
                })
            };
            let args = vars.iter().filter(|v| !v.starts_with("name:") && !v.starts_with("argstr:") && !companion(v)).count();
            if let Some(&n) = arities.get(&funcs[name]) {
                assert_eq!(args, n, "{kver}: {l}: syscalls.h declares sys_{}() with {n} parameters", funcs[name]);
                checked += 1;
            }
        }
        assert!(checked > 300, "{kver}: only {checked} calls compared with syscalls.h");
        let vars = |p: &str| {
            let o = run(Command::new(bin("rstap")).args(["-L", p, "-r", &kver]));
            text(&o.stdout).trim().to_string()
        };
        assert_eq!(vars("syscall.read"), "syscall.read name:string fd:long buf_uaddr:long count:long argstr:string");
        assert_eq!(
            vars("syscall.openat"),
            "syscall.openat name:string dfd:long dfd_str:string filename:string flags:long flags_str:string mode:long argstr:string"
        );
        assert_eq!(vars("nd_syscall.close.return"), "nd_syscall.close.return name:string retval:long retstr:string");
        assert_eq!(
            vars("syscall.socket"),
            "syscall.socket name:string family:long family_str:string type:long type_str:string protocol:long protocol_str:string argstr:string"
        );
        // Every argument a decoder names exists on this kernel (a misspelt one would never
        // decode): its `_str` variable is listed.
        let all = text(&out.stdout);
        for (call, var) in DECODED {
            let line = all.lines().find(|l| l.starts_with(&format!("syscall.{call} "))).unwrap_or_else(|| panic!("{kver}: no syscall.{call}"));
            assert!(line.split_whitespace().any(|v| v == format!("{var}_str:string")), "{kver}: no {var}_str: {line}");
        }
    }
}

/// The decoded arguments (syscalls/tapset.rs `decoder`), by call.
const DECODED: &[(&str, &str)] = &[
    ("open", "flags"), ("openat", "flags"), ("open_by_handle_at", "flags"), ("mmap", "prot"), ("mprotect", "prot"),
    ("pkey_mprotect", "prot"), ("remap_file_pages", "prot"), ("mmap", "flags"), ("newfstatat", "flag"), ("fchownat", "flag"),
    ("linkat", "flags"), ("unlinkat", "flag"), ("faccessat2", "flags"), ("utimensat", "flags"), ("statx", "flags"),
    ("execveat", "flags"), ("name_to_handle_at", "flag"), ("open_tree", "flags"), ("kill", "sig"), ("tkill", "sig"),
    ("tgkill", "sig"), ("rt_sigaction", "sig"), ("rt_sigqueueinfo", "sig"), ("rt_tgsigqueueinfo", "sig"),
    ("pidfd_send_signal", "sig"), ("socket", "family"), ("socket", "type"), ("socket", "protocol"),
    ("socketpair", "family"), ("socketpair", "type"), ("socketpair", "protocol"), ("accept4", "flags"),
    ("sendto", "flags"), ("recvfrom", "flags"), ("sendmsg", "flags"), ("recvmsg", "flags"), ("sendmmsg", "flags"),
    ("recvmmsg", "flags"), ("connect", "uservaddr"), ("bind", "umyaddr"), ("sendto", "addr"), ("clone", "clone_flags"),
    ("fcntl", "cmd"), ("wait4", "options"), ("waitid", "options"), ("waitid", "which"), ("epoll_ctl", "op"),
    ("epoll_create1", "flags"), ("getrlimit", "resource"), ("setrlimit", "resource"), ("prlimit64", "resource"),
    ("setrlimit", "rlim"), ("prlimit64", "new_rlim"), ("clock_gettime", "which_clock"), ("clock_settime", "which_clock"),
    ("clock_getres", "which_clock"), ("clock_nanosleep", "which_clock"), ("clock_adjtime", "which_clock"),
    ("timer_create", "which_clock"), ("timerfd_create", "clockid"), ("clock_nanosleep", "flags"),
    ("clock_nanosleep", "rqtp"), ("nanosleep", "rqtp"), ("clock_settime", "tp"), ("ppoll", "tsp"), ("pselect6", "tsp"),
    ("recvmmsg", "timeout"), ("select", "tvp"), ("mount", "flags"), ("umount2", "flags"), ("renameat2", "flags"),
    ("mknod", "mode"), ("mknodat", "mode"), ("access", "mode"), ("faccessat", "mode"), ("faccessat2", "mode"),
    ("rt_sigprocmask", "how"), ("rt_sigprocmask", "nset"), ("rt_sigaction", "act"), ("lseek", "whence"),
    ("dup3", "flags"), ("pipe", "fildes"), ("pipe2", "fildes"), ("pipe2", "flags"), ("eventfd2", "flags"),
    ("timerfd_create", "flags"), ("timerfd_settime", "flags"), ("signalfd4", "flags"), ("inotify_init1", "flags"),
    ("shutdown", "how"), ("flock", "cmd"), ("madvise", "behavior"), ("msync", "flags"), ("mlockall", "flags"),
    ("inotify_add_watch", "mask"), ("write", "buf"), ("pwrite64", "buf"), ("sendto", "buff"), ("add_key", "payload"),
    ("getitimer", "which"), ("setitimer", "which"), ("setitimer", "value"), ("getrusage", "who"), ("getpriority", "which"),
    ("setpriority", "which"), ("sched_setscheduler", "policy"), ("fadvise64", "advice"), ("mremap", "flags"),
    ("getrandom", "flags"), ("memfd_create", "flags"), ("mlock2", "flags"), ("execve", "argv"), ("execve", "envp"),
    ("execveat", "argv"), ("execveat", "envp"), ("setsockopt", "level"), ("setsockopt", "optname"), ("getsockopt", "level"),
    ("getsockopt", "optname"), ("utimensat", "utimes"), ("timerfd_settime", "utmr"), ("timer_settime", "new_setting"),
];
