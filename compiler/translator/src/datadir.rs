//! Where rstap's own files live: runtime-c/, templates/, tapsets/, kbuild/.
//!
//! Looked up once: `$RSTAP_DATADIR`, then the source tree this binary was
//! built from (a development checkout), then `/usr/share/rstap`.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub fn root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let candidates = [
            std::env::var_os("RSTAP_DATADIR").map(PathBuf::from),
            Some(PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))),
            Some(PathBuf::from("/usr/share/rstap")),
        ];
        candidates
            .into_iter()
            .flatten()
            .find(|p| p.join("runtime-c/runtime.h").is_file())
            .map(|p| p.canonicalize().unwrap_or(p))
            .unwrap_or_else(|| PathBuf::from("/usr/share/rstap"))
    })
}

pub fn runtime_dir() -> PathBuf {
    root().join("runtime-c")
}

pub fn templates_dir() -> PathBuf {
    root().join("templates")
}

pub fn tapsets_dir() -> PathBuf {
    root().join("tapsets")
}

pub fn kbuild_dir() -> PathBuf {
    root().join("kbuild")
}

/// `$XDG_CACHE_HOME/rstap` or `~/.cache/rstap`.
pub fn cache_dir() -> PathBuf {
    if let Some(x) = std::env::var_os("RSTAP_CACHE_DIR") {
        return PathBuf::from(x);
    }
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(x).join("rstap");
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/root"));
    home.join(".cache/rstap")
}
