//! Generates the lalrpop parser, and a hash of the translator's own sources
//! (RSTAP_SOURCE_HASH) that keys the module cache: a changed translator must
//! never reuse a module an older one built.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::Path;

fn hash_tree(dir: &Path, h: &mut DefaultHasher) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            hash_tree(&p, h);
        } else {
            p.to_string_lossy().hash(h);
            std::fs::read(&p).unwrap().hash(h);
        }
    }
}

fn main() {
    lalrpop::process_src().unwrap();
    let mut h = DefaultHasher::new();
    hash_tree(Path::new("src"), &mut h);
    println!("cargo:rustc-env=RSTAP_SOURCE_HASH={:016x}", h.finish());
    println!("cargo:rerun-if-changed=src");
}
