//! The function index of a vmlinux: every function the DWARF describes
//! (its name, declaration file and line, its out-of-line entries matched to
//! their ELF symbols, GCC clones like `.isra.0` included, and its inlined
//! instances with the out-of-line copy holding each) and where its DIEs are,
//! to read them again.
//!
//! Building it reads all of .debug_info (seconds, in parallel over the
//! compilation units, from a read-only mmap); the result is cached on disk
//! under the rstap cache dir keyed by the file's build-id, so later runs
//! only load a small text file.

use anyhow::{bail, Context, Result};
use gimli::{AttributeValue, EndianSlice, LittleEndian};
use object::{Object, ObjectSection, ObjectSymbol};
use rayon::prelude::*;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

type R<'a> = EndianSlice<'a, LittleEndian>;

const FORMAT: &str = "rstap-function-index 6";
/// Part of the cache file's name too, so binaries of different formats sharing one cache
/// directory each keep their own file instead of rebuilding each other's.
const FORMAT_TAG: &str = "functions6";

/// One out-of-line copy of a function's code.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Link-time address of the entry.
    pub addr: u64,
    /// The ELF symbol at `addr` (`name`, or a clone such as `name.isra.0`);
    /// empty when no function symbol starts there.
    pub symbol: String,
    /// Whether `symbol` names one function only (else probe it as `_stext`+offset).
    pub unique: bool,
    /// In a section or range the kernel never lets kprobes into.
    pub blocked: bool,
    /// .debug_info offset of this copy's own DIE (its parameters' locations) and of its
    /// compilation unit's header: what target variables read again, one unit only.
    pub die: u64,
    pub cu: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    pub name: String,
    /// Declaration file, relative to the kernel source tree.
    pub file: String,
    pub line: u32,
    /// .debug_info offset of the DIE holding the name and parameters.
    pub die: u64,
    /// .debug_info offset of its compilation unit's header.
    pub cu: u64,
    /// Whether inlined instances exist.
    pub inlined: bool,
    pub entries: Vec<Entry>,
    /// Its inlined instances (DW_TAG_inlined_subroutine), by address.
    pub inlines: Vec<Inline>,
}

/// One inlined copy of a function inside another function's out-of-line code.
#[derive(Debug, Clone, PartialEq)]
pub struct Inline {
    /// Link-time address where the copy starts (DW_AT_entry_pc, low_pc or first range).
    pub addr: u64,
    /// .debug_info offset of its DW_TAG_inlined_subroutine DIE (its own parameters and
    /// variables); in the function's unit (`Function::cu`): origins are unit-local.
    pub die: u64,
    /// Entry address of the out-of-line copy holding it (an `Entry` of some function):
    /// the probe's symbol+offset anchor, and blocked where that copy is.
    pub container: u64,
}

pub struct Index {
    pub path: PathBuf,
    pub build_id: String,
    /// Address of `_stext`: anchor for probes on ambiguous symbols.
    pub stext: u64,
    pub functions: Vec<Function>,
    map: OnceLock<Result<memmap2::Mmap, String>>,
    /// Debug sections the file needs copied: relocated (a module's ET_REL file) or inflated.
    owned: OnceLock<Result<HashMap<String, Vec<u8>>, String>>,
    /// Entry address → (function, entry index), built on first use (inline containers).
    by_entry: OnceLock<HashMap<u64, (usize, usize)>>,
    /// File → the declaration lines of its functions, sorted, built on first use.
    decls: OnceLock<HashMap<String, Vec<u32>>>,
}

impl Index {
    /// The index of `path`, from the cache or built now (and cached).
    pub fn open(path: &Path, verbose: bool) -> Result<Index> {
        Self::open_as(path, verbose, false)
    }

    /// The index of a user-space file's DWARF: its source paths stay as the DWARF spells
    /// them in full (SystemTap prints `main@/home/u/prog.c:12` for programs), not relative
    /// to a source tree.
    pub fn open_user(path: &Path) -> Result<Index> {
        Self::open_as(path, false, true)
    }

    fn open_as(path: &Path, verbose: bool, user: bool) -> Result<Index> {
        let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
        // SAFETY: read-only map of a file nobody rewrites in place (packages replace files).
        let map = unsafe { memmap2::Mmap::map(&file) }.with_context(|| format!("mapping {}", path.display()))?;
        let build_id = super::elf_build_id(&map).unwrap_or_else(|| fallback_id(path));
        let cache = cache_path(&format!("{build_id}{}", if user { ".user" } else { "" }));
        if let Ok(text) = std::fs::read_to_string(&cache) {
            if let Some(ix) = parse_cache(&text, path, &build_id) {
                let _ = ix.map.set(Ok(map));
                return Ok(ix);
            }
        }
        let t = std::time::Instant::now();
        if verbose {
            eprintln!("Indexing the functions of {} (once per build-id)...", path.display());
        }
        let (stext, functions) = build(&map, verbose, user).with_context(|| format!("reading the DWARF of {}", path.display()))?;
        if verbose {
            eprintln!("Indexed {} functions in {:.1}s, cached in {}", functions.len(), t.elapsed().as_secs_f64(), cache.display());
        }
        let ix = Index { path: path.to_path_buf(), build_id, stext, functions, map: OnceLock::new(), owned: OnceLock::new(), by_entry: OnceLock::new(), decls: OnceLock::new() };
        let _ = ix.map.set(Ok(map));
        if let Err(e) = write_cache(&ix, &cache) {
            eprintln!("rstap: warning: cannot cache the function index in {}: {e:#}", cache.display());
        }
        Ok(ix)
    }

