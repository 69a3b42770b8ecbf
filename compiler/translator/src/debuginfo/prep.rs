//! `rstap --prep` (SystemTap's stap-prep): installs what probing a kernel
//! needs on Debian: its headers package, and from its `-dbg` package only
//! the vmlinux (and any module .ko files asked for), not all 860 MB.

use anyhow::{bail, Context, Result};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Installs headers and vmlinux debuginfo for `release` (default: the running kernel).
pub fn prep(release: Option<&str>, verbose: bool) -> Result<()> {
    prep_modules(release, &[], verbose)
}

/// As [`prep`], also extracting the debuginfo of the named modules (`ext4`, `nf_*`).
pub fn prep_modules(release: Option<&str>, modules: &[String], verbose: bool) -> Result<()> {
    let release = release.map(str::to_string).unwrap_or_else(crate::kernel::running_release);
    if !Path::new(&format!("/lib/modules/{release}/build/Makefile")).exists() {
        let pkg = format!("linux-headers-{release}");
        eprintln!("rstap --prep: installing {pkg}");
        apt(&["install", "-y", "--no-install-recommends", &pkg])?;
    } else if verbose {
        eprintln!("rstap --prep: headers for {release} are installed");
    }
    let have_vmlinux = super::find_vmlinux(&release).is_ok();
    let missing_modules: Vec<&String> = modules.iter().filter(|m| module_debuginfo(&release, m).is_none()).collect();
    if have_vmlinux && missing_modules.is_empty() {
        eprintln!("rstap --prep: debuginfo for {release} is installed");
        return Ok(());
    }
    let pkg = format!("linux-image-{release}-dbg");
    let dir = crate::datadir::cache_dir().join("prep");
    std::fs::create_dir_all(&dir)?;
    eprintln!("rstap --prep: downloading {pkg} (about 900 MB)");
    let deb = download(&pkg, &dir)?;
    let mut members = Vec::new();
    if !have_vmlinux {
        members.push(format!("./usr/lib/debug/boot/vmlinux-{release}"));
    }
    for m in missing_modules {
        // File names use '-' or '_' (the module name has '_').
        let m = m.replace(['-', '_'], "[-_]");
        members.push(format!("./usr/lib/debug/lib/modules/{release}/*/{m}.ko"));
    }
    let r = extract(&deb, &members, verbose);
    let _ = std::fs::remove_file(&deb);
    r?;
    super::find_vmlinux(&release).context("the -dbg package did not hold the expected vmlinux")?;
    for m in modules {
        if !m.contains(['*', '?', '[']) && module_debuginfo(&release, m).is_none() {
            eprintln!("rstap --prep: warning: {pkg} holds no module named {m}");
        }
    }
    eprintln!("rstap --prep: debuginfo for {release} installed in /usr/lib/debug");
    Ok(())
}

/// The installed debuginfo of a module (`-` and `_` alike), if any.
pub fn module_debuginfo(release: &str, module: &str) -> Option<PathBuf> {
    let want = module.replace('-', "_");
    fn walk(d: &Path, want: &str) -> Option<PathBuf> {
        for e in std::fs::read_dir(d).ok()?.flatten() {
            let p = e.path();
            if p.is_dir() {
                if let Some(x) = walk(&p, want) {
                    return Some(x);
                }
            } else if p.file_stem().is_some_and(|s| s.to_string_lossy().replace('-', "_") == want)
                && p.extension().is_some_and(|x| x == "ko" || x == "debug")
            {
                return Some(p);
            }
        }
        None
    }
    walk(Path::new(&format!("/usr/lib/debug/lib/modules/{release}")), &want)
}

fn apt(args: &[&str]) -> Result<()> {
    let st = Command::new("apt-get").args(args).env("DEBIAN_FRONTEND", "noninteractive").status().context("running apt-get")?;
    if !st.success() {
        bail!("apt-get {} failed", args.join(" "));
    }
    Ok(())
}

/// `apt-get download PKG` into `dir` (after `apt-get update` if apt does not know it).
fn download(pkg: &str, dir: &Path) -> Result<PathBuf> {
    for attempt in 0..2 {
        let st = Command::new("apt-get").arg("download").arg(pkg).current_dir(dir).status().context("running apt-get")?;
        if st.success() {
            break;
        }
        if attempt == 1 {
            bail!("cannot download {pkg}: is the kernel from Debian's archive (and its suite in apt's sources)?");
        }
        eprintln!("rstap --prep: updating apt's package lists");
        apt(&["update", "-qq"])?;
    }
    std::fs::read_dir(dir)?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with(&format!("{pkg}_"))))
        .with_context(|| format!("apt-get download left no {pkg}_*.deb in {}", dir.display()))
}

/// `dpkg-deb --fsys-tarfile DEB | tar -x -C / MEMBERS`, with a progress line.
fn extract(deb: &Path, members: &[String], verbose: bool) -> Result<()> {
    // Installed-Size (KiB) approximates the tar stream's length.
    let total = Command::new("dpkg-deb")
        .args(["-f"])
        .arg(deb)
        .arg("Installed-Size")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse::<u64>().ok())
        .map(|k| k * 1024)
        .unwrap_or(0);
    let mut dpkg = Command::new("dpkg-deb").arg("--fsys-tarfile").arg(deb).stdout(Stdio::piped()).spawn()?;
    let mut tar = Command::new("tar")
        .args(["-x", "-C", "/", "--wildcards", "--no-same-owner"])
        .args(members)
        .stdin(Stdio::piped())
        .spawn()
        .context("running tar")?;
    let mut from = dpkg.stdout.take().unwrap();
    let mut to = tar.stdin.take().unwrap();
    let mut buf = vec![0u8; 1 << 20];
    let (mut done, mut shown) = (0u64, u64::MAX);
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    loop {
        let n = from.read(&mut buf)?;
        if n == 0 {
            break;
        }
        to.write_all(&buf[..n])?;
        done += n as u64;
        if let Some(pct) = (done * 100).checked_div(total) {
            let pct = pct.min(100);
            if pct != shown && (tty || (verbose && pct.is_multiple_of(10))) {
                shown = pct;
                if tty {
                    eprint!("\rrstap --prep: extracting {} ... {pct}%", members.join(" "));
                } else {
                    eprintln!("rstap --prep: extracting ... {pct}%");
                }
            }
        }
    }
    if tty {
        eprintln!();
    }
    drop(to);
    let a = dpkg.wait()?;
    let b = tar.wait()?;
    if !a.success() || !b.success() {
        bail!("extracting {} from {} failed", members.join(" "), deb.display());
    }
    Ok(())
}
