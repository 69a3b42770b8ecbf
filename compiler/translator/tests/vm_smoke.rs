//! VM tier: boots the newest installed kernel under QEMU (TCG) through `rstap::vm` and checks
//! the test bed itself. Skips, saying why, only when QEMU, a kernel image or a static busybox
//! is missing. The VMs run one at a time.

use rstap::vm::{self, Sinks, VmOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn skip_reason() -> Option<String> {
    if let Err(e) = vm::find_qemu() {
        return Some(e.to_string());
    }
    if vm::initramfs::installed_kernels().is_empty() {
        return Some("no kernel image with modules in /boot".into());
    }
    if let Err(e) = vm::initramfs::find_busybox() {
        return Some(e.to_string());
    }
    None
}

macro_rules! require_vm {
    () => {
        if let Some(why) = skip_reason() {
            eprintln!("skipped: {why}");
            return;
        }
    };
}

type OnWrite = Arc<dyn Fn(&[u8]) + Send + Sync>;
/// A sink that keeps what it is given and can call back on each write.
#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>, Option<OnWrite>);
impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        if let Some(f) = &self.1 {
            f(&self.0.lock().unwrap());
        }
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
impl Buf {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

struct Outcome {
    status: i32,
    stdout: String,
    stderr: String,
}

fn tempdir(tag: &str) -> PathBuf {
    nix::unistd::mkdtemp(&std::env::temp_dir().join(format!("rstap-vm-test-{tag}-XXXXXX"))).unwrap()
}

fn boot(script: &str, cwd: &Path, tweak: impl FnOnce(&mut VmOptions), out: Buf) -> Outcome {
    boot_with_input(script, cwd, tweak, out, None)
}

fn boot_with_input(script: &str, cwd: &Path, tweak: impl FnOnce(&mut VmOptions), out: Buf, input: Option<&str>) -> Outcome {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let mut o = VmOptions {
        command: vec!["sh".into(), "-c".into(), script.into()],
        timeout_secs: Some(300),
        verbose: true,
        cwd: Some(cwd.to_path_buf()),
        ..VmOptions::default()
    };
    tweak(&mut o);
    let err = Buf::default();
    let stdin = input.map(|t| Arc::new(Mutex::new(std::io::Cursor::new(t.as_bytes().to_vec()))) as Arc<Mutex<dyn std::io::Read + Send>>);
    let sinks = Sinks { stdout: Arc::new(Mutex::new(out.clone())), stderr: Arc::new(Mutex::new(err.clone())), stdin };
    let status = vm::run_with(&o, &sinks).unwrap_or_else(|e| panic!("rstap vm failed: {e:#}\nstderr:\n{}", err.text()));
    let o = Outcome { status, stdout: out.text(), stderr: err.text() };
    eprintln!("status {}\n--- stdout\n{}--- stderr\n{}", o.status, o.stdout, o.stderr);
    o
}

#[test]
fn runs_a_command_with_its_status_streams_and_cwd() {
    require_vm!();
    let dir = tempdir("basic");
    let kver = vm::choose_kernel(None).unwrap();
    let r = boot_with_input(
        "uname -r; echo to-stderr >&2; echo \"$RSTAP_VM $(id -u) $(pwd)\"; \
         echo written-in-guest > result.txt; test -d /sys/kernel/debug/tracing && echo debugfs; \
         touch /etc/rstap-must-fail 2>/dev/null || echo root-is-read-only; \
         echo \"stdin: $(cat | tr '\\n' ' ')\"; exit 7",
        &dir,
        |_| {},
        Buf::default(),
        Some("line1\nline2\n"),
    );
    assert_eq!(r.status, 7);
    assert_eq!(
        r.stdout,
        format!("{kver}\n1 0 {}\ndebugfs\nroot-is-read-only\nstdin: line1 line2 \n", dir.display())
    );
    assert!(r.stderr.contains("to-stderr\n"), "{}", r.stderr);
    assert!(r.stderr.contains(&format!("rstap vm: booting {kver} (2 CPUs, 2048 MB)...")), "{}", r.stderr);
    assert!(r.stderr.contains("guest ready after"), "{}", r.stderr);
    assert!(!r.stdout.contains('\r') && !r.stderr.contains('\r'));
    assert_eq!(std::fs::read_to_string(dir.join("result.txt")).unwrap(), "written-in-guest\n");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn kernel_log_problems_fail_the_run() {
    require_vm!();
    let dir = tempdir("klog");
    let log = dir.join("kernel.log");
    // SysRq-l prints a backtrace of every CPU ("Call Trace:"), a report the check must catch,
    // while loading nothing and breaking nothing.
    let r = boot("echo l > /proc/sysrq-trigger; sleep 1; exit 0", &dir, |o| o.keep_log = Some(log.clone()), Buf::default());
    assert_eq!(r.status, vm::EXIT_KERNEL_PROBLEM);
    assert!(r.stderr.contains("rstap vm: kernel log: ") && r.stderr.contains("Call Trace"), "{}", r.stderr);
    let saved = std::fs::read_to_string(&log).unwrap();
    assert!(saved.contains("Linux version") && saved.contains("Call Trace"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn serves_remote_builds_through_the_spool() {
    require_vm!();
    let dir = tempdir("spool");
    // /bin/sh stands in for the host's rstap: the request's args are a shell command.
    let guest = r#"
        S="$RSTAP_BUILD_SPOOL"; test -d "$S" || { echo "no spool: '$S'"; exit 1; }
        printf '{"args":["-c","read x; echo \"built $x in $(pwd)\"; echo warn >&2; echo elf > $RSTAP_OUTPUT_DIR/t.ko; exit 4"],"cwd":"%s","stdin":"hello\\n"}' "$PWD" > "$S/.req-t1.tmp"
        mv "$S/.req-t1.tmp" "$S/req-t1.json"
        n=0; while [ ! -e "$S/resp-t1.json" ]; do sleep 0.05; n=$((n+1)); [ $n -gt 1200 ] && exit 9; done
        cat "$S/resp-t1.json"; echo
        sed 's/.*"module":"\([^"]*\)".*/\1/' "$S/resp-t1.json" | xargs cat
    "#;
    let r = boot(guest, &dir, |o| o.build_exe = Some("/bin/sh".into()), Buf::default());
    assert_eq!(r.status, 0, "{}", r.stdout);
    let mut lines = r.stdout.lines();
    let reply: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(reply["status"], 4);
    assert_eq!(reply["stdout"], format!("built hello in {}\n", dir.display()));
    assert_eq!(reply["stderr"], "warn\n");
    assert!(reply["module"].as_str().unwrap().ends_with("/t1/t.ko"), "{reply}");
    assert_eq!(lines.next(), Some("elf"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn forwards_sigint_and_enforces_the_timeout() {
    require_vm!();
    let dir = tempdir("signal");
    // Raise SIGINT in this process once the guest command says it is ready: rstap vm must
    // forward it to the command, whose trap then runs.
    let raised = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = raised.clone();
    let out = Buf(
        Arc::default(),
        Some(Arc::new(move |b: &[u8]| {
            if b.ends_with(b"ready\n") && !flag.swap(true, std::sync::atomic::Ordering::SeqCst) {
                nix::sys::signal::raise(nix::sys::signal::Signal::SIGINT).unwrap();
            }
        })),
    );
    let r = boot("trap 'echo got-INT; exit 3' INT; echo ready; while :; do sleep 0.1; done", &dir, |_| {}, out);
    assert_eq!(r.status, 3);
    assert_eq!(r.stdout, "ready\ngot-INT\n");

    let r = boot("sleep 600", &dir, |o| o.timeout_secs = Some(20), Buf::default());
    assert_eq!(r.status, vm::EXIT_TIMEOUT);
    assert!(r.stderr.contains("timeout"), "{}", r.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}