    /// The mapped file, for reading DIEs again.
    pub fn data(&self) -> Result<&[u8]> {
        let m = self.map.get_or_init(|| {
            let f = std::fs::File::open(&self.path).map_err(|e| e.to_string())?;
            unsafe { memmap2::Mmap::map(&f) }.map_err(|e| e.to_string())
        });
        match m {
            Ok(m) => Ok(&m[..]),
            Err(e) => bail!("mapping {}: {e}", self.path.display()),
        }
    }

    /// A debug section of the file as the DWARF reader needs it (relocated for modules).
    pub fn debug_section(&self, name: &str) -> Result<&[u8]> {
        let data = self.data()?;
        let owned = self.owned.get_or_init(|| {
            super::reloc::Image::parse(data).map(|i| i.into_owned_sections()).map_err(|e| format!("{e:#}"))
        });
        let owned = match owned {
            Ok(o) => o,
            Err(e) => bail!("reading {}: {e}", self.path.display()),
        };
        let obj = object::File::parse(data)?;
        Ok(super::reloc::section_in(&obj, owned, name))
    }

    /// The names exported with EXPORT_SYMBOL*: each has a `__ksymtab_NAME` symbol.
    pub fn exported(&self) -> Result<std::collections::HashSet<String>> {
        let obj = object::File::parse(self.data()?)?;
        Ok(obj
            .symbols()
            .filter_map(|s| s.name().ok()?.strip_prefix("__ksymtab_").map(str::to_string))
            .collect())
    }

    /// The out-of-line copy starting at `addr` and its function (an inline's container).
    pub fn entry_at(&self, addr: u64) -> Option<(&Function, &Entry)> {
        let m = self.by_entry.get_or_init(|| {
            let mut m = HashMap::new();
            for (i, f) in self.functions.iter().enumerate() {
                for (j, e) in f.entries.iter().enumerate() {
                    m.entry(e.addr).or_insert((i, j));
                }
            }
            m
        });
        m.get(&addr).map(|&(i, j)| (&self.functions[i], &self.functions[i].entries[j]))
    }

    /// The declaration line of the next function declared after `f` in `f`'s file, by
    /// the index (where `f`'s body has ended).
    pub fn next_declaration(&self, f: &Function) -> Option<u32> {
        let m = self.decls.get_or_init(|| {
            let mut m: HashMap<&str, Vec<u32>> = HashMap::new();
            for g in &self.functions {
                m.entry(g.file.as_str()).or_default().push(g.line);
            }
            for v in m.values_mut() {
                v.sort_unstable();
                v.dedup();
            }
            // Owned keys: the map lives in the index it borrows from.
            m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
        });
        let lines = m.get(&f.file)?;
        lines.get(lines.partition_point(|&l| l <= f.line)).copied()
    }

    /// Number of inlined instances indexed.
    pub fn inline_count(&self) -> usize {
        self.functions.iter().map(|f| f.inlines.len()).sum()
    }

    /// Functions whose name matches `name_pat` and, when given, whose file matches `file_pat`.
    pub fn lookup(&self, name_pat: &str, file_pat: Option<&str>) -> Vec<&Function> {
        let wild = name_pat.contains(['*', '?', '[']);
        self.functions
            .iter()
            // C++: a qualified pattern against the qualified name, a plain one also
            // against the last component (`bump` finds `shapes::Counter::bump`).
            .filter(|f| {
                let (name, base) = (f.name.as_str(), base_name(&f.name));
                if wild {
                    glob(name_pat, name) || (!name_pat.contains("::") && glob(name_pat, base))
                } else {
                    name == name_pat || base == name_pat
                }
            })
            .filter(|f| file_pat.is_none_or(|p| file_matches(p, &f.file)))
            .collect()
    }
}

/// Shell glob: `*`, `?`, `[...]` (as fnmatch without flags, '/' included).
pub fn glob(pattern: &str, name: &str) -> bool {
    fn class(p: &[u8], c: u8) -> Option<(bool, usize)> {
        let mut i = 1;
        let neg = matches!(p.get(1), Some(b'!' | b'^'));
        if neg {
            i += 1;
        }
        let mut hit = false;
        let mut first = true;
        while i < p.len() && (first || p[i] != b']') {
            first = false;
            if i + 2 < p.len() && p[i + 1] == b'-' && p[i + 2] != b']' {
                hit |= p[i] <= c && c <= p[i + 2];
                i += 3;
            } else {
                hit |= p[i] == c;
                i += 1;
            }
        }
        (i < p.len()).then_some((hit != neg, i + 1))
    }
    fn go(p: &[u8], n: &[u8]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some(b'*') => (0..=n.len()).any(|i| go(&p[1..], &n[i..])),
            Some(b'?') => !n.is_empty() && go(&p[1..], &n[1..]),
            Some(b'[') if !n.is_empty() => match class(p, n[0]) {
                Some((true, used)) => go(&p[used..], &n[1..]),
                Some((false, _)) => false,
                None => n[0] == b'[' && go(&p[1..], &n[1..]),
            },
            Some(c) => n.first() == Some(c) && go(&p[1..], &n[1..]),
        }
    }
    go(pattern.as_bytes(), name.as_bytes())
}

