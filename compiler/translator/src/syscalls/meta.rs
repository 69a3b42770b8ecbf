//! The target kernel's x86-64 system calls, read from the kernel itself rather than
//! written by hand: the numbers and their names from the build tree's
//! `arch/x86/include/generated/uapi/asm/unistd_64.h`, which function each number
//! runs from the vmlinux's `sys_call_table` (an array of `__x64_sys_NAME` addresses),
//! and each function's argument names and C types from its `__syscall_meta__NAME`
//! record (CONFIG_FTRACE_SYSCALLS: the strings `SYSCALL_DEFINEn` wrote). Numbers
//! whose entry is `sys_ni_syscall`, or a weak stub without a record, are not
//! implemented and left out.
//!
//! The vmlinux is linked (ET_EXEC): its initialised data holds the final link-time
//! pointers whether or not it keeps its relocations (6.1's does, 6.12's does not), so
//! they are read as stored. Read once per vmlinux build-id and cached on disk.

use anyhow::{anyhow, bail, Context, Result};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

/// One system call as the kernel defines it.
#[derive(Debug, Clone, PartialEq)]
pub struct Syscall {
    pub nr: u32,
    /// The `__NR_` name (`pread64`, `newfstatat`): what `syscall.NAME` names.
    pub name: String,
    /// The kernel function's name without `sys_` (`pread64`, `newfstatat`; `stat` runs
    /// `newstat`): its tracepoints are `syscalls:sys_enter_FUNC`.
    pub func: String,
    /// The arguments in order: C type as the metadata spells it (`const char *`: no `__user`), name.
    pub args: Vec<(String, String)>,
}

/// Offsets in `struct syscall_metadata` (include/trace/syscall.h, the same on 6.1 and
/// 6.12): `const char *name; int syscall_nr; int nb_args; const char **types;
/// const char **args;`.
const META_NAME: u64 = 0;
const META_NB_ARGS: u64 = 12;
const META_TYPES: u64 = 16;
const META_ARGS: u64 = 24;

/// The system calls of kernel `release`, by number (read once per process; cached on disk).
pub fn table(release: &str) -> Result<Arc<Vec<Syscall>>> {
    static TABLES: OnceLock<Mutex<HashMap<String, Arc<Vec<Syscall>>>>> = OnceLock::new();
    let map = TABLES.get_or_init(Default::default);
    if let Some(t) = map.lock().unwrap().get(release) {
        return Ok(t.clone());
    }
    let t = Arc::new(load(release)?);
    map.lock().unwrap().insert(release.to_string(), t.clone());
    Ok(t)
}

/// Cache format version: bump when the file's layout or what is read changes.
const FORMAT: &str = "syscalls1";

fn load(release: &str) -> Result<Vec<Syscall>> {
    let id = crate::debuginfo::kernel_build_id(release).ok_or_else(|| no_vmlinux(release))?;
    let path = crate::datadir::cache_dir().join("syscalls").join(format!("{id}.{FORMAT}"));
    if let Ok(text) = std::fs::read_to_string(&path) {
        if let Some(t) = parse_cache(&text) {
            return Ok(t);
        }
    }
    let names = unistd_names(&build_tree_unistd(release))?;
    let t = read_vmlinux(release, &names)?;
    // A cache that cannot be written only costs the next run a re-read.
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        if std::fs::write(&tmp, to_cache(&t)).is_ok() {
            let _ = std::fs::rename(&tmp, &path);
        }
    }
    Ok(t)
}

fn no_vmlinux(release: &str) -> anyhow::Error {
    anyhow!(
        "the system call table of {release} is read from its vmlinux's symbols (sys_call_table, __syscall_meta__*), and no vmlinux was found\n  = help: install the kernel's debuginfo (Debian: linux-image-{release}-dbg), or run `rstap --prep -r {release}`"
    )
}

/// `unistd_64.h` in `release`'s build tree.
pub fn build_tree_unistd(release: &str) -> std::path::PathBuf {
    Path::new(&format!("/lib/modules/{release}/build")).join("arch/x86/include/generated/uapi/asm/unistd_64.h")
}

/// `#define __NR_NAME NUMBER` lines: number → name.
pub fn unistd_names(path: &Path) -> Result<HashMap<u32, String>> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!("reading {} (the kernel headers' system call numbers)", path.display())
    })?;
    let mut out = HashMap::new();
    for line in text.lines() {
        let mut w = line.split_whitespace();
        if let (Some("#define"), Some(name), Some(num), None) = (w.next(), w.next(), w.next(), w.next()) {
            // `__NR_syscalls` is the count, not a call.
            if let (Some(name), Ok(num)) = (name.strip_prefix("__NR_").filter(|n| *n != "syscalls"), num.parse::<u32>()) {
                out.insert(num, name.to_string());
            }
        }
    }
    if out.is_empty() {
        bail!("{} defines no __NR_ numbers", path.display());
    }
    Ok(out)
}

