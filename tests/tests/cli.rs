//! Unit tier (no kernel needed): the rstap command line, pass 1 on every
//! seed script, diagnostics, -p1/-p2/-p3 output and -v reports.

use rstap_tests::{bin, repo_root, run, scratch, text};
use std::process::{Command, Stdio};

fn rstap(args: &[&str]) -> (i32, String, String) {
    let out = run(Command::new(bin("rstap")).args(args));
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

fn seed(name: &str) -> String {
    repo_root().join("../shared/corpus/seed").join(name).display().to_string()
}

/// Arguments each seed script expects ($1, @1, ...).
fn seed_args(name: &str) -> Vec<&'static str> {
    match &name[..2] {
        "01" | "02" => vec!["1234"],
        "04" => vec!["vfs_read", "ksys_write"],
        "15" => vec!["workloads/calltree"],
        "18" => vec!["workloads/libfakevirt.so"],
        _ => vec![],
    }
}

#[test]
fn every_seed_script_parses_and_prints_back_stably() {
    let dir = repo_root().join("../shared/corpus/seed");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("the seed corpus in ../shared")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".stp"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 18);
    let tmp = scratch("cli-seeds");
    for n in &names {
        let mut args = vec!["-p1", "--"];
        let path = seed(n);
        args.push(&path);
        args.extend(seed_args(n));
        let (code, out, err) = rstap(&args);
        assert_eq!(code, 0, "{n}: {err}");
        assert!(out.contains("probe "), "{n} printed no probe:\n{out}");
        // The printed script parses again to the same text.
        let again = tmp.join(n);
        std::fs::write(&again, &out).unwrap();
        let mut args2 = vec!["-p1", "--"];
        let p2 = again.display().to_string();
        args2.push(&p2);
        args2.extend(seed_args(n));
        let (code2, out2, err2) = rstap(&args2);
        assert_eq!(code2, 0, "{n} reprinted: {err2}");
        assert_eq!(out, out2, "{n}: -p1 output is not stable");
    }
}

#[test]
fn parse_error_names_place_shows_caret_and_expectation() {
    let (code, _, err) = rstap(&["-p1", "-e", "probe begin {\n  x = \n}"]);
    assert_eq!(code, 1);
    assert!(err.contains("error: unexpected"), "{err}");
    assert!(err.contains("--> <input>:3:1"), "{err}");
    assert!(err.contains("expected"), "{err}");
    assert!(err.lines().any(|l| l.trim_start().starts_with("|") && l.contains('^')), "no caret line:\n{err}");
    assert!(err.contains("Pass 1: parse failed"), "{err}");
}

#[test]
fn missing_script_argument_is_explained() {
    let (code, _, err) = rstap(&["-p1", "-e", "probe begin { println($2) }", "one"]);
    assert_eq!(code, 1);
    assert!(err.contains("<input>:1:"), "{err}");
    assert!(err.contains("1 argument"), "{err}");
}

