//! Unit tests of pass 1: the seed corpus, every construct, round trips, error messages.

use super::*;
use crate::ast::*;
use crate::diag::SourceMap;

fn ctx(args: &[&str]) -> PreprocessContext {
    PreprocessContext {
        kernel_release: "6.1.0-28-amd64".into(),
        args: args.iter().map(|s| s.to_string()).collect(),
        config: [("CONFIG_HZ", "250"), ("CONFIG_KPROBES", "y"), ("CONFIG_EXT4_FS", "m")]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
        ..Default::default()
    }
}

fn parse_with(text: &str, args: &[&str]) -> Result<Script, String> {
    let mut sm = SourceMap::new();
    parse_file(&mut sm, "t.stp", text, &ctx(args), &MacroTable::new()).map_err(|e| sm.render_all(&e))
}

fn parse(text: &str) -> Script {
    match parse_with(text, &[]) {
        Ok(s) => s,
        Err(e) => panic!("parse failed:\n{e}\n--- input:\n{text}"),
    }
}

fn err(text: &str, args: &[&str]) -> String {
    match parse_with(text, args) {
        Ok(s) => panic!("expected an error, parsed:\n{}", print_script(&s)),
        Err(e) => e,
    }
}

/// `{:?}` without the spans, to compare trees parsed from different texts.
fn shape<T: std::fmt::Debug>(x: &T) -> String {
    let s = format!("{x:?}");
    let mut out = String::with_capacity(s.len());
    let mut rest = s.as_str();
    while let Some(i) = rest.find("Span(") {
        out.push_str(&rest[..i]);
        let j = rest[i..].find(')').unwrap();
        rest = &rest[i + j + 1..];
    }
    out.push_str(rest);
    out.replace("file: f0, ", "").replace("file: f1, ", "")
}

/// Print, re-parse, and check the tree and the printed text are the same.
fn roundtrip(s: &Script) -> String {
    let printed = print_script(s);
    let again = match parse_with(&printed, &[]) {
        Ok(a) => a,
        Err(e) => panic!("printed script does not parse:\n{e}\n--- printed:\n{printed}"),
    };
    assert_eq!(shape(&s.items), shape(&again.items), "round trip changed the tree:\n{printed}");
    assert_eq!(printed, print_script(&again));
    printed
}

fn rt(text: &str) -> String {
    roundtrip(&parse(text))
}

fn first_stmts(s: &Script) -> &[Stmt] {
    for it in &s.items {
        if let Item::Probe(p) = it {
            return &p.body.stmts;
        }
        if let Item::Function(Function { body: FunctionBody::Script(b), .. }) = it {
            return &b.stmts;
        }
    }
    panic!("no probe")
}

fn body_expr(text: &str) -> Expr {
    let s = parse(&format!("probe begin {{ {text} }}"));
    match &first_stmts(&s)[0].kind {
        StmtKind::Expr(e) => e.clone(),
        k => panic!("not an expression statement: {k:?}"),
    }
}

fn pe(text: &str) -> String {
    print_expr(&body_expr(text))
}

// ---------------------------------------------------------------------------------------------
// The seed corpus

const SEED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/seed");

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
fn seed_scripts_parse_and_round_trip() {
    let dir = std::path::Path::new(SEED);
    let Ok(rd) = std::fs::read_dir(dir) else {
        eprintln!("seed corpus not found at {SEED}; skipped");
        return;
    };
    let mut names: Vec<_> = rd.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "stp")).collect();
    names.sort();
    assert!(names.len() >= 18, "expected the 18 seed scripts");
    for p in names {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&p).unwrap();
        let args = seed_args(&name);
        let s = parse_with(&text, &args).unwrap_or_else(|e| panic!("{name}:\n{e}"));
        assert!(!s.items.is_empty(), "{name}: no items");
        roundtrip(&s);
    }
}

