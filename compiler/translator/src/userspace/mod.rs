//! User-space probe points: `process("PATH")` and `process(PID)` with
//! `.function("PATTERN")` (`.call`, `.return`), `.library("LIB").function(...)`,
//! and the process lifetime events `process[...].begin` / `.end` / `.thread.begin` /
//! `.thread.end`.
//!
//! Functions are found in the program's DWARF when it has some (`dwarf.rs`:
//! `name@file:LINE`, target variables), else in the ELF symbol table of the
//! executable or library (enough for entry and return probes), and become
//! uprobes placed by file and file offset; the module resolves the file to an inode when it
//! starts. A PID is resolved here, to the executable that process runs
//! (`/proc/PID/exe`, or the map the guest side of a remote build sends in
//! `$RSTAP_PID_EXE`), and the module then fires only for that process.

pub mod dwarf;
pub mod elf;
pub mod embed;
pub mod plt;
pub mod sdt;
pub mod symbols;
pub mod unwind;

use crate::ast::{Component, Literal};
use crate::passes::elaborate::wildcard_match;
use std::path::{Path, PathBuf};

/// The environment variable holding `PID=PATH` pairs (`;`-separated) that a
/// remote build's guest resolved for the host.
pub const PID_EXE_ENV: &str = "RSTAP_PID_EXE";

/// Where names without a '/' are searched instead of `$PATH`: the guest's `$PATH`,
/// which a remote build sends (the host build keeps its own for its tools).
pub const SEARCH_PATH_ENV: &str = "RSTAP_SEARCH_PATH";

/// The directories of `$PATH` (or of the guest's, in a remote build).
pub fn search_path() -> String {
    std::env::var(SEARCH_PATH_ENV).or_else(|_| std::env::var("PATH")).unwrap_or_default()
}

/// One uprobe or uretprobe.
#[derive(Debug, Clone, PartialEq)]
pub struct UprobePoint {
    /// The absolute path of the probed file (executable or shared library).
    pub path: String,
    pub offset: u64,
    /// The link-time address at `offset` (the runtime derives the load bias from it).
    pub vaddr: u64,
    pub ret: bool,
    /// Fire only in this process (process(PID)).
    pub pid: Option<i64>,
    /// The kernel refusing this one is a warning (wildcards, optional points).
    pub optional: bool,
    /// Where its DWARF is, for target variables; None: found by ELF symbol only.
    pub site: Option<crate::debuginfo::resolve::Site>,
    /// File offset of an SDT semaphore the kernel counts while this is registered; 0: none.
    pub ref_ctr: u64,
    /// An SDT marker (`.mark(...)`): its names and arguments (sdt.rs).
    pub mark: Option<Box<sdt::Marker>>,
    /// A PLT entry (`.plt(...)`): the symbol it calls, `$$name` (plt.rs).
    pub plt: Option<String>,
    /// `process("EXE").library(...)`: fire only in processes running EXE (the filter
    /// keeps the breakpoint out of the others).
    pub exe: Option<String>,
}

/// `process.begin`, `process("PATH").end`, `process.thread.begin`, ...
#[derive(Debug, Clone, PartialEq)]
pub struct ProcEventPoint {
    pub path: Option<String>,
    pub pid: Option<i64>,
    pub end: bool,
    /// `.thread.begin`/`.thread.end`: every thread but a process's first.
    pub thread: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum UserPoint {
    Uprobe(UprobePoint),
    Event(ProcEventPoint),
}

fn str_arg(c: &Component) -> Result<String, String> {
    match &c.arg {
        Some(Literal::Str(raw)) => Ok(crate::ast::decode_string_lossy(raw)),
        _ => Err(format!("'{}' takes a string: {}(\"NAME\")", c.name, c.name)),
    }
}

/// The process `-c CMD` starts or `-x PID` names: what `process.function(...)` (and
/// the other process points given neither a path nor a PID) probes, as in SystemTap.
/// `process.begin`/`.end` without either stay every process's.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Target {
    #[default]
    None,
    /// `-c`: the command line, whose first word is the executable (found as a shell
    /// would: relative to the current directory with a '/', else on $PATH); probed in
    /// every process that runs it, as `process("PATH")`.
    Command(String),
    /// `-x`: as `process(PID)`, that process only.
    Pid(i64),
}

