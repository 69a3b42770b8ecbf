//! Which kernel modules the guest must load to reach the host's files, resolved from
//! `/lib/modules/KVER/modules.dep` (never a hard-coded list of paths or versions).

use anyhow::{bail, Context, Result};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Modules the guest needs: 9p over virtio, the PCI transport, and virtio-serial for the
/// command's stdout/stderr and the control ports. Each must be a module or built in.
pub const REQUIRED: &[&str] = &["virtio_pci", "virtio_console", "9pnet", "9pnet_virtio", "9p"];
/// Loaded when the kernel ships them as modules (9p's dependencies on some kernels;
/// overlay keeps the host's /tmp visible under the guest's writable /tmp).
pub const OPTIONAL: &[&str] = &["netfs", "fscache", "overlay"];

/// A module's canonical name: file name without `.ko[.xz|.zst|.gz]`, `-` as `_`.
pub fn module_name(path: &str) -> String {
    let base = path.rsplit('/').next().unwrap_or(path);
    let stem = base.find(".ko").map(|i| &base[..i]).unwrap_or(base);
    stem.replace('-', "_")
}

/// Parsed modules.dep: name -> (relative path, dependency paths).
pub struct DepTable {
    by_name: HashMap<String, (String, Vec<String>)>,
    by_path: HashMap<String, Vec<String>>,
    builtin: HashSet<String>,
}

impl DepTable {
    pub fn parse(modules_dep: &str, modules_builtin: &str) -> DepTable {
        let mut by_name = HashMap::new();
        let mut by_path = HashMap::new();
        for line in modules_dep.lines() {
            let Some((path, deps)) = line.split_once(':') else { continue };
            let path = path.trim().to_string();
            let deps: Vec<String> = deps.split_whitespace().map(str::to_string).collect();
            by_name.insert(module_name(&path), (path.clone(), deps.clone()));
            by_path.insert(path, deps);
        }
        let builtin = modules_builtin.lines().map(module_name).filter(|s| !s.is_empty()).collect();
        DepTable { by_name, by_path, builtin }
    }

    pub fn load(moddir: &Path) -> Result<DepTable> {
        let dep = moddir.join("modules.dep");
        let dep = std::fs::read_to_string(&dep).with_context(|| format!("reading {}", dep.display()))?;
        let builtin = std::fs::read_to_string(moddir.join("modules.builtin")).unwrap_or_default();
        Ok(DepTable::parse(&dep, &builtin))
    }

    /// The module files (relative to the module directory) to insert, dependencies first.
    /// A required module that is neither a module nor built in is an error.
    pub fn resolve(&self, required: &[&str], optional: &[&str]) -> Result<Vec<String>> {
        let mut order = Vec::new();
        let mut seen = HashSet::new();
        for (name, needed) in optional.iter().map(|n| (n, false)).chain(required.iter().map(|n| (n, true))) {
            let name = name.replace('-', "_");
            match self.by_name.get(&name) {
                Some((path, _)) => self.visit(path, &mut seen, &mut order, 0)?,
                None if self.builtin.contains(&name) || !needed => {}
                None => bail!("the kernel has no module {name} (not in modules.dep nor modules.builtin)"),
            }
        }
        Ok(order)
    }

    fn visit(&self, path: &str, seen: &mut HashSet<String>, order: &mut Vec<String>, depth: usize) -> Result<()> {
        if depth > 64 {
            bail!("modules.dep: dependency loop at {path}");
        }
        if !seen.insert(path.to_string()) {
            return Ok(());
        }
        let deps = self.by_path.get(path).cloned().unwrap_or_default();
        for d in &deps {
            self.visit(d, seen, order, depth + 1)?;
        }
        order.push(path.to_string());
        Ok(())
    }
}

/// A module's bytes, decompressed if the kernel ships compressed modules.
pub fn read_module(path: &Path) -> Result<Vec<u8>> {
    let name = path.to_string_lossy();
    let tool: Option<&[&str]> = if name.ends_with(".ko.xz") {
        Some(&["xz", "-dc"])
    } else if name.ends_with(".ko.zst") {
        Some(&["zstd", "-dcq"])
    } else if name.ends_with(".ko.gz") {
        Some(&["gzip", "-dc"])
    } else {
        None
    };
    match tool {
        None => std::fs::read(path).with_context(|| format!("reading {}", path.display())),
        Some(t) => {
            let out = Command::new(t[0])
                .args(&t[1..])
                .arg(path)
                .output()
                .with_context(|| format!("running {} to decompress {} (install it)", t[0], path.display()))?;
            if !out.status.success() {
                bail!("{} {}: {}", t[0], path.display(), String::from_utf8_lossy(&out.stderr).trim());
            }
            Ok(out.stdout)
        }
    }
}

