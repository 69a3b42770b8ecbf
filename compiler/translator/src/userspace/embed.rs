//! Which user-space objects a module carries symbol and unwind tables for, and those
//! tables as C (runtime-c/usyms.h's `struct rt_uobj`). As SystemTap: every `-d PATH`,
//! the files the script probes with `process(...)`, the `-c` command's executable, and
//! with `--ldd` every shared library those need, found as the dynamic loader would
//! (DT_NEEDED recursively; the needing object's DT_RUNPATH/DT_RPATH with `$ORIGIN`; the
//! system's library directories).

use super::{elf, symbols, unwind};
use anyhow::{bail, Context, Result};
use object::{Object, ObjectSegment};
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// The objects to embed, canonical paths, in a stable order without duplicates.
pub fn objects(dash_d: &[PathBuf], probed: &[String], command: Option<&str>, ldd: bool) -> Result<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = Vec::new();
    let add = |p: PathBuf, out: &mut Vec<PathBuf>| {
        if !out.contains(&p) {
            out.push(p);
        }
    };
    for d in dash_d {
        let Some(p) = super::find_file(&d.display().to_string()) else {
            bail!("-d {}: no such file", d.display());
        };
        add(p, &mut out);
    }
    for p in probed {
        if let Ok(p) = std::fs::canonicalize(p) {
            add(p, &mut out);
        }
    }
    if let Some(exe) = command.and_then(|c| c.split_whitespace().next()).and_then(super::find_file) {
        add(exe, &mut out);
    }
    if ldd {
        let mut i = 0;
        while i < out.len() {
            for lib in needed(&out[i]) {
                add(lib, &mut out);
            }
            i += 1;
        }
    }
    Ok(out)
}

/// The shared libraries `path` names in DT_NEEDED, where the loader would find them.
fn needed(path: &Path) -> Vec<PathBuf> {
    let Ok(info) = elf::read(path) else { return Vec::new() };
    let dirs: Vec<String> =
        info.runpath.iter().cloned().chain(super::LIB_DIRS.iter().map(|s| s.to_string())).collect();
    info.needed
        .iter()
        .filter_map(|n| dirs.iter().map(|d| Path::new(d).join(n)).find(|p| p.is_file()))
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect()
}

/// Sizes of what was embedded, for `-v`.
#[derive(Default, Debug)]
pub struct Stats {
    pub objects: usize,
    pub symbols: usize,
    pub rows: usize,
    /// Each object's path, symbols and unwind rows.
    pub each: Vec<(PathBuf, usize, usize)>,
}

/// The C tables of `objects`: per object its symbols (sorted by link-time address),
/// their names, its unwind rows and its loadable segments, then `rt_uobj_table[]`.
pub fn c_tables(objects: &[PathBuf]) -> Result<(String, Stats)> {
    let mut c = String::new();
    let mut table = String::new();
    let mut stats = Stats::default();
    for (i, path) in objects.iter().enumerate() {
        let data = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let obj = object::File::parse(&*data).with_context(|| format!("{} is not an ELF file", path.display()))?;
        let syms = symbols::symbols(&data);
        let rows = unwind::rows(&data);
        let segs: Vec<(u64, u64, u64)> = obj.segments().map(|s| (s.address(), s.size(), s.file_range().0)).collect();
        stats.objects += 1;
        stats.symbols += syms.len();
        stats.rows += rows.len();
        stats.each.push((path.clone(), syms.len(), rows.len()));

        writeln!(c, "/* {} */", path.display()).unwrap();
        let mut names = Vec::new();
        writeln!(c, "static const struct rt_usym rt_usyms_{i}[] = {{").unwrap();
        for s in &syms {
            writeln!(c, "\t{{ 0x{:x}ULL, 0x{:x}, {} }},", s.addr, s.size.min(u32::MAX as u64), names.len()).unwrap();
            names.extend_from_slice(s.name.as_bytes());
            names.push(0);
        }
        writeln!(c, "\t{{ 0, 0, 0 }}\n}};").unwrap();
        names.push(0);
        writeln!(c, "static const char rt_ustrs_{i}[] =").unwrap();
        for chunk in names.chunks(96) {
            writeln!(c, "\t\"{}\"", c_bytes(chunk)).unwrap();
        }
        c.push_str(";\n");
        writeln!(c, "static const struct rt_ucfi rt_ucfi_{i}[] = {{").unwrap();
        let mut nrows = 0;
        for r in rows.iter().filter(|r| r.start <= u32::MAX as u64) {
            writeln!(c, "\t{{ 0x{:x}, {}, {}, {} }},", r.start, r.cfa, r.rbp, r.kind as u8).unwrap();
            nrows += 1;
        }
        writeln!(c, "\t{{ 0, 0, 0, 0 }}\n}};").unwrap();
        writeln!(c, "static const struct rt_useg rt_usegs_{i}[] = {{").unwrap();
        for (a, sz, off) in &segs {
            writeln!(c, "\t{{ 0x{a:x}ULL, 0x{sz:x}ULL, 0x{off:x}ULL }},").unwrap();
        }
        writeln!(c, "\t{{ 0, 0, 0 }}\n}};").unwrap();
        writeln!(
            table,
            "\t{{ .path = {}, .syms = rt_usyms_{i}, .nsyms = {}, .strs = rt_ustrs_{i}, .cfi = rt_ucfi_{i}, .ncfi = {nrows}, .segs = rt_usegs_{i}, .nsegs = {} }},",
            crate::format::c_string_literal(path.display().to_string().as_bytes()),
            syms.len(),
            segs.len()
        )
        .unwrap();
    }
    if !objects.is_empty() {
        writeln!(c, "static struct rt_uobj rt_uobj_table[] = {{\n{table}}};").unwrap();
    }
    Ok((c, stats))
}

/// Bytes inside a C string literal: printable ASCII as is, the rest in octal.
fn c_bytes(b: &[u8]) -> String {
    let mut s = String::new();
    for &x in b {
        match x {
            b'"' | b'\\' | b'?' => write!(s, "\\{:03o}", x).unwrap(),
            0x20..=0x7e => s.push(x as char),
            _ => write!(s, "\\{:03o}", x).unwrap(),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ldd_finds_libc() {
        let exe = std::env::current_exe().unwrap();
        let objs = objects(&[exe.clone()], &[], None, true).unwrap();
        assert_eq!(objs[0], std::fs::canonicalize(&exe).unwrap());
        assert!(objs.iter().any(|p| p.to_string_lossy().ends_with("/libc.so.6")));
        let without = objects(&[exe], &[], None, false).unwrap();
        assert_eq!(without.len(), 1);
    }

    #[test]
    fn octal_escapes_stop_at_three_digits() {
        assert_eq!(c_bytes(b"a\0b"), "a\\000b");
        assert_eq!(c_bytes(b"x?y"), "x\\077y");
    }
}