impl Target {
    pub fn from_options(command: Option<&str>, pid: Option<i32>) -> Target {
        match (command, pid) {
            (Some(c), _) => Target::Command(c.to_string()),
            (None, Some(p)) => Target::Pid(p as i64),
            _ => Target::None,
        }
    }

    /// The executable, and the process for -x.
    fn resolve(&self, what: &str) -> Result<(PathBuf, Option<i64>), String> {
        match self {
            Target::None => Err(format!(
                "{what} without a path or PID probes the target process, and there is none: run with -c CMD or -x PID, or name the program: process(\"PATH\") or process(PID)"
            )),
            Target::Command(cmd) => {
                let word = command_word(cmd).ok_or_else(|| format!("{what}: -c '{cmd}' names no command"))?;
                let exe = find_file(&word)
                    .ok_or_else(|| format!("{what}: cannot find the executable of -c '{cmd}': no such file '{word}'"))?;
                Ok((exe, None))
            }
            Target::Pid(pid) => Ok((pid_exe(*pid)?, Some(*pid))),
        }
    }
}

/// The first word of a shell command (quotes removed), as SystemTap takes -c's program.
fn command_word(cmd: &str) -> Option<String> {
    let cmd = cmd.trim_start();
    let word = match cmd.chars().next()? {
        q @ ('\'' | '"') => cmd[1..].split(q).next()?.to_string(),
        _ => cmd.split_whitespace().next()?.to_string(),
    };
    (!word.is_empty()).then_some(word)
}

/// None: not a user-space family. Else the points, each with its `pp()`.
pub fn resolve(comps: &[Component], target: &Target) -> Option<Result<Vec<(UserPoint, String)>, String>> {
    if comps.first().map(|c| c.name.as_str()) != Some("process") || comps.len() < 2 {
        return None;
    }
    Some(resolve_process(comps, target).map(|mut points| {
        // A library's points fire in the processes of the executable named before it;
        // process(PID) filters by its process already.
        if comps[1].name == "library" && !matches!(comps[0].arg, Some(Literal::Num(_))) {
            let exe = match &comps[0].arg {
                Some(Literal::Str(raw)) => find_file(&crate::ast::decode_string_lossy(raw)),
                _ if matches!(target, Target::Command(_)) => target.resolve("process.library").ok().map(|t| t.0),
                _ => None,
            };
            for (p, _) in &mut points {
                if let UserPoint::Uprobe(u) = p {
                    u.exe = exe.as_ref().map(|e| e.display().to_string());
                }
            }
        }
        points
    }))
}

fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Lifetime events: without a path or PID they are every process's.
fn is_event(comps: &[Component]) -> bool {
    let names: Vec<&str> = comps[1..].iter().map(|c| c.name.as_str()).collect();
    matches!(names.as_slice(), ["begin"] | ["end"] | ["thread", "begin"] | ["thread", "end"])
}