#[test]
fn seed_04_macro_and_conditionals_for_each_arity() {
    let text = std::fs::read_to_string(format!("{SEED}/04_see_kfunc_run.stp"));
    let Ok(text) = text else { return };
    for n in 1..=4 {
        let args: Vec<&str> = ["vfs_read", "ksys_write", "do_sys_open", "vfs_write"][..n].to_vec();
        let s = parse_with(&text, &args).unwrap();
        let probes: Vec<&Probe> = s.items.iter().filter_map(|i| if let Item::Probe(p) = i { Some(p) } else { None }).collect();
        // begin, the kernel probe, end
        assert_eq!(probes.len(), 3, "{n} args");
        let k = probes[1];
        assert_eq!(k.points.len(), n);
        for (i, p) in k.points.iter().enumerate() {
            assert_eq!(print_probe_point(p), format!("kernel.function(\"{}\")", args[i]));
        }
        // the macro body: assignment, println, 2 x (assignment, if)
        assert_eq!(k.body.stmts.len(), 6, "{}", print_script(&s));
    }
    // no argument: no kernel probe at all
    let s = parse_with(&text, &[]).unwrap();
    assert_eq!(s.items.iter().filter(|i| matches!(i, Item::Probe(_))).count(), 2);
}

#[test]
fn seed_18_aliases_and_arg_conditional() {
    let Ok(text) = std::fs::read_to_string(format!("{SEED}/18_lock_debug.stp")) else { return };
    let s = parse_with(&text, &["/x/libfakevirt.so"]).unwrap();
    let out = print_script(&s);
    assert!(out.contains("probe library = process(\"/x/libfakevirt.so\") {"), "{out}");
    assert!(out.contains("probe lock = library.function(\"virMutexLock\") {"), "{out}");
    assert!(out.contains("print(\"Started, press ^C when the process hangs\\n\");"), "{out}");
    let s = parse_with(&text, &[]).unwrap();
    assert!(print_script(&s).contains("process(\"/usr/lib/libvirt.so\")"));
    let s = parse_with(&text, &["a", "b"]).unwrap();
    assert!(print_script(&s).contains("println(\"error: Too many parameters\");\n  exit();"));
}

// ---------------------------------------------------------------------------------------------
// Declarations

#[test]
fn globals() {
    let s = parse("global a, b = 1, c[1000], d%, e = \"x\" \"y\", f = -3\nprivate global g%[10]");
    let Item::Global(g) = &s.items[0] else { panic!() };
    assert_eq!(g.vars.len(), 6);
    assert_eq!(g.vars[1].init, Some(Literal::Num(1)));
    assert_eq!(g.vars[2].max_entries, Some(1000));
    assert!(g.vars[3].wrap);
    assert_eq!(g.vars[4].init, Some(Literal::Str("xy".into())));
    assert_eq!(g.vars[5].init, Some(Literal::Num(-3)));
    let Item::Global(g2) = &s.items[1] else { panic!() };
    assert!(g2.private && g2.vars[0].wrap && g2.vars[0].max_entries == Some(10));
    assert_eq!(
        rt("global a, b = 1, c[1000], d%, e = \"x\" \"y\", f = -3\nprivate global g%[10]"),
        "global a, b = 1, c[1000], d%, e = \"xy\", f = -3\n\nprivate global g%[10]\n"
    );
}

#[test]
fn functions() {
    let text = r#"
function f:long (a:long, b:string, c) { return a + c }
private function g (x) { if (x) return; return }
function h:string (x:long) %{ /* pure */ /* unprivileged */ STAP_RETURN("x"); %}
function k() { }
"#;
    let s = parse(text);
    let Item::Function(f) = &s.items[0] else { panic!() };
    assert_eq!(f.ret.unwrap().ty, Type::Long);
    assert_eq!(f.params.len(), 3);
    assert_eq!(f.params[1].ty.unwrap().ty, Type::String);
    assert!(f.params[2].ty.is_none());
    let Item::Function(g) = &s.items[1] else { panic!() };
    assert!(g.private);
    let Item::Function(h) = &s.items[2] else { panic!() };
    let FunctionBody::EmbeddedC(c) = &h.body else { panic!() };
    assert!(c.has_pragma("pure") && c.has_pragma("unprivileged") && !c.has_pragma("myproc-unprivileged"));
    rt(text);
}

#[test]
fn top_level_embedded_c() {
    let s = parse("%{\n#include <linux/sched.h>\n%}\nprobe begin {}");
    let Item::EmbeddedC(c) = &s.items[0] else { panic!() };
    assert_eq!(c.code, "\n#include <linux/sched.h>\n");
    rt("%{\n#include <linux/sched.h>\n%}\nprobe begin {}");
}

// ---------------------------------------------------------------------------------------------
// Probe points

fn points(text: &str) -> Vec<String> {
    let s = parse(&format!("probe {text} {{}}"));
    let Item::Probe(p) = &s.items[0] else { panic!() };
    p.points.iter().map(print_probe_point).collect()
}

