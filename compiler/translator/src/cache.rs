//! Content hashing and the module cache.
//!
//! A module is keyed by everything that goes into it (script, tapsets,
//! runtime, templates, options, kernel build tree, rstap version), so an
//! identical `-p4` finds it without running passes 2-4.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

pub struct Hasher(Sha256);

impl Default for Hasher {
    fn default() -> Self {
        Self::new()
    }
}

impl Hasher {
    pub fn new() -> Self {
        Hasher(Sha256::new())
    }
    pub fn add_bytes(&mut self, b: &[u8]) {
        self.0.update((b.len() as u64).to_le_bytes());
        self.0.update(b);
    }
    pub fn add_str(&mut self, s: &str) {
        self.add_bytes(s.as_bytes());
    }
    /// Every regular file under `dir`, in sorted order, names and contents.
    pub fn add_tree(&mut self, dir: &Path) {
        let mut files = Vec::new();
        collect_files(dir, &mut files);
        files.sort();
        for f in files {
            self.add_str(&f.strip_prefix(dir).unwrap_or(&f).to_string_lossy());
            self.add_bytes(&std::fs::read(&f).unwrap_or_default());
        }
    }
    pub fn finish(self) -> String {
        self.0.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        match e.file_type() {
            Ok(t) if t.is_dir() => collect_files(&p, out),
            Ok(t) if t.is_file() => out.push(p),
            _ => {}
        }
    }
}

/// The cache entry for a key: `CACHE/modules/KEY[0..2]/KEY/`.
pub fn module_entry(key: &str) -> PathBuf {
    crate::datadir::cache_dir().join("modules").join(&key[..2]).join(key)
}

#[cfg(test)]
mod tests {
    use super::Hasher;

    #[test]
    fn length_prefix_separates_fields() {
        let mut a = Hasher::new();
        a.add_str("ab");
        a.add_str("c");
        let mut b = Hasher::new();
        b.add_str("a");
        b.add_str("bc");
        assert_ne!(a.finish(), b.finish());
    }
}

/// The files outside the key that a module was built from: the user-space executables
/// and libraries its uprobes are placed in (by file offset) and whose DWARF its target
/// variables were read from. Rebuilding a program changes those offsets, so a cached
/// module is used only while every file it lists is unchanged (path, size, inode and
/// modification time, as recorded in `ENTRY/files` next to the module).
const FILES: &str = "files";

fn file_stamp(path: &str) -> String {
    use std::os::unix::fs::MetadataExt;
    match std::fs::metadata(path) {
        Ok(m) => format!("{path}\t{}\t{}\t{}.{}", m.len(), m.ino(), m.mtime(), m.mtime_nsec()),
        Err(_) => format!("{path}\tmissing"),
    }
}

/// Records what `paths` are now, for [`files_unchanged`].
pub fn record_files(entry: &Path, paths: &[String]) -> std::io::Result<()> {
    let text: String = paths.iter().map(|p| file_stamp(p) + "\n").collect();
    std::fs::write(entry.join(FILES), text)
}

/// Whether every file recorded for the module in `entry` is as it was when it was built.
pub fn files_unchanged(entry: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(entry.join(FILES)) else { return true };
    text.lines().all(|l| l.split('\t').next().is_some_and(|p| file_stamp(p) == l))
}
