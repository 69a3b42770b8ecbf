//! `rstap -p4 -r A -r B` (or `-r all`): one module per kernel, built in
//! parallel by child rstap processes, each with a single `-r`. The modules
//! are written as `NAME-KVER.ko` (their module name stays NAME: the loader
//! reads it from the module itself).

use anyhow::{bail, Context, Result};
use clap::Parser;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

/// The kernels named by `-r`, if more than one (or `all`); None otherwise.
pub fn requested(argv: &[String]) -> Option<Vec<String>> {
    let mut releases = Vec::new();
    let mut it = argv.iter().skip(1);
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        if a == "-r" {
            releases.extend(it.next().cloned());
        } else if let Some(r) = a.strip_prefix("-r").filter(|r| !r.is_empty()) {
            releases.push(r.to_string());
        }
    }
    if releases.iter().any(|r| r == "all") {
        return Some(crate::kernel::installed_releases());
    }
    (releases.len() > 1).then_some(releases)
}

/// argv without its `-r` options.
fn without_releases(argv: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut it = argv.iter().skip(1);
    while let Some(a) = it.next() {
        if a == "-r" {
            it.next();
        } else if !(a.starts_with("-r") && a.len() > 2) {
            out.push(a.clone());
        }
    }
    out
}

pub fn build_all(argv: &[String], releases: &[String]) -> Result<i32> {
    let base = without_releases(argv);
    // The other options, checked as usual (a bad one is reported now, once).
    let opts = crate::options::Options::try_parse_from(std::iter::once("rstap".to_string()).chain(base.iter().cloned()))
        .unwrap_or_else(|e| e.exit());
    if opts.last_pass != Some(4) {
        bail!("several kernels (-r {}) can only be built for, not run on: add -p4", releases.join(" -r "));
    }
    if releases.is_empty() {
        bail!("-r all: no kernel headers are installed (Debian: apt-get install linux-headers-amd64)");
    }
    let exe = std::env::current_exe().context("finding the rstap executable")?;
    let cwd = std::env::current_dir()?;
    let work = crate::passes::build::tempdir("rstap-multi")?;
    let queue = Mutex::new(releases.iter().collect::<Vec<_>>());
    let results = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(releases.len());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let Some(release) = queue.lock().unwrap().pop() else { break };
                let out_dir = work.join(release);
                let status = std::fs::create_dir_all(&out_dir).and_then(|_| {
                    Command::new(&exe)
                        .args(&base)
                        .args(["-r", release])
                        .env("RSTAP_OUTPUT_DIR", &out_dir)
                        .stdout(std::process::Stdio::null())
                        .status()
                });
                results.lock().unwrap().push((release.clone(), out_dir, status));
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by(|a, b| a.0.cmp(&b.0));
    let mut failed = 0;
    for (release, out_dir, status) in results {
        let ko: Option<PathBuf> = std::fs::read_dir(&out_dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "ko"));
        match (status, ko) {
            (Ok(st), Some(ko)) if st.success() => {
                let stem = ko.file_stem().unwrap().to_string_lossy().into_owned();
                let name = format!("{stem}-{release}.ko");
                std::fs::copy(&ko, cwd.join(&name)).with_context(|| format!("writing {name}"))?;
                println!("{name}");
            }
            _ => {
                eprintln!("rstap: the build for {release} failed");
                failed += 1;
            }
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    Ok(if failed == 0 { 0 } else { 1 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn one_release_is_not_a_multi_build() {
        assert_eq!(requested(&v(&["rstap", "-p4", "-r", "A", "x.stp"])), None);
        assert_eq!(requested(&v(&["rstap", "-p4", "-rA", "-r", "B"])), Some(v(&["A", "B"])));
        assert_eq!(requested(&v(&["rstap", "x.stp", "--", "-r", "A", "-r", "B"])), None);
    }

    #[test]
    fn releases_are_removed_from_the_arguments() {
        assert_eq!(without_releases(&v(&["rstap", "-p4", "-rA", "-r", "B", "-m", "n"])), v(&["-p4", "-m", "n"]));
    }
}
