//! The type-name index of a vmlinux: for every named type defined at the top level of a
//! compilation unit (`struct sock`, `union x`, `enum y`, typedefs and base types by their
//! plain name), the unit and DIE of one full definition (declarations are skipped). It
//! serves `@cast(p, "TYPE")` and the members of a struct that the probed unit only
//! declares: either way a later run reads the one unit that defines the type.
//!
//! Built once per build-id (all units in parallel) and cached on disk next to the
//! function index as `BUILD_ID.types`, a text file of `name\tcu\tdie` lines.

use anyhow::{Context, Result};
use gimli::{EndianSlice, LittleEndian};
use rayon::prelude::*;
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

type R<'a> = EndianSlice<'a, LittleEndian>;

const FORMAT: &str = "rstap-type-index 3";

/// Where a type is defined: .debug_info offsets of its unit's header and of its DIE.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TypeDef {
    pub cu: u64,
    pub die: u64,
}

/// A kernel global or static variable's definition (`@var`): its DIE, and the source file
/// of its unit (as the DWARF names it).
#[derive(Debug, Clone, PartialEq)]
pub struct VarDef {
    pub cu: u64,
    pub die: u64,
    pub file: String,
}

pub struct TypeIndex {
    pub types: HashMap<String, TypeDef>,
    /// By name: every unit's definition (statics of one name live in many files).
    pub vars: HashMap<String, Vec<VarDef>>,
}

impl TypeIndex {
    /// The definition of `name` (`struct sock`, `sock` for a struct, union, enum or
    /// typedef of that name, `u32`).
    pub fn lookup(&self, name: &str) -> Option<TypeDef> {
        let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
        if let Some(d) = self.types.get(&name) {
            return Some(*d);
        }
        ["struct ", "union ", "enum "].iter().find_map(|k| self.types.get(&format!("{k}{name}")).copied())
    }
}

fn cache_path(build_id: &str) -> PathBuf {
    crate::datadir::cache_dir().join("debuginfo").join(format!("{build_id}.types"))
}

impl TypeIndex {
    /// `@var("NAME@FILE")`'s definitions: by name, and by a file pattern when given
    /// (matched as function points match theirs: a path suffix, wildcards allowed).
    pub fn lookup_var(&self, name: &str, file: Option<&str>) -> Vec<&VarDef> {
        self.vars
            .get(name)
            .map(|v| v.iter().filter(|d| file.is_none_or(|f| super::index::file_matches(f, &d.file))).collect())
            .unwrap_or_default()
    }
}

/// The type index of `ix`'s vmlinux, from the cache or built now (and cached).
pub fn open(ix: &super::Index, verbose: bool) -> Result<TypeIndex> {
    let cache = cache_path(&ix.build_id);
    if let Ok(text) = std::fs::read_to_string(&cache) {
        if let Some(t) = parse(&text, &ix.build_id) {
            return Ok(t);
        }
    }
    let t0 = std::time::Instant::now();
    let (types, vars) = build(ix).with_context(|| format!("indexing the types of {}", ix.path.display()))?;
    let mut out = format!("{FORMAT}\t{}\n", ix.build_id);
    let mut names: Vec<_> = types.iter().collect();
    names.sort_by(|a, b| a.0.cmp(b.0));
    for (n, d) in names {
        out.push_str(&format!("T\t{n}\t{:x}\t{:x}\n", d.cu, d.die));
    }
    let mut vnames: Vec<_> = vars.iter().collect();
    vnames.sort_by(|a, b| a.0.cmp(b.0));
    for (n, defs) in vnames {
        for d in defs {
            out.push_str(&format!("V\t{n}\t{:x}\t{:x}\t{}\n", d.cu, d.die, d.file));
        }
    }
    if verbose {
        eprintln!(
            "Indexed {} type names in {:.1}s ({} bytes), cached in {}",
            types.len(),
            t0.elapsed().as_secs_f64(),
            out.len(),
            cache.display()
        );
    }
    let write = || -> Result<()> {
        std::fs::create_dir_all(cache.parent().unwrap())?;
        let tmp = cache.with_extension(format!("tmp{}", std::process::id()));
        std::fs::File::create(&tmp)?.write_all(out.as_bytes())?;
        std::fs::rename(&tmp, &cache)?;
        Ok(())
    };
    if let Err(e) = write() {
        eprintln!("rstap: warning: cannot cache the type index in {}: {e:#}", cache.display());
    }
    Ok(TypeIndex { types, vars })
}

fn parse(text: &str, build_id: &str) -> Option<TypeIndex> {
    let mut lines = text.lines();
    let mut head = lines.next()?.split('\t');
    if head.next()? != FORMAT || head.next()? != build_id {
        return None;
    }
    let mut types = HashMap::new();
    let mut vars: HashMap<String, Vec<VarDef>> = HashMap::new();
    for l in lines {
        let mut it = l.split('\t');
        let kind = it.next()?;
        let name = it.next()?.to_string();
        let cu = u64::from_str_radix(it.next()?, 16).ok()?;
        let die = u64::from_str_radix(it.next()?, 16).ok()?;
        match kind {
            "T" => {
                types.insert(name, TypeDef { cu, die });
            }
            "V" => vars.entry(name).or_default().push(VarDef { cu, die, file: it.next()?.to_string() }),
            _ => return None,
        }
    }
    Some(TypeIndex { types, vars })
}