#[test]
fn probe_point_forms() {
    assert_eq!(points("begin, end(-1), timer.s(3)"), ["begin", "end(-1)", "timer.s(3)"]);
    assert_eq!(points("syscall.*.return"), ["syscall.*.return"]);
    assert_eq!(points("kernel.trace(\"sched_*\")"), ["kernel.trace(\"sched_*\")"]);
    assert_eq!(points("syscall.open*, nd_syscall.*at"), ["syscall.open*", "nd_syscall.*at"]);
    assert_eq!(points("kernel.function(\"*@kernel/signal.c\").call"), ["kernel.function(\"*@kernel/signal.c\").call"]);
    assert_eq!(points("process(\"a\").function(\"b\").return"), ["process(\"a\").function(\"b\").return"]);
    assert_eq!(points("module(\"usb*\").function(\"*sync*\").return ?"), ["module(\"usb*\").function(\"*sync*\").return?"]);
    assert_eq!(points("kernel.function(\"x\")!, kernel.function(\"y\")"), ["kernel.function(\"x\")!", "kernel.function(\"y\")"]);
    assert_eq!(points("timer.jiffies(1000).randomize(200)"), ["timer.jiffies(1000).randomize(200)"]);
    assert_eq!(points("kernel.data(\"pid_max\").write"), ["kernel.data(\"pid_max\").write"]);
    assert_eq!(points("kernel.function(\"f\") if (x > 1)"), ["kernel.function(\"f\") if (x > 1)"]);
    assert_eq!(points("perf.type(0).config(0xff)"), ["perf.type(0).config(255)"]);
}

#[test]
fn brace_alternatives_expand() {
    assert_eq!(
        points("kernel.{function(\"a\"),function(\"b\")}.return?"),
        ["kernel.function(\"a\").return?", "kernel.function(\"b\").return?"]
    );
    assert_eq!(
        points("{kernel,module(\"m\")}.function(\"f\").{call,return!}"),
        [
            "kernel.function(\"f\").call",
            "kernel.function(\"f\").return!",
            "module(\"m\").function(\"f\").call",
            "module(\"m\").function(\"f\").return!"
        ]
    );
    assert_eq!(points("a.{b.{c,d},e}"), ["a.b.c", "a.b.d", "a.e"]);
}

#[test]
fn aliases() {
    let s = parse("probe foo.a, foo.b = kernel.function(\"x\") { v = 1 }\nprobe bar += timer.s(1) { next }");
    let Item::Alias(a) = &s.items[0] else { panic!() };
    assert!(!a.epilogue);
    assert_eq!(a.names.len(), 2);
    let Item::Alias(b) = &s.items[1] else { panic!() };
    assert!(b.epilogue);
    rt("probe foo.a, foo.b = kernel.function(\"x\") { v = 1 }\nprobe bar += timer.s(1) { next }");
}

#[test]
fn probe_point_api() {
    let mut sm = SourceMap::new();
    let p = parse_probe_points(&mut sm, "-l", "kernel.{trace(\"sched*\"),function(\"vfs_read\")}", &ctx(&[])).unwrap();
    assert_eq!(p.len(), 2);
    assert_eq!(p[0].components[1].arg.as_ref().unwrap().as_str_decoded().unwrap(), "sched*");
}

// ---------------------------------------------------------------------------------------------
// Statements