/// `name@FILE`: FILE matches the whole path or a trailing part of it after a '/'.
pub fn file_matches(pat: &str, file: &str) -> bool {
    if glob(pat, file) {
        return true;
    }
    file.match_indices('/').any(|(i, _)| glob(pat, &file[i + 1..]))
}

fn fallback_id(path: &Path) -> String {
    let meta = std::fs::metadata(path).ok();
    let mut h = crate::cache::Hasher::new();
    h.add_str(&path.display().to_string());
    h.add_str(&format!("{:?}", meta.as_ref().map(|m| (m.len(), m.modified().ok()))));
    h.finish()
}

fn cache_path(build_id: &str) -> PathBuf {
    crate::datadir::cache_dir().join("debuginfo").join(format!("{build_id}.{FORMAT_TAG}"))
}

// ---- the cache file: one text line per function ----
// header:   FORMAT \t build_id \t stext(hex)
// file:     P \t path                 (numbered from 0 in order)
// function: F \t name \t file# \t line \t die(hex) \t cu(hex) \t inlined(0/1) \t entries \t inlines
// entries:  addr(hex):symbol:flags:die(hex):cu(hex) , ...   flags: u unique, b blocked
// inlines:  addr:die:container , ...   addresses relative to stext and the DIE to the
//           unit (short hex: there are hundreds of thousands), container "" when it is
//           the previous one's

