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
fn user_objects_are_embedded_only_when_user_symbols_are_read() {
    let uses = "probe begin { println(usymname(0)) }";
    let (code, out, err) = rstap(&["-vv", "-p3", "-d", "/bin/true", "-e", uses]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("static struct rt_uobj rt_uobj_table[] = {"), "{out}");
    assert!(out.contains(".path = \"/usr/bin/true\""), "{out}");
    let re = regex::Regex::new(r"^Pass 3: user object /usr/bin/true: [1-9]\d* symbols, [1-9]\d* unwind rows$").unwrap();
    assert!(err.lines().any(|l| re.is_match(l)), "{err}");
    // --ldd adds the libraries /bin/true needs: libc.
    let (code, out, err) = rstap(&["-p3", "--ldd", "-d", "/bin/true", "-e", uses]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("/libc.so.6\""), "{out}");
    // Without a user-symbol function no table is emitted; a missing -d file is an error.
    let (code, out, err) = rstap(&["-p3", "-d", "/bin/true", "-e", "probe begin { println(1) }"]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("rt_uobj_table"), "{out}");
    let (code, _, err) = rstap(&["-p3", "-d", "/no/such/file", "-e", "probe begin { println(1) }"]);
    assert_ne!(code, 0);
    assert!(err.contains("-d /no/such/file: no such file"), "{err}");
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

/// The loader ships alone to production hosts: its shipped build (Cargo.toml's `loader`
/// profile) stays small, stripped, and needs nothing but the C library (and libgcc_s,
/// which Rust's std links) at run time.
#[test]
fn shipped_rstaprun_is_small_and_needs_only_libc() {
    if cfg!(debug_assertions) {
        return; // the debug build is not what ships
    }
    let rstaprun = bin("rstaprun");
    assert!(rstaprun.parent().unwrap().ends_with("loader"), "{}", rstaprun.display());
    let size = std::fs::metadata(&rstaprun).unwrap().len();
    assert!(size < 480 * 1024, "{} is {size} bytes", rstaprun.display());
    let out = run(Command::new("readelf").args(["-S", "-d"]).arg(&rstaprun));
    let elf = text(&out.stdout);
    assert!(!elf.contains(".symtab") && !elf.contains(".debug_"), "not stripped:\n{elf}");
    let needed: Vec<&str> = elf.lines().filter(|l| l.contains("(NEEDED)")).collect();
    for l in &needed {
        assert!(l.contains("[libc.so.6]") || l.contains("[libgcc_s.so.1]"), "needs {l}");
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

/// Pass 2's optimisation: dead branches, unused globals and functions, folded constants
/// leave the C; `-u` keeps them all; `-w` silences the warnings.
#[test]
fn optimisation_shrinks_the_c_and_u_keeps_everything() {
    let script = r#"global unused_g, used_g
function unused_f() { return "dead function text" }
function only_called_dead() { return "dead callee text" }
probe begin {
	if (0) { println("dead if text"); println(only_called_dead()) }
	while (0) println("dead while text")
	for (i = 3; 2 < 1; i++) println("dead for text")
	x = 1 + 2 * 3
	s = 1 > 2 ? "dead ternary text" : "live"
	used_g = x << 2
	unread = 5
	println(x, s, used_g, i)
	exit()
}
"#;
    let (code, opt, err) = rstap(&["-p3", "-e", script]);
    assert_eq!(code, 0, "{err}");
    let (code, unopt, err_u) = rstap(&["-p3", "-u", "-e", script]);
    assert_eq!(code, 0, "{err_u}");
    assert!(opt.len() < unopt.len(), "optimised C: {} bytes, -u: {} bytes", opt.len(), unopt.len());
    for dead in [
        "dead if text",
        "dead while text",
        "dead for text",
        "dead ternary text",
        "dead function text",
        "dead callee text",
        "g_unused_g",
        "l_unread",
    ] {
        assert!(!opt.contains(dead), "{dead} is in the optimised C");
        assert!(unopt.contains(dead), "{dead} is not in the -u C");
    }
    // Folded: 1 + 2 * 3 is 7, and nothing multiplies; -u computes it at run time.
    assert!(opt.contains("((s64)7LL)") && !opt.contains("rt_mul("), "{opt}");
    assert!(unopt.contains("rt_mul(((s64)2LL), ((s64)3LL))"), "{unopt}");
    // The for's init stays.
    assert!(opt.contains("l_i = ((s64)3LL)"), "{opt}");
    for w in [
        "warning: eliding unused variable 'unused_g'",
        "warning: eliding unused function 'unused_f'",
        // Called from dead code only: as unused as SystemTap sees it.
        "warning: eliding unused function 'only_called_dead'",
        "warning: eliding side-effect-free expression",
    ] {
        assert!(err.contains(w), "no '{w}' in:\n{err}");
    }
    assert!(!err_u.contains("warning"), "-u elides nothing, so it warns of nothing:\n{err_u}");
    let (code, _, err_w) = rstap(&["-p3", "-w", "-e", script]);
    assert_eq!(code, 0, "{err_w}");
    assert!(err_w.is_empty(), "-w: {err_w}");
    // -vv reports what the optimisation did, within pass 2.
    let (_, _, err_v) = rstap(&["-p2", "-vv", "-w", "-e", script]);
    assert!(err_v.lines().any(|l| l.starts_with("Pass 2: optimized: ") && l.contains("folded")), "{err_v}");
}

/// `@defined`: a dead arm with a target variable that does not resolve is not an error,
/// with or without -u; a call in dead code must still name a function.
#[test]
fn defined_prunes_before_type_checking() {
    let script = r#"probe begin { println(@defined($nosuch) ? $nosuch : "none"); if (@defined($p->x)) println($p->x); println(@defined(n), @defined($nosuch)); n = 1 }"#;
    for flags in [&[][..], &["-u"][..]] {
        let mut args = vec!["-p3"];
        args.extend_from_slice(flags);
        args.extend(["-e", script]);
        let (code, out, err) = rstap(&args);
        assert_eq!(code, 0, "{flags:?}: {err}");
        assert!(!out.contains("nosuch"), "{flags:?}");
    }
    let (code, _, err) = rstap(&["-p2", "-e", "probe begin { println($nosuch) }"]);
    assert_eq!(code, 1, "{err}");
    let (code, _, err) = rstap(&["-p2", "-e", "probe begin { if (0) nosuch_fn() }"]);
    assert_eq!(code, 1);
    assert!(err.contains("error: unknown function 'nosuch_fn'"), "{err}");
}

/// Folding is left to the runtime where it must report: a division by a constant zero.
#[test]
fn division_by_constant_zero_is_not_folded() {
    let (code, out, err) = rstap(&["-p3", "-e", "probe begin { println(10 / (2 - 2), 7 % 0, 8 / 2) }"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("rt_div(c, ((s64)10LL), ((s64)0LL))"), "{out}");
    assert!(out.contains("rt_mod(c, ((s64)7LL), ((s64)0LL))"), "{out}");
    assert!(!out.contains("rt_div(c, ((s64)8LL)"), "{out}");
}

/// `-G` does not make a global used: an unused one is elided, and rstap says the value
/// goes nowhere (with -u it is kept, and nothing is said).
#[test]
fn g_on_an_elided_global_warns() {
    let script = "global unused_g, used_g probe begin { println(used_g) }";
    let (code, _, err) = rstap(&["-p2", "-G", "unused_g=3", "-G", "used_g=2", "-e", script]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("rstap: warning: -G unused_g: the module has no global 'unused_g'"), "{err}");
    assert!(!err.contains("-G used_g"), "{err}");
    let (code, out, err) = rstap(&["-p2", "-u", "-G", "unused_g=3", "-e", script]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("unused_g:long") && !err.contains("-G"), "{out}{err}");
}

#[test]
fn list_tracepoints_with_their_arguments() {
    // Every installed kernel with debuginfo: -L shows the system and the typed arguments
    // (sched_switch's prev_state is in both 6.1 and 6.12), -l the points only.
    let kvers: Vec<String> = rstap_tests::kernel_releases()
        .into_iter()
        .filter(|k| std::path::Path::new(&format!("/usr/lib/debug/boot/vmlinux-{k}")).exists())
        .collect();
    assert!(!kvers.is_empty(), "no kernel debuginfo installed: run scripts/setup.sh");
    for k in &kvers {
        let (rc, out, err) = rstap(&["-r", k, "-L", "kernel.trace(\"sched_switch\")"]);
        assert_eq!(rc, 0, "{err}");
        assert_eq!(
            out,
            "kernel.trace(\"sched:sched_switch\") $preempt:bool $prev:struct task_struct* $next:struct task_struct* $prev_state:unsigned int\n"
        );
        let (rc, out, err) = rstap(&["-r", k, "-l", "kernel.trace(\"irq:irq_handler_*\")"]);
        assert_eq!(rc, 0, "{err}");
        assert_eq!(out, "kernel.trace(\"irq:irq_handler_entry\")\nkernel.trace(\"irq:irq_handler_exit\")\n");
    }
}

/// The seed's `rstap -l 'kernel.trace("kvm*")'`: a module's tracepoints, from its
/// debuginfo (scripts/setup.sh extracts kvm's), with their systems read through the
/// module's relocations (kvm's x86 header says TRACE_SYSTEM kvm, its MMU's kvmmmu).
#[test]
fn list_module_tracepoints() {
    let kvers: Vec<String> = rstap_tests::kernel_releases()
        .into_iter()
        .filter(|k| std::path::Path::new(&format!("/usr/lib/debug/boot/vmlinux-{k}")).exists())
        .collect();
    assert!(!kvers.is_empty(), "no kernel debuginfo installed: run scripts/setup.sh");
    for k in &kvers {
        let (rc, out, err) = rstap(&["-r", k, "-l", "kernel.trace(\"kvm*\")"]);
        assert_eq!(rc, 0, "{k}: {err}");
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines.len() >= 90, "{k}: only {} kvm tracepoints:\n{out}", lines.len());
        for l in &lines {
            assert!(l.starts_with("kernel.trace(\"kvm:kvm_") || l.starts_with("kernel.trace(\"kvmmmu:kvm_"), "{k}: {l}");
        }
        for want in ["kernel.trace(\"kvm:kvm_exit\")", "kernel.trace(\"kvm:kvm_userspace_exit\")", "kernel.trace(\"kvmmmu:kvm_mmu_get_page\")"] {
            assert!(lines.contains(&want), "{k}: no {want} in\n{out}");
        }
        let (rc, out, err) = rstap(&["-r", k, "-L", "kernel.trace(\"kvm:kvm_exit\")"]);
        assert_eq!(rc, 0, "{k}: {err}");
        assert_eq!(out, "kernel.trace(\"kvm:kvm_exit\") $vcpu:struct kvm_vcpu* $isa:u32\n", "{k}");
    }
}

/// -l of library aliases lists the alias names a pattern matches (one component per
/// `*`), -L adds the variables the alias sets and the target variables of the point it
/// resolves to, as SystemTap's `stap -L vfs.read` does.
#[test]
fn list_library_aliases_and_their_variables() {
    let kvers: Vec<String> = rstap_tests::kernel_releases()
        .into_iter()
        .filter(|k| std::path::Path::new(&format!("/usr/lib/debug/boot/vmlinux-{k}")).exists())
        .collect();
    assert!(!kvers.is_empty(), "no kernel debuginfo installed: run scripts/setup.sh");
    for k in &kvers {
        let (rc, out, err) = rstap(&["-r", k, "-l", "kprocess.*"]);
        assert_eq!(rc, 0, "{k}: {err}");
        assert_eq!(
            out,
            "kprocess.create\nkprocess.exec\nkprocess.exec_complete\nkprocess.exit\nkprocess.release\nkprocess.start\n",
            "{k}"
        );
        let (rc, out, err) = rstap(&["-r", k, "-l", "scheduler.*"]);
        assert_eq!(rc, 0, "{k}: {err}");
        assert!(out.lines().all(|l| l.starts_with("scheduler.") && !l.contains(['*', ' '])), "{k}: {out}");
        assert!(out.lines().count() >= 14 && out.contains("scheduler.ctxswitch\n"), "{k}: {out}");
        let (rc, out, err) = rstap(&["-r", k, "-L", "vfs.read"]);
        assert_eq!(rc, 0, "{k}: {err}");
        let line = out.lines().next().unwrap_or_default();
        assert!(line.starts_with("vfs.read ") && out.lines().count() == 1, "{k}: {out}");
        for want in [" file:long", " pathname:string", " bytes_to_read:long", " devname:string", " argstr:string"] {
            assert!(line.contains(want), "{k}: no{want} in {line}");
        }
        assert!(line.ends_with(" $file:struct file* $buf:char* $count:size_t $pos:loff_t*"), "{k}: {line}");
        assert!(!line.contains(" _"), "{k}: internal variables listed: {line}");
    }
}

#[test]
fn dump_functions_lists_the_library_sorted_in_systemtaps_form() {
    let (code, out, err) = rstap(&["--dump-functions"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    for want in [
        "substr:string (str:string, start:long, length:long) /* unprivileged */",
        "execname:string () /* unprivileged */",
        "ucallers:string (n:long)",
    ] {
        assert!(lines.contains(&want), "missing {want:?} in:\n{out}");
    }
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(lines, sorted, "not sorted");
    assert!(lines.iter().all(|l| !l.starts_with('_')), "internal functions listed");
    assert!(lines.iter().all(|l| l.contains(':') && l.contains(" (")), "{out}");
}

#[test]
fn dump_probe_aliases_lists_name_and_expansion() {
    // The syscall family is generated per kernel: ask for an installed one.
    let kernels = rstap_tests::kernel_releases();
    let mut args = vec!["--dump-probe-aliases"];
    if let Some(k) = kernels.first() {
        args.extend(["-r", k.as_str()]);
    }
    let (code, out, err) = rstap(&args);
    assert_eq!(code, 0, "{err}");
    // Without that kernel's syscall table (no headers or debuginfo) the family is left
    // out, with a warning; with one, syscall.read is there.
    if err.contains("syscall.* aliases are left out") {
        assert!(out.is_empty() || out.lines().all(|l| l.contains(" = ")), "{out}");
        return;
    }
    assert!(out.lines().any(|l| l == "syscall.read = __syscall(0)"), "{out}");
    assert!(out.lines().all(|l| l.contains(" = ") || l.contains(" += ")), "{out}");
    assert!(out.lines().all(|l| !l.starts_with('_')), "internal aliases listed");
}