type Built = (HashMap<String, TypeDef>, HashMap<String, Vec<VarDef>>);

fn build(ix: &super::Index) -> Result<Built> {
    // Through the index's sections: a module's debuginfo is ET_REL, whose string and unit
    // offsets are right only once relocated (reloc.rs).
    let load = |id: gimli::SectionId| -> Result<R> { Ok(EndianSlice::new(ix.debug_section(id.name())?, LittleEndian)) };
    let dwarf = gimli::Dwarf::load(load)?;
    let mut headers = Vec::new();
    let mut it = dwarf.units();
    while let Some(h) = it.next()? {
        headers.push(h);
    }
    let found: Vec<Found> = headers.par_iter().map(|h| unit_types(&dwarf, *h).unwrap_or_default()).collect();
    // The first unit (in .debug_info order) that defines a name wins: the same answer on
    // every build.
    let mut types = HashMap::new();
    let mut vars: HashMap<String, Vec<VarDef>> = HashMap::new();
    for (t, v) in found {
        for (name, d) in t {
            types.entry(name).or_insert(d);
        }
        for (name, d) in v {
            vars.entry(name).or_default().push(d);
        }
    }
    Ok((types, vars))
}

type Found = (Vec<(String, TypeDef)>, Vec<(String, VarDef)>);

/// The named type definitions at the top level of one unit.
fn unit_types(dwarf: &gimli::Dwarf<R>, h: gimli::UnitHeader<R>) -> Result<Found> {
    let unit = dwarf.unit(h)?;
    let cu = h.offset().as_debug_info_offset().map(|o| o.0 as u64).unwrap_or(0);
    let file = unit.name.map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut out = Vec::new();
    let mut vars = Vec::new();
    let mut tree = unit.entries_tree(None)?;
    let root = tree.root()?;
    let mut children = root.children();
    while let Some(child) = children.next()? {
        let e = child.entry();
        if e.tag() == gimli::DW_TAG_variable {
            // A definition at a fixed address (DW_OP_addr); its name may be on the
            // declaration it completes (DW_AT_specification).
            let Some(gimli::AttributeValue::Exprloc(x)) = e.attr_value(gimli::DW_AT_location)? else { continue };
            if x.0.slice().first() != Some(&0x03) {
                continue;
            }
            let named = match e.attr_value(gimli::DW_AT_name)? {
                Some(v) => Some(v),
                None => match e.attr_value(gimli::DW_AT_specification)? {
                    Some(gimli::AttributeValue::UnitRef(o)) => unit.entry(o)?.attr_value(gimli::DW_AT_name)?,
                    _ => None,
                },
            };
            let Some(v) = named else { continue };
            let name = dwarf.attr_string(&unit, v)?.to_string_lossy().into_owned();
            let die = e.offset().to_debug_info_offset(&unit.header).map(|o| o.0 as u64).unwrap_or(0);
            vars.push((name, VarDef { cu, die, file: file.clone() }));
            continue;
        }
        let kind = match e.tag() {
            gimli::DW_TAG_structure_type => "struct ",
            gimli::DW_TAG_union_type => "union ",
            gimli::DW_TAG_enumeration_type => "enum ",
            gimli::DW_TAG_typedef | gimli::DW_TAG_base_type => "",
            _ => continue,
        };
        if e.attr_value(gimli::DW_AT_declaration)?.is_some() {
            continue;
        }
        let Some(v) = e.attr_value(gimli::DW_AT_name)? else { continue };
        let name = dwarf.attr_string(&unit, v)?.to_string_lossy().into_owned();
        let die = e.offset().to_debug_info_offset(&unit.header).map(|o| o.0 as u64).unwrap_or(0);
        out.push((format!("{kind}{name}"), TypeDef { cu, die }));
    }
    Ok((out, vars))
}

/// The type index of `release`'s vmlinux (opened once per process).
pub fn kernel_types(release: &str) -> Result<std::sync::Arc<TypeIndex>> {
    types_for(release, None)
}

/// The type index of `release`'s vmlinux (module None) or of one of its modules' debuginfo
/// (opened once per process, cached on disk per build-id like the function index).
pub fn types_for(release: &str, module: Option<&str>) -> Result<std::sync::Arc<TypeIndex>> {
    object_types(&super::Object::Kernel { release: release.to_string(), module: module.map(str::to_string) })
}

/// The type index of a DWARF object (opened once per process).
pub fn object_types(obj: &super::Object) -> Result<std::sync::Arc<TypeIndex>> {
    use std::sync::{Arc, Mutex, OnceLock};
    static OPEN: OnceLock<Mutex<HashMap<super::Object, Arc<TypeIndex>>>> = OnceLock::new();
    let map = OPEN.get_or_init(Default::default);
    if let Some(t) = map.lock().unwrap().get(obj) {
        return Ok(t.clone());
    }
    let ix = super::index_of(obj)?;
    let verbose = std::env::var_os("RSTAP_VERBOSE_INDEX").is_some();
    let t = Arc::new(open(&ix, verbose)?);
    map.lock().unwrap().insert(obj.clone(), t.clone());
    Ok(t)
}