#[test]
fn unknown_probe_point_is_an_error_with_help() {
    let (code, _, err) = rstap(&["-p2", "-e", "probe nosuch.point { }"]);
    assert_eq!(code, 1);
    assert!(err.contains("error: probe point 'nosuch.point'"), "{err}");
    assert!(err.contains("--> <input>:1:7"), "{err}");
    assert!(err.contains("Pass 2: analysis failed"), "{err}");
    // Optional points are dropped quietly.
    let (code, out, err) = rstap(&["-p2", "-e", "probe nosuch.point ?, begin { }"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "# probes\nbegin");
}

#[test]
fn type_conflicts_name_both_places() {
    let (code, _, err) = rstap(&["-p2", "-e", "global g\nprobe begin { g = 1 }\nprobe end { g = \"s\" }"]);
    assert_eq!(code, 1);
    assert!(err.contains("type mismatch"), "{err}");
    assert!(err.contains("<input>:3:"), "{err}");
    assert!(err.contains("<input>:2:"), "{err}");
}

#[test]
fn printf_arguments_are_checked() {
    let (code, _, err) = rstap(&["-p2", "-e", r#"probe begin { printf("%d %s\n", 1) }"#]);
    assert_eq!(code, 1);
    assert!(err.contains("the format takes 2 arguments, 1 given"), "{err}");
    let (code, _, err) = rstap(&["-p2", "-e", r#"probe begin { printf("%d\n", "str") }"#]);
    assert_eq!(code, 1);
    assert!(err.contains("expected a long, found a string"), "{err}");
}

#[test]
fn embedded_c_needs_guru_mode() {
    let (code, _, err) = rstap(&["-p2", "-e", "%{ int x; %}\nprobe begin { }"]);
    assert_eq!(code, 1);
    assert!(err.contains("guru mode"), "{err}");
    assert!(err.contains("-g"), "{err}");
    let (code, _, err) = rstap(&["-p2", "-g", "-e", "%{ int x; %}\nprobe begin { }"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn p2_lists_globals_functions_probes() {
    let (code, out, err) = rstap(&["-p2", "-e", "global n, s\nfunction f(x) { return x . \"!\" }\nprobe begin, timer.ms(10) { n++; s = f(\"a\") }"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "# globals\nn:long\ns:string\n# functions\nf:string (x:string)\n# probes\nbegin\ntimer.ms(10)\n");
}

#[test]
fn p3_prints_the_generated_c() {
    let (code, out, err) = rstap(&["-p3", "-e", "probe begin { printf(\"hi %d\\n\", 1) }"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("#include \"runtime.h\""), "{out}");
    // Arguments are bound left to right, then the kernel-format call.
    assert!(out.contains("long long _t1 = (long long)((s64)1LL); rt_printf(c, \"hi %lld\\n\", _t1);"), "{out}");
    assert!(out.contains("int rt_probes_start(void)"), "{out}");
}

#[test]
fn verbose_reports_each_pass_like_systemtap() {
    let (code, _, err) = rstap(&["-v", "-p3", "-e", "probe begin { }"]);
    assert_eq!(code, 0, "{err}");
    let re = |p: &str| regex::Regex::new(p).unwrap();
    let mem = r"using \d+virt/\d+res/\d+shr/\d+data kb, in \d+usr/\d+sys/\d+real ms\.$";
    assert!(err.lines().any(|l| re(&format!(r"^Pass 1: parsed user script and \d+ library scripts {mem}")).is_match(l)), "{err}");
    assert!(err.lines().any(|l| re(&format!(r"^Pass 2: analyzed script: 1 probe, 0 functions, 0 embeds, 0 globals {mem}")).is_match(l)), "{err}");
    assert!(err.lines().any(|l| re(&format!(r#"^Pass 3: translated to C into ".*\.c" {mem}"#)).is_match(l)), "{err}");
}

#[test]
fn script_from_standard_input() {
    let mut child = Command::new(bin("rstap"))
        .args(["-p1", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"probe timer.ms(100) { n++ }").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert!(text(&out.stdout).contains("timer.ms(100)"));
}

#[test]
fn shebang_options_arrive_as_one_argument_and_are_split() {
    let dir = scratch("cli-shebang");
    let script = dir.join("run-me.stp");
    std::fs::write(&script, format!("#!{} -p1 -v\nprobe begin {{ exit() }}\n", bin("rstap").display())).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = run(&mut Command::new(&script));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("probe begin"));
    assert!(text(&out.stderr).contains("Pass 1: parsed"));
}

#[test]
fn rstaprun_links_neither_the_translator_nor_gimli_nor_tera() {
    let out = run(Command::new(env!("CARGO"))
        .current_dir(repo_root())
        .args(["tree", "--offline", "-p", "rstaprun", "-e", "normal", "--prefix", "none"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let deps = text(&out.stdout);
    for forbidden in ["rstap v", "gimli", "tera", "lalrpop", "object"] {
        assert!(!deps.lines().any(|l| l.starts_with(forbidden)), "rstaprun depends on {forbidden}:\n{deps}");
    }
}

#[test]
fn prep_reports_installed_debuginfo() {
    // The build and VM tiers need it, so setup.sh installed it: --prep finds it.
    let kver = rstap_tests::kernel_releases().into_iter().find(|k| std::path::Path::new(&format!("/usr/lib/debug/boot/vmlinux-{k}")).exists());
    let Some(kver) = kver else { panic!("no kernel debuginfo installed: run scripts/setup.sh") };
    let (code, _, err) = rstap(&["--prep", "-r", &kver]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains(&format!("debuginfo for {kver} is installed")), "{err}");
}

#[test]
fn unused_tapset_globals_stay_out_of_the_module() {
    let lib = repo_root().join("tests/vm/tapsets").display().to_string();
    let (code, out, err) = rstap(&["-p3", "-I", &lib, "-e", "probe begin { exit() }"]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("test_counter_value"), "an unused tapset global was emitted");
    assert!(!err.contains("warning"), "{err}");
    let (code, out, err) = rstap(&["-p3", "-I", &lib, "-e", "probe begin { println(test_counter_bump()) }"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("g_test_counter_value_lock, true"), "{out}");
}