#[test]
fn statements() {
    let text = r#"probe begin {
  { }
  ;
  x = 1
  if (x) y = 2 else if (z) y = 3 else { y = 4 }
  while (x < 10) x++
  for (i = 0; i < 3; i++) continue
  for (;;) break
  foreach ([a, b] in arr) print(a)
  foreach (v = [a, b] in arr+ limit 5) print(v)
  foreach ([a, b-] in arr) print(a)
  foreach (v- = [a] in arr) print(a)
  foreach (k in arr) print(k)
  foreach ([k] in stats @sum-) print(k)
  foreach ([a, b] in arr[*, 5]) print(a)
  delete arr[1]
  delete arr
  try { error("x") } catch (msg) { print(msg) }
  try { error("x") } catch { }
  return
}"#;
    let s = parse(text);
    let st = first_stmts(&s);
    assert_eq!(st.len(), 19);
    assert!(matches!(st[0].kind, StmtKind::Block(_)));
    assert!(matches!(st[1].kind, StmtKind::Empty));
    let StmtKind::Foreach(f) = &st[8].kind else { panic!() };
    assert!(f.value.is_some() && f.limit.is_some());
    assert_eq!(f.sort, Some(Sort { column: 0, ascending: true, aggregate: None }));
    let StmtKind::Foreach(f) = &st[9].kind else { panic!() };
    assert_eq!(f.sort, Some(Sort { column: 2, ascending: false, aggregate: None }));
    let StmtKind::Foreach(f) = &st[10].kind else { panic!() };
    assert_eq!(f.sort, Some(Sort { column: 0, ascending: false, aggregate: None }));
    let StmtKind::Foreach(f) = &st[11].kind else { panic!() };
    assert!(!f.bracketed && f.keys.len() == 1);
    let StmtKind::Foreach(f) = &st[12].kind else { panic!() };
    assert_eq!(f.sort, Some(Sort { column: 0, ascending: false, aggregate: Some(StatOp::Sum) }));
    let StmtKind::Foreach(f) = &st[13].kind else { panic!() };
    assert_eq!(f.slice.as_ref().unwrap().len(), 2);
    assert!(matches!(&st[16].kind, StmtKind::Try { catch_var: Some(_), .. }));
    assert!(matches!(&st[17].kind, StmtKind::Try { catch_var: None, .. }));
    assert!(matches!(&st[18].kind, StmtKind::Return(None)));
    rt(text);
}

#[test]
fn optional_semicolons_and_greedy_expressions() {
    // `a = b` then `c = d`, no semicolons
    let s = parse("probe begin { a = b c = d printf(\"x\") printf(\"y\"); exit() }");
    assert_eq!(first_stmts(&s).len(), 5);
    // SystemTap is greedy: `x = y` followed by `++z` continues the expression as `y++`.
    let s = parse("probe begin { x = y ++z }");
    assert_eq!(first_stmts(&s).len(), 2);
    assert_eq!(print_script(&s), "probe begin {\n  x = y++;\n  z;\n}\n");
    // `- 1` continues the expression too
    let s = parse("probe begin { x = y\n -1 }");
    assert_eq!(first_stmts(&s).len(), 1);
    // statements starting with `(`, `-`, `++` are fine after a `;`, `}` or at the start
    let s = parse("probe begin { ++i; (a) = 1; -x; if (a) { } ++j }");
    assert_eq!(first_stmts(&s).len(), 5);
    // seed 07: everything on one line
    let s = parse("global x probe oneshot { for(i=1;i<=5;i++) x<<<i println(@hist_log(x)) }");
    assert_eq!(first_stmts(&s).len(), 2);
    // bare return before `}` and before else
    let s = parse("function f(x) { if (x) return else return 2 }");
    assert_eq!(first_stmts(&s).len(), 1);
    rt("function f(x) { if (x) return else return 2 }");
    // break/continue/next without semicolons
    rt("probe begin { while (1) { if (x) break if (y) continue next } }");
}

#[test]
fn dangling_else_binds_to_nearest_if() {
    let s = parse("probe begin { if (a) if (b) x = 1 else x = 2 }");
    let StmtKind::If { then, els, .. } = &first_stmts(&s)[0].kind else { panic!() };
    assert!(els.is_none());
    assert!(matches!(&then.kind, StmtKind::If { els: Some(_), .. }));
    rt("probe begin { if (a) if (b) x = 1 else x = 2 }");
    rt("probe begin { if (a) while (b) if (c) x = 1 else x = 2 else x = 3 }");
}

#[test]
fn guru_embedded_c_statement_and_expression() {
    let s = parse("probe begin { %{ /* guru */ x++; %} y = %{ 42 %} }");
    let st = first_stmts(&s);
    assert!(matches!(st[0].kind, StmtKind::EmbeddedC(_)));
    rt("probe begin { %{ /* guru */ x++; %} y = %{ 42 %} }");
}

// ---------------------------------------------------------------------------------------------
// Expressions