fn resolve_process(comps: &[Component], target: &Target) -> Result<Vec<(UserPoint, String)>, String> {
    // Which file, and which process.
    let (mut path, pid) = match &comps[0].arg {
        None if is_event(comps) => (None, None),
        None => {
            let (exe, pid) = target.resolve(&format!("process.{}", comps[1].name))?;
            (Some(exe), pid)
        }
        Some(Literal::Num(pid)) => (Some(pid_exe(*pid)?), Some(*pid)),
        Some(Literal::Str(raw)) => {
            let p = crate::ast::decode_string_lossy(raw);
            (Some(find_file(&p).ok_or_else(|| format!("process(\"{p}\"): no such executable or library"))?), None)
        }
    };
    let head = match (pid, &path) {
        (Some(n), _) => format!("process({n})"),
        (_, Some(p)) => format!("process({})", quoted(&p.display().to_string())),
        _ => "process".to_string(),
    };
    let names: Vec<&str> = comps[1..].iter().map(|c| c.name.as_str()).collect();
    if is_event(comps) && comps[1..].iter().all(|c| c.arg.is_none()) {
        let thread = names[0] == "thread";
        let end = names.last() == Some(&"end");
        let ev = ProcEventPoint { path: path.map(|p| p.display().to_string()), pid, end, thread };
        return Ok(vec![(UserPoint::Event(ev), format!("{head}.{}", names.join(".")))]);
    }
    let mut rest = &comps[1..];
    let mut pp_head = head;
    if rest.first().map(|c| c.name.as_str()) == Some("library") {
        let exe = path.clone().ok_or("process.library(...) needs process(\"PATH\") or process(PID)")?;
        let lib = str_arg(&rest[0])?;
        let lp = find_library(&exe, &lib).ok_or_else(|| format!("library(\"{lib}\"): not found for {}", exe.display()))?;
        pp_head = format!("process({})", quoted(&lp.display().to_string()));
        path = Some(lp);
        rest = &rest[1..];
    }
    if let Some(sc) = rest.first().filter(|c| c.name == "statement") {
        let path = path.ok_or("process.statement(...) needs process(\"PATH\") or process(PID)")?;
        if rest.len() > 1 {
            return Err(format!("process.statement: unknown suffix '.{}'", rest[1].name));
        }
        let pat = str_arg(sc).map_err(|_| "process(...).statement takes \"FUNC@FILE:LINE\"".to_string())?;
        let info = elf::read(&path).map_err(|e| format!("{e:#}"))?;
        let points = dwarf::statements(&path, &info, &pat, pid, &pp_head)?;
        return Ok(points.into_iter().map(|(u, pp)| (UserPoint::Uprobe(u), pp)).collect());
    }
    if let Some(i) = rest.iter().position(|c| c.name == "mark").filter(|&i| i <= 1) {
        let provider = match i {
            1 if rest[0].name == "provider" => Some(str_arg(&rest[0])?),
            0 => None,
            _ => return Err(format!("process: unknown component '.{}' before .mark", rest[0].name)),
        };
        let path = path.ok_or("process.mark(...) needs process(\"PATH\") or process(PID)")?;
        if let Some(extra) = rest.get(i + 1) {
            return Err(format!("process.mark: unknown suffix '.{}'", extra.name));
        }
        let name = str_arg(&rest[i])?;
        let info = elf::read(&path).map_err(|e| format!("{e:#}"))?;
        let points = sdt::marks(&path, &info, provider.as_deref(), &name, pid, &pp_head)?;
        return Ok(points.into_iter().map(|(u, pp)| (UserPoint::Uprobe(u), pp)).collect());
    }
    if let Some(pc) = rest.first().filter(|c| c.name == "plt") {
        let path = path.ok_or("process.plt(...) needs process(\"PATH\") or process(PID)")?;
        let ret = match rest[1..].iter().map(|c| (c.name.as_str(), c.arg.is_some())).collect::<Vec<_>>().as_slice() {
            [] => false,
            [("return", false)] => true,
            _ => return Err(format!("process.plt: unknown suffix '.{}' (.return)", rest[1].name)),
        };
        let pat = if pc.arg.is_none() { "*".to_string() } else { str_arg(pc)? };
        let info = elf::read(&path).map_err(|e| format!("{e:#}"))?;
        let points = plt::plts(&path, &info, &pat, ret, pid, &pp_head)?;
        return Ok(points.into_iter().map(|(u, pp)| (UserPoint::Uprobe(u), pp)).collect());
    }
    let Some(fc) = rest.first().filter(|c| c.name == "function") else {
        return Err(format!(
            "probe point '{}' is not supported by this rstap yet (process: .function, .statement, .mark, .provider(...).mark, .plt, .library(...), .begin, .end, .thread.begin, .thread.end)",
            crate::passes::elaborate::pp_string(comps)
        ));
    };
    let path = path.ok_or("process.function(...) needs process(\"PATH\"), process(PID), or a target (-c/-x)")?;
    let pat = str_arg(fc)?;
    use crate::listing::Instances;
    let inst = match rest[1..].iter().map(|c| (c.name.as_str(), c.arg.is_some())).collect::<Vec<_>>().as_slice() {
        [] => Instances::All,
        [("call", false)] => Instances::Call,
        [("return", false)] => Instances::Return,
        [("inline", false)] => Instances::Inline,
        _ => return Err(format!("process.function: unknown suffix '.{}'", rest[1].name)),
    };
    let ret = inst == Instances::Return;
    let suffix: String = rest[1..].iter().map(|c| format!(".{}", c.name)).collect();
    let info = elf::read(&path).map_err(|e| format!("{e:#}"))?;
    if crate::debuginfo::user_debug_file(&path).is_some() {
        let points = dwarf::functions(&path, &info, &pat, inst, pid, &pp_head, &suffix)?;
        return Ok(points.into_iter().map(|(u, pp)| (UserPoint::Uprobe(u), pp)).collect());
    }
    if inst == Instances::Inline {
        return Err(format!(
            "function(\"{pat}\").inline: inlined copies are known from the program's DWARF, and {} has none",
            path.display()
        ));
    }
    if pat.contains(['@', ':']) {
        return Err(format!(
            "function(\"{pat}\"): name@file needs the program's DWARF, and {} has none (build it with -g, or install its debug file under /usr/lib/debug/.build-id/)",
            path.display()
        ));
    }
    let wild = pat.contains(['*', '?', '[']);
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for f in &info.functions {
        let hit = if wild {
            // Wildcards cover the program's functions, not GCC's split-off parts and clones.
            !f.name.contains('.') && !CRT_SYMBOLS.contains(&f.name.as_str()) && wildcard_match(&pat, &f.name)
        } else {
            f.name == pat
        };
        if hit && seen.insert(f.offset) {
            let up = UprobePoint { path: path.display().to_string(), offset: f.offset, vaddr: f.addr, ret, pid, optional: wild, site: None, ref_ctr: 0, mark: None, plt: None, exe: None };
            out.push((UserPoint::Uprobe(up), format!("{pp_head}.function({}){suffix}", quoted(&f.name))));
        }
    }
    if out.is_empty() && !wild {
        // GCC clones (name.isra.0, name.constprop.0, name.part.0) stand for the function.
        for f in &info.functions {
            let Some(tail) = f.name.strip_prefix(&pat).and_then(|t| t.strip_prefix('.')) else { continue };
            if !tail.starts_with("cold") && seen.insert(f.offset) {
                let up = UprobePoint { path: path.display().to_string(), offset: f.offset, vaddr: f.addr, ret, pid, optional: false, site: None, ref_ctr: 0, mark: None, plt: None, exe: None };
                out.push((UserPoint::Uprobe(up), format!("{pp_head}.function({}){suffix}", quoted(&pat))));
            }
        }
    }
    Ok(out)
}