/// The directory of a kernel's modules.
pub fn module_dir(kver: &str) -> PathBuf {
    PathBuf::from("/lib/modules").join(kver)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Excerpt of Debian 6.1's modules.dep.
    const DEP_61: &str = "\
kernel/fs/netfs/netfs.ko:
kernel/fs/fscache/fscache.ko: kernel/fs/netfs/netfs.ko
kernel/fs/9p/9p.ko: kernel/net/9p/9pnet.ko kernel/fs/fscache/fscache.ko kernel/fs/netfs/netfs.ko
kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/virtio/virtio_ring.ko:
kernel/drivers/virtio/virtio_pci_modern_dev.ko:
kernel/drivers/virtio/virtio_pci_legacy_dev.ko:
kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_legacy_dev.ko kernel/drivers/virtio/virtio_pci_modern_dev.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/char/virtio_console.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/net/9p/9pnet.ko:
kernel/net/9p/9pnet_virtio.ko: kernel/net/9p/9pnet.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/net/9p/9pnet_fd.ko: kernel/net/9p/9pnet.ko
";

    fn pos(order: &[String], name: &str) -> usize {
        order.iter().position(|p| module_name(p) == name).unwrap_or_else(|| panic!("{name} missing from {order:?}"))
    }

    #[test]
    fn names() {
        assert_eq!(module_name("kernel/net/9p/9pnet_virtio.ko"), "9pnet_virtio");
        assert_eq!(module_name("kernel/drivers/char/hw_random/virtio-rng.ko.zst"), "virtio_rng");
        assert_eq!(module_name("kernel/fs/9p/9p.ko.xz"), "9p");
    }

    #[test]
    fn resolves_61_in_dependency_order() {
        let t = DepTable::parse(DEP_61, "kernel/drivers/tty/serial/8250/8250.ko\n");
        let order = t.resolve(REQUIRED, OPTIONAL).unwrap();
        assert_eq!(order.len(), 11, "{order:?}");
        assert!(pos(&order, "netfs") < pos(&order, "fscache"));
        assert!(pos(&order, "fscache") < pos(&order, "9p"));
        assert!(pos(&order, "9pnet") < pos(&order, "9p"));
        assert!(pos(&order, "virtio_ring") < pos(&order, "virtio"));
        assert!(pos(&order, "virtio") < pos(&order, "virtio_pci"));
        assert!(pos(&order, "virtio") < pos(&order, "9pnet_virtio"));
        assert!(!order.iter().any(|p| p.contains("9pnet_fd")));
        let unique: HashSet<_> = order.iter().collect();
        assert_eq!(unique.len(), order.len());
    }

    #[test]
    fn builtin_and_compressed() {
        // A kernel with virtio built in, netfs absent, and zstd modules (like 6.12).
        let dep = "kernel/fs/9p/9p.ko.zst: kernel/net/9p/9pnet.ko.zst\n\
                   kernel/net/9p/9pnet.ko.zst:\n\
                   kernel/net/9p/9pnet_virtio.ko.zst: kernel/net/9p/9pnet.ko.zst\n";
        let builtin = "kernel/drivers/virtio/virtio_pci.ko\nkernel/drivers/char/virtio_console.ko\n";
        let t = DepTable::parse(dep, builtin);
        let order = t.resolve(REQUIRED, OPTIONAL).unwrap();
        assert_eq!(order, ["kernel/net/9p/9pnet.ko.zst", "kernel/net/9p/9pnet_virtio.ko.zst", "kernel/fs/9p/9p.ko.zst"]);
    }

    #[test]
    fn missing_module_is_an_error() {
        let t = DepTable::parse("kernel/net/9p/9pnet.ko:\n", "");
        let e = t.resolve(REQUIRED, OPTIONAL).unwrap_err().to_string();
        assert!(e.contains("virtio_pci"), "{e}");
    }

    #[test]
    fn installed_kernels_resolve() {
        let Ok(rd) = std::fs::read_dir("/lib/modules") else { return };
        for e in rd.flatten() {
            let dir = e.path();
            if !dir.join("modules.dep").exists() {
                continue;
            }
            let table = DepTable::load(&dir).unwrap();
            let order = match table.resolve(REQUIRED, OPTIONAL) {
                Ok(o) => o,
                // A kernel built without 9p (Debian's cloud flavour) cannot host
                // `rstap vm`; the error must say which module is missing.
                Err(e) => {
                    assert!(e.to_string().contains("has no module"), "{e}");
                    continue;
                }
            };
            for p in &order {
                assert!(dir.join(p).exists(), "{}", dir.join(p).display());
            }
        }
    }
}