#[test]
fn precedence() {
    assert_eq!(pe("x = a + b * c"), "x = a + b * c");
    assert_eq!(pe("x = (a + b) * c"), "x = (a + b) * c");
    assert_eq!(pe("x = a - (b - c)"), "x = a - (b - c)");
    assert_eq!(pe("x = a - b - c"), "x = a - b - c");
    assert_eq!(pe("x = a || b && c | d ^ e & f == g << h . i + j * k"), "x = a || b && c | d ^ e & f == g << h . i + j * k");
    assert_eq!(pe("x = ((((a || b) && c) | d) ^ e)"), "x = (((a || b) && c) | d) ^ e");
    assert_eq!(pe("x = c ? a : b ? d : e"), "x = c ? a : b ? d : e");
    assert_eq!(pe("x = (c ? a : b) ? d : e"), "x = (c ? a : b) ? d : e");
    assert_eq!(pe("a = b = c"), "a = b = c");
    assert_eq!(pe("s .= \"a\" . \"b\""), "s .= \"a\" . \"b\"");
    assert_eq!(pe("x = - -a"), "x = - -a");
    assert_eq!(pe("x = -(-a)"), "x = - -a");
    assert_eq!(pe("x = !a == b"), "x = !a == b");
    assert_eq!(pe("x = !(a == b)"), "x = !(a == b)");
    assert_eq!(pe("x = ~a++ + ++b - --c"), "x = ~a++ + ++b - --c");
    assert_eq!(pe("x = s =~ \"^a.*\" && t !~ \"b\""), "x = s =~ \"^a.*\" && t !~ \"b\"");
    assert_eq!(pe("x = a << 2 >> 1"), "x = a << 2 >> 1");
    for op in ["=", "+=", "-=", "*=", "/=", "%=", "<<=", ">>=", "&=", "^=", "|=", ".=", "<<<"] {
        assert_eq!(pe(&format!("x {op} 1")), format!("x {op} 1"));
    }
}

#[test]
fn array_membership() {
    let e = body_expr("x = [a, b] in arr");
    let ExprKind::Assign { rhs, .. } = &e.kind else { panic!() };
    assert!(matches!(&rhs.kind, ExprKind::In { keys, bracketed: true, .. } if keys.len() == 2));
    assert_eq!(pe("x = k in arr"), "x = k in arr");
    assert_eq!(pe("x = a + 0 in arr"), "x = a + 0 in arr");
    assert_eq!(pe("x = !(k in arr)"), "x = !(k in arr)");
    assert_eq!(pe("x = [a, *] in arr"), "x = [a, *] in arr");
    assert_eq!(pe("if_ = found && [lockname, found] in mx_locked"), "if_ = found && [lockname, found] in mx_locked");
}

#[test]
fn target_expressions() {
    let e = body_expr("x = $file->f_op->read");
    let ExprKind::Assign { rhs, .. } = &e.kind else { panic!() };
    let ExprKind::Target { name, path, pretty } = &rhs.kind else { panic!() };
    assert_eq!(name, "file");
    assert_eq!(path.len(), 2);
    assert_eq!(*pretty, Pretty::None);
    assert_eq!(pe("x = $p->next->list[2]->name$"), "x = $p->next->list[2]->name$");
    assert_eq!(pe("x = $var$$"), "x = $var$$");
    assert_eq!(pe("x = $$vars . $$parms$ . $$locals$$ . $$return"), "x = $$vars . $$parms$ . $$locals$$ . $$return");
    assert_eq!(pe("x = &$skb->len"), "x = &$skb->len");
    assert_eq!(pe("x = @cast(p, \"struct task_struct\")->pid"), "x = @cast(p, \"struct task_struct\")->pid");
    assert_eq!(
        pe("x = @cast(p, \"task_struct\", \"kernel<linux/sched.h>\")->comm[0]"),
        "x = @cast(p, \"task_struct\", \"kernel<linux/sched.h>\")->comm[0]"
    );
    assert_eq!(pe("x = @var(\"jiffies@kernel/time.c\")"), "x = @var(\"jiffies@kernel/time.c\")");
    assert_eq!(pe("x = @var(\"init_task\", \"kernel\")->pid"), "x = @var(\"init_task\", \"kernel\")->pid");
    assert_eq!(pe("x = @defined($foo) ? $foo : 0"), "x = @defined($foo) ? $foo : 0");
    assert_eq!(pe("x = @entry($count) + 1"), "x = @entry($count) + 1");
}

#[test]
fn statistics() {
    for op in ["@count", "@sum", "@min", "@max", "@avg", "@variance"] {
        assert_eq!(pe(&format!("x = {op}(s[a, b])")), format!("x = {op}(s[a, b])"));
    }
    assert_eq!(pe("print(@hist_log(x))"), "print(@hist_log(x))");
    assert_eq!(pe("print(@hist_linear(x, 0, 100, 10))"), "print(@hist_linear(x, 0, 100, 10))");
    assert_eq!(pe("@hist_log(x)[i + 1] * 2"), "@hist_log(x)[i + 1] * 2");
    assert_eq!(pe("@hist_linear(a[1], 0, 100, 10)[0]"), "@hist_linear(a[1], 0, 100, 10)[0]");
    assert_eq!(pe("s[tid()] <<< gettimeofday_us() - t"), "s[tid()] <<< gettimeofday_us() - t");
}

