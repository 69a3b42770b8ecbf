//! Kernel modules' debuginfo files are relocatable objects (ET_REL): their
//! DWARF holds zeros where names, unit offsets and addresses go, and the
//! values are in `.rela.debug_*`. Every allocated section also starts at
//! address 0, so `.text` and `.init.text` would overlap. This file lays the
//! allocated sections out at distinct synthetic addresses (as a linker
//! would, from a non-zero base so no function sits at 0) and applies the
//! relocations of the debug sections against that layout. Addresses of a
//! module's index are therefore synthetic: only differences within one
//! section (symbol + offset) mean anything, which is all a kprobe by
//! `MODULE:symbol` needs.
//!
//! For executables (the vmlinux) nothing is copied: sections are read in place.

use anyhow::{bail, Result};
use object::{Object, ObjectSection, ObjectSymbol, RelocationKind, RelocationTarget, SectionIndex};
use std::borrow::Cow;
use std::collections::HashMap;

/// Where the synthetic layout of a relocatable file starts.
const BASE: u64 = 0x1000_0000;

/// An ELF file's sections as the DWARF reader needs them.
pub struct Image<'a> {
    obj: object::File<'a>,
    /// ET_REL: the synthetic address of each allocated section.
    bases: Option<HashMap<SectionIndex, u64>>,
    /// ET_REL: the debug sections with their relocations applied.
    relocated: HashMap<String, Vec<u8>>,
}

impl<'a> Image<'a> {
    pub fn parse(data: &'a [u8]) -> Result<Image<'a>> {
        let obj = object::File::parse(data)?;
        if obj.kind() != object::ObjectKind::Relocatable {
            // In place, except compressed sections (those are inflated once).
            let mut relocated = HashMap::new();
            for s in obj.sections() {
                let Ok(name) = s.name() else { continue };
                if name.starts_with(".debug_") {
                    if let Cow::Owned(v) = s.uncompressed_data()? {
                        relocated.insert(name.to_string(), v);
                    }
                }
            }
            return Ok(Image { obj, bases: None, relocated });
        }
        let mut bases = HashMap::new();
        let mut next = BASE;
        for s in obj.sections() {
            if matches!(s.kind(), object::SectionKind::Text) {
                let align = s.align().max(16);
                next = next.div_ceil(align) * align;
                bases.insert(s.index(), next);
                next += s.size().max(1);
            }
        }
        let mut img = Image { obj, bases: Some(bases), relocated: HashMap::new() };
        let mut relocated = HashMap::new();
        for s in img.obj.sections() {
            let Ok(name) = s.name() else { continue };
            if !name.starts_with(".debug_") {
                continue;
            }
            let mut bytes = s.uncompressed_data()?.into_owned();
            for (off, r) in s.relocations() {
                let value = match r.target() {
                    RelocationTarget::Symbol(i) => match img.obj.symbol_by_index(i) {
                        Ok(sym) => img.symbol_address(&sym),
                        Err(_) => continue,
                    },
                    RelocationTarget::Section(i) => img.section_base(i),
                    _ => continue,
                };
                let v = value.wrapping_add(r.addend() as u64);
                let at = off as usize;
                match (r.kind(), r.size()) {
                    (RelocationKind::Absolute, 64) if at + 8 <= bytes.len() => {
                        bytes[at..at + 8].copy_from_slice(&v.to_le_bytes())
                    }
                    (RelocationKind::Absolute, 32) if at + 4 <= bytes.len() => {
                        bytes[at..at + 4].copy_from_slice(&(v as u32).to_le_bytes())
                    }
                    (k, n) => bail!("{name}: relocation {k:?}/{n} at {off:#x} is not understood"),
                }
            }
            relocated.insert(name.to_string(), bytes);
        }
        img.relocated = relocated;
        Ok(img)
    }

    pub fn object(&self) -> &object::File<'a> {
        &self.obj
    }

    pub fn is_relocatable(&self) -> bool {
        self.bases.is_some()
    }

    /// A section's address: its own, or its place in the synthetic layout.
    pub fn section_base(&self, i: SectionIndex) -> u64 {
        match &self.bases {
            None => self.obj.section_by_index(i).map(|s| s.address()).unwrap_or(0),
            Some(b) => b.get(&i).copied().unwrap_or(0),
        }
    }

    pub fn section_address(&self, s: &object::Section<'a, '_>) -> u64 {
        if self.bases.is_some() {
            self.section_base(s.index())
        } else {
            s.address()
        }
    }

    /// A symbol's address in the same space as the DWARF's.
    pub fn symbol_address(&self, s: &object::Symbol<'a, '_>) -> u64 {
        match (&self.bases, s.section_index()) {
            (Some(_), Some(i)) => self.section_base(i).wrapping_add(s.address()),
            _ => s.address(),
        }
    }

    /// A debug section's bytes, relocated when the file is relocatable (empty when absent).
    pub fn section(&self, name: &str) -> &[u8] {
        section_in(&self.obj, &self.relocated, name)
    }

    /// The copies this image made (relocated or inflated sections), to keep with the file.
    pub fn into_owned_sections(self) -> HashMap<String, Vec<u8>> {
        self.relocated
    }
}

/// `name` from `owned` (see [`Image::into_owned_sections`]) or else in place in `obj`.
pub fn section_in<'s>(obj: &object::File<'s>, owned: &'s HashMap<String, Vec<u8>>, name: &str) -> &'s [u8] {
    if let Some(v) = owned.get(name) {
        return v.as_slice();
    }
    obj.section_by_name(name).and_then(|s| s.data().ok()).unwrap_or(&[])
}