/// The C runtime's start-up and tear-down code that every executable carries
/// (crt1.o, crti.o, crtbegin.o): not the program's functions.
const CRT_SYMBOLS: &[&str] = &[
    "_init", "_fini", "_start", "_dl_relocate_static_pie", "deregister_tm_clones", "register_tm_clones",
    "__do_global_dtors_aux", "frame_dummy", "__libc_csu_init", "__libc_csu_fini",
];

/// The executable process PID runs.
fn pid_exe(pid: i64) -> Result<PathBuf, String> {
    if let Ok(map) = std::env::var(PID_EXE_ENV) {
        for pair in map.split(';') {
            if let Some((p, exe)) = pair.split_once('=') {
                if p.parse() == Ok(pid) {
                    return Ok(PathBuf::from(exe));
                }
            }
        }
    }
    std::fs::read_link(format!("/proc/{pid}/exe")).map_err(|e| format!("process({pid}): cannot read /proc/{pid}/exe: {e}"))
}

/// `PID=PATH;...` for the numeric arguments that name processes here (the
/// guest side of a remote build, whose pids the host cannot see).
pub fn pid_exe_map<'a>(args: impl IntoIterator<Item = &'a String>) -> String {
    let mut pairs = Vec::new();
    for a in args {
        if let Ok(pid) = a.parse::<u32>() {
            if let Ok(exe) = std::fs::read_link(format!("/proc/{pid}/exe")) {
                pairs.push(format!("{pid}={}", exe.display()));
            }
        }
    }
    pairs.join(";")
}

