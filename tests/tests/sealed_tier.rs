//! Production tier: the cases marked `# sealed` (the seed scripts; tests/src/cases.rs),
//! built on the host with `rstap -p4 -r KVER` for every installed kernel flavour (Debian's
//! cloud kernel, which has no 9p, included), then run in one sealed boot per kernel
//! (`rstap vm --sealed`): the guest holds rstaprun, the modules, target/workloads, the
//! files their run lines name, their libraries and busybox, and nothing of rstap, the
//! kernel's headers or its debuginfo. Each boot first checks that the guest really is
//! sealed. On a PREEMPT_RT kernel the guest has 2 CPUs, each kept busy by a spinning shell
//! for as long as the cases run. The kernel log must stay clean (`rstap vm` fails if not).

use rstap_tests::{bin, cases, kernel_releases, repo_root, run, scratch, text};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Instant;

#[test]
fn sealed_tier() {
    let mut failed = Vec::new();
    for kver in kernel_releases() {
        failed.extend(run_sealed(&kver).into_iter().map(|n| format!("{kver}: {n}")));
    }
    assert!(failed.is_empty(), "failed: {failed:?} (outputs in the scratch directory, sealed-*)");
}

/// Absolute paths a run line names that the guest must hold: host files outside the
/// guest's own /proc, /sys, /dev, /run and /tmp (but the scratch directory's).
fn named_files(cmd: &str, dir: &Path) -> Vec<PathBuf> {
    let re = regex::Regex::new(r#"(?:^|[\s'"=<>])(/[^\s'";|&<>()$]+)"#).unwrap();
    re.captures_iter(cmd)
        .map(|c| PathBuf::from(&c[1]))
        .filter(|p| p.is_file())
        .filter(|p| p.starts_with(dir) || !["/proc", "/sys", "/dev", "/run", "/tmp"].iter().any(|d| p.starts_with(d)))
        .collect()
}

/// Builds and runs the sealed cases against one kernel; returns the failed ones.
fn run_sealed(kver: &str) -> Vec<String> {
    let dir = scratch(&format!("sealed-{kver}"));
    let only = std::env::var("RSTAP_TEST_ONLY").ok();
    let mut all: Vec<cases::Case> = cases::all(&repo_root().join("tests/vm"))
        .into_iter()
        .filter(|c| c.sealed.is_some())
        .filter(|c| only.as_ref().is_none_or(|o| o.split(',').any(|part| c.name.contains(part))))
        .collect();
    all.retain(|c| {
        let ok = c.runs_on(kver);
        if !ok {
            println!("sealed {kver} {} ... not for this kernel (# kernels: {})", c.name, c.kernels.join(" "));
        }
        ok
    });
    if all.is_empty() {
        return Vec::new();
    }
    let rstap = bin("rstap");
    let rstaprun = bin("rstaprun");
    let workloads = repo_root().join("target/workloads");
    assert!(workloads.join("calltree").exists(), "no {}: run scripts/setup.sh", workloads.display());

    // What only the host can do, then the host builds, two at a time (two cores).
    let t0 = Instant::now();
    for c in &all {
        let Some(host) = c.sealed.as_ref().and_then(|s| s.host.as_ref()) else { continue };
        let cmd = c.fill(host, &rstaprun, &rstap, &dir.join(format!("{}.ko", c.name)), &dir).replace("{kver}", kver);
        let out = run(Command::new("sh").current_dir(&dir).args(["-c", &cmd]));
        assert!(out.status.success(), "{}: # sealed-host: failed:\n{}", c.name, text(&out.stderr));
    }
    let failures = Mutex::new(Vec::new());
    let queue = Mutex::new(all.iter().collect::<Vec<_>>());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let Some(c) = queue.lock().unwrap().pop() else { break };
                let ko = dir.join(format!("{}.ko", c.name));
                let mut cmd = Command::new(&rstap);
                cmd.current_dir(&dir).args(["-p4", "-r", kver, "-m", &c.name]);
                cmd.args(c.build_opts.iter().map(|o| c.fill(o, &rstaprun, &rstap, &ko, &dir)));
                match c.sealed.as_ref().and_then(|s| s.build.as_ref()) {
                    None => {
                        cmd.arg(&c.script);
                    }
                    Some(b) => {
                        let mut words = b.split_whitespace().peekable();
                        while let Some((k, v)) = words.peek().and_then(|w| w.split_once('=')).filter(|(k, _)| k.chars().all(|ch| ch.is_ascii_uppercase() || ch == '_')) {
                            cmd.env(k, c.fill(v, &rstaprun, &rstap, &ko, &dir));
                            words.next();
                        }
                        let words: Vec<&str> = words.collect();
                        cmd.args(words.iter().map(|w| c.fill(w, &rstaprun, &rstap, &ko, &dir)));
                        if !words.contains(&"{script}") {
                            cmd.arg(&c.script);
                        }
                    }
                }
                let out = run(&mut cmd);
                if !out.status.success() {
                    failures.lock().unwrap().push(format!("{}: build failed:\n{}", c.name, text(&out.stderr)));
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let built = t0.elapsed();

    // The guest's script: the sealed checks, the load (rt), every case with a time limit
    // (status, output and the modules left loaded recorded in files, leftovers removed),
    // then every result file sent back on stdout, framed by name and size.
    let mut include: Vec<PathBuf> = vec![rstaprun.clone(), workloads, dir.join("run.sh")];
    let mut sh = String::from("#!/bin/sh\ncd \"$(dirname \"$0\")\"\n");
    sh.push_str(SEALED_CHECK);
    let rt = rstap_tests::is_preempt_rt(kver);
    if rt {
        sh.push_str("nproc > load.nproc; cut -d' ' -f1 /proc/uptime > load.t0\n");
        sh.push_str("for i in 1 2; do sh -c 'while :; do :; done' & echo $! >> load.pids; done\n");
    }
    for c in &all {
        let ko = dir.join(format!("{}.ko", c.name));
        let cmd = c.sealed_command(&rstaprun, &ko, &dir);
        assert!(!cmd.contains("/rstap-is-not-on-a-production-host"), "{}: the sealed run line uses {{rstap}}", c.name);
        include.push(ko);
        include.extend(named_files(&cmd, &dir));
        include.extend(c.sealed.as_ref().unwrap().include.iter().map(PathBuf::from));
        writeln!(
            sh,
            "echo '== {n}' >&2\ntimeout -s KILL 120 sh -c {q} >{n}.out 2>{n}.err </dev/null; echo $? >{n}.rc\ngrep -c '^stap_\\|^{n} ' /proc/modules >{n}.left\n\
             for m in $(awk '/^stap_|^{n} / {{ print $1 }}' /proc/modules); do {r} -d $m 2>/dev/null || rmmod $m; done",
            n = c.name,
            q = shell_quote(&cmd),
            r = rstaprun.display()
        )
        .unwrap();
        if rt {
            // The load must still be there: a case must not have killed it.
            writeln!(sh, "for p in $(cat load.pids); do kill -0 $p || echo {n} >> load.lost; done", n = c.name).unwrap();
        }
    }
    if rt {
        // The CPU time the loads got (utime + stime, in USER_HZ ticks), and when they ended.
        sh.push_str("cut -d' ' -f1 /proc/uptime > load.t1\nfor p in $(cat load.pids); do awk '{ print $14 + $15 }' /proc/$p/stat; done > load.ticks\nkill $(cat load.pids)\n");
    }
    sh.push_str("for f in *.out *.err *.rc *.left sealed.* load.*; do [ -f \"$f\" ] && echo \"@@ $f $(wc -c < \"$f\")\" && cat \"$f\"; done\nexit 0\n");
    std::fs::write(dir.join("run.sh"), sh).unwrap();
    include.sort();
    include.dedup();

    let mut vm = Command::new(&rstap);
    vm.current_dir(&dir).args(["vm", "-v", "--sealed", "--kernel", kver, "--timeout", "1500"]);
    if rt {
        vm.args(["--smp", "2"]);
    }
    for p in &include {
        vm.arg("--include").arg(p);
    }
    vm.args(["--", "sh", "./run.sh"]);
    let t1 = Instant::now();
    let out = run(&mut vm);
    let booted = t1.elapsed();
    let vm_stderr = text(&out.stderr);
    assert!(out.status.success(), "rstap vm --sealed failed ({:?}):\n{vm_stderr}", out.status.code());
    let files = unframe(&out.stdout);
    for (name, data) in &files {
        std::fs::write(dir.join(name), data).unwrap();
    }
    let read = |f: &str| files.get(f).map(|d| text(d)).unwrap_or_default();
    for l in vm_stderr.lines().filter(|l| l.contains("sealed initramfs") || l.contains("guest ready")) {
        println!("sealed {kver}: {}", l.trim_start_matches("rstap vm: "));
    }

    let mut failed = Vec::new();
    match check_sealed(&read("sealed.out"), &read("sealed.manifest"), &include) {
        Ok(()) => println!("sealed {kver} (the guest is sealed) ... ok"),
        Err(e) => {
            println!("sealed {kver} (the guest is sealed) ... FAILED\n{e}");
            failed.push("sealed check".to_string());
        }
    }
    if rt {
        match check_load(&read("load.nproc"), &read("load.t0"), &read("load.t1"), &read("load.ticks"), &read("load.lost")) {
            Ok(m) => println!("sealed {kver} (load on 2 CPUs: {m}) ... ok"),
            Err(e) => {
                println!("sealed {kver} (load on 2 CPUs) ... FAILED: {e}");
                failed.push("load".to_string());
            }
        }
    }
    let mut passed = 0;
    for c in &all {
        let mut c = c.clone();
        if c.sealed.as_ref().is_some_and(|s| s.run.is_some()) {
            c.stderr_match.clear(); // they describe the guest build's reports
        }
        match c.judge(&dir) {
            Ok(()) => {
                passed += 1;
                println!("sealed {kver} {} ... ok", c.name);
            }
            Err(e) => {
                println!("sealed {kver} {} ... FAILED\n{e}", c.name);
                failed.push(c.name.clone());
            }
        }
    }
    println!(
        "sealed tier on {kver}{}: {passed} passed, {} failed; host builds {:.0}s, sealed boot and run {:.0}s",
        if rt { " (2 CPUs under load)" } else { "" },
        failed.len(),
        built.as_secs_f64(),
        booted.as_secs_f64()
    );
    failed
}

/// The guest's proof of being sealed, before anything runs: what a production host lacks
/// must be absent, no 9p, and the files present must be exactly the image's manifest.
const SEALED_CHECK: &str = r#"echo '== sealed check' >&2
C=/run/sealed-check
mkdir -p $C
{
for p in /usr/lib/debug /lib/modules /usr/lib/modules /usr/share/systemtap /usr/share/rstap /usr/src /usr/include; do
    [ -e "$p" ] && echo "present: $p"
done
for c in rstap stap staprun gcc cc make ld as; do
    command -v "$c" >/dev/null 2>&1 && echo "present: command $c: $(command -v "$c")"
done
grep -w 9p /proc/filesystems | sed 's/^/present: file system /'
awk '$3 == "9p" { print "present: 9p mount " $2 }' /proc/mounts
find / -xdev -type f ! -path "$C/*" ! -path /run/rstap/pid > $C/found
awk 'NR == FNR { l[$1] = 1; next } !($1 in l) { print "unlisted: " $1 }' /rstap/manifest $C/found
awk 'NR == FNR { f[$1] = 1; next } !($1 in f) { print "missing: " $1 }' $C/found /rstap/manifest
echo "files: $(wc -l < $C/found)"
} > $C/report 2>&1
cp $C/report sealed.out
cp /rstap/manifest sealed.manifest
"#;

/// Checks the guest's report and its manifest: every file is rstap vm's own, included, or
/// a shared library or loader an included program needs.
fn check_sealed(report: &str, manifest: &str, include: &[PathBuf]) -> Result<(), String> {
    let mut problems: Vec<String> = report.lines().filter(|l| !l.starts_with("files: ")).map(str::to_string).collect();
    if !report.lines().any(|l| l.starts_with("files: ")) {
        problems.push(format!("no report from the guest: {report:?}"));
    }
    if manifest.is_empty() {
        problems.push("no manifest".into());
    }
    for l in manifest.lines() {
        let (path, why) = l.split_once(' ').unwrap_or((l, ""));
        let ok = match why.split_once(' ').map(|(w, _)| w).unwrap_or(why) {
            "rstap" => path == "/init" || path.starts_with("/rstap/"),
            // As given, or where the host's links lead (/bin/sh: /usr/bin/dash).
            "include" => include.iter().any(|i| {
                Path::new(path).starts_with(i) || i.canonicalize().is_ok_and(|c| Path::new(path).starts_with(c))
            }),
            "needed-by" | "interpreter-of" => path.rsplit('/').next().is_some_and(|f| f.contains(".so")),
            _ => false,
        };
        if !ok {
            problems.push(format!("unexpected in the image: {l}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// The load was there all along: 2 CPUs, 2 spinning shells alive after every case, each
/// having had at least a quarter of a CPU over the whole run (USER_HZ is 100).
fn check_load(nproc: &str, t0: &str, t1: &str, ticks: &str, lost: &str) -> Result<String, String> {
    if nproc.trim() != "2" {
        return Err(format!("the guest has {:?} CPUs", nproc.trim()));
    }
    if !lost.is_empty() {
        return Err(format!("a spinning shell was gone after {}", lost.trim()));
    }
    let secs = |s: &str| s.trim().parse::<f64>().map_err(|_| format!("bad uptime {s:?}"));
    let wall = secs(t1)? - secs(t0)?;
    let cpu: Vec<f64> = ticks.lines().filter_map(|l| l.trim().parse::<f64>().ok()).map(|t| t / 100.0).collect();
    if cpu.len() != 2 || wall <= 0.0 {
        return Err(format!("loads' CPU times {ticks:?} over {wall:.0}s"));
    }
    let share: Vec<String> = cpu.iter().map(|c| format!("{:.0}%", 100.0 * c / wall)).collect();
    if cpu.iter().any(|c| *c < wall / 4.0) {
        return Err(format!("the spinning shells had {} of a CPU over {wall:.0}s", share.join(" and ")));
    }
    Ok(format!("{} of a CPU each over {wall:.0}s", share.join(" and ")))
}

/// The guest's result files: `@@ NAME SIZE` then SIZE bytes, one after another.
fn unframe(mut b: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    while let Some(nl) = b.iter().position(|&c| c == b'\n') {
        let head = text(&b[..nl]);
        let Some((name, size)) = head.strip_prefix("@@ ").and_then(|h| h.rsplit_once(' ')) else { break };
        let Ok(size) = size.trim().parse::<usize>() else { break };
        let end = (nl + 1 + size).min(b.len());
        files.insert(name.to_string(), b[nl + 1..end].to_vec());
        b = &b[end..];
    }
    files
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}
