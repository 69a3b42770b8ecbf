//! The target kernel: its release, build tree, configuration and arch.

use anyhow::{bail, Context, Result};
use std::collections::HashMap;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Kernel {
    pub release: String,
    /// `/lib/modules/RELEASE/build`.
    pub build_dir: PathBuf,
    /// `CONFIG_*` values from the build tree's `.config`.
    pub config: HashMap<String, String>,
    pub arch: String,
}

pub fn running_release() -> String {
    nix::sys::utsname::uname()
        .map(|u| u.release().to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Releases with headers installed, newest last.
pub fn installed_releases() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir("/lib/modules")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().join("build/Makefile").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

impl Kernel {
    /// The kernel given by `-r`, or the running one.
    pub fn find(release: Option<&str>) -> Result<Kernel> {
        let release = release.map(str::to_string).unwrap_or_else(running_release);
        let build_dir = PathBuf::from(format!("/lib/modules/{release}/build"));
        if !build_dir.join("Makefile").exists() {
            let installed = installed_releases();
            let hint = if installed.is_empty() {
                "install the headers (Debian: apt-get install linux-headers-amd64)".to_string()
            } else {
                format!("headers are installed for: {} (choose one with -r)", installed.join(", "))
            };
            bail!("no kernel build tree for {release} at {}\n  = help: {hint}", build_dir.display());
        }
        let config_text = std::fs::read_to_string(build_dir.join(".config"))
            .with_context(|| format!("reading {}/.config", build_dir.display()))?;
        let config = parse_config(&config_text);
        let arch = std::env::consts::ARCH.to_string();
        Ok(Kernel { release, build_dir, config, arch })
    }

    /// The kernel as far as passes 1-3 need it when its build tree is not
    /// installed: its release only (no CONFIG_* values).
    pub fn without_build_tree(release: Option<&str>) -> Kernel {
        let release = release.map(str::to_string).unwrap_or_else(running_release);
        Kernel {
            build_dir: PathBuf::from(format!("/lib/modules/{release}/build")),
            release,
            config: HashMap::new(),
            arch: std::env::consts::ARCH.to_string(),
        }
    }

    /// A cheap identity of the build tree: what a module built against it depends on.
    pub fn identity(&self) -> String {
        let read = |p: &str| std::fs::read(self.build_dir.join(p)).unwrap_or_default();
        let mut h = crate::cache::Hasher::new();
        h.add_str(&self.release);
        h.add_bytes(&read(".config"));
        h.add_bytes(&read("include/generated/utsrelease.h"));
        h.add_bytes(&read("Module.symvers"));
        h.finish()
    }
}

pub fn parse_config(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter(|l| l.starts_with("CONFIG_"))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.trim_matches('"').to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn config_lines() {
        let c = super::parse_config("# x\nCONFIG_HZ=250\nCONFIG_A=y\nCONFIG_S=\"sha\"\n# CONFIG_B is not set\n");
        assert_eq!(c["CONFIG_HZ"], "250");
        assert_eq!(c["CONFIG_A"], "y");
        assert_eq!(c["CONFIG_S"], "sha");
        assert!(!c.contains_key("CONFIG_B"));
    }
}