fn write_cache(ix: &Index, path: &Path) -> Result<()> {
    std::fs::create_dir_all(path.parent().unwrap())?;
    let mut files: HashMap<&str, usize> = HashMap::new();
    let mut out = String::with_capacity(ix.functions.len() * 96);
    out.push_str(&format!("{FORMAT}\t{}\t{:x}\n", ix.build_id, ix.stext));
    for f in &ix.functions {
        let n = files.len();
        let fi = *files.entry(&f.file).or_insert_with(|| {
            out.push_str(&format!("P\t{}\n", f.file));
            n
        });
        let entries: Vec<String> = f
            .entries
            .iter()
            .map(|e| {
                let flags = format!("{}{}", if e.unique { "u" } else { "" }, if e.blocked { "b" } else { "" });
                format!("{:x}:{}:{flags}:{:x}:{:x}", e.addr, e.symbol, e.die, e.cu)
            })
            .collect();
        out.push_str(&format!(
            "F\t{}\t{fi}\t{}\t{:x}\t{:x}\t{}\t{}\t",
            f.name,
            f.line,
            f.die,
            f.cu,
            f.inlined as u8,
            entries.join(",")
        ));
        let mut last = None;
        for (k, i) in f.inlines.iter().enumerate() {
            let sep = if k == 0 { "" } else { "," };
            let rel = |a: u64| a.wrapping_sub(ix.stext) as i64;
            let container = if last == Some(i.container) { String::new() } else { hex_signed(rel(i.container)) };
            last = Some(i.container);
            out.push_str(&format!("{sep}{}:{:x}:{container}", hex_signed(rel(i.addr)), i.die - f.cu));
        }
        out.push('\n');
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::File::create(&tmp)?.write_all(out.as_bytes())?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

fn parse_cache(text: &str, path: &Path, build_id: &str) -> Option<Index> {
    let mut lines = text.lines();
    let mut head = lines.next()?.split('\t');
    if head.next()? != FORMAT || head.next()? != build_id {
        return None;
    }
    let stext = u64::from_str_radix(head.next()?, 16).ok()?;
    let mut files: Vec<&str> = Vec::new();
    let mut functions = Vec::with_capacity(text.len() / 80);
    for l in lines {
        if let Some(p) = l.strip_prefix("P\t") {
            files.push(p);
            continue;
        }
        let mut it = l.strip_prefix("F\t")?.split('\t');
        let name = it.next()?.to_string();
        let file = files.get(it.next()?.parse::<usize>().ok()?)?.to_string();
        let line = it.next()?.parse().ok()?;
        let die = u64::from_str_radix(it.next()?, 16).ok()?;
        let cu = u64::from_str_radix(it.next()?, 16).ok()?;
        let inlined = it.next()? == "1";
        let mut entries = Vec::new();
        for e in it.next()?.split(',').filter(|e| !e.is_empty()) {
            let mut p = e.split(':');
            let addr = u64::from_str_radix(p.next()?, 16).ok()?;
            let symbol = p.next()?.to_string();
            let flags = p.next()?;
            let die = u64::from_str_radix(p.next()?, 16).ok()?;
            let cu = u64::from_str_radix(p.next()?, 16).ok()?;
            entries.push(Entry { addr, symbol, unique: flags.contains('u'), blocked: flags.contains('b'), die, cu });
        }
        let mut inlines = Vec::new();
        let mut last = 0;
        for i in it.next()?.split(',').filter(|e| !e.is_empty()) {
            let mut p = i.split(':');
            let addr = stext.wrapping_add(parse_signed(p.next()?)? as u64);
            let die = cu + u64::from_str_radix(p.next()?, 16).ok()?;
            let c = p.next()?;
            if !c.is_empty() {
                last = stext.wrapping_add(parse_signed(c)? as u64);
            }
            inlines.push(Inline { addr, die, container: last });
        }
        functions.push(Function { name, file, line, die, cu, inlined, entries, inlines });
    }
    Some(Index { path: path.to_path_buf(), build_id: build_id.to_string(), stext, functions, map: OnceLock::new(), owned: OnceLock::new(), by_entry: OnceLock::new(), decls: OnceLock::new() })
}

fn hex_signed(v: i64) -> String {
    if v < 0 {
        format!("-{:x}", v.unsigned_abs())
    } else {
        format!("{v:x}")
    }
}

fn parse_signed(s: &str) -> Option<i64> {
    match s.strip_prefix('-') {
        Some(x) => u64::from_str_radix(x, 16).ok().map(|v| (v as i64).wrapping_neg()),
        None => u64::from_str_radix(s, 16).ok().map(|v| v as i64),
    }
}

// ---- building the index ----

/// What one subprogram DIE says; merged by `decl` (its abstract origin, or itself).
struct Raw {
    decl: u64,
    cu: u64,
    name: Option<String>,
    file: Option<String>,
    line: u32,
    inlined: bool,
    addr: Option<u64>,
    /// This DIE's own offset (a concrete copy's, where its locations are).
    own: u64,
    /// The DIE is the declaration itself (not a concrete copy of it).
    is_decl: bool,
    /// An inlined instance: its entry address and its container's entry address.
    inline: Option<(u64, u64)>,
}

struct Symbols<'a> {
    at: HashMap<u64, Vec<&'a str>>,
    count: HashMap<&'a str, u32>,
    blocked_ranges: Vec<(u64, u64)>,
    blocked: std::collections::HashSet<u64>,
}

fn symbols<'a>(img: &super::reloc::Image<'a>, data: &'a [u8]) -> Symbols<'a> {
    let obj = img.object();
    let mut at: HashMap<u64, Vec<&str>> = HashMap::new();
    let mut count: HashMap<&str, u32> = HashMap::new();
    let mut named: HashMap<&str, u64> = HashMap::new();
    for s in obj.symbols() {
        let Ok(name) = s.name() else { continue };
        let addr = img.symbol_address(&s);
        if s.kind() == object::SymbolKind::Text && addr != 0 {
            at.entry(addr).or_default().push(name);
            *count.entry(name).or_default() += 1;
        }
        if name.starts_with("__") || name == "_stext" {
            named.insert(name, s.address());
        }
    }
    let mut blocked_ranges = Vec::new();
    for area in ["kprobes", "entry", "irqentry", "softirqentry", "noinstr"] {
        if let (Some(&a), Some(&b)) =
            (named.get(format!("__{area}_text_start").as_str()), named.get(format!("__{area}_text_end").as_str()))
        {
            blocked_ranges.push((a, b));
        }
    }
    for sec in obj.sections() {
        // Also a module's: .init.text is freed after its init, and noinstr code is not
        // probeable (modules keep it in .noinstr.text; vmlinux between __noinstr_text_*).
        if matches!(sec.name(), Ok(".init.text" | ".exit.text" | ".noinstr.text" | ".kprobes.text")) {
            let a = img.section_address(&sec);
            blocked_ranges.push((a, a + sec.size()));
        }
    }
    // NOKPROBE_SYMBOL()s: an array of addresses between these two symbols.
    let mut blocked = std::collections::HashSet::new();
    if let (Some(&a), Some(&b)) = (named.get("__start_kprobe_blacklist"), named.get("__stop_kprobe_blacklist")) {
        for sec in obj.sections() {
            if sec.address() <= a && b <= sec.address() + sec.size() && sec.kind() != object::SectionKind::UninitializedData {
                if let Some((off, _)) = sec.file_range() {
                    let start = (off + (a - sec.address())) as usize;
                    let end = start + (b - a) as usize;
                    if let Some(bytes) = data.get(start..end) {
                        for c in bytes.chunks_exact(8) {
                            blocked.insert(u64::from_le_bytes(c.try_into().unwrap()));
                        }
                    }
                }
                break;
            }
        }
    }
    Symbols { at, count, blocked_ranges, blocked }
}

/// The source tree's root as the DWARF spells it, to print paths relative to it.
struct Roots {
    source: Option<String>,
    /// A user-space file: paths stay absolute (only normalised).
    absolute: bool,
}

fn build(data: &[u8], verbose: bool, user: bool) -> Result<(u64, Vec<Function>)> {
    let img = super::reloc::Image::parse(data)?;
    let obj = img.object();
    let syms = symbols(&img, data);
    let stext = obj.symbols().find(|s| s.name() == Ok("_stext")).map(|s| s.address()).unwrap_or(0);
    // A module's sections are placed apart at load time: an inlined copy outside its
    // container's section (a `.cold` part in .text.unlikely) has no offset from the
    // container's symbol. The vmlinux is linked: any offset holds there.
    let sections: Vec<(u64, u64)> = if obj.kind() == object::ObjectKind::Relocatable {
        obj.sections().filter(|s| s.kind() == object::SectionKind::Text).map(|s| (img.section_address(&s), s.size())).collect()
    } else {
        Vec::new()
    };
    let section_of = |a: u64| sections.iter().position(|&(b, n)| b <= a && a < b + n);
    let load = |id: gimli::SectionId| -> Result<R, gimli::Error> { Ok(EndianSlice::new(img.section(id.name()), LittleEndian)) };
    let dwarf = gimli::Dwarf::load(load)?;
    let mut headers = Vec::new();
    let mut it = dwarf.units();
    while let Some(h) = it.next()? {
        headers.push(h);
    }
    // The source root: the CU of init/main.c names it; in a module, see module_root.
    let mut roots = Roots { source: None, absolute: user };
    let mut names = Vec::new();
    for h in &headers {
        let unit = dwarf.unit(*h)?;
        if let Some(name) = unit.name {
            let name = name.to_string_lossy().into_owned();
            if let Some(root) = name.strip_suffix("/init/main.c") {
                roots.source = Some(format!("{root}/"));
                break;
            }
            names.push(name);
        }
    }
    if roots.source.is_none() && !user {
        roots.source = module_root(&names);
    }
    let total = headers.len();
    let done = AtomicUsize::new(0);
    let last_pct = AtomicUsize::new(0);
    let raws: Vec<Raw> = headers
        .par_iter()
        .map(|h| {
            let r = unit_functions(&dwarf, *h, &roots).unwrap_or_default();
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            let pct = n * 100 / total.max(1);
            if verbose && pct >= last_pct.load(Ordering::Relaxed) + 10 {
                last_pct.store(pct, Ordering::Relaxed);
                eprintln!("  indexed {pct}% of {total} compilation units");
            }
            r
        })
        .flatten()
        .collect();

    // Merge the DIEs of one function (abstract definition and concrete copies).
    let mut by_decl: HashMap<u64, usize> = HashMap::new();
    let mut funcs: Vec<Function> = Vec::new();
    let mut addrs: Vec<Vec<(u64, u64, u64)>> = Vec::new();
    for r in raws {
        let i = *by_decl.entry(r.decl).or_insert_with(|| {
            funcs.push(Function {
                name: String::new(),
                file: String::new(),
                line: 0,
                die: r.decl,
                cu: r.cu,
                inlined: false,
                entries: Vec::new(),
                inlines: Vec::new(),
            });
            addrs.push(Vec::new());
            funcs.len() - 1
        });
        let f = &mut funcs[i];
        if f.name.is_empty() {
            if let Some(n) = r.name {
                f.name = n;
            }
        }
        if f.file.is_empty() {
            if let Some(x) = r.file {
                f.file = x;
                f.line = r.line;
            }
        }
        if r.is_decl {
            f.cu = r.cu;
        }
        f.inlined |= r.inlined;
        if let Some((addr, container)) = r.inline {
            f.inlined = true;
            if sections.is_empty() || section_of(addr) == section_of(container) {
                f.inlines.push(Inline { addr, die: r.own, container });
            }
            continue;
        }
        if let Some(a) = r.addr {
            addrs[i].push((a, r.own, r.cu));
        }
    }
    for f in funcs.iter_mut() {
        f.inlines.sort_unstable_by_key(|i| (i.container, i.addr, i.die));
    }
    for (f, mut a) in funcs.iter_mut().zip(addrs) {
        a.sort_unstable();
        a.dedup_by_key(|x| x.0);
        f.entries = a.into_iter().map(|(addr, die, cu)| entry(&syms, &f.name, addr, die, cu)).collect();
    }
    funcs.retain(|f| !f.name.is_empty() && (f.inlined || !f.entries.is_empty()));
    funcs.sort_by(|a, b| (&a.name, &a.file, a.line).cmp(&(&b.name, &b.file, b.line)));
    Ok((stext, funcs))
}

fn entry(syms: &Symbols, name: &str, addr: u64, die: u64, cu: u64) -> Entry {
    let names = syms.at.get(&addr).map(Vec::as_slice).unwrap_or(&[]);
    // The symbol of this function: its own name, else a clone of it, else any.
    let clone = |s: &&&str| s.strip_prefix(name).is_some_and(|rest| rest.starts_with('.'));
    let symbol = names
        .iter()
        .find(|s| **s == name)
        .or_else(|| names.iter().find(clone))
        .or_else(|| names.first())
        .map(|s| s.to_string())
        .unwrap_or_default();
    let unique = !symbol.is_empty() && syms.count.get(symbol.as_str()).copied().unwrap_or(0) == 1;
    let blocked = syms.blocked.contains(&addr) || syms.blocked_ranges.iter().any(|&(a, b)| a <= addr && addr < b);
    Entry { addr, symbol, unique, blocked, die, cu }
}

fn unit_functions(dwarf: &gimli::Dwarf<R>, header: gimli::UnitHeader<R>, roots: &Roots) -> Result<Vec<Raw>> {
    let unit = dwarf.unit(header)?;
    let cu = header.offset().as_debug_info_offset().map(|o| o.0 as u64).unwrap_or(0);
    let comp_dir = unit.comp_dir.map(|d| d.to_string_lossy().into_owned());
    let mut files: HashMap<u64, Option<String>> = HashMap::new();
    let mut out = Vec::new();
    let mut tree = unit.entries_tree(None)?;
    let root = tree.root()?;
    let mut cx = UnitCx { dwarf, unit: &unit, cu, comp_dir: comp_dir.as_deref(), roots, files: &mut files };
    scope_functions(&mut cx, root, "", &mut out)?;
    Ok(out)
}

/// What reading one unit's functions needs.
struct UnitCx<'a, 'd> {
    dwarf: &'a gimli::Dwarf<R<'d>>,
    unit: &'a gimli::Unit<R<'d>>,
    cu: u64,
    comp_dir: Option<&'a str>,
    roots: &'a Roots,
    files: &'a mut HashMap<u64, Option<String>>,
}

/// The subprograms among `node`'s children, and inside its C++ namespaces (`scope` is the
/// enclosing `ns::` prefix): C has none, so a kernel's units read as before.
fn scope_functions(cx: &mut UnitCx, node: gimli::EntriesTreeNode<R>, scope: &str, out: &mut Vec<Raw>) -> Result<()> {
    let unit = cx.unit;
    let mut children = node.children();
    while let Some(child) = children.next()? {
        let e = child.entry();
        if e.tag() == gimli::DW_TAG_namespace {
            let name = match e.attr_value(gimli::DW_AT_name)? {
                Some(v) => cx.dwarf.attr_string(unit, v)?.to_string_lossy().into_owned(),
                None => "(anonymous namespace)".to_string(),
            };
            scope_functions(cx, child, &format!("{scope}{name}::"), out)?;
            continue;
        }
        if e.tag() != gimli::DW_TAG_subprogram || e.attr(gimli::DW_AT_declaration)?.is_some() {
            continue;
        }
        let own = e.offset().to_debug_info_offset(&unit.header).map(|o| o.0 as u64).unwrap_or(0);
        let mut r = Raw { decl: own, cu: cx.cu, name: None, file: None, line: 0, inlined: false, addr: None, own, is_decl: true, inline: None };
        if let Some(v) = e.attr_value(gimli::DW_AT_abstract_origin)? {
            match v {
                AttributeValue::UnitRef(o) => {
                    r.decl = o.to_debug_info_offset(&unit.header).map(|x| x.0 as u64).unwrap_or(own);
                    r.is_decl = false;
                }
                AttributeValue::DebugInfoRef(o) => {
                    r.decl = o.0 as u64;
                    r.is_decl = false;
                }
                _ => {}
            }
        }
        // Name and declaration: on the DIE itself, else on its (same-unit) origin or,
        // for a C++ member or namespace member defined apart, its declaration
        // (DW_AT_specification); a mangled name gives the qualified one.
        let mut linkage = None;
        let mut at = Some(e.offset());
        for _ in 0..4 {
            let Some(o) = at.take() else { break };
            let d = unit.entry(o)?;
            describe(cx, &d, &mut r, &mut linkage)?;
            for a in [gimli::DW_AT_abstract_origin, gimli::DW_AT_specification] {
                if let Some(AttributeValue::UnitRef(next)) = d.attr_value(a)? {
                    at = Some(next);
                    break;
                }
            }
        }
        if let Some(n) = &r.name {
            r.name = Some(linkage.as_deref().and_then(demangled).unwrap_or_else(|| format!("{scope}{n}")));
        }
        r.addr = entry_pc(cx.dwarf, unit, e)?;
        if let Some(container) = r.addr {
            inlined_instances(cx.dwarf, unit, child, cx.cu, container, out)?;
        }
        out.push(r);
    }
    Ok(())
}

/// Name, inlining and declaration of one DIE into `r` (the first found of each wins:
/// the DIE's own before its origin's), and its linkage name.
fn describe(cx: &mut UnitCx, d: &gimli::DebuggingInformationEntry<R>, r: &mut Raw, linkage: &mut Option<String>) -> Result<()> {
    let unit = cx.unit;
    if let (None, Some(v)) = (&r.name, d.attr_value(gimli::DW_AT_name)?) {
        r.name = Some(cx.dwarf.attr_string(unit, v)?.to_string_lossy().into_owned());
    }
    if let (None, Some(v)) = (&linkage, d.attr_value(gimli::DW_AT_linkage_name)?) {
        *linkage = Some(cx.dwarf.attr_string(unit, v)?.to_string_lossy().into_owned());
    }
    if let Some(AttributeValue::Inline(i)) = d.attr_value(gimli::DW_AT_inline)? {
        r.inlined |= i == gimli::DW_INL_inlined || i == gimli::DW_INL_declared_inlined;
    }
    if r.file.is_some() {
        return Ok(());
    }
    if let Some(fi) = d.attr_value(gimli::DW_AT_decl_file)?.and_then(|v| match v {
        AttributeValue::FileIndex(i) => Some(i),
        v => v.udata_value(),
    }) {
        let (dwarf, comp_dir, roots) = (cx.dwarf, cx.comp_dir, cx.roots);
        let path = cx.files.entry(fi).or_insert_with(|| file_name(dwarf, unit, fi, comp_dir, roots));
        r.file = path.clone();
        r.line = d.attr_value(gimli::DW_AT_decl_line)?.and_then(|v| v.udata_value()).unwrap_or(0) as u32;
    }
    Ok(())
}

/// A C++ mangled name as SystemTap shows functions: qualified, without parameters or
/// return type (`_ZN6shapes7Counter4bumpEi` → `shapes::Counter::bump`); None for others.
pub fn demangled(mangled: &str) -> Option<String> {
    if !mangled.starts_with("_Z") {
        return None;
    }
    let sym = cpp_demangle::Symbol::new(mangled).ok()?;
    let opts = cpp_demangle::DemangleOptions::new().no_params().no_return_type();
    sym.demangle_with_options(&opts).ok()
}

/// The last component of a qualified name (`ns::Class::method` → `method`), outside
/// template arguments.
pub fn base_name(name: &str) -> &str {
    let mut depth = 0i32;
    let b = name.as_bytes();
    let mut start = 0;
    for (i, c) in b.iter().enumerate() {
        match c {
            b'<' | b'(' => depth += 1,
            b'>' | b')' => depth -= 1,
            b':' if depth == 0 && b.get(i + 1) == Some(&b':') => start = i + 2,
            _ => {}
        }
    }
    &name[start.min(name.len())..]
}

/// The inlined instances anywhere inside a concrete function's DIE `node` (in lexical
/// blocks, and inside other inlined instances), as Raws merged into their origin.
fn inlined_instances(
    dwarf: &gimli::Dwarf<R>,
    unit: &gimli::Unit<R>,
    node: gimli::EntriesTreeNode<R>,
    cu: u64,
    container: u64,
    out: &mut Vec<Raw>,
) -> Result<()> {
    let mut children = node.children();
    while let Some(child) = children.next()? {
        let e = child.entry();
        match e.tag() {
            gimli::DW_TAG_inlined_subroutine => {
                // Unit-local origins only: a vmlinux built without LTO has no others.
                if let Some(AttributeValue::UnitRef(o)) = e.attr_value(gimli::DW_AT_abstract_origin)? {
                    if let (Some(addr), Ok(decl)) = (entry_pc(dwarf, unit, e)?, o.to_debug_info_offset(&unit.header).ok_or(())) {
                        let own = e.offset().to_debug_info_offset(&unit.header).map(|x| x.0 as u64).unwrap_or(0);
                        out.push(Raw {
                            decl: decl.0 as u64,
                            cu,
                            name: None,
                            file: None,
                            line: 0,
                            inlined: true,
                            addr: None,
                            own,
                            is_decl: false,
                            inline: Some((addr, container)),
                        });
                    }
                }
                inlined_instances(dwarf, unit, child, cu, container, out)?;
            }
            gimli::DW_TAG_lexical_block => inlined_instances(dwarf, unit, child, cu, container, out)?,
            _ => {}
        }
    }
    Ok(())
}

/// Where a concrete function starts: DW_AT_entry_pc, low_pc, or its first range.
fn entry_pc(dwarf: &gimli::Dwarf<R>, unit: &gimli::Unit<R>, e: &gimli::DebuggingInformationEntry<R>) -> Result<Option<u64>> {
    for at in [gimli::DW_AT_entry_pc, gimli::DW_AT_low_pc] {
        match e.attr_value(at)? {
            Some(AttributeValue::Addr(a)) if a != 0 => return Ok(Some(a)),
            Some(AttributeValue::DebugAddrIndex(i)) => {
                let a = dwarf.address(unit, i)?;
                if a != 0 {
                    return Ok(Some(a));
                }
            }
            _ => {}
        }
    }
    if let Some(v) = e.attr_value(gimli::DW_AT_ranges)? {
        if let Some(off) = dwarf.attr_ranges_offset(unit, v)? {
            let mut ranges = dwarf.ranges(unit, off)?;
            if let Some(r) = ranges.next()? {
                if r.begin != 0 {
                    return Ok(Some(r.begin));
                }
            }
        }
    }
    Ok(None)
}

/// A line-table file as a path relative to the kernel tree.
fn file_name(dwarf: &gimli::Dwarf<R>, unit: &gimli::Unit<R>, index: u64, comp_dir: Option<&str>, roots: &Roots) -> Option<String> {
    let lp = unit.line_program.as_ref()?;
    let header = lp.header();
    let file = header.file(index)?;
    let name = dwarf.attr_string(unit, file.path_name()).ok()?.to_string_lossy().into_owned();
    let path = if name.starts_with('/') {
        name
    } else {
        let dir = file
            .directory(header)
            .and_then(|d| dwarf.attr_string(unit, d).ok())
            .map(|d| d.to_string_lossy().into_owned())
            .unwrap_or_default();
        let dir = if dir.starts_with('/') || dir.is_empty() {
            dir
        } else {
            format!("{}/{dir}", comp_dir.unwrap_or(""))
        };
        if dir.is_empty() {
            name
        } else {
            format!("{dir}/{name}")
        }
    };
    Some(relative(&path, comp_dir, roots))
}

/// A kernel module's source root: its `DIR/NAME.mod.c` unit is generated in the build
/// tree (`drivers/usb/core/usbcore.mod.c`), while a flavour built from a source tree
/// of its own names its sources through that tree (Debian's rt flavour:
/// `debian/build/source_rt/drivers/usb/core/usb.c`): the root is what precedes DIR.
fn module_root(names: &[String]) -> Option<String> {
    let dir = names.iter().find_map(|n| n.strip_suffix(".mod.c").and_then(|p| p.rsplit_once('/')).map(|(d, _)| d))?;
    names.iter().find_map(|n| {
        let i = n.find(&format!("/{dir}/"))?;
        Some(format!("{}/", &n[..i]))
    })
}

fn relative(path: &str, comp_dir: Option<&str>, roots: &Roots) -> String {
    let mut p = path;
    let comp_dir = comp_dir.filter(|_| !roots.absolute);
    for root in [roots.source.as_deref(), comp_dir].into_iter().flatten() {
        // The root may be spelled relative ("debian/build/source_rt/") to a
        // directory the path spells in full: strip through it at a '/'.
        let root = format!("{}/", root.trim_end_matches('/'));
        let at = p.match_indices(root.as_str()).find(|(i, _)| *i == 0 || p.as_bytes()[i - 1] == b'/');
        if let Some((i, _)) = at {
            p = &p[i + root.len()..];
            break;
        }
    }
    // "./include/x.h", "a/../b": normalise lexically.
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "." | "" if !parts.is_empty() || c == "." => {}
            ".." if parts.last().is_some_and(|l| *l != "..") => {
                parts.pop();
            }
            _ => parts.push(c),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::{base_name, demangled, file_matches, glob, module_root, parse_cache, write_cache, Entry, Function, Index, Inline};

    #[test]
    fn module_roots() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let rt = names(&["debian/build/source_rt/drivers/usb/core/usb.c", "drivers/usb/core/usbcore.mod.c"]);
        assert_eq!(module_root(&rt).as_deref(), Some("debian/build/source_rt/"));
        // Built in its own tree: nothing to strip.
        assert_eq!(module_root(&names(&["drivers/usb/core/usb.c", "drivers/usb/core/usbcore.mod.c"])), None);
        assert_eq!(module_root(&names(&["fs/ext4/inode.c"])), None);
    }
    use std::sync::OnceLock;

    #[test]
    fn cache_round_trip_keeps_inlined_copies() {
        let stext = 0xffff_ffff_8100_0000;
        let e = |addr, symbol: &str| Entry { addr, symbol: symbol.into(), unique: true, blocked: false, die: 0x500, cu: 0x100 };
        let f = Function {
            name: "do_preadv".into(),
            file: "fs/read_write.c".into(),
            line: 995,
            die: 0x400,
            cu: 0x100,
            inlined: true,
            entries: vec![e(stext + 0x3000, "do_preadv")],
            // One below _stext (a negative offset in the file), two sharing a container.
            inlines: vec![
                Inline { addr: stext - 0x10, die: 0x900, container: stext + 0x2000 },
                Inline { addr: stext + 0x2033, die: 0x800, container: stext + 0x2000 },
                Inline { addr: stext + 0x4042, die: 0xa00, container: stext + 0x4000 },
            ],
        };
        let ix = Index {
            path: "/nonexistent".into(),
            build_id: "abc".into(),
            stext,
            functions: vec![f.clone()],
            map: OnceLock::new(),
            owned: OnceLock::new(),
            by_entry: OnceLock::new(),
            decls: OnceLock::new(),
        };
        let dir = std::env::temp_dir().join(format!("rstap-index-test-{}", std::process::id()));
        let path = dir.join("x.functions");
        write_cache(&ix, &path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let back = parse_cache(&text, "/nonexistent".as_ref(), "abc").unwrap();
        assert_eq!(back.functions, vec![f]);
        assert!(parse_cache(&text, "/nonexistent".as_ref(), "other").is_none());
    }

    #[test]
    fn cxx_names() {
        assert_eq!(demangled("_ZN6shapes7Counter4bumpEi").as_deref(), Some("shapes::Counter::bump"));
        assert_eq!(demangled("_ZN6shapes5twiceIiEET_S1_").as_deref(), Some("shapes::twice<int>"));
        assert_eq!(demangled("main"), None);
        assert_eq!(base_name("shapes::Counter::bump"), "bump");
        assert_eq!(base_name("ns::f<a::b>"), "f<a::b>");
        assert_eq!(base_name("vfs_read"), "vfs_read");
    }

    #[test]
    fn globs() {
        assert!(glob("*init*", "start_kernel_init"));
        assert!(glob("vfs_*", "vfs_read"));
        assert!(glob("sys_[rw]*", "sys_read"));
        assert!(!glob("sys_[!rw]*", "sys_read"));
        assert!(glob("a?c", "abc"));
    }

    #[test]
    fn files() {
        assert!(file_matches("kernel/time/time.c", "kernel/time/time.c"));
        assert!(file_matches("time.c", "kernel/time/time.c"));
        assert!(file_matches("fs/*.c", "fs/read_write.c"));
        assert!(!file_matches("ime.c", "kernel/time/time.c"));
    }
}
