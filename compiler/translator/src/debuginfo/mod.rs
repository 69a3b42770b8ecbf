//! Debuginfo: where a DWARF "object" is found (a kernel's vmlinux, one of its
//! modules, or a user-space executable or library: [`Object`]), `--prep` to
//! install the kernel's, and the per-build-id function index built from it
//! ([`index`]). Everything below reads any of the three the same way.

pub mod btf;
pub mod btf_source;
pub mod btf_target;
pub mod cfa;
pub mod index;
pub mod lines;
pub mod location;
pub mod prep;
pub mod prologue;
pub mod reloc;
pub mod reserved;
pub mod resolve;
pub mod statement;
pub mod symtab;
pub mod target;
pub mod tracepoints;
pub mod watch;
pub mod typeindex;
pub mod types;

use anyhow::{bail, Result};
use std::path::{Path, PathBuf};

pub use index::{Function, Index};
pub use prep::prep;

/// The GNU build-id of an ELF file, as hex (None without the note).
pub fn elf_build_id(data: &[u8]) -> Option<String> {
    use object::{Object, ObjectSection};
    let file = object::File::parse(data).ok()?;
    if let Ok(Some(id)) = file.build_id() {
        return Some(hex(id));
    }
    // Some kernels keep the note in .notes only.
    let notes = file.section_by_name(".notes")?.data().ok()?;
    build_id_from_notes(notes)
}

/// The build-id of kernel `release`'s vmlinux, from its debuginfo when installed.
pub fn kernel_build_id(release: &str) -> Option<String> {
    let path = find_vmlinux(release).ok()?;
    let file = std::fs::File::open(path).ok()?;
    // Only the headers and the note are read, not the 630 MB of DWARF.
    let map = unsafe { memmap2::Mmap::map(&file) }.ok()?;
    elf_build_id(&map)
}

/// The build-id in a raw ELF note blob (such as /sys/kernel/notes): the
/// loader's reader, which must check the same thing on production hosts.
pub use rstaprun::modinfo::build_id_from_notes;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The build-id of the running kernel, when `release` is the running one.
fn running_build_id(release: &str) -> Option<String> {
    if crate::kernel::running_release() != release {
        return None;
    }
    build_id_from_notes(&std::fs::read("/sys/kernel/notes").ok()?)
}

/// SystemTap's `SYSTEMTAP_DEBUGINFO_PATH`: when set, the only directories searched for
/// kernel debuginfo (colon-separated; elements that are not absolute paths, such as
/// elfutils' `+` and `.debug`, are skipped). Pointing it at an empty directory hides the
/// installed debuginfo: kernel.function then falls back to BTF.
pub fn debuginfo_dirs() -> Option<Vec<PathBuf>> {
    let v = std::env::var_os("SYSTEMTAP_DEBUGINFO_PATH")?;
    Some(std::env::split_paths(&v).filter(|p| p.is_absolute()).collect())
}

/// Where a kernel's vmlinux with DWARF may be, in the order tried.
pub fn vmlinux_candidates(release: &str) -> Vec<PathBuf> {
    let mut v = Vec::new();
    if let Some(dirs) = debuginfo_dirs() {
        for d in dirs {
            if let Some(id) = running_build_id(release) {
                v.push(d.join(format!(".build-id/{}/{}.debug", &id[..2], &id[2..])));
            }
            v.push(d.join(format!("vmlinux-{release}")));
            v.push(d.join(format!("boot/vmlinux-{release}")));
            v.push(d.join(format!("lib/modules/{release}/vmlinux")));
        }
        return v;
    }
    if let Some(d) = std::env::var_os("RSTAP_DEBUGINFO_PATH") {
        v.push(PathBuf::from(d).join(format!("vmlinux-{release}")));
    }
    if let Some(id) = running_build_id(release) {
        v.push(PathBuf::from(format!("/usr/lib/debug/.build-id/{}/{}.debug", &id[..2], &id[2..])));
    }
    for p in [
        format!("/usr/lib/debug/boot/vmlinux-{release}"),
        format!("/usr/lib/debug/lib/modules/{release}/vmlinux"),
        format!("/lib/modules/{release}/build/vmlinux"),
        format!("/boot/vmlinux-{release}"),
    ] {
        v.push(PathBuf::from(p));
    }
    v
}

