//! Target variables of a probed kernel function: `$var`, `$var->member[i]`, `&$var->m`,
//! `$var$`/`$var$$`, `$$parms`/`$$locals`/`$$vars`, resolved at translate time into an
//! [`Access`]: the variable's location as C over the probe's registers
//! ([`super::location`]), then member offsets, array strides, pointer loads and the
//! final read (size, sign, bit-field), all computed from the DWARF types here. Only the
//! probed function's compilation unit is read, found through the cached index
//! (`Entry::die`/`Entry::cu`).
//!
//! [`Access::to_c`] renders one access as a C statement expression; every read of kernel
//! memory in it is non-faulting (`rt_tv_read`, runtime-c/target_vars.h): a fault sets
//! the hit's error "kernel read fault at 0x...", which the expression then reports.

use super::location::{self, Loc};
use super::resolve::Site;
use super::Index;
use gimli::{AttributeValue, EndianSlice, LittleEndian, UnitOffset};
use std::fmt::Write;

type R<'a> = EndianSlice<'a, LittleEndian>;
type Unit<'a> = gimli::Unit<R<'a>>;

/// One step of a path after the variable.
#[derive(Debug, Clone, PartialEq)]
pub enum Seg {
    /// `->name` (through a pointer, or into a struct or union in place).
    Member(String),
    /// `[i]`: the n-th index expression of the path (its C value is given when rendering).
    Index(usize),
}

/// What the script asks of one target expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub name: String,
    pub path: Vec<Seg>,
    /// 0: the value, 1: `$`, 2: `$$`.
    pub pretty: u8,
    /// `&$var...`: the address.
    pub addr_of: bool,
}

/// Which variables `$$...` lists.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Which {
    Parms,
    Locals,
    Vars,
}

/// Why a target expression does not resolve. `Unavailable` is the one `@defined` may hide
/// and that names a variable that exists but has no location at this point.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// No such variable: with the names that exist.
    Unknown { names: Vec<String> },
    /// The variable exists, without a location at the probe address.
    Unavailable,
    /// Not a parameter, at a function known from BTF only (no DWARF): with the parameters.
    NotParameter { params: Vec<String> },
    /// Anything else, a sentence (a member that does not exist, a struct used as a value, ...).
    Other(String),
}

/// A scalar read: size in bytes, signedness, and for a bit-field its bit offset (from
/// the address, little endian) and width.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scalar {
    pub size: u8,
    pub signed: bool,
    pub bits: Option<(u32, u32)>,
}

/// One operation of an access; `_a` is the current address, `_v` the current value.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// `_a += n`
    Offset(u64),
    /// `_a += index * stride`
    Index { stride: u64, hole: usize },
    /// `_v = *(u64 *)_a` (a pointer stored in memory)
    LoadPointer,
    /// `_a = _v` (a pointer value becomes the current address)
    ToAddr,
}

/// How a value is shown by `$var$` and `$$vars`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fmt {
    /// Signed or unsigned decimal, by the scalar's sign.
    Dec,
    /// `0x...` (pointers, `$$vars` without a suffix).
    Hex,
    /// A `char`: `'c'` when printable, else its number.
    Char,
}

/// A piece of a pretty-printed value.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Text(String),
    /// A number at `_a + off`.
    Num { off: u64, sc: Scalar, fmt: Fmt },
    /// The current value `_v` (a scalar held in a register).
    Value { sc: Scalar, fmt: Fmt },
    /// A `char[len]` at `_a + off`, quoted up to its NUL.
    Chars { off: u64, len: u64 },
    /// A `char *` at `_a + off` (`at_value`: the pointer is `_v`), the string it points to, quoted.
    CharPtr { off: u64, at_value: bool },
}

/// What an access ends with.
#[derive(Debug, Clone, PartialEq)]
pub enum End {
    /// A number (`long`).
    Scalar(Scalar),
    /// The address `_a` (`&$x`, arrays).
    Address,
    /// A string, built from these pieces.
    Pretty(Vec<Node>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Access {
    pub base: Loc,
    pub steps: Vec<Step>,
    pub end: End,
}

impl Access {
    /// Whether the steps leave the thing in memory at `_a` (else it is the value `_v`).
    pub fn ends_in_memory(&self) -> bool {
        match self.steps.last() {
            Some(Step::LoadPointer) => false,
            Some(_) => true,
            None => matches!(self.base, Loc::Memory(_)),
        }
    }

    /// Whether the script sees a string (else a long).
    pub fn is_string(&self) -> bool {
        matches!(self.end, End::Pretty(_))
    }
}

/// Where [`Func::build_from`] is in a path: what it has computed so far.
struct Walk {
    steps: Vec<Step>,
    in_memory: bool,
    bits: Option<(u32, u32)>,
    shown: String,
    /// The next path segment.
    from: usize,
    /// Units changed so far (a bound, though the type index holds definitions only).
    hops: u32,
}

/// The pieces of `$$parms`-style strings: per variable, its name and access (None: `?`).
#[derive(Debug, Clone, PartialEq)]
pub struct AllVars {
    pub vars: Vec<(String, Option<Access>)>,
    pub pretty: u8,
}

// ---- reading the unit ----

/// One probed function's DWARF, read again from its compilation unit.
pub struct Func<'a> {
    /// Where types defined in other units are looked up, in order (a module's own
    /// debuginfo, then the kernel's; a user-space file itself).
    types: Vec<super::Object>,
    dw: super::types::Dwarf<'a>,
    unit: Unit<'a>,
    die: UnitOffset,
    addr: u64,
    ctx: location::Context,
    tracepoint: bool,
}

/// A variable visible at the probe point.
struct Var {
    name: String,
    is_param: bool,
    ty: Option<UnitOffset>,
    loc: Option<Loc>,
}

/// Opens `site`'s unit and calls `f` with the function (the index stays open for the process).
pub fn with_func<T>(site: &Site, f: impl FnOnce(&Func) -> Result<T, Error>) -> Result<T, Error> {
    let ix = super::index_of(&site.object).map_err(|e| Error::Other(format!("{e:#}")))?;
    let func = Func::open(&ix, site).map_err(|e| Error::Other(format!("reading the DWARF of {}: {e:#}", site.function)))?;
    f(&func)
}

/// Opens the unit that defines type `name` (typeindex.rs) and calls `f` with it and the
/// type's DIE: `@cast`'s types, and structs only declared where they are used. The
/// debuginfo searched is each of `modules` in turn (None: the vmlinux).
pub fn with_type<T>(
    release: &str,
    modules: &[Option<&str>],
    name: &str,
    f: impl FnOnce(&Func, UnitOffset) -> Result<T, Error>,
) -> Result<T, Error> {
    let objs: Vec<super::Object> = modules
        .iter()
        .map(|m| super::Object::Kernel { release: release.to_string(), module: m.map(str::to_string) })
        .collect();
    with_type_in(&objs, name, f)
}

/// As [`with_type`], over any DWARF objects, searched in order.
pub fn with_type_in<T>(objs: &[super::Object], name: &str, f: impl FnOnce(&Func, UnitOffset) -> Result<T, Error>) -> Result<T, Error> {
    let mut found = None;
    for (i, o) in objs.iter().enumerate() {
        let types = super::typeindex::object_types(o).map_err(|e| Error::Other(format!("{e:#}")))?;
        if let Some(def) = types.lookup(name) {
            found = Some((i, def));
            break;
        }
    }
    let Some((i, def)) = found else {
        let whose: Vec<String> = objs.iter().map(|o| o.whose()).collect();
        return Err(Error::Other(format!("type '{name}' is not defined in {} debuginfo", whose.join(" or "))));
    };
    let ix = super::index_of(&objs[i]).map_err(|e| Error::Other(format!("{e:#}")))?;
    // Types it refers to are looked up from where it was found on.
    let func = Func::open_unit(&ix, &objs[i..], def.cu, def.die, 0, false)
        .map_err(|e| Error::Other(format!("reading the DWARF of type '{name}': {e:#}")))?;
    let off = func.die;
    f(&func, off)
}

/// `@var("NAME[@FILE]")->path...`: the kernel global or static variable NAME (in a unit
/// whose file matches FILE), read at its run-time address (runtime-c/kaslr.h).
pub fn global_var(release: &str, name: &str, file: Option<&str>, req: &Request, max_string: usize) -> Result<Access, Error> {
    let types = super::typeindex::kernel_types(release).map_err(|e| Error::Other(format!("{e:#}")))?;
    let defs = types.lookup_var(name, file);
    let shown = match file {
        Some(f) => format!("{name}@{f}"),
        None => name.to_string(),
    };
    let Some(def) = defs.first() else {
        return Err(Error::Other(format!("no kernel global or static variable '{shown}' in the kernel's debuginfo")));
    };
    let ix = super::kernel_index(release, false).map_err(|e| Error::Other(format!("{e:#}")))?;
    let func = Func::open_unit(&ix, &[super::Object::kernel(release)], def.cu, def.die, 0, false)
        .map_err(|e| Error::Other(format!("reading the DWARF of '{shown}': {e:#}")))?;
    func.global(&format!("@var(\"{shown}\")"), req, max_string)
}

/// The top-level DIE (the out-of-line function) whose subtree holds the DIE at `die`.
fn container_of<'u>(unit: &'u Unit<'u>, die: UnitOffset) -> anyhow::Result<Option<gimli::DebuggingInformationEntry<'u, 'u, R<'u>>>> {
    let mut tree = unit.entries_tree(None)?;
    let root = tree.root()?;
    let mut children = root.children();
    let mut last = None;
    while let Some(child) = children.next()? {
        let off = child.entry().offset();
        if off > die {
            break;
        }
        last = Some(off);
    }
    Ok(match last {
        Some(o) => Some(unit.entry(o)?),
        None => None,
    })
}

impl<'a> Func<'a> {
    /// `self.die` is a variable's definition at a fixed address: the access from there.
    fn global(&self, what: &str, req: &Request, max_string: usize) -> Result<Access, Error> {
        let e = self.unit.entry(self.die).map_err(|e| Error::Other(format!("reading {what}: {e}")))?;
        let spec = match e.attr_value(gimli::DW_AT_specification) {
            Ok(Some(AttributeValue::UnitRef(o))) => self.unit.entry(o).ok(),
            _ => None,
        };
        let ty = self.type_of(&e).or_else(|| spec.as_ref().and_then(|d| self.type_of(d)));
        let addr = match e.attr_value(gimli::DW_AT_location) {
            Ok(Some(AttributeValue::Exprloc(x))) => {
                let b = x.0.slice();
                (b.len() >= 9 && b[0] == 0x03).then(|| u64::from_le_bytes(b[1..9].try_into().unwrap()))
            }
            _ => None,
        };
        let addr = addr.ok_or_else(|| Error::Other(format!("{what} has no fixed address")))?;
        self.build(what, Loc::Memory(format!("((u64)rt_kernel_addr(0x{addr:x}UL))")), ty, req, max_string)
    }

