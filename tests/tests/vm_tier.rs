//! VM tier: every script of tests/vm/ built on the host (`rstap -p4 -r
//! KVER`), then all of them run in one boot of Debian's kernel under QEMU
//! by rstaprun (or by rstap itself, whose build the host then serves).
//! `rstap vm` fails the boot if the kernel log shows any BUG, WARNING,
//! Oops, lockdep or KASAN report; the guest also checks that no module is
//! left loaded after each script.

use rstap_tests::{bin, cases, kernel_releases, repo_root, run, scratch, text, vm_kernel_releases};
use std::fmt::Write;
use std::process::Command;
use std::sync::Mutex;

#[test]
fn vm_tier() {
    let mut failed = Vec::new();
    for kver in vm_kernel_releases() {
        failed.extend(run_all(&kver).into_iter().map(|n| format!("{kver}: {n}")));
    }
    assert!(failed.is_empty(), "failed: {failed:?} (outputs in the scratch directory, vm-*)");
}

/// Builds and runs every case against one kernel; returns the failed cases.
fn run_all(kver: &str) -> Vec<String> {
    let dir = scratch(&format!("vm-{kver}"));
    compile_programs(&dir);
    let mut all = cases::all(&repo_root().join("tests/vm"));
    all.retain(|c| {
        let ok = c.runs_on(kver);
        if !ok {
            println!("vm {kver} {} ... not for this kernel (# kernels: {})", c.name, c.kernels.join(" "));
        }
        ok
    });
    if rstap_tests::is_preempt_rt(kver) && std::env::var_os("RSTAP_TEST_RT_FULL").is_none() {
        all.retain(|c| {
            let ok = rstap_tests::in_rt_subset(&c.name);
            if !ok {
                println!("vm {kver} {} ... not in the rt subset (RSTAP_TEST_RT_FULL=1 runs it)", c.name);
            }
            ok
        });
    }
    // `# build: -r OTHER`: for another installed kernel, when there is one.
    let other = kernel_releases().into_iter().find(|k| k != kver);
    all.retain_mut(|c| match c.build_opts.iter().position(|o| o == "OTHER") {
        None => true,
        Some(i) => match &other {
            Some(o) => {
                c.build_opts[i] = o.clone();
                true
            }
            None => {
                println!("vm {kver} {} ... skipped: only one kernel installed", c.name);
                false
            }
        },
    });
    let only = std::env::var("RSTAP_TEST_ONLY").ok();
    // RSTAP_TEST_ONLY=a,b keeps the cases whose names contain a or b.
    let all: Vec<_> = all
        .into_iter()
        .filter(|c| only.as_ref().is_none_or(|o| o.split(',').any(|part| c.name.contains(part))))
        .collect();
    let rstap = bin("rstap");
    let rstaprun = bin("rstaprun");

    // Host builds, two at a time (the machine has two cores).
    let failures = Mutex::new(Vec::new());
    let queue = Mutex::new(all.iter().filter(|c| c.needs_host_build()).collect::<Vec<_>>());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let Some(c) = queue.lock().unwrap().pop() else { break };
                let release = c.build_opts.iter().position(|o| o == "-r").map(|i| c.build_opts[i + 1].as_str()).unwrap_or(kver);
                let repo = repo_root().display().to_string();
                let opts: Vec<String> = c
                    .build_opts
                    .iter()
                    .enumerate()
                    .filter(|(i, o)| *o != "-r" && (*i == 0 || c.build_opts[i - 1] != "-r"))
                    .map(|(_, o)| o.replace("{repo}", &repo))
                    .collect();
                let out = run(Command::new(&rstap)
                    .current_dir(&dir)
                    .args(["-p4", "-r", release, "-m", &c.name])
                    .args(opts)
                    .arg(&c.script));
                if !out.status.success() {
                    failures.lock().unwrap().push(format!("{}: build failed:\n{}", c.name, text(&out.stderr)));
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // The cases without `# boot:` share one boot; each with it gets a boot of its own,
    // with its words added to the kernel command line.
    let shared: Vec<&cases::Case> = all.iter().filter(|c| c.boot.is_none()).collect();
    let mut boots: Vec<(String, Vec<&cases::Case>)> = Vec::new();
    if !shared.is_empty() {
        boots.push(("run".into(), shared));
    }
    for c in all.iter().filter(|c| c.boot.is_some()) {
        boots.push((format!("run-{}", c.name), vec![c]));
    }
    for (script, group) in &boots {
        boot(kver, &dir, script, group, &rstap, &rstaprun);
    }

    let mut passed = 0;
    let mut failed = Vec::new();
    for c in &all {
        match c.judge(&dir) {
            Ok(()) => {
                passed += 1;
                println!("vm {kver} {} ... ok", c.name);
            }
            Err(e) => {
                println!("vm {kver} {} ... FAILED\n{e}", c.name);
                failed.push(c.name.clone());
            }
        }
    }
    println!("vm tier on {kver}: {passed} passed, {} failed", failed.len());
    failed
}

/// One boot of `kver` running `group`: a guest script (`NAME.sh` in `dir`) runs each case
/// with a time limit and records its status, output, and the modules left loaded after it,
/// then removes those: one case's leftover must not fail every case after it. A group of
/// one case with `# boot: WORDS` boots with WORDS added to the kernel command line.
fn boot(kver: &str, dir: &std::path::Path, name: &str, group: &[&cases::Case], rstap: &std::path::Path, rstaprun: &std::path::Path) {
    let mut sh = String::from("#!/bin/sh\ncd \"$(dirname \"$0\")\"\n");
    for c in group {
        let ko = dir.join(format!("{}.ko", c.name));
        let cmd = c.command(rstaprun, rstap, &ko, dir);
        writeln!(
            sh,
            "echo '== {n}' >&2\ntimeout -s KILL 120 sh -c {q} >{n}.out 2>{n}.err </dev/null; echo $? >{n}.rc\ngrep -c '^stap_\\|^{n} ' /proc/modules >{n}.left\n\
             for m in $(awk '/^stap_|^{n} / {{ print $1 }}' /proc/modules); do {r} -d $m 2>/dev/null || rmmod $m; done\n",
            n = c.name,
            q = shell_quote(&cmd),
            r = rstaprun.display()
        )
        .unwrap();
    }
    sh.push_str("exit 0\n");
    let script = format!("{name}.sh");
    std::fs::write(dir.join(&script), sh).unwrap();
    let mut cmd = Command::new(rstap);
    cmd.current_dir(dir).args(["vm", "--kernel", kver, "--timeout", "1500", "--", "sh", &format!("./{script}")]);
    if let Some(words) = group.iter().find_map(|c| c.boot.as_deref()).filter(|w| !w.is_empty()) {
        let append = match std::env::var("RSTAP_VM_APPEND") {
            Ok(a) if !a.is_empty() => format!("{a} {words}"),
            _ => words.to_string(),
        };
        cmd.env("RSTAP_VM_APPEND", append);
    }
    let vm = run(&mut cmd);
    let vm_stderr = text(&vm.stderr);
    assert!(vm.status.success(), "rstap vm ({script}) failed ({:?}):\n{vm_stderr}", vm.status.code());
}

/// The test programs of tests/vm/*.c and *.cc, compiled into the scratch directory
/// (where the scripts are built and run) once per `// cc: FLAGS -o NAME` line.
fn compile_programs(dir: &std::path::Path) {
    let src_dir = repo_root().join("tests/vm");
    for entry in std::fs::read_dir(&src_dir).unwrap().flatten() {
        let src = entry.path();
        // C with cc, C++ (.cc) with c++.
        let compiler = match src.extension().and_then(|e| e.to_str()) {
            Some("c") => "cc",
            Some("cc") => "c++",
            _ => continue,
        };
        let source = std::fs::read_to_string(&src).unwrap();
        for flags in source.lines().filter_map(|l| l.strip_prefix("// cc: ")) {
            let out = run(Command::new(compiler).current_dir(dir).args(flags.split_whitespace()).arg(&src));
            assert!(out.status.success(), "cc {flags} {}:\n{}", src.display(), text(&out.stderr));
        }
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}