/// Whether kernel `release` has vmlinux DWARF on the debuginfo path (else kernel.function
/// falls back to BTF). Asked once per release and process: every kernel.function point,
/// the module cache key and the listing ask it.
pub fn has_dwarf(release: &str) -> bool {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static KNOWN: OnceLock<Mutex<HashMap<String, bool>>> = OnceLock::new();
    let known = KNOWN.get_or_init(Default::default);
    if let Some(b) = known.lock().unwrap().get(release) {
        return *b;
    }
    let b = find_vmlinux(release).is_ok();
    known.lock().unwrap().insert(release.to_string(), b);
    b
}

/// The vmlinux with DWARF for `release`, or a message saying how to get it.
pub fn find_vmlinux(release: &str) -> Result<PathBuf> {
    let cands = vmlinux_candidates(release);
    for c in &cands {
        if is_dwarf_elf(c) {
            return Ok(c.clone());
        }
    }
    let tried: Vec<String> = cands.iter().map(|c| c.display().to_string()).collect();
    bail!(
        "no kernel debuginfo for {release} (tried {})\n  = help: install it with `rstap --prep -r {release}` (Debian's linux-image-{release}-dbg)",
        tried.join(", ")
    )
}

/// An ELF file with a `.debug_info` section (a stripped vmlinux has the magic but no DWARF).
fn is_dwarf_elf(p: &Path) -> bool {
    use object::Object;
    let Ok(f) = std::fs::File::open(p) else { return false };
    let Ok(map) = (unsafe { memmap2::Mmap::map(&f) }) else { return false };
    object::File::parse(&*map).is_ok_and(|o| o.section_by_name(".debug_info").is_some())
}

/// Opens (building on first use) the function index of `release`'s vmlinux.
pub fn kernel_index(release: &str, verbose: bool) -> Result<std::sync::Arc<Index>> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    static OPEN: OnceLock<Mutex<HashMap<String, Arc<Index>>>> = OnceLock::new();
    let map = OPEN.get_or_init(Default::default);
    if let Some(ix) = map.lock().unwrap().get(release) {
        return Ok(ix.clone());
    }
    let path = find_vmlinux(release)?;
    let ix = Arc::new(Index::open(&path, verbose)?);
    map.lock().unwrap().insert(release.to_string(), ix.clone());
    Ok(ix)
}

/// A module's name as the kernel spells it (`-` in file names is `_`).
pub fn module_name(file_stem: &str) -> String {
    file_stem.replace('-', "_")
}

/// The modules of `release` with debuginfo installed (Debian's -dbg layout, under
/// `/usr/lib/debug/lib/modules/RELEASE/`, or `$RSTAP_DEBUGINFO_PATH/modules/`), by name.
pub fn module_debug_files(release: &str) -> Vec<(String, PathBuf)> {
    fn walk(d: &Path, out: &mut Vec<(String, PathBuf)>) {
        let Ok(rd) = std::fs::read_dir(d) else { return };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "ko" || x == "debug") {
                if let Some(stem) = p.file_stem() {
                    let stem = stem.to_string_lossy();
                    out.push((module_name(stem.strip_suffix(".ko").unwrap_or(&stem)), p));
                }
            }
        }
    }
    let mut out = Vec::new();
    if let Some(dirs) = debuginfo_dirs() {
        for d in dirs {
            walk(&d.join(format!("lib/modules/{release}")), &mut out);
        }
        out.sort();
        out.dedup_by(|a, b| a.0 == b.0);
        return out;
    }
    if let Some(d) = std::env::var_os("RSTAP_DEBUGINFO_PATH") {
        walk(&PathBuf::from(d).join("modules"), &mut out);
    }
    walk(Path::new(&format!("/usr/lib/debug/lib/modules/{release}")), &mut out);
    out.sort();
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

/// The debuginfo file of module `name` of `release`: by the build-id of the loaded
/// module when `release` runs here (`/sys/module/NAME/notes`, as SystemTap looks),
/// else in the -dbg layout.
pub fn find_module_debuginfo(release: &str, name: &str) -> Result<PathBuf> {
    let name = module_name(name);
    if crate::kernel::running_release() == release && debuginfo_dirs().is_none() {
        if let Ok(dir) = std::fs::read_dir(format!("/sys/module/{name}/notes")) {
            for e in dir.flatten() {
                if let Some(id) = std::fs::read(e.path()).ok().and_then(|n| build_id_from_notes(&n)) {
                    let p = PathBuf::from(format!("/usr/lib/debug/.build-id/{}/{}.debug", &id[..2], &id[2..]));
                    if is_dwarf_elf(&p) {
                        return Ok(p);
                    }
                }
            }
        }
    }
    if let Some((_, p)) = module_debug_files(release).into_iter().find(|(n, _)| *n == name) {
        return Ok(p);
    }
    bail!(
        "no debuginfo for module {name} of {release} (looked in /usr/lib/debug/lib/modules/{release}/)\n  = help: install it with `rstap --prep -r {release} --module {name}`"
    )
}