    fn open(ix: &'a Index, site: &Site) -> anyhow::Result<Func<'a>> {
        let types = match &site.object {
            super::Object::Kernel { release, module: Some(_) } => vec![site.object.clone(), super::Object::kernel(release)],
            o => vec![o.clone()],
        };
        Self::open_unit(ix, &types, site.cu, site.die, site.addr, site.tracepoint)
    }

    /// `die` in the unit at `cu` (a function's, or a type's for `@cast`); `types`: where
    /// types only declared there are looked up.
    fn open_unit(ix: &'a Index, types: &[super::Object], cu: u64, die: u64, addr: u64, tracepoint: bool) -> anyhow::Result<Func<'a>> {
        let dw = super::types::Dwarf::load(ix)?;
        let header = dw.dwarf.debug_info.header_from_offset(gimli::DebugInfoOffset(cu as usize))?;
        let unit = dw.dwarf.unit(header)?;
        let die = UnitOffset((die - cu) as usize);
        let mut ctx = location::Context::entry("c->regs");
        let e = unit.entry(die)?;
        // A statement probe (away from the entry): the CFA from the unwinding rules there,
        // and no entry values (the entry's registers are gone).
        let entry_pc = match e.attr_value(gimli::DW_AT_low_pc)? {
            Some(AttributeValue::Addr(a)) => Some(a),
            _ => dw.dwarf.die_ranges(&unit, &e)?.next()?.map(|r| r.begin),
        };
        if matches!(types.first(), Some(super::Object::User { .. })) {
            ctx.addr_bias = Some("__this_cpu_read(rt_ubias)".into());
        }
        // An inlined copy is never at its container's entry, whatever its own low_pc says.
        let inlined = e.tag() == gimli::DW_TAG_inlined_subroutine;
        if !tracepoint && addr != 0 && (inlined || entry_pc.is_some_and(|pc| pc != addr)) {
            ctx.at_entry = false;
            ctx.cfa = super::cfa::cfa_at(ix, addr, "c->regs");
        }
        // Its frame base is its container's (the out-of-line function around it).
        let e = if inlined { container_of(&unit, die)?.unwrap_or(e) } else { e };
        if let Some(v) = e.attr_value(gimli::DW_AT_frame_base)? {
            if let AttributeValue::Exprloc(x) = v {
                ctx.frame_base = location::translate(x.0.slice(), unit.encoding(), &ctx).ok();
            }
        }
        Ok(Func { types: types.to_vec(), dw, unit, die, addr, ctx, tracepoint })
    }

    /// The variables in scope at the probe address, parameters first, with their C type
    /// names as `-L` prints them (statement points list locals of inner blocks too).
    pub fn visible(&self) -> Result<Vec<(String, String)>, Error> {
        let vars = self.vars().map_err(|e| Error::Other(format!("reading the variables: {e:#}")))?;
        Ok(vars
            .into_iter()
            .map(|v| {
                let t = v.ty.map(|t| self.dw.type_name(&self.unit, t, 0)).unwrap_or_else(|| "void".into());
                (v.name, t)
            })
            .collect())
    }

    fn name_of(&self, e: &gimli::DebuggingInformationEntry<R<'a>>) -> Option<String> {
        let v = e.attr_value(gimli::DW_AT_name).ok()??;
        Some(self.dw.dwarf.attr_string(&self.unit, v).ok()?.to_string_lossy().into_owned())
    }

    fn type_of(&self, e: &gimli::DebuggingInformationEntry<R<'a>>) -> Option<UnitOffset> {
        match e.attr_value(gimli::DW_AT_type).ok()? {
            Some(AttributeValue::UnitRef(t)) => Some(t),
            _ => None,
        }
    }

    /// Parameters and locals in scope at the probe address, parameters first.
    fn vars(&self) -> anyhow::Result<Vec<Var>> {
        let mut out = Vec::new();
        let mut tree = self.unit.entries_tree(Some(self.die))?;
        let root = tree.root()?;
        if self.tracepoint {
            return self.tracepoint_args(root);
        }
        self.collect(root, &mut out)?;
        self.origin_params(&mut out)?;
        out.sort_by_key(|v| !v.is_param);
        Ok(out)
    }

    /// At an inlined copy: its parameters in their declared order, from the abstract
    /// origin, also those GCC left no DIE for in the copy (optimized out: no location).
    fn origin_params(&self, out: &mut Vec<Var>) -> anyhow::Result<()> {
        let e = self.unit.entry(self.die)?;
        if e.tag() != gimli::DW_TAG_inlined_subroutine {
            return Ok(());
        }
        let Some(AttributeValue::UnitRef(o)) = e.attr_value(gimli::DW_AT_abstract_origin)? else { return Ok(()) };
        let mut tree = self.unit.entries_tree(Some(o))?;
        let root = tree.root()?;
        let mut children = root.children();
        let mut params = Vec::new();
        while let Some(child) = children.next()? {
            let p = child.entry();
            if p.tag() != gimli::DW_TAG_formal_parameter {
                continue;
            }
            let Some(name) = self.name_of(p) else { continue };
            match out.iter().position(|v| v.is_param && v.name == name) {
                Some(i) => params.push(out.remove(i)),
                None => params.push(Var { name, is_param: true, ty: self.type_of(p), loc: None }),
            }
        }
        params.append(out);
        *out = params;
        Ok(())
    }

    fn collect(&self, node: gimli::EntriesTreeNode<R<'a>>, out: &mut Vec<Var>) -> anyhow::Result<()> {
        let mut children = node.children();
        while let Some(child) = children.next()? {
            let e = child.entry();
            match e.tag() {
                gimli::DW_TAG_formal_parameter | gimli::DW_TAG_variable => {
                    let is_param = e.tag() == gimli::DW_TAG_formal_parameter;
                    // Name and type on the DIE, or on its abstract origin.
                    let origin = match e.attr_value(gimli::DW_AT_abstract_origin)? {
                        Some(AttributeValue::UnitRef(o)) => Some(self.unit.entry(o)?),
                        _ => None,
                    };
                    let name = self.name_of(e).or_else(|| origin.as_ref().and_then(|o| self.name_of(o)));
                    let Some(name) = name else { continue };
                    let ty = self.type_of(e).or_else(|| origin.as_ref().and_then(|o| self.type_of(o)));
                    // Declarations of globals (extern) are no locals.
                    if e.attr_value(gimli::DW_AT_declaration)?.is_some() || e.attr_value(gimli::DW_AT_external)?.is_some() {
                        continue;
                    }
                    let loc = self.location(e)?;
                    if out.iter().any(|v: &Var| v.name == name) {
                        continue; // an inner block's shadowing copy: the outer one is listed
                    }
                    out.push(Var { name, is_param, ty, loc });
                }
                gimli::DW_TAG_lexical_block => {
                    if self.block_contains(e)? {
                        self.collect(child, out)?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// A tracepoint's arguments: `__traceiter_NAME`'s parameters after `void *__data`,
    /// each the 64-bit slot the callback stored (reads truncate it to the type's size).
    fn tracepoint_args(&self, node: gimli::EntriesTreeNode<R<'a>>) -> anyhow::Result<Vec<Var>> {
        let mut out = Vec::new();
        let mut children = node.children();
        let mut i = 0usize;
        while let Some(child) = children.next()? {
            let e = child.entry();
            if e.tag() != gimli::DW_TAG_formal_parameter {
                continue;
            }
            i += 1;
            if i == 1 {
                continue; // __data: the registration's cookie
            }
            let name = self.name_of(e).unwrap_or_else(|| format!("arg{}", i - 1));
            let loc = Some(Loc::Value(format!("((u64)c->tp_args[{}])", i - 2)));
            out.push(Var { name, is_param: true, ty: self.type_of(e), loc });
        }
        Ok(out)
    }

    /// The names of a tracepoint's arguments, and whether each is passed like a 64-bit
    /// integer (a scalar or pointer of at most 8 bytes: what the generated callback takes).
    pub fn tracepoint_arg_kinds(&self) -> Result<Vec<(String, bool)>, Error> {
        let vars = self.vars().map_err(|e| Error::Other(format!("reading the arguments: {e:#}")))?;
        Ok(vars
            .into_iter()
            .map(|v| {
                let t = self.strip(v.ty);
                let simple = t.is_some_and(|t| {
                    matches!(self.tag(t), gimli::DW_TAG_pointer_type | gimli::DW_TAG_enumeration_type)
                        || (self.tag(t) == gimli::DW_TAG_base_type
                            && !matches!(
                                self.udata(t, gimli::DW_AT_encoding).map(|x| gimli::DwAte(x as u8)),
                                Some(gimli::DW_ATE_float | gimli::DW_ATE_complex_float)
                            ))
                }) && self.size_of(v.ty).is_some_and(|n| n <= 8);
                (v.name, simple)
            })
            .collect())
    }

    fn block_contains(&self, e: &gimli::DebuggingInformationEntry<R<'a>>) -> anyhow::Result<bool> {
        let mut ranges = self.dw.dwarf.die_ranges(&self.unit, e)?;
        while let Some(r) = ranges.next()? {
            if r.begin <= self.addr && self.addr < r.end {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The variable's location at the probe address, as C; None where it has none.
    fn location(&self, e: &gimli::DebuggingInformationEntry<R<'a>>) -> anyhow::Result<Option<Loc>> {
        let enc = self.unit.encoding();
        if let Some(v) = e.attr_value(gimli::DW_AT_const_value)? {
            return Ok(match v {
                AttributeValue::Block(b) => Some(Loc::Bytes(b.slice().to_vec())),
                AttributeValue::Sdata(s) => Some(Loc::Value(format!("0x{:x}ULL", s as u64))),
                v => v.udata_value().map(|u| Loc::Value(format!("0x{u:x}ULL"))),
            });
        }
        let Some(v) = e.attr_value(gimli::DW_AT_location)? else { return Ok(None) };
        if let AttributeValue::Exprloc(x) = v {
            return Ok(location::translate(x.0.slice(), enc, &self.ctx).ok());
        }
        let Some(off) = self.dw.dwarf.attr_locations_offset(&self.unit, v)? else { return Ok(None) };
        let mut list = self.dw.dwarf.locations(&self.unit, off)?;
        while let Some(l) = list.next()? {
            if l.range.begin <= self.addr && self.addr < l.range.end {
                return Ok(location::translate(l.data.0.slice(), enc, &self.ctx).ok());
            }
        }
        Ok(None)
    }

    fn lookup(&self, name: &str) -> Result<Var, Error> {
        let vars = self.vars().map_err(|e| Error::Other(format!("reading the variables: {e:#}")))?;
        let names: Vec<String> = vars.iter().map(|v| v.name.clone()).collect();
        vars.into_iter().find(|v| v.name == name).ok_or(Error::Unknown { names })
    }

    // ---- types ----

    /// Through typedefs, const, volatile, restrict, atomic.
    fn strip(&self, mut t: Option<UnitOffset>) -> Option<UnitOffset> {
        for _ in 0..64 {
            let off = t?;
            let e = self.unit.entry(off).ok()?;
            match e.tag() {
                gimli::DW_TAG_typedef
                | gimli::DW_TAG_const_type
                | gimli::DW_TAG_volatile_type
                | gimli::DW_TAG_restrict_type
                | gimli::DW_TAG_atomic_type => t = self.type_of(&e),
                _ => return Some(off),
            }
        }
        None
    }

    fn tag(&self, t: UnitOffset) -> gimli::DwTag {
        self.unit.entry(t).map(|e| e.tag()).unwrap_or(gimli::DW_TAG_null)
    }

    fn udata(&self, t: UnitOffset, at: gimli::DwAt) -> Option<u64> {
        self.unit.entry(t).ok()?.attr_value(at).ok()??.udata_value()
    }

    /// `sizeof`, following typedefs; arrays multiply.
    fn size_of(&self, t: Option<UnitOffset>) -> Option<u64> {
        let t = self.strip(t)?;
        match self.tag(t) {
            gimli::DW_TAG_pointer_type | gimli::DW_TAG_reference_type => Some(self.udata(t, gimli::DW_AT_byte_size).unwrap_or(8)),
            gimli::DW_TAG_array_type => {
                let (elem, dims) = self.array(t)?;
                let n: u64 = dims.iter().map(|d| d.unwrap_or(0)).product();
                Some(n * self.size_of(elem)?)
            }
            _ => self.udata(t, gimli::DW_AT_byte_size),
        }
    }

    /// An array's element type and dimensions (None: unknown bound).
    fn array(&self, t: UnitOffset) -> Option<(Option<UnitOffset>, Vec<Option<u64>>)> {
        let e = self.unit.entry(t).ok()?;
        let elem = self.type_of(&e);
        let mut dims = Vec::new();
        let mut tree = self.unit.entries_tree(Some(t)).ok()?;
        let root = tree.root().ok()?;
        let mut ch = root.children();
        while let Ok(Some(c)) = ch.next() {
            let c = c.entry();
            if c.tag() != gimli::DW_TAG_subrange_type {
                continue;
            }
            let count = match (c.attr_value(gimli::DW_AT_count).ok()?, c.attr_value(gimli::DW_AT_upper_bound).ok()?) {
                (Some(v), _) => v.udata_value(),
                (None, Some(v)) => v.udata_value().map(|u| u + 1),
                _ => None,
            };
            dims.push(count);
        }
        if dims.is_empty() {
            dims.push(None);
        }
        Some((elem, dims))
    }

    fn type_name(&self, t: Option<UnitOffset>) -> String {
        match t {
            Some(t) => self.dw.type_name(&self.unit, t, 0),
            None => "void".into(),
        }
    }

    /// The scalar a base, enum or pointer type reads as; None for aggregates.
    fn scalar(&self, t: Option<UnitOffset>) -> Option<Scalar> {
        let t = self.strip(t)?;
        let e = self.unit.entry(t).ok()?;
        match e.tag() {
            gimli::DW_TAG_pointer_type | gimli::DW_TAG_reference_type => Some(Scalar { size: 8, signed: false, bits: None }),
            gimli::DW_TAG_base_type => {
                let size = self.udata(t, gimli::DW_AT_byte_size)? as u8;
                let enc = match e.attr_value(gimli::DW_AT_encoding).ok()? {
                    Some(AttributeValue::Encoding(x)) => x,
                    _ => gimli::DW_ATE_signed,
                };
                let signed = matches!(enc, gimli::DW_ATE_signed | gimli::DW_ATE_signed_char);
                (1..=8).contains(&size).then_some(Scalar { size, signed, bits: None })
            }
            gimli::DW_TAG_enumeration_type => {
                let size = self.udata(t, gimli::DW_AT_byte_size).unwrap_or(4) as u8;
                let signed = match self.type_of(&e) {
                    Some(u) => self.scalar(Some(u)).is_none_or(|s| s.signed),
                    None => true,
                };
                Some(Scalar { size, signed, bits: None })
            }
            _ => None,
        }
    }

    fn is_char(&self, t: Option<UnitOffset>) -> bool {
        let Some(t) = self.strip(t) else { return false };
        let Ok(e) = self.unit.entry(t) else { return false };
        e.tag() == gimli::DW_TAG_base_type
            && self.udata(t, gimli::DW_AT_byte_size) == Some(1)
            && matches!(
                e.attr_value(gimli::DW_AT_encoding),
                Ok(Some(AttributeValue::Encoding(gimli::DW_ATE_signed_char | gimli::DW_ATE_unsigned_char)))
            )
    }

    fn pointee(&self, t: UnitOffset) -> Option<UnitOffset> {
        self.type_of(&self.unit.entry(t).ok()?)
    }

    /// A struct or union's members: name (None: anonymous), type, byte offset, bit-field.
    fn members(&self, t: UnitOffset) -> Vec<(Option<String>, Option<UnitOffset>, u64, Option<(u32, u32)>)> {
        let mut out = Vec::new();
        let Ok(mut tree) = self.unit.entries_tree(Some(t)) else { return out };
        let Ok(root) = tree.root() else { return out };
        let mut ch = root.children();
        while let Ok(Some(c)) = ch.next() {
            let e = c.entry();
            if e.tag() != gimli::DW_TAG_member {
                continue;
            }
            let ty = self.type_of(e);
            let byte_off = match e.attr_value(gimli::DW_AT_data_member_location) {
                Ok(Some(v)) => v.udata_value().unwrap_or(0),
                _ => 0,
            };
            let bit_size = e.attr_value(gimli::DW_AT_bit_size).ok().flatten().and_then(|v| v.udata_value());
            let (off, bits) = match bit_size {
                None => (byte_off, None),
                Some(w) => {
                    if let Some(dbo) = e.attr_value(gimli::DW_AT_data_bit_offset).ok().flatten().and_then(|v| v.udata_value()) {
                        (dbo / 8, Some(((dbo % 8) as u32, w as u32)))
                    } else {
                        // DWARF 2/3: DW_AT_bit_offset counts from the storage unit's most
                        // significant bit (little endian: from its top).
                        let unit = e
                            .attr_value(gimli::DW_AT_byte_size)
                            .ok()
                            .flatten()
                            .and_then(|v| v.udata_value())
                            .or_else(|| self.size_of(ty))
                            .unwrap_or(4);
                        let bo = e.attr_value(gimli::DW_AT_bit_offset).ok().flatten().and_then(|v| v.udata_value()).unwrap_or(0);
                        let lsb = unit * 8 - bo - w;
                        (byte_off + lsb / 8, Some(((lsb % 8) as u32, w as u32)))
                    }
                }
            };
            out.push((self.name_of(e), ty, off, bits));
        }
        out
    }

    /// Finds `name` in a struct or union, through anonymous members: (type, offset, bits).
    fn member(&self, t: UnitOffset, name: &str) -> Option<(Option<UnitOffset>, u64, Option<(u32, u32)>)> {
        for (n, ty, off, bits) in self.members(t) {
            match n {
                Some(n) if n == name => return Some((ty, off, bits)),
                None => {
                    if let Some(inner) = self.strip(ty) {
                        if let Some((ty2, off2, bits2)) = self.member(inner, name) {
                            return Some((ty2, off + off2, bits2));
                        }
                    }
                }
                _ => {}
            }
        }
        None
    }

    fn member_names(&self, t: UnitOffset, out: &mut Vec<String>) {
        for (n, ty, _, _) in self.members(t) {
            match n {
                Some(n) => out.push(n),
                None => {
                    if let Some(inner) = self.strip(ty) {
                        self.member_names(inner, out)
                    }
                }
            }
        }
    }

    // ---- accesses ----

    /// Resolves `$name->path...` at the probe point.
    pub fn access(&self, req: &Request, max_string: usize) -> Result<Access, Error> {
        let var = self.lookup(&req.name)?;
        let base = var.loc.clone().ok_or(Error::Unavailable)?;
        self.build(&format!("${}", req.name), base, var.ty, req, max_string)
    }

    fn build(&self, what: &str, base: Loc, ty: Option<UnitOffset>, req: &Request, max_string: usize) -> Result<Access, Error> {
        let steps = Vec::new();
        // false: the current thing is the value `_v`; true: it is in memory at `_a`.
        let in_memory;
        let base = match base {
            Loc::Pieces(p) => Loc::Value(pieces_value(&p, self.size_of(ty).unwrap_or(8)).ok_or(Error::Unavailable)?),
            Loc::Bytes(b) if b.len() > 8 => {
                return Err(Error::Other(format!("{what} is a constant of {} bytes: not supported", b.len())))
            }
            b => b,
        };
        in_memory = matches!(base, Loc::Memory(_));
        self.build_from(what, base, ty, Walk { steps, in_memory, bits: None, shown: what.to_string(), from: 0, hops: 0 }, req, max_string)
    }

    /// [`Self::build`] from path segment `w.from` on, with the type `ty` of this unit.
    fn build_from(&self, what: &str, base: Loc, ty: Option<UnitOffset>, w: Walk, req: &Request, max_string: usize) -> Result<Access, Error> {
        let Walk { mut steps, mut in_memory, mut bits, mut shown, from, hops } = w;
        let mut ty = ty;
        for (si, seg) in req.path.iter().enumerate().skip(from) {
            let t = self.strip(ty).ok_or_else(|| Error::Other(format!("{shown} has type void: nothing to follow")))?;
            match seg {
                Seg::Member(name) => {
                    let mut agg = t;
                    if self.tag(t) == gimli::DW_TAG_pointer_type {
                        if in_memory {
                            steps.push(Step::LoadPointer);
                        }
                        steps.push(Step::ToAddr);
                        in_memory = true;
                        agg = self.strip(self.pointee(t)).ok_or_else(|| {
                            Error::Other(format!("{shown} is a void pointer: '->{name}' needs @cast to a type"))
                        })?;
                    }
                    if !matches!(self.tag(agg), gimli::DW_TAG_structure_type | gimli::DW_TAG_union_type | gimli::DW_TAG_class_type) {
                        return Err(Error::Other(format!(
                            "{shown} is '{}': it has no members ('->{name}')",
                            self.type_name(Some(agg))
                        )));
                    }
                    if !in_memory {
                        return Err(Error::Other(format!("{shown} is held in registers: its members cannot be read")));
                    }
                    if self.unit.entry(agg).is_ok_and(|e| matches!(e.attr_value(gimli::DW_AT_declaration), Ok(Some(_)))) {
                        // Only declared in this unit: go on in the unit that defines it.
                        let name = self.type_name(Some(agg));
                        if hops >= 4 {
                            return Err(Error::Other(format!("'{name}': no definition found in the kernel's debuginfo")));
                        }
                        let w = Walk { steps, in_memory, bits, shown, from: si, hops: hops + 1 };
                        return with_type_in(&self.types, &name, |other, def| {
                            other.build_from(what, base, Some(def), w, req, max_string)
                        })
                        .map_err(|e| match e {
                            Error::Other(m) if m.starts_with("type '") => Error::Other(format!(
                                "'{name}' is only declared where {what} is compiled, and no unit of {} defines it",
                                self.types
                                    .iter()
                                    .map(|o| match o {
                                        super::Object::Kernel { module: None, .. } => "the kernel".to_string(),
                                        super::Object::Kernel { module: Some(m), .. } => format!("module {m}"),
                                        super::Object::User { path } => path.clone(),
                                    })
                                    .collect::<Vec<_>>()
                                    .join(" or ")
                            )),
                            e => e,
                        });
                    }
                    let Some((mty, off, mbits)) = self.member(agg, name) else {
                        let mut names = Vec::new();
                        self.member_names(agg, &mut names);
                        let near = crate::diag::closest(name, names.iter().map(String::as_str));
                        let hint = near.map(|n| format!(" (did you mean '{n}'?)")).unwrap_or_default();
                        return Err(Error::Other(format!(
                            "'{}' has no member '{name}'{hint}",
                            self.type_name(Some(agg))
                        )));
                    };
                    if off != 0 {
                        steps.push(Step::Offset(off));
                    }
                    ty = mty;
                    bits = mbits;
                    shown = format!("{shown}->{name}");
                }
                Seg::Index(hole) => {
                    if bits.is_some() {
                        return Err(Error::Other(format!("{shown} is a bit-field: it cannot be indexed")));
                    }
                    match self.tag(t) {
                        gimli::DW_TAG_pointer_type => {
                            let elem = self.pointee(t);
                            let stride = self.size_of(elem).filter(|s| *s > 0).ok_or_else(|| {
                                Error::Other(format!("{shown} points to '{}', which has no size to index by", self.type_name(elem)))
                            })?;
                            if in_memory {
                                steps.push(Step::LoadPointer);
                            }
                            steps.push(Step::ToAddr);
                            in_memory = true;
                            steps.push(Step::Index { stride, hole: *hole });
                            ty = elem;
                        }
                        gimli::DW_TAG_array_type => {
                            if !in_memory {
                                return Err(Error::Other(format!("{shown} is held in registers: it cannot be indexed")));
                            }
                            let (elem, dims) = self.array(t).ok_or_else(|| Error::Other(format!("{shown}: bad array type")))?;
                            // A multi-dimensional array: one index strides over the rest.
                            let rest: u64 = dims[1..].iter().map(|d| d.unwrap_or(0)).product();
                            let stride = self.size_of(elem).unwrap_or(0) * rest;
                            if stride == 0 {
                                return Err(Error::Other(format!("{shown}: elements of unknown size")));
                            }
                            steps.push(Step::Index { stride, hole: *hole });
                            if dims.len() > 1 {
                                return Err(Error::Other(format!(
                                    "{shown}: multi-dimensional arrays are indexed one dimension at a time only for the last one"
                                )));
                            }
                            ty = elem;
                        }
                        _ => {
                            return Err(Error::Other(format!("{shown} is '{}': it cannot be indexed", self.type_name(Some(t)))))
                        }
                    }
                    shown = format!("{shown}[...]");
                }
            }
        }
        // The end: an address, a pretty string, or a scalar.
        if req.addr_of {
            if !in_memory {
                return Err(Error::Other(format!("{shown} is held in a register: it has no address")));
            }
            if bits.is_some() {
                return Err(Error::Other(format!("{shown} is a bit-field: it has no address")));
            }
            return Ok(Access { base, steps, end: End::Address });
        }
        let t = self.strip(ty);
        if req.pretty > 0 {
            let mut nodes = Vec::new();
            let mut budget = max_string as i64;
            match t.map(|t| self.tag(t)) {
                Some(gimli::DW_TAG_pointer_type) if !self.is_char(self.pointee(t.unwrap())) => {
                    // A pointer to a struct or union prints what it points to.
                    let to = self.strip(self.pointee(t.unwrap()));
                    if let Some(to) = to.filter(|to| {
                        matches!(self.tag(*to), gimli::DW_TAG_structure_type | gimli::DW_TAG_union_type)
                    }) {
                        if in_memory {
                            steps.push(Step::LoadPointer);
                        }
                        steps.push(Step::ToAddr);
                        self.pretty_struct(to, 0, req.pretty, &mut nodes, &mut budget, 0);
                    } else if in_memory {
                        nodes.push(Node::Num { off: 0, sc: Scalar { size: 8, signed: false, bits: None }, fmt: Fmt::Hex });
                    } else {
                        nodes.push(Node::Value { sc: Scalar { size: 8, signed: false, bits: None }, fmt: Fmt::Hex });
                    }
                }
                Some(gimli::DW_TAG_pointer_type) => nodes.push(Node::CharPtr { off: 0, at_value: !in_memory }),
                Some(gimli::DW_TAG_structure_type | gimli::DW_TAG_union_type | gimli::DW_TAG_array_type) => {
                    if !in_memory {
                        return Err(Error::Other(format!("{shown} is held in registers: it cannot be printed")));
                    }
                    self.pretty_value(t, 0, req.pretty, &mut nodes, &mut budget, 0);
                }
                _ => {
                    let mut sc = self.scalar(ty).ok_or_else(|| {
                        Error::Other(format!("{shown} has type '{}', which cannot be printed", self.type_name(ty)))
                    })?;
                    sc.bits = bits;
                    let fmt = if self.is_char(ty) { Fmt::Char } else { Fmt::Dec };
                    if in_memory {
                        nodes.push(Node::Num { off: 0, sc, fmt });
                    } else {
                        nodes.push(Node::Value { sc, fmt });
                    }
                }
            }
            return Ok(Access { base, steps, end: End::Pretty(nodes) });
        }
        match t.map(|t| self.tag(t)) {
            Some(gimli::DW_TAG_array_type) if in_memory => Ok(Access { base, steps, end: End::Address }),
            Some(gimli::DW_TAG_structure_type | gimli::DW_TAG_union_type | gimli::DW_TAG_class_type) => Err(Error::Other(format!(
                "{shown} is a '{}': it has no value as a number (use a member, '&' for its address, or '$' to print it)",
                self.type_name(ty)
            ))),
            _ => {
                let mut sc = self.scalar(ty).ok_or_else(|| {
                    Error::Other(format!("{shown} has type '{}', which has no value as a number", self.type_name(ty)))
                })?;
                sc.bits = bits;
                Ok(Access { base, steps, end: End::Scalar(sc) })
            }
        }
    }

    /// The pieces printing a value of type `t` at `_a + off`.
    fn pretty_value(&self, t: Option<UnitOffset>, off: u64, depth: u8, out: &mut Vec<Node>, budget: &mut i64, level: u32) {
        let Some(t) = self.strip(t) else {
            out.push(Node::Text("?".into()));
            return;
        };
        match self.tag(t) {
            gimli::DW_TAG_structure_type | gimli::DW_TAG_union_type | gimli::DW_TAG_class_type => {
                if level > 0 && depth < 2 || level > 8 {
                    out.push(Node::Text("{...}".into()));
                } else {
                    self.pretty_struct(t, off, depth, out, budget, level)
                }
            }
            gimli::DW_TAG_array_type => {
                let Some((elem, dims)) = self.array(t) else { return out.push(Node::Text("[...]".into())) };
                if self.is_char(elem) && dims.len() == 1 {
                    if let Some(n) = dims[0] {
                        return out.push(Node::Chars { off, len: n });
                    }
                }
                if level > 0 && depth < 2 || dims.len() > 1 || level > 8 {
                    return out.push(Node::Text("[...]".into()));
                }
                let n = dims[0].unwrap_or(0);
                let size = self.size_of(elem).unwrap_or(0);
                out.push(Node::Text("[".into()));
                for i in 0..n {
                    if *budget <= 0 {
                        break;
                    }
                    if i > 0 {
                        out.push(Node::Text(", ".into()));
                    }
                    *budget -= 3;
                    self.pretty_value(elem, off + i * size, depth, out, budget, level + 1);
                }
                out.push(Node::Text("]".into()));
            }
            gimli::DW_TAG_pointer_type => {
                if self.is_char(self.pointee(t)) {
                    out.push(Node::CharPtr { off, at_value: false })
                } else {
                    out.push(Node::Num { off, sc: Scalar { size: 8, signed: false, bits: None }, fmt: Fmt::Hex })
                }
            }
            _ => match self.scalar(Some(t)) {
                Some(sc) => out.push(Node::Num { off, sc, fmt: if self.is_char(Some(t)) { Fmt::Char } else { Fmt::Dec } }),
                None => out.push(Node::Text("?".into())),
            },
        }
    }

    fn pretty_struct(&self, t: UnitOffset, off: u64, depth: u8, out: &mut Vec<Node>, budget: &mut i64, level: u32) {
        out.push(Node::Text("{".into()));
        let mut first = true;
        self.pretty_members(t, off, depth, out, budget, level, &mut first);
        out.push(Node::Text("}".into()));
    }

    #[allow(clippy::too_many_arguments)]
    fn pretty_members(&self, t: UnitOffset, off: u64, depth: u8, out: &mut Vec<Node>, budget: &mut i64, level: u32, first: &mut bool) {
        for (name, ty, moff, bits) in self.members(t) {
            if *budget <= 0 {
                // Longer than a string can hold anyway: the rest is never seen.
                return;
            }
            let Some(name) = name else {
                // An anonymous struct or union: its members print as the parent's.
                if let Some(inner) = self.strip(ty) {
                    self.pretty_members(inner, off + moff, depth, out, budget, level, first);
                }
                continue;
            };
            let label = format!("{}.{name}=", if *first { "" } else { ", " });
            *first = false;
            *budget -= label.len() as i64 + 1;
            out.push(Node::Text(label));
            match bits {
                Some(b) => match self.scalar(ty) {
                    Some(mut sc) => {
                        sc.bits = Some(b);
                        let (width, bit) = (b.1 as u64, b.0 as u64);
                        sc.size = [1u8, 2, 4, 8].into_iter().find(|s| (*s as u64) * 8 >= bit + width).unwrap_or(8);
                        out.push(Node::Num { off: off + moff, sc, fmt: Fmt::Dec });
                    }
                    None => out.push(Node::Text("?".into())),
                },
                None => self.pretty_value(ty, off + moff, depth, out, budget, level + 1),
            }
        }
    }

    /// `$return` (with its path and suffix) in a `.return` probe: the value the function
    /// returns, from the registers at its return (`regs_return_value`), typed by the
    /// function's return type.
    pub fn return_value(&self, req: &Request, max_string: usize) -> Result<Access, Error> {
        let e = self.unit.entry(self.die).map_err(|e| Error::Other(format!("reading the function: {e}")))?;
        let origin = match e.attr_value(gimli::DW_AT_abstract_origin) {
            Ok(Some(AttributeValue::UnitRef(o))) => self.unit.entry(o).ok(),
            _ => None,
        };
        let ty = self.type_of(&e).or_else(|| origin.as_ref().and_then(|o| self.type_of(o)));
        if ty.is_none() {
            return Err(Error::Other("the function returns nothing: there is no $return".into()));
        }
        let base = Loc::Value(format!("((u64)regs_return_value({}))", self.ctx.regs));
        self.build("$return", base, ty, req, max_string)
    }

    /// `@cast(p, "TYPE")->path...`: `self.die` is TYPE's DIE; the object is in memory at
    /// the address `operand` (C), a pointer to TYPE.
    pub fn cast(&self, ty: UnitOffset, operand: &str, req: &Request, max_string: usize) -> Result<Access, Error> {
        if req.path.is_empty() && req.pretty == 0 && !req.addr_of {
            // Nothing to read: the pointer itself.
            return Ok(Access {
                base: Loc::Value(operand.to_string()),
                steps: vec![],
                end: End::Scalar(Scalar { size: 8, signed: false, bits: None }),
            });
        }
        self.build("@cast", Loc::Memory(operand.to_string()), Some(ty), req, max_string)
    }

    /// `$$parms`, `$$locals`, `$$vars` at the probe point.
    pub fn all(&self, which: Which, pretty: u8, max_string: usize) -> Result<AllVars, Error> {
        let vars = self.vars().map_err(|e| Error::Other(format!("reading the variables: {e:#}")))?;
        let mut out = Vec::new();
        for v in vars {
            let wanted = match which {
                Which::Parms => v.is_param,
                Which::Locals => !v.is_param,
                Which::Vars => true,
            };
            if !wanted {
                continue;
            }
            let req = Request { name: v.name.clone(), path: vec![], pretty, addr_of: false };
            let acc = match &v.loc {
                None => None,
                Some(loc) => {
                    let t = self.strip(v.ty);
                    let aggregate = t.is_some_and(|t| {
                        matches!(self.tag(t), gimli::DW_TAG_structure_type | gimli::DW_TAG_union_type | gimli::DW_TAG_array_type)
                    });
                    if pretty == 0 && aggregate {
                        // Without a suffix, a struct's value is not shown.
                        Some(Access { base: Loc::Value("0".into()), steps: vec![], end: End::Pretty(vec![Node::Text("{...}".into())]) })
                    } else {
                        self.build(&format!("${}", v.name), loc.clone(), v.ty, &req, max_string / 2).ok()
                    }
                }
            };
            out.push((v.name, acc));
        }
        Ok(AllVars { vars: out, pretty })
    }
}

/// A value assembled from register or memory pieces (at most 8 bytes), as C.
fn pieces_value(p: &[(Option<Loc>, u64)], size: u64) -> Option<String> {
    let total: u64 = p.iter().map(|x| x.1).sum();
    if total > 8 || size > 8 {
        return None;
    }
    let mut parts = Vec::new();
    let mut shift = 0;
    for (loc, n) in p {
        let v = match loc.as_ref()? {
            Loc::Value(v) => v.clone(),
            Loc::Memory(a) => format!("rt_tv_read(c, {a}, {n}, 0)"),
            Loc::Bytes(b) => format!("0x{:x}ULL", le(b)),
            Loc::Pieces(_) => return None,
        };
        let mask = if *n >= 8 { u64::MAX } else { (1u64 << (n * 8)) - 1 };
        parts.push(format!("((({v}) & 0x{mask:x}ULL) << {shift})"));
        shift += n * 8;
    }
    Some(format!("({})", parts.join(" | ")))
}

fn le(b: &[u8]) -> u64 {
    b.iter().take(8).enumerate().fold(0, |acc, (i, x)| acc | (*x as u64) << (8 * i))
}

// ---- C ----

fn c_str(s: &str) -> String {
    crate::format::c_string_literal(s.as_bytes())
}

impl Access {
    /// The C statement that computes `_a`/`_v` (named `a`, `v`) up to the end.
    fn prelude(&self, a: &str, v: &str, holes: &[String]) -> String {
        let mut s = String::new();
        match &self.base {
            Loc::Value(x) => write!(s, "{v} = {x}; ").unwrap(),
            Loc::Memory(x) => write!(s, "{a} = {x}; ").unwrap(),
            Loc::Bytes(b) => write!(s, "{v} = 0x{:x}ULL; ", le(b)).unwrap(),
            Loc::Pieces(_) => unreachable!("pieces are assembled when resolving"),
        }
        for st in &self.steps {
            match st {
                Step::Offset(n) => write!(s, "{a} += {n}ULL; ").unwrap(),
                Step::Index { stride, hole } => write!(s, "{a} += (u64)({}) * {stride}ULL; ", holes[*hole]).unwrap(),
                Step::LoadPointer => write!(s, "{v} = rt_tv_read(c, {a}, 8, 0); ").unwrap(),
                Step::ToAddr => write!(s, "{a} = {v}; ").unwrap(),
            }
        }
        s
    }

    /// A C expression of the access's value: `s64` for numbers, `const char *` for
    /// pretty strings (built in `buf`, a MAXSTRINGLEN array). `holes` are the C values of
    /// the path's indexes; `fail` is the C run when a read faulted (it must leave);
    /// `uniq` makes the temporaries' names unique.
    pub fn to_c(&self, holes: &[String], fail: &str, buf: Option<&str>, uniq: &str) -> String {
        let (a, v) = (format!("_a{uniq}"), format!("_v{uniq}"));
        let mut s = format!("({{ u64 {a} = 0, {v} = 0; (void){a}; (void){v}; ");
        s.push_str(&self.prelude(&a, &v, holes));
        match &self.end {
            End::Address => write!(s, "{v} = {a}; ").unwrap(),
            End::Scalar(sc) => s.push_str(&scalar_c(sc, &a, &v, self.ends_in_memory())),
            End::Pretty(nodes) => {
                let buf = buf.expect("a pretty access needs a string buffer");
                write!(s, "{buf}[0] = '\\0'; ").unwrap();
                s.push_str(&nodes_c(nodes, buf, &a, &v));
            }
        }
        write!(s, "if (unlikely(c->last_error)) {{ {fail} }} ").unwrap();
        match &self.end {
            End::Pretty(_) => write!(s, "(const char *){}; }})", buf.unwrap()).unwrap(),
            _ => write!(s, "(s64){v}; }})").unwrap(),
        }
        s
    }
}

impl Access {
    /// Whether guru mode can write this access (`$var = v`): a whole scalar in memory, in a
    /// register, or the return value; else why not.
    pub fn writable(&self) -> Result<(), String> {
        let End::Scalar(sc) = &self.end else {
            return Err("only a number can be written (not an address or a printed form)".into());
        };
        if sc.bits.is_some() {
            return Err("bit-fields cannot be written".into());
        }
        if self.ends_in_memory() || self.register_lvalue().is_some() {
            Ok(())
        } else {
            Err("it is not in memory or in a register here (a computed or constant value): it cannot be written".into())
        }
    }

    /// The C lvalue of a value held whole in one register of the probe's pt_regs.
    fn register_lvalue(&self) -> Option<String> {
        if !self.steps.is_empty() {
            return None;
        }
        let Loc::Value(x) = &self.base else { return None };
        if x == "((u64)regs_return_value(c->regs))" {
            return Some("regs_return_value".into());
        }
        let r = x.strip_prefix("((u64)c->regs->")?.strip_suffix(')')?;
        r.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_').then(|| format!("c->regs->{r}"))
    }

    /// C statements writing the s64 C value `value` through this access ([`Self::writable`]
    /// holds); `fail` leaves on a write fault.
    pub fn write_c(&self, holes: &[String], value: &str, fail: &str, uniq: &str) -> String {
        let End::Scalar(sc) = &self.end else { unreachable!("checked by writable") };
        if self.ends_in_memory() {
            let (a, v) = (format!("_a{uniq}"), format!("_v{uniq}"));
            let mut s = format!("{{ u64 {a} = 0, {v} = 0; (void){a}; (void){v}; ");
            s.push_str(&self.prelude(&a, &v, holes));
            write!(s, "rt_tv_write(c, {a}, (u64)({value}), {}); if (unlikely(c->last_error)) {{ {fail} }} }}", sc.size).unwrap();
            return s;
        }
        match self.register_lvalue().as_deref() {
            Some("regs_return_value") => format!("regs_set_return_value(c->regs, (unsigned long)({value}));"),
            Some(lv) => format!("{lv} = (unsigned long)({value});"),
            None => unreachable!("checked by writable"),
        }
    }
}

/// C setting `v` to the scalar at `a` (in_memory) or truncating the value `v` to its size.
fn scalar_c(sc: &Scalar, a: &str, v: &str, in_memory: bool) -> String {
    let mut s = String::new();
    if in_memory {
        s.push_str(&format!("{v} = rt_tv_read(c, {a}, {}, {}); ", sc.size, (sc.signed && sc.bits.is_none()) as u8));
        if let Some((bit, width)) = sc.bits {
            s.push_str(&bitfield_c(v, bit, width, sc.signed));
        }
    } else if sc.size < 8 {
        let bits = sc.size as u32 * 8;
        let (cast, ext) = if sc.signed { ("s", "(u64)(s64)") } else { ("u", "(u64)") };
        s.push_str(&format!("{v} = {ext}({cast}{bits}){v}; "));
    }
    s
}

fn bitfield_c(v: &str, bit: u32, width: u32, signed: bool) -> String {
    let w = width.clamp(1, 64);
    let up = 64 - w;
    if signed {
        format!("{v} = (u64)((s64)({v} << {}) >> {up}); ", (up as i64 - bit as i64).max(0))
    } else {
        format!("{v} = ({v} >> {bit}) & {}ULL; ", if w == 64 { u64::MAX } else { (1u64 << w) - 1 })
    }
}

fn nodes_c(nodes: &[Node], buf: &str, a: &str, v: &str) -> String {
    let mut s = String::new();
    // Adjacent texts are one literal.
    let mut text = String::new();
    let flush = |text: &mut String, s: &mut String| {
        if !text.is_empty() {
            write!(s, "rt_tv_puts({buf}, {}); ", c_str(text)).unwrap();
            text.clear();
        }
    };
    for n in nodes {
        match n {
            Node::Text(t) => text.push_str(t),
            Node::Num { off, sc, fmt } => {
                flush(&mut text, &mut s);
                let (bit, width) = sc.bits.unwrap_or((0, 0));
                write!(s, "rt_tv_put_num({buf}, {a} + {off}ULL, {}, {}, {bit}, {width}, {}); ", sc.size, sc.signed as u8, fmt_c(*fmt))
                    .unwrap();
            }
            Node::Value { sc, fmt } => {
                flush(&mut text, &mut s);
                write!(s, "rt_tv_put_value({buf}, {v}, {}, {}, {}); ", sc.size, sc.signed as u8, fmt_c(*fmt)).unwrap();
            }
            Node::Chars { off, len } => {
                flush(&mut text, &mut s);
                write!(s, "rt_tv_put_chars({buf}, {a} + {off}ULL, {len}); ").unwrap();
            }
            Node::CharPtr { off, at_value } => {
                flush(&mut text, &mut s);
                if *at_value {
                    write!(s, "rt_tv_put_string({buf}, {v}); ").unwrap();
                } else {
                    write!(s, "rt_tv_put_charp({buf}, {a} + {off}ULL); ").unwrap();
                }
            }
        }
    }
    flush(&mut text, &mut s);
    s
}

fn fmt_c(f: Fmt) -> &'static str {
    match f {
        Fmt::Dec => "RT_TV_DEC",
        Fmt::Hex => "RT_TV_HEX",
        Fmt::Char => "RT_TV_CHAR",
    }
}

impl AllVars {
    /// `name=0x... name=?` (or `name=<pretty>` with a suffix), into `buf`; `tmp` is a second
    /// MAXSTRINGLEN buffer for each pretty value.
    pub fn to_c(&self, fail: &str, buf: &str, tmp: &str, uniq: &str) -> String {
        let mut s = format!("({{ {buf}[0] = '\\0'; ");
        for (i, (name, acc)) in self.vars.iter().enumerate() {
            let sep = if i == 0 { "" } else { " " };
            let label = c_str(&format!("{sep}{name}="));
            write!(s, "rt_tv_puts({buf}, {label}); ").unwrap();
            match acc {
                None => write!(s, "rt_tv_puts({buf}, \"?\"); ").unwrap(),
                Some(acc) if acc.is_string() => {
                    let u = format!("{uniq}_{i}");
                    write!(s, "rt_tv_puts({buf}, {}); ", acc.to_c(&[], fail, Some(tmp), &u)).unwrap();
                }
                Some(acc) => {
                    let u = format!("{uniq}_{i}");
                    write!(s, "rt_tv_put_value({buf}, (u64){}, 8, 0, RT_TV_HEX); ", acc.to_c(&[], fail, None, &u)).unwrap();
                }
            }
        }
        write!(s, "(const char *){buf}; }})").unwrap();
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalar_reads_and_truncation() {
        // $count in rdx, a size_t: the register as it is.
        let acc = Access {
            base: Loc::Value("((u64)c->regs->dx)".into()),
            steps: vec![],
            end: End::Scalar(Scalar { size: 8, signed: false, bits: None }),
        };
        let c = acc.to_c(&[], "goto out;", None, "1");
        assert!(c.contains("_v1 = ((u64)c->regs->dx);"), "{c}");
        // A value in a register is not read from memory.
        assert!(!c.contains("rt_tv_read"), "{c}");
        // an int in esi: sign-extended from 32 bits
        let acc = Access {
            base: Loc::Value("((u64)c->regs->si)".into()),
            steps: vec![],
            end: End::Scalar(Scalar { size: 4, signed: true, bits: None }),
        };
        let c = acc.to_c(&[], "goto out;", None, "1");
        assert!(c.contains("_v1 = (u64)(s64)(s32)_v1;"), "{c}");
        let acc = Access { end: End::Scalar(Scalar { size: 2, signed: false, bits: None }), ..acc };
        assert!(acc.to_c(&[], "goto out;", None, "1").contains("_v1 = (u64)(u16)_v1;"));
    }

    #[test]
    fn members_through_pointers() {
        // $file->f_inode->i_size: file in rdi; f_inode at 32; i_size at 80 (a long long)
        let acc = Access {
            base: Loc::Value("((u64)c->regs->di)".into()),
            steps: vec![Step::ToAddr, Step::Offset(32), Step::LoadPointer, Step::ToAddr, Step::Offset(80)],
            end: End::Scalar(Scalar { size: 8, signed: true, bits: None }),
        };
        let c = acc.to_c(&[], "c->last_loc = \"x\"; goto out;", None, "7");
        assert_eq!(
            c,
            "({ u64 _a7 = 0, _v7 = 0; (void)_a7; (void)_v7; _v7 = ((u64)c->regs->di); _a7 = _v7; _a7 += 32ULL; \
             _v7 = rt_tv_read(c, _a7, 8, 0); _a7 = _v7; _a7 += 80ULL; _v7 = rt_tv_read(c, _a7, 8, 1); \
             if (unlikely(c->last_error)) { c->last_loc = \"x\"; goto out; } (s64)_v7; })"
        );
    }

    #[test]
    fn indexes_and_addresses() {
        let acc = Access {
            base: Loc::Memory("(((u64)c->regs->sp) + 8ULL)".into()),
            steps: vec![Step::Offset(16), Step::Index { stride: 4, hole: 0 }],
            end: End::Address,
        };
        let c = acc.to_c(&["l->i".into()], "goto out;", None, "");
        assert!(c.contains("_a += (u64)(l->i) * 4ULL; _v = _a;"), "{c}");
    }

    #[test]
    fn bitfields() {
        // unsigned 3-bit field at bit 5
        assert_eq!(bitfield_c("v", 5, 3, false), "v = (v >> 5) & 7ULL; ");
        // signed 4-bit field at bit 2: up to the top, then arithmetic shift down
        assert_eq!(bitfield_c("v", 2, 4, true), "v = (u64)((s64)(v << 58) >> 60); ");
    }

    #[test]
    fn pieces_assemble_small_values() {
        let p = vec![(Some(Loc::Value("A".into())), 4), (Some(Loc::Value("B".into())), 4)];
        assert_eq!(pieces_value(&p, 8).unwrap(), "((((A) & 0xffffffffULL) << 0) | (((B) & 0xffffffffULL) << 32))");
        // An optimised-away piece: unavailable.
        assert!(pieces_value(&[(None, 4), (Some(Loc::Value("B".into())), 4)], 8).is_none());
        // 16 bytes do not fit a long.
        assert!(pieces_value(&[(Some(Loc::Value("A".into())), 8), (Some(Loc::Value("B".into())), 8)], 16).is_none());
    }

    #[test]
    fn all_vars_format() {
        let all = AllVars {
            vars: vec![
                (
                    "count".into(),
                    Some(Access {
                        base: Loc::Value("((u64)c->regs->dx)".into()),
                        steps: vec![],
                        end: End::Scalar(Scalar { size: 8, signed: false, bits: None }),
                    }),
                ),
                ("ret".into(), None),
            ],
            pretty: 0,
        };
        let c = all.to_c("goto out;", "B", "T", "3");
        assert!(c.contains("rt_tv_puts(B, \"count=\");"), "{c}");
        assert!(c.contains("RT_TV_HEX"), "{c}");
        assert!(c.contains("rt_tv_puts(B, \" ret=\"); rt_tv_puts(B, \"?\");"), "{c}");
    }
}