fn read_vmlinux(release: &str, names: &HashMap<u32, String>) -> Result<Vec<Syscall>> {
    let syms = crate::debuginfo::symtab::kernel_symbols(release)?;
    let table = syms
        .unique("sys_call_table")
        .ok_or_else(|| anyhow!("the vmlinux of {release} has no sys_call_table symbol"))?;
    // The entry functions by address: `__x64_sys_NAME` (x86-64's pt_regs wrappers).
    let mut by_addr: HashMap<u64, &str> = HashMap::new();
    for (name, copies) in syms.with_prefix("__x64_sys_") {
        if let [s] = copies {
            by_addr.insert(s.addr, &name["__x64_sys_".len()..]);
        }
    }
    if syms.unique("__syscall_meta__read").is_none() {
        bail!("the vmlinux of {release} has no __syscall_meta__ records: the syscall tapset needs CONFIG_FTRACE_SYSCALLS");
    }
    if table.size == 0 || table.size % 8 != 0 {
        bail!("sys_call_table of {release} has a size of {} bytes", table.size);
    }
    // COND_SYSCALL() makes a call the kernel leaves out an alias of sys_ni_syscall.
    let ni = syms.unique("__x64_sys_ni_syscall").map(|s| s.addr);
    let mut out = Vec::new();
    for nr in 0..(table.size / 8) {
        let target = syms.read_u64(table.addr + nr * 8).ok_or_else(|| anyhow!("reading sys_call_table[{nr}] of {release}"))?;
        if Some(target) == ni {
            continue;
        }
        let Some(&func) = by_addr.get(&target) else {
            bail!("sys_call_table[{nr}] of {release} points at {target:#x}, which is no __x64_sys_ function");
        };
        let name = names.get(&(nr as u32)).cloned().unwrap_or_else(|| func.to_string());
        // No record: a call this kernel leaves out, whose entry is COND_SYSCALL()'s weak
        // stub returning -ENOSYS (lookup_dcookie on 6.1).
        let Some(meta) = syms.unique(&format!("__syscall_meta__{func}")) else { continue };
        out.push(Syscall { nr: nr as u32, name, func: func.to_string(), args: read_meta(&syms, meta.addr, func)? });
    }
    Ok(out)
}

/// One `struct syscall_metadata`'s argument types and names.
fn read_meta(syms: &crate::debuginfo::symtab::SymbolTable, at: u64, func: &str) -> Result<Vec<(String, String)>> {
    let bad = || anyhow!("__syscall_meta__{func} cannot be read");
    let name = syms.read_cstr(syms.read_u64(at + META_NAME).ok_or_else(bad)?).ok_or_else(bad)?;
    if name != format!("sys_{func}") {
        bail!("__syscall_meta__{func} names {name:?}: struct syscall_metadata is not laid out as expected");
    }
    let nb = syms.read(at + META_NB_ARGS, 4).ok_or_else(bad)?;
    let nb = i32::from_le_bytes(nb.try_into().unwrap());
    if !(0..=6).contains(&nb) {
        bail!("__syscall_meta__{func} has {nb} arguments");
    }
    let mut args = Vec::new();
    if nb > 0 {
        let types = syms.read_u64(at + META_TYPES).ok_or_else(bad)?;
        let names = syms.read_u64(at + META_ARGS).ok_or_else(bad)?;
        for i in 0..nb as u64 {
            let t = syms.read_cstr(syms.read_u64(types + 8 * i).ok_or_else(bad)?).ok_or_else(bad)?;
            let n = syms.read_cstr(syms.read_u64(names + 8 * i).ok_or_else(bad)?).ok_or_else(bad)?;
            args.push((t, n));
        }
    }
    Ok(args)
}

/// One line per call: `nr\tname\tfunc` then `\ttype\targ` per argument.
fn to_cache(t: &[Syscall]) -> String {
    let mut s = String::new();
    for c in t {
        s.push_str(&format!("{}\t{}\t{}", c.nr, c.name, c.func));
        for (ty, n) in &c.args {
            s.push_str(&format!("\t{ty}\t{n}"));
        }
        s.push('\n');
    }
    s
}

fn parse_cache(text: &str) -> Option<Vec<Syscall>> {
    let mut out = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 3 || f.len().is_multiple_of(2) {
            return None;
        }
        let args = f[3..].chunks(2).map(|p| (p[0].to_string(), p[1].to_string())).collect();
        out.push(Syscall { nr: f[0].parse().ok()?, name: f[1].to_string(), func: f[2].to_string(), args });
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_round_trip() {
        let t = vec![
            Syscall { nr: 0, name: "read".into(), func: "read".into(), args: vec![("unsigned int".into(), "fd".into()), ("char __user *".into(), "buf".into())] },
            Syscall { nr: 39, name: "getpid".into(), func: "getpid".into(), args: vec![] },
        ];
        assert_eq!(parse_cache(&to_cache(&t)), Some(t));
    }
}