#[test]
fn literals() {
    assert_eq!(pe("x = 0x10 + 010 + 10"), "x = 16 + 8 + 10");
    assert_eq!(pe("x = 0xffffffffffffffff"), "x = 0xffffffffffffffff");
    assert_eq!(pe("x = \"a\\n\\\"b\\\"\\t\\\\\""), "x = \"a\\n\\\"b\\\"\\t\\\\\"");
    // adjacent string literals concatenate
    assert_eq!(pe("printf(\"a\" \"b\"\n \"c\\n\")"), "printf(\"abc\\n\")");
    assert_eq!(decode_string("a\\n\\x41\\101\\\"\\\\"), b"a\nAA\"\\");
}

#[test]
fn keywords_as_member_and_component_names() {
    assert_eq!(pe("x = $list->next->prev"), "x = $list->next->prev");
    assert_eq!(points("kernel.function(\"f\").return, process.next"), ["kernel.function(\"f\").return", "process.next"]);
}

// ---------------------------------------------------------------------------------------------
// Preprocessor

fn pp(text: &str, args: &[&str]) -> String {
    match parse_with(text, args) {
        Ok(s) => print_script(&s),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn conditionals() {
    let c = |cond: &str| pp(&format!("probe begin {{ x = %( {cond} %? 1 %: 0 %) }}"), &["a", "b"]).contains("x = 1");
    assert!(c("kernel_v >= \"2.6.30\""));
    assert!(c("kernel_v == \"6.1.0\""));
    assert!(!c("kernel_v == \"6.1\""));
    assert!(c("kernel_v == \"6.1*\""));
    assert!(c("kernel_vr == \"6.1.0-28-amd64\""));
    assert!(c("kernel_vr > \"6.1.0-27-amd64\""));
    assert!(c("kernel_vr != \"6.12*\""));
    assert!(!c("kernel_v < \"5.0\""));
    assert!(c("kernel_v < \"6.12\""));
    assert!(c("arch == \"x86_64\""));
    assert!(c("arch == \"x86*\" && arch != \"i?86\""));
    assert!(c("runtime == \"kernel\""));
    assert!(c("systemtap_v >= \"4.0\""));
    assert!(c("systemtap_privilege == \"stapdev\""));
    assert!(c("guru_mode == 0"));
    assert!(c("CONFIG_HZ == 250"));
    assert!(c("CONFIG_KPROBES == \"y\""));
    assert!(c("CONFIG_EXT4_FS == \"m\""));
    assert!(!c("CONFIG_NOPE == \"y\""));
    assert!(c("$# == 2 && @# == \"2\""));
    assert!(c("$# > 3 || (arch == \"x86_64\" && !(guru_mode == 1))"));
    assert!(c("@1 == \"a\""));
    // nesting, and no else branch
    let s = pp("probe begin { %( $# == 2 %? %( arch == \"x86_64\" %? x = 1 %: x = 2 %) %) y = 3 }", &["a", "b"]);
    assert!(s.contains("x = 1;\n  y = 3;"), "{s}");
    let s = pp("probe begin { %( $# == 1 %? x = 1 %) y = 3 }", &[]);
    assert!(!s.contains("x = 1"), "{s}");
    // conditionals anywhere in the token stream, e.g. inside a probe point
    let s = pp("probe process(%( $# > 0 %? @1 %: \"/bin/true\" %)).function(\"f\") {}", &[]);
    assert!(s.contains("process(\"/bin/true\")"));
}

#[test]
fn script_arguments() {
    let s = pp("probe process($1).function(@2) { x = $# y = @# z = $3 }", &["1234", "main", "a + 1"]);
    assert!(s.contains("process(1234).function(\"main\")"), "{s}");
    assert!(s.contains("x = 3;\n  y = \"3\";\n  z = a + 1;"), "{s}");
    // @N escapes quotes and backslashes
    let s = pp("probe begin { print(@1) }", &["a\"b\\c"]);
    assert!(s.contains("print(\"a\\\"b\\\\c\")"), "{s}");
}

#[test]
fn macros() {
    let text = r#"
@define twice(x) %( (@x) * 2 %)
@define add(a, b) %( @a + @b %)
@define body %( v = @twice(@add(1, 2)) ; %)
@define cond %( %( $# > 0 %? "args" %: "none" %) %)
probe begin { @body s = @cond }
"#;
    let s = pp(text, &[]);
    assert!(s.contains("v = (1 + 2) * 2;"), "{s}");
    assert!(s.contains("s = \"none\";"), "{s}");
    // library macros from another file
    let mut sm = SourceMap::new();
    let mut lib = MacroTable::new();
    collect_macros(&mut sm, "lib.stpm", "@define libmac(x) %( @x + 100 %)\n@define k %( 7 %)", &ctx(&[]), &mut lib).unwrap();
    assert_eq!(lib.len(), 2);
    let sc = parse_file(&mut sm, "t.stp", "probe begin { x = @libmac(@k) }", &ctx(&[]), &lib).unwrap();
    assert!(print_script(&sc).contains("x = 7 + 100;"));
    // a file's own definition shadows the library's
    let sc = parse_file(&mut sm, "u.stp", "@define k %( 8 %)\nprobe begin { x = @k }", &ctx(&[]), &lib).unwrap();
    assert!(print_script(&sc).contains("x = 8;"));
}

// ---------------------------------------------------------------------------------------------
// Errors

#[test]
fn error_expected_tokens() {
    let e = err("probe begin {\n  foo(a b)\n}\n", &[]);
    assert!(e.starts_with("error: unexpected identifier `b`, expected one of ')', ','\n"), "{e}");
    assert!(e.contains(" --> t.stp:2:9\n"), "{e}");
    assert!(e.contains("2 |   foo(a b)\n  |         ^\n"), "{e}");
}

#[test]
fn error_unexpected_eof() {
    let e = err("probe begin {\n  x = 1\n", &[]);
    assert!(e.starts_with("error: unexpected end of file, expected "), "{e}");
    assert!(e.contains("'}'"), "{e}");
    assert!(e.contains("t.stp:2:8"), "{e}");
    assert!(e.contains("= help: a `{` is not closed"), "{e}");
}

#[test]
fn error_unterminated_string() {
    let e = err("probe begin {\n  print(\"abc)\n}\n", &[]);
    assert!(e.starts_with("error: unterminated string literal\n --> t.stp:2:9\n"), "{e}");
    assert!(e.contains("^\n"), "{e}");
    assert!(e.contains("= help: add the closing `\"`"), "{e}");
}

#[test]
fn error_missing_argument() {
    let e = err("probe begin {\n  print($3)\n}\n", &["x"]);
    assert!(e.starts_with("error: `$3` refers to a script argument that was not given\n --> t.stp:2:9\n"), "{e}");
    assert!(e.contains("  |         ^^\n"), "{e}");
    assert!(e.contains("the script was given 1 argument;"), "{e}");
    let e = err("probe process(@1) {}", &[]);
    assert!(e.contains("`@1` refers to a script argument that was not given"), "{e}");
    assert!(e.contains("given 0 arguments"), "{e}");
}

#[test]
fn error_missing_pp_close() {
    let e = err("probe begin {\n  %( $# == 1 %? x = 1\n}\n", &[]);
    assert!(e.starts_with("error: unterminated preprocessor conditional: missing `%)`\n --> t.stp:2:3\n"), "{e}");
    assert!(e.contains("  |   ^^\n"), "{e}");
}

#[test]
fn error_preprocessor_condition() {
    let e = err("%( foo == 1 %? probe begin {} %)", &[]);
    assert!(e.contains("unknown name `foo` in preprocessor condition"), "{e}");
    let e = err("%( $# 1 %? probe begin {} %)", &[]);
    assert!(e.contains("expected a comparison operator"), "{e}");
}

#[test]
fn error_macros() {
    let e = err("probe begin { x = @nope }", &[]);
    assert!(e.contains("unknown macro `@nope`"), "{e}");
    let e = err("@define r %( @r %)\nprobe begin { x = @r }", &[]);
    assert!(e.contains("nested too deeply"), "{e}");
    let e = err("@define two(a, b) %( @a @b %)\nprobe begin { x = @two(1) }", &[]);
    assert!(e.contains("takes 2 argument(s) but 1 were given"), "{e}");
    let e = err("@define d %( 1 %)\n@define d %( 2 %)\n", &[]);
    assert!(e.contains("macro `d` is defined twice") && e.contains("first defined here"), "{e}");
}

#[test]
fn error_lexical() {
    let e = err("probe begin { x = 1 ` }", &[]);
    assert!(e.contains("unexpected character `` ` ``") || e.contains("unexpected character `"), "{e}");
    let e = err("probe begin { /* x = 1 }", &[]);
    assert!(e.contains("unterminated comment"), "{e}");
    let e = err("function f() %{ x", &[]);
    assert!(e.contains("unterminated embedded C block") && e.contains("`%}`"), "{e}");
    let e = err("probe begin { x = 99999999999999999999 }", &[]);
    assert!(e.contains("out of range"), "{e}");
}

#[test]
fn error_statement_context() {
    let e = err("probe begin { x = }", &[]);
    assert!(e.contains("unexpected `}`, expected an expression"), "{e}");
    let e = err("probe begin { if x { } }", &[]);
    assert!(e.contains("unexpected identifier `x`, expected '('"), "{e}");
    let e = err("probe kernel.function(\"f\") print(1)", &[]);
    assert!(e.contains("unexpected identifier `print`"), "{e}");
    let e = err("global probe", &[]);
    assert!(e.contains("unexpected keyword `probe`, expected an identifier"), "{e}");
    let e = err("probe begin { foreach ([a+, b-] in x) {} }", &[]);
    assert!(e.contains("more than one sort marker"), "{e}");
}

#[test]
fn spans_point_at_source() {
    let mut sm = SourceMap::new();
    let s = parse_file(&mut sm, "t.stp", "probe begin {\n  x = foo(1)\n}", &ctx(&[]), &MacroTable::new()).unwrap();
    let st = &first_stmts(&s)[0];
    assert_eq!(sm.snippet(st.span), "x = foo(1)");
    let StmtKind::Expr(Expr { kind: ExprKind::Assign { rhs, .. }, .. }) = &st.kind else { panic!() };
    assert_eq!(sm.snippet(rhs.span), "foo(1)");
    assert_eq!(sm.location(rhs.span), "t.stp:2:7");
    let Item::Probe(p) = &s.items[0] else { panic!() };
    assert_eq!(sm.snippet(p.points[0].span), "begin");
}

#[test]
fn error_member_name() {
    let e = err("probe begin { x = $var-> }", &[]);
    assert!(e.starts_with("error: unexpected `}`, expected an identifier\n --> t.stp:1:26\n"), "{e}");
}

#[test]
fn tricky_round_trips() {
    for t in [
        "probe begin { x = a ? b : (c = d) }",
        "probe begin { x = (a = b) + 1 }",
        "probe begin { x = -(1) - -2 + +3 }",
        "probe begin { x = !!a; y = ~-a; z = -~a }",
        "probe begin { x = (a in b) == (c in d) }",
        "probe begin { x = [a + 1, b . \"s\"] in arr && k in arr }",
        "probe begin { x = &@cast(p, \"struct sk_buff\")->len }",
        "probe begin { a[1, \"x\"]++; --b[2]; c[3] <<< 4 }",
        "probe begin { printf(\"%s\\n\", sprint_usyms(ubacktrace())) }",
        "probe begin { x = 0x8000000000000000; y = -9223372036854775808 }",
        "probe begin { if (a) { } else if (b) { } else { } }",
        "probe begin { foreach (v = [a, b] in arr[1, *] @max+ limit x + 1) { } }",
        "probe begin { foreach (k- in arr limit 3) print(k) }",
        "probe a.b?, c.d! if (x), e.*.f(\"*\")?! { }",
        "probe begin(-5), end(0x10) { }",
        "global s = \"\\\"quoted\\\"\", n = 0",
        "probe begin { exit() } probe end { } function f() { }",
    ] {
        rt(t);
    }
}

#[test]
fn expression_api() {
    let mut sm = SourceMap::new();
    let e = parse_expr(&mut sm, "e", "a + b * $x->y", &ctx(&[])).unwrap();
    assert_eq!(print_expr(&e), "a + b * $x->y");
}

#[test]
fn conditionals_inside_macro_arguments_and_bodies() {
    let s = pp("@define m(x) %( @x + 1 %)\nprobe begin { y = @m(%( $# == 0 %? 10 %: 20 %)) }", &[]);
    assert!(s.contains("y = 10 + 1;"), "{s}");
}

