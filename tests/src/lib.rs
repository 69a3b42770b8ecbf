//! Shared helpers for the integration tests: the rstap binaries (built
//! once, release or debug as the tests are), the kernel to target, and
//! running commands with their output captured.
//!
//! Tiers: `build_tier.rs` needs installed kernel headers; `vm_tier.rs`
//! needs QEMU and a kernel image too. Both are installed by
//! scripts/setup.sh, and CI runs them; they are not skipped there.

pub mod cases;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn profile() -> &'static str {
    if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    }
}

/// The path of an rstap binary (`rstap` or `rstaprun`), built on first use; in release
/// tests, rstaprun is the shipped build (`--profile loader`, target/loader/).
pub fn bin(name: &str) -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let mut c = Command::new(env!("CARGO"));
        c.current_dir(repo_root()).args(["build", "-q", "-p", "rstap", "-p", "rstaprun", "--bins"]);
        if profile() == "release" {
            c.arg("--release");
        }
        let st = c.status().expect("running cargo build");
        assert!(st.success(), "cargo build of the binaries failed");
        if profile() == "release" {
            // The loader as users ship it: its own size-optimised profile (Cargo.toml).
            let st = Command::new(env!("CARGO"))
                .current_dir(repo_root())
                .args(["build", "-q", "--profile", "loader", "-p", "rstaprun", "--bin", "rstaprun"])
                .status()
                .expect("running cargo build");
            assert!(st.success(), "cargo build --profile loader failed");
        }
    });
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| repo_root().join("target"));
    let dir = if name == "rstaprun" && profile() == "release" { "loader" } else { profile() };
    target.join(dir).join(name)
}

/// Every kernel release with both headers and an image installed, oldest
/// first (never hard-coded); `RSTAP_TEST_KERNELS` (comma-separated) narrows it.
pub fn kernel_releases() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir("/lib/modules")
        .expect("/lib/modules: run scripts/setup.sh")
        .flatten()
        .filter(|e| e.path().join("build/Makefile").exists() && Path::new(&format!("/boot/vmlinuz-{}", e.file_name().to_string_lossy())).exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    if let Ok(only) = std::env::var("RSTAP_TEST_KERNELS") {
        v.retain(|k| only.split(',').any(|o| o == k));
    }
    assert!(!v.is_empty(), "no kernel with headers and an image installed: run scripts/setup.sh");
    v
}

/// The kernels `rstap vm` can boot: those with 9p to share the host's files
/// (Debian's cloud kernel has none).
pub fn vm_kernel_releases() -> Vec<String> {
    kernel_releases()
        .into_iter()
        .filter(|k| {
            let dir = PathBuf::from(format!("/lib/modules/{k}"));
            let has = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap_or_default().contains("/9p.ko");
            let ok = has("modules.dep") || has("modules.builtin");
            if !ok {
                println!("vm tier: skipping {k}: it has no 9p file system for rstap vm");
            }
            ok
        })
        .collect()
}

/// PREEMPT_RT, from the kernel's own configuration (never from its release string).
pub fn is_preempt_rt(kver: &str) -> bool {
    std::fs::read_to_string(format!("/boot/config-{kver}")).unwrap_or_default().lines().any(|l| l == "CONFIG_PREEMPT_RT=y")
}

/// On a PREEMPT_RT kernel the 9p VM tier runs only the cases that exercise a probe
/// mechanism's execution context (what RT changes: kprobes, kretprobes, statements,
/// tracepoints, timers, syscalls, uprobes and uretprobes, stacks, signals, randomness,
/// the 2-CPU load), to keep CI under its hour; the seeds run there in the production
/// tier. `RSTAP_TEST_RT_FULL=1` runs every case (session 7: the full tier passed on rt).
pub fn in_rt_subset(case: &str) -> bool {
    const PREFIXES: &[&str] = &["kernel_", "timer", "syscall_", "rt_", "signal_raise", "tapset_misc", "tapset_proc_mem"];
    const USER: &[&str] = &[
        "user_entry", "user_function_pie", "user_inline", "user_library", "user_plt", "user_sdt",
        "user_stack_kernel", "user_stack_forms", "user_thread_events", "user_thread_end_late",
        "user_process_events", "user_fork",
    ];
    PREFIXES.iter().any(|p| case.starts_with(p)) || USER.contains(&case)
}

/// The newest kernel release with headers and an image installed.
pub fn kernel_release() -> String {
    kernel_releases().pop().unwrap()
}

/// Runs a command, returning its output; panics if it cannot start.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A scratch directory under target/test-scratch (or `$RSTAP_TEST_SCRATCH`, so that two
/// test runs in one checkout do not collide), kept for inspection after a failure.
pub fn scratch(name: &str) -> PathBuf {
    let base = std::env::var_os("RSTAP_TEST_SCRATCH")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/test-scratch"));
    let d = base.join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The installed debuginfo vmlinux of `kver`, if any.
pub fn vmlinux(kver: &str) -> Option<String> {
    let p = format!("/usr/lib/debug/boot/vmlinux-{kver}");
    std::path::Path::new(&p).exists().then_some(p)
}

/// llvm-dwarfdump's output for `args` (it must succeed).
pub fn dwarfdump(args: &[&str]) -> String {
    let out = run(std::process::Command::new("llvm-dwarfdump").args(args));
    assert!(out.status.success(), "llvm-dwarfdump {args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

/// A hexadecimal number as llvm-dwarfdump prints it (`0x...`).
pub fn hex(s: &str) -> u64 {
    u64::from_str_radix(s.trim().trim_start_matches("0x"), 16).unwrap()
}