/// A file whose DWARF probes read: the kernel of `release`, one of its modules, or a
/// user-space executable or shared library (by its absolute path, as probed).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Object {
    Kernel { release: String, module: Option<String> },
    User { path: String },
}

impl Object {
    pub fn kernel(release: &str) -> Object {
        Object::Kernel { release: release.to_string(), module: None }
    }

    /// How messages name it ("the kernel's", "module usbcore's", "/usr/bin/x's").
    pub fn whose(&self) -> String {
        match self {
            Object::Kernel { module: None, .. } => "the kernel's".into(),
            Object::Kernel { module: Some(m), .. } => format!("module {m}'s"),
            Object::User { path } => format!("{path}'s"),
        }
    }
}

/// The function index of `obj` (opened once per process).
pub fn index_of(obj: &Object) -> Result<std::sync::Arc<Index>> {
    match obj {
        Object::Kernel { release, module } => index_for(release, module.as_deref()),
        Object::User { path } => user_index(Path::new(path)),
    }
}

/// Whether an ELF file carries DWARF of its own (a `.debug_info` with contents).
fn has_debug_info(p: &Path) -> bool {
    use object::{Object as _, ObjectSection};
    let Ok(f) = std::fs::File::open(p) else { return false };
    let Ok(map) = (unsafe { memmap2::Mmap::map(&f) }) else { return false };
    let Ok(obj) = object::File::parse(&*map) else { return false };
    obj.section_by_name(".debug_info").is_some_and(|s| s.size() > 0 && s.kind() != object::SectionKind::UninitializedData)
}

/// The file holding a user-space executable's or library's DWARF: the file itself when
/// it has `.debug_info`, else its separate debug file by build-id
/// (`/usr/lib/debug/.build-id/xx/rest.debug`, where Debian's -dbgsym packages put it).
pub fn user_debug_file(path: &Path) -> Option<PathBuf> {
    if has_debug_info(path) {
        return Some(path.to_path_buf());
    }
    let data = std::fs::read(path).ok()?;
    let id = elf_build_id(&data)?;
    let p = PathBuf::from(format!("/usr/lib/debug/.build-id/{}/{}.debug", &id[..2], &id[2..]));
    has_debug_info(&p).then_some(p)
}

/// The function index of a user-space file's DWARF (see [`user_debug_file`]).
pub fn user_index(path: &Path) -> Result<std::sync::Arc<Index>> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    static OPEN: OnceLock<Mutex<HashMap<PathBuf, Arc<Index>>>> = OnceLock::new();
    let map = OPEN.get_or_init(Default::default);
    if let Some(ix) = map.lock().unwrap().get(path) {
        return Ok(ix.clone());
    }
    let Some(debug) = user_debug_file(path) else {
        bail!("{} has no DWARF (no .debug_info, and no separate debug file under /usr/lib/debug/.build-id/)", path.display())
    };
    let ix = Arc::new(Index::open_user(&debug)?);
    map.lock().unwrap().insert(path.to_path_buf(), ix.clone());
    Ok(ix)
}

/// Opens (building on first use) the function index of `release`'s vmlinux, or of one
/// of its modules.
pub fn index_for(release: &str, module: Option<&str>) -> Result<std::sync::Arc<Index>> {
    let Some(m) = module else { return kernel_index(release, false) };
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    static OPEN: OnceLock<Mutex<HashMap<(String, String), Arc<Index>>>> = OnceLock::new();
    let map = OPEN.get_or_init(Default::default);
    let key = (release.to_string(), m.to_string());
    if let Some(ix) = map.lock().unwrap().get(&key) {
        return Ok(ix.clone());
    }
    let path = find_module_debuginfo(release, m)?;
    let ix = Arc::new(Index::open(&path, false)?);
    map.lock().unwrap().insert(key, ix.clone());
    Ok(ix)
}