pub(crate) const LIB_DIRS: &[&str] = &["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib"];

/// SystemTap's lookup of process("PATH"): a name with a '/' is a path (relative
/// to the current directory), else it is searched on $PATH, then among libraries.
pub fn find_file(name: &str) -> Option<PathBuf> {
    let cands: Vec<PathBuf> = if name.contains('/') {
        vec![PathBuf::from(name)]
    } else {
        let path = search_path();
        path.split(':').chain(LIB_DIRS.iter().copied()).map(|d| Path::new(d).join(name)).collect()
    };
    cands.into_iter().find(|p| p.is_file()).and_then(|p| std::fs::canonicalize(p).ok())
}

/// A library of `exe`: a path, or a name (glob) among its DT_NEEDED libraries,
/// searched along its run path and the system's library directories.
fn find_library(exe: &Path, lib: &str) -> Option<PathBuf> {
    if lib.contains('/') {
        return find_file(lib);
    }
    let info = elf::read(exe).ok()?;
    let dirs: Vec<String> = info.runpath.iter().cloned().chain(LIB_DIRS.iter().map(|s| s.to_string())).collect();
    let search = |name: &str| dirs.iter().map(|d| Path::new(d).join(name)).find(|p| p.is_file());
    for n in &info.needed {
        if n == lib || wildcard_match(lib, n) || n.starts_with(&format!("{lib}.so")) {
            if let Some(p) = search(n) {
                return std::fs::canonicalize(p).ok();
            }
        }
    }
    search(lib).and_then(|p| std::fs::canonicalize(p).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_executable_functions() {
        let exe = std::env::current_exe().unwrap();
        let info = elf::read(&exe).unwrap();
        assert!(info.functions.iter().any(|f| f.name == "main" && f.offset > 0));
        assert!(info.needed.iter().any(|n| n.starts_with("libc.so")));
    }

    #[test]
    fn files_and_libraries() {
        assert!(find_file("sh").is_some_and(|p| p.is_absolute()));
        assert!(find_file("/no/such/file").is_none());
        let exe = std::env::current_exe().unwrap();
        assert!(find_library(&exe, "libc").is_some_and(|p| p.to_string_lossy().contains("libc.so")));
    }

    #[test]
    fn target_command_word() {
        assert_eq!(command_word("./prog 1 2 >/dev/null").as_deref(), Some("./prog"));
        assert_eq!(command_word("  'my prog' x").as_deref(), Some("my prog"));
        assert_eq!(command_word("\"a b\"").as_deref(), Some("a b"));
        assert_eq!(command_word("   "), None);
        let none = Target::None.resolve("process.function").unwrap_err();
        assert!(none.contains("-c CMD or -x PID"), "{none}");
        let (exe, pid) = Target::Command("sh -c true".into()).resolve("x").unwrap();
        assert!(exe.is_absolute() && pid.is_none());
        let me = std::process::id() as i64;
        assert_eq!(Target::Pid(me).resolve("x").unwrap(), (std::env::current_exe().unwrap(), Some(me)));
    }

    #[test]
    fn pid_map() {
        let me = std::process::id().to_string();
        let map = pid_exe_map([&me, &"x".to_string()]);
        assert!(map.starts_with(&format!("{me}=/")), "{map}");
    }
}
