//! Reading a function's DIE again from its index entry: its parameters and
//! outermost locals, with C type names spelled as SystemTap's `-L` does
//! (`struct file*`, `char const*`, typedefs by name, `char[16]`).

use super::{Function, Index};
use anyhow::{Context, Result};
use gimli::{AttributeValue, EndianSlice, LittleEndian, UnitOffset};

type R<'a> = EndianSlice<'a, LittleEndian>;

/// A variable visible at a function's entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    pub name: String,
    pub type_name: String,
    pub is_param: bool,
}

/// The DWARF sections of an indexed file, loaded lazily from its mmap.
pub struct Dwarf<'a> {
    pub dwarf: gimli::Dwarf<R<'a>>,
}

impl<'a> Dwarf<'a> {
    pub fn load(ix: &'a Index) -> Result<Dwarf<'a>> {
        let load = |id: gimli::SectionId| -> Result<R<'a>> { Ok(EndianSlice::new(ix.debug_section(id.name())?, LittleEndian)) };
        Ok(Dwarf { dwarf: gimli::Dwarf::load(load)? })
    }

    /// Parameters, then the function's outermost locals, in declaration order.
    pub fn variables(&self, f: &Function) -> Result<Vec<Variable>> {
        let header = self
            .dwarf
            .debug_info
            .header_from_offset(gimli::DebugInfoOffset(f.cu as usize))
            .with_context(|| format!("the compilation unit of {}", f.name))?;
        let unit = self.dwarf.unit(header)?;
        let off = UnitOffset((f.die - f.cu) as usize);
        let mut tree = unit.entries_tree(Some(off))?;
        let root = tree.root()?;
        let mut out = Vec::new();
        let mut children = root.children();
        while let Some(child) = children.next()? {
            let e = child.entry();
            let is_param = match e.tag() {
                gimli::DW_TAG_formal_parameter => true,
                gimli::DW_TAG_variable => false,
                _ => continue,
            };
            let Some(name) = e.attr_value(gimli::DW_AT_name)? else { continue };
            let name = self.dwarf.attr_string(&unit, name)?.to_string_lossy().into_owned();
            let type_name = match e.attr_value(gimli::DW_AT_type)? {
                Some(AttributeValue::UnitRef(t)) => self.type_name(&unit, t, 0),
                _ => "void".into(),
            };
            out.push(Variable { name, type_name, is_param });
        }
        Ok(out)
    }

    /// The function's return type (None: void).
    pub fn return_type(&self, f: &Function) -> Result<Option<String>> {
        let header = self.dwarf.debug_info.header_from_offset(gimli::DebugInfoOffset(f.cu as usize))?;
        let unit = self.dwarf.unit(header)?;
        let e = unit.entry(UnitOffset((f.die - f.cu) as usize))?;
        Ok(match e.attr_value(gimli::DW_AT_type)? {
            Some(AttributeValue::UnitRef(t)) => Some(self.type_name(&unit, t, 0)),
            _ => None,
        })
    }

    /// A type's name as SystemTap prints it.
    pub fn type_name(&self, unit: &gimli::Unit<R<'a>>, off: UnitOffset, depth: u32) -> String {
        self.type_name_inner(unit, off, depth).unwrap_or_else(|_| "?".into())
    }

    fn type_name_inner(&self, unit: &gimli::Unit<R<'a>>, off: UnitOffset, depth: u32) -> Result<String> {
        if depth > 32 {
            return Ok("?".into());
        }
        let e = unit.entry(off)?;
        let name = match e.attr_value(gimli::DW_AT_name)? {
            Some(v) => Some(self.dwarf.attr_string(unit, v)?.to_string_lossy().into_owned()),
            None => None,
        };
        let inner = |this: &Self| -> Result<Option<String>> {
            Ok(match e.attr_value(gimli::DW_AT_type)? {
                Some(AttributeValue::UnitRef(t)) => Some(this.type_name(unit, t, depth + 1)),
                _ => None,
            })
        };
        let tagged = |kw: &str| format!("{kw} {}", name.clone().unwrap_or_else(|| "{...}".into()));
        Ok(match e.tag() {
            gimli::DW_TAG_base_type | gimli::DW_TAG_typedef | gimli::DW_TAG_unspecified_type => {
                name.unwrap_or_else(|| "?".into())
            }
            gimli::DW_TAG_structure_type => tagged("struct"),
            gimli::DW_TAG_union_type => tagged("union"),
            gimli::DW_TAG_enumeration_type => tagged("enum"),
            gimli::DW_TAG_class_type => tagged("class"),
            gimli::DW_TAG_pointer_type => {
                // A pointer to a function: its return type, then "(*)(...)".
                if let Some(AttributeValue::UnitRef(t)) = e.attr_value(gimli::DW_AT_type)? {
                    if unit.entry(t)?.tag() == gimli::DW_TAG_subroutine_type {
                        return Ok(self.type_name(unit, t, depth + 1).replacen("(", "(*)(", 1));
                    }
                }
                format!("{}*", inner(self)?.unwrap_or_else(|| "void".into()))
            }
            gimli::DW_TAG_reference_type => format!("{}&", inner(self)?.unwrap_or_else(|| "void".into())),
            gimli::DW_TAG_const_type => format!("{} const", inner(self)?.unwrap_or_else(|| "void".into())),
            gimli::DW_TAG_volatile_type => format!("{} volatile", inner(self)?.unwrap_or_else(|| "void".into())),
            gimli::DW_TAG_restrict_type | gimli::DW_TAG_atomic_type => inner(self)?.unwrap_or_else(|| "void".into()),
            gimli::DW_TAG_array_type => {
                let mut dims = String::new();
                let mut tree = unit.entries_tree(Some(off))?;
                let root = tree.root()?;
                let mut ch = root.children();
                while let Some(c) = ch.next()? {
                    let c = c.entry();
                    if c.tag() != gimli::DW_TAG_subrange_type {
                        continue;
                    }
                    let count = match (c.attr_value(gimli::DW_AT_count)?, c.attr_value(gimli::DW_AT_upper_bound)?) {
                        (Some(v), _) => v.udata_value(),
                        (None, Some(v)) => v.udata_value().map(|u| u + 1),
                        _ => None,
                    };
                    match count {
                        Some(n) => dims.push_str(&format!("[{n}]")),
                        None => dims.push_str("[]"),
                    }
                }
                format!("{}{}", inner(self)?.unwrap_or_else(|| "void".into()), dims)
            }
            gimli::DW_TAG_subroutine_type => {
                let ret = inner(self)?.unwrap_or_else(|| "void".into());
                let mut args = Vec::new();
                let mut tree = unit.entries_tree(Some(off))?;
                let root = tree.root()?;
                let mut ch = root.children();
                while let Some(c) = ch.next()? {
                    let c = c.entry();
                    match c.tag() {
                        gimli::DW_TAG_formal_parameter => match c.attr_value(gimli::DW_AT_type)? {
                            Some(AttributeValue::UnitRef(t)) => args.push(self.type_name(unit, t, depth + 1)),
                            _ => args.push("?".into()),
                        },
                        gimli::DW_TAG_unspecified_parameters => args.push("...".into()),
                        _ => {}
                    }
                }
                format!("{ret} ({})", args.join(", "))
            }
            _ => name.unwrap_or_else(|| "?".into()),
        })
    }
}
