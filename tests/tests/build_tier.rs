//! Build tier (kernel headers needed, no kernel run): modules build with
//! Kbuild against every installed kernel, land in the cache, and an
//! identical second build is a cache hit. (Every VM-tier script is built
//! here too, by the VM tier's own host builds, warnings as errors.)

use rstap_tests::{bin, kernel_releases, run, scratch, text};
use std::process::Command;

const HELLO: &str = r#"probe begin { printf("hello world!\n"); exit() }"#;

fn modinfo(ko: &std::path::Path, field: &str) -> String {
    let out = run(Command::new("/sbin/modinfo").args(["-F", field]).arg(ko));
    text(&out.stdout).trim().to_string()
}

#[test]
fn p4_builds_names_and_caches_modules_for_every_kernel() {
    for kver in kernel_releases() {
        let dir = scratch(&format!("build-{kver}"));
        // A script unique to this run, so the first build is cold.
        let script = format!("{HELLO}\nprobe end {{ println(\"{}\") }}", std::process::id());
        let out = run(Command::new(bin("rstap")).current_dir(&dir).args(["-v", "-p4", "-r", &kver, "-m", "hello", "-e", &script]));
        assert!(out.status.success(), "{kver}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout), "hello.ko\n");
        let err = text(&out.stderr);
        assert!(err.contains("Pass 4: compiled C into \"hello.ko\""), "{err}");
        let ko = dir.join("hello.ko");
        assert_eq!(modinfo(&ko, "rstap_kernel"), kver);
        assert_eq!(modinfo(&ko, "name"), "hello");
        assert_eq!(modinfo(&ko, "license"), "GPL");

        // The same build again: a cache hit, passes 2-4 skipped.
        std::fs::remove_file(&ko).unwrap();
        let out = run(Command::new(bin("rstap")).current_dir(&dir).args(["-v", "-p4", "-r", &kver, "-m", "hello", "-e", &script]));
        assert!(out.status.success());
        let err = text(&out.stderr);
        assert!(err.contains("Pass 4: using cached"), "{err}");
        assert!(!err.contains("Pass 2:"), "{err}");
        assert!(ko.is_file());

        // Without -m: stap_<hash>, the hash of everything that went in.
        let out = run(Command::new(bin("rstap")).current_dir(&dir).args(["-p4", "-r", &kver, "-e", &script]));
        assert!(out.status.success(), "{}", text(&out.stderr));
        let name = text(&out.stdout).trim().to_string();
        assert!(regex::Regex::new("^stap_[0-9a-f]{24}\\.ko$").unwrap().is_match(&name), "{name}");

        // -k keeps the build directory, with the C source and Kbuild file.
        let out = run(Command::new(bin("rstap")).current_dir(&dir).args(["-k", "-p4", "-r", &kver, "-m", "kept", "-e", &script]));
        let err = text(&out.stderr);
        let kept = err.lines().find_map(|l| l.strip_prefix("Keeping temporary directory \"")).expect(&err);
        let kept = std::path::Path::new(kept.trim_end_matches('"'));
        assert!(kept.join("kept.c").is_file() && kept.join("Kbuild").is_file());
        std::fs::remove_dir_all(kept).unwrap();
    }
}

#[test]
fn unknown_kernel_release_lists_the_installed_ones() {
    let out = run(Command::new(bin("rstap")).args(["-p4", "-r", "0.0.0-none", "-e", HELLO]));
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("no kernel build tree for 0.0.0-none"), "{err}");
    assert!(err.contains(&kernel_releases()[0]), "{err}");
}

#[test]
fn defines_reach_the_compiler() {
    let kver = &kernel_releases()[0];
    let dir = scratch("build-defines");
    // An invalid limit is caught by the runtime's own checks at compile time.
    let out = run(Command::new(bin("rstap")).current_dir(&dir).args(["-p4", "-r", kver, "-D", "MAXSTRINGLEN=2", "-e", HELLO]));
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("MAXSTRINGLEN must be between"), "{}", text(&out.stderr));
}

#[test]
fn several_kernels_build_in_parallel_one_module_each() {
    let dir = scratch("build-multi");
    let out = run(Command::new(bin("rstap")).current_dir(&dir).args(["-p4", "-r", "all", "-m", "multi", "-e", HELLO]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    // -r all: every kernel whose headers are installed.
    let kernels: Vec<String> = std::fs::read_dir("/lib/modules")
        .unwrap()
        .flatten()
        .filter(|e| e.path().join("build/Makefile").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let printed: Vec<String> = text(&out.stdout).lines().map(str::to_string).collect();
    assert_eq!(printed.len(), kernels.len(), "{printed:?}");
    for k in kernels {
        let ko = dir.join(format!("multi-{k}.ko"));
        assert!(printed.contains(&format!("multi-{k}.ko")), "{printed:?}");
        assert_eq!(modinfo(&ko, "rstap_kernel"), k);
        assert_eq!(modinfo(&ko, "name"), "multi");
    }
    // Running needs one kernel.
    let out = run(Command::new(bin("rstap")).args(["-r", "a", "-r", "b", "-e", HELLO]));
    assert!(text(&out.stderr).contains("add -p4"), "{}", text(&out.stderr));
}

/// Seed 06's listing lines: `-l` prints the probe point with the function's
/// file and declaration line, `-L` the same point followed by its
/// parameters with their C types, in SystemTap's format (read from each
/// installed kernel's debuginfo).
#[test]
fn listing_prints_points_and_variables_in_systemtaps_format() {
    for kver in kernel_releases() {
        let list = |flag: &str| {
            let out = run(Command::new(bin("rstap")).args(["-r", &kver, flag, r#"kernel.function("vfs_read")"#]));
            assert!(out.status.success(), "{kver} {flag}: {}", text(&out.stderr));
            text(&out.stdout)
        };
        let l = list("-l");
        let point = regex::Regex::new(r#"^kernel\.function\("vfs_read@fs/read_write\.c:[1-9][0-9]*"\)\n$"#).unwrap();
        assert!(point.is_match(&l), "{kver} -l: {l:?}");
        let expect = format!("{} $file:struct file* $buf:char* $count:size_t $pos:loff_t*\n", l.trim_end());
        assert_eq!(list("-L"), expect, "{kver} -L");
        // A wildcard lists every match once, the same way.
        let out = run(Command::new(bin("rstap")).args(["-r", &kver, "-l", r#"kernel.function("vfs_re*")"#]));
        let all = text(&out.stdout);
        assert!(all.lines().any(|x| x == l.trim_end()), "{kver}: {all}");
        assert!(all.lines().all(|x| x.starts_with("kernel.function(\"vfs_re")), "{kver}: {all}");
        let unique: std::collections::BTreeSet<_> = all.lines().collect();
        assert_eq!(unique.len(), all.lines().count(), "{kver}: a point listed twice: {all}");
    }
}
