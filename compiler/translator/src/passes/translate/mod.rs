//! Pass 3: translate the elaborated program into the C source of a module.
//!
//! The module's skeleton and each probe family's registration come from the
//! tera templates in templates/; this pass fills them with the script's
//! globals, frames, functions and probe bodies (body.rs).

mod body;
mod names;

use crate::ast::{self, Type};
use crate::datadir;
use crate::diag::SourceMap;
use crate::passes::elaborate::{FunctionInfo, Hist, LocalInfo, PointKind, Program, TimerUnit};
use anyhow::{Context, Result};
use body::BodyGen;
use serde::Serialize;
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::OnceLock;

pub struct ModuleInfo<'a> {
    pub script_name: &'a str,
    pub kernel_release: &'a str,
    /// The target vmlinux's GNU build-id, when its debuginfo is at hand.
    pub kernel_build_id: Option<&'a str>,
    /// The symbol and unwind tables of the user-space objects the module carries, as C
    /// (userspace/embed.rs); empty for none.
    pub user_tables: &'a str,
}

/// Renders one template of templates/ (loaded once per process).
pub fn render_template(name: &str, ctx: &tera::Context) -> Result<String> {
    static TERA: OnceLock<Result<tera::Tera, String>> = OnceLock::new();
    let tera = TERA.get_or_init(|| {
        let glob = format!("{}/**/*.tera", datadir::templates_dir().display());
        tera::Tera::new(&glob).map_err(|e| format!("{e:?}"))
    });
    let tera = tera.as_ref().map_err(|e| anyhow::anyhow!("loading templates: {e}"))?;
    let mut t = tera.clone();
    t.autoescape_on(vec![]);
    t.render(name, ctx).with_context(|| format!("rendering template {name}"))
}

#[derive(Serialize)]
struct HrTimer {
    probe: String,
    period_ns: u64,
    randomize_ns: u64,
}

/// A kprobe or kretprobe (templates/kprobes.c.tera).
#[derive(Serialize)]
struct Kprobe {
    probe: String,
    /// An entry kprobe's generated pre-handler (`RT_KPROBE_PRE`), `NULL` for a kretprobe.
    pre: String,
    /// `.return` with `@entry`: the entry handler's probe and its per-instance data size.
    entry: String,
    data_size: String,
    /// A C string literal, or `NULL` for an absolute address (`addr`).
    symbol: String,
    offset: u64,
    addr: u64,
    maxactive: i64,
    ret: bool,
    optional: bool,
}

/// A tracepoint (templates/tracepoints.c.tera); `nargs` picks its callback.
#[derive(Serialize)]
struct Tracepoint {
    probe: String,
    name: String,
    /// The defining module's name as a C string, or NULL for the vmlinux.
    module: String,
    nargs: usize,
    optional: bool,
}

/// A hardware watchpoint (templates/watchpoints.c.tera); `addr` is a C expression.
#[derive(Serialize)]
struct Watchpoint {
    probe: String,
    addr: String,
    len: u8,
    rw: bool,
    optional: bool,
}

/// A uprobe or uretprobe, or a process event (templates/uprobes.c.tera).
#[derive(Serialize)]
struct Uprobe {
    probe: String,
    path: String,
    offset: u64,
    /// Link-time address of the probed instruction, hex.
    vaddr: String,
    pid: i64,
    ret: bool,
    optional: bool,
    /// A `.return` with `@entry`: its entry part's `rt_probe` (`{entry}_sp` gives the
    /// entry's stack pointer there), else empty; where it runs, and its values' size.
    entry: String,
    entry_offset: u64,
    entry_vaddr: String,
    data_size: String,
    /// File offset of an SDT semaphore (0: none).
    ref_ctr: u64,
    /// `.library(...)` of `process("EXE")`: EXE as a C string literal, else empty.
    exe: String,
}

#[derive(Serialize)]
struct ProcEvent {
    probe: String,
    path: String,
    pid: i64,
    end: bool,
    thread: bool,
}

#[derive(Serialize)]
struct JiffiesTimer {
    probe: String,
    period: u64,
    randomize: u64,
}

pub fn run(program: &Program, sources: &SourceMap, info: &ModuleInfo) -> Result<String> {
    let globals: HashMap<String, (String, Type)> =
        program.globals.iter().map(|g| (g.name.clone(), (names::global(&g.name), g.ty))).collect();

    let mut frames = String::new();
    let mut functions = String::new();
    let mut probes = String::new();

    // Functions: prototypes first (they may call each other), then bodies.
    // `__maybe_unused`: with -u, a function nothing calls, or a global nothing locks, stays.
    for f in &program.functions {
        writeln!(functions, "static void __maybe_unused {}(struct rt_context *c);", names::function(&f.name)).unwrap();
    }
    let mut fn_fields = Vec::new();
    for f in &program.functions {
        let (frame, code) = function(program, sources, &globals, f);
        frames.push_str(&frame);
        functions.push_str(&code);
        fn_fields.push(format!("\t\tstruct {} {};\n", names::function_frame(&f.name), names::function_field(&f.name)));
    }

    let mut begin = Vec::new();
    let mut end = Vec::new();
    let mut error = Vec::new();
    let mut hrtimers = Vec::new();
    let mut jiffies_timers = Vec::new();
    let mut kprobes = Vec::new();
    let mut uprobes = Vec::new();
    let mut tracepoints = Vec::new();
    let mut watchpoints = Vec::new();
    let mut proc_events = Vec::new();
    // System call points: (return, number (None: any), probe), run by one dispatcher per
    // direction.
    let mut syscalls: Vec<(bool, Option<u32>, String)> = Vec::new();
    let mut probe_fields = Vec::new();
    for (i, p) in program.probes.iter().enumerate() {
        if p.points.iter().all(|pt| pt.kind == PointKind::Never) {
            continue; // checked by elaboration, never run: no code
        }
        let entry = entry_code(program, sources, &globals, p, i);
        let mut g = BodyGen::new(program, sources, &globals, &p.locals, &[], None);
        g.targets = Some(&p.targets);
        g.entry = entry.as_ref().map(|e| e.slots(false));
        g.block(&p.body);
        if let Some(e) = &entry {
            // Before the body, which reads the data struct.
            frames.push_str(&e.frame);
            probe_fields.push(format!("\t\tstruct {}_frame {}_entry;\n", e.body, names::probe_field(i)));
            probes.push_str(&e.code);
        }
        let frame_name = names::probe_frame(i);
        frames.push_str(&frame_struct(&frame_name, &[], &p.locals, g.string_temps, &g.key_temps, None));
        probe_fields.push(format!("\t\tstruct {frame_name} {};\n", names::probe_field(i)));
        writeln!(probes, "static void {}(struct rt_context *c)\n{{", names::probe_body(i)).unwrap();
        writeln!(probes, "\tstruct rt_frames *F = c->frames;").unwrap();
        writeln!(probes, "\tstruct {frame_name} *l = &F->probe.{};\n", names::probe_field(i)).unwrap();
        probes.push_str("\t(void)F;\n\t(void)l;\n");
        probes.push_str(&init_locals(&p.locals));
        probes.push_str(&g.out);
        probes.push_str("out: __attribute__((unused));\n}\n\n");

        // The globals this probe locks, in one global order (no deadlock).
        let locks_name = format!("probe_{i}_locks");
        let mut locks: Vec<(usize, bool)> = p.reads.iter().map(|&g| (g, false)).chain(p.writes.iter().map(|&g| (g, true))).collect();
        locks.sort();
        if !locks.is_empty() {
            writeln!(probes, "static const struct rt_lock_req {locks_name}[] = {{").unwrap();
            for (gi, w) in &locks {
                writeln!(probes, "\t{{ &{}, {} }},", names::global_lock(&program.globals[*gi].name), w).unwrap();
            }
            probes.push_str("};\n");
        }
        // Each body's hit function (probe.h's RT_PROBE_HIT): the body and its
        // locks inlined into the one function a hit calls, no pointer between.
        let locks_arg = if locks.is_empty() { "NULL".to_string() } else { locks_name.clone() };
        let hit = |probes: &mut String, body: &str| {
            writeln!(probes, "RT_PROBE_HIT({body}, {locks_arg}, {})\n", locks.len()).unwrap();
        };
        hit(&mut probes, &names::probe_body(i));
        if let Some(e) = &entry {
            hit(&mut probes, &e.body);
        }
        let mut kprobe_pre = false;
        for (j, pt) in p.points.iter().enumerate() {
            if pt.kind == PointKind::Never {
                continue;
            }
            let desc = names::probe_desc(i, j);
            let body = if pt.kind == PointKind::Oneshot {
                // oneshot: the body, then exit().
                writeln!(
                    probes,
                    "static void {desc}_oneshot(struct rt_context *c)\n{{\n\t{}(c);\n\trt_exit();\n}}\n",
                    names::probe_body(i)
                )
                .unwrap();
                hit(&mut probes, &format!("{desc}_oneshot"));
                format!("{desc}_oneshot")
            } else {
                names::probe_body(i)
            };
            let ptype = probe_type(&pt.kind);
            writeln!(
                probes,
                "static const struct rt_probe {desc} = {{\n\t.pp = {},\n\t.pn = {},\n\t.type = \"{ptype}\",\n\t.hit = {body}_hit,\n}};\n",
                crate::format::c_string_literal(pt.pp.as_bytes()),
                crate::format::c_string_literal(pt.pn.as_bytes()),
            )
            .unwrap();
            if let Some(e) = &entry {
                // The same point and locks, run by the kretprobe's entry handler.
                writeln!(
                    probes,
                    "static const struct rt_probe {desc}_entry = {{\n\t.pp = {},\n\t.pn = {},\n\t.type = \"{ptype}\",\n\t.hit = {}_hit,\n}};\n",
                    crate::format::c_string_literal(pt.pp.as_bytes()),
                    crate::format::c_string_literal(pt.pn.as_bytes()),
                    e.body,
                )
                .unwrap();
            }
            match &pt.kind {
                PointKind::Begin(seq) => begin.push((*seq, desc)),
                PointKind::Oneshot => begin.push((0, desc)),
                PointKind::End(seq) => end.push((*seq, desc)),
                PointKind::Error(seq) => error.push((*seq, desc)),
                PointKind::Timer { unit: TimerUnit::Ns, period, randomize } => {
                    hrtimers.push(HrTimer { probe: desc, period_ns: *period as u64, randomize_ns: *randomize as u64 })
                }
                PointKind::Timer { unit: TimerUnit::Hz, period, .. } => hrtimers.push(HrTimer {
                    probe: desc,
                    period_ns: (1_000_000_000 / *period).max(1) as u64,
                    randomize_ns: 0,
                }),
                PointKind::Timer { unit: TimerUnit::Jiffies, period, randomize } => {
                    jiffies_timers.push(JiffiesTimer { probe: desc, period: *period as u64, randomize: *randomize as u64 })
                }
                PointKind::Kprobe(k) => kprobes.push(Kprobe {
                    // An entry kprobe's pre-handler runs the body directly (kprobes.h).
                    pre: if k.ret {
                        "NULL".into()
                    } else {
                        if !std::mem::replace(&mut kprobe_pre, true) {
                            writeln!(probes, "RT_KPROBE_PRE({body})\n").unwrap();
                        }
                        format!("{body}_kprobe")
                    },
                    entry: entry.as_ref().map_or("NULL".into(), |_| format!("&{desc}_entry")),
                    data_size: entry.as_ref().map_or("0".into(), |e| format!("sizeof(struct {})", e.data)),
                    probe: desc,
                    // An empty symbol: `offset` is an absolute run-time address (guru mode).
                    symbol: if k.symbol.is_empty() {
                        "NULL".into()
                    } else {
                        crate::format::c_string_literal(k.symbol.as_bytes())
                    },
                    offset: if k.symbol.is_empty() { 0 } else { k.offset },
                    addr: if k.symbol.is_empty() { k.offset } else { 0 },
                    maxactive: k.maxactive,
                    ret: k.ret,
                    optional: k.optional,
                }),
                PointKind::Watch(w) => watchpoints.push(Watchpoint {
                    probe: desc,
                    // A symbol moves with the kernel (KASLR); a number is taken as given.
                    addr: match &w.symbol {
                        Some(_) => format!("rt_kernel_addr({:#x}UL)", w.addr),
                        None => format!("{:#x}UL", w.addr),
                    },
                    len: w.len,
                    rw: w.rw,
                    optional: w.optional,
                }),
                PointKind::Tracepoint(t) => tracepoints.push(Tracepoint {
                    probe: desc,
                    name: crate::format::c_string_literal(t.name.as_bytes()),
                    module: t.module.as_ref().map_or("NULL".into(), |m| crate::format::c_string_literal(m.as_bytes())),
                    nargs: t.nargs,
                    optional: t.optional,
                }),
                PointKind::Uprobe(u) => {
                    let (entry_name, entry_offset, entry_vaddr) = match &entry {
                        Some(_) => {
                            let (off, vaddr, sp) = uentry_at(u)?;
                            writeln!(
                                probes,
                                "static unsigned long {desc}_entry_sp(const struct pt_regs *regs)\n{{\n\treturn (unsigned long)({sp});\n}}\n"
                            )
                            .unwrap();
                            (format!("{desc}_entry"), off, vaddr)
                        }
                        None => (String::new(), 0, 0),
                    };
                    uprobes.push(Uprobe {
                        probe: desc,
                        path: crate::format::c_string_literal(u.path.as_bytes()),
                        offset: u.offset,
                        vaddr: format!("{:x}", u.vaddr),
                        pid: u.pid.unwrap_or(0),
                        ret: u.ret,
                        optional: u.optional,
                        entry: entry_name,
                        entry_offset,
                        entry_vaddr: format!("{entry_vaddr:x}"),
                        data_size: entry.as_ref().map_or("0".into(), |e| format!("sizeof(struct {})", e.data)),
                        ref_ctr: u.ref_ctr,
                        exe: u.exe.as_ref().map_or(String::new(), |e| crate::format::c_string_literal(e.as_bytes())),
                    })
                }
                PointKind::ProcEvent(e) => proc_events.push(ProcEvent {
                    probe: desc,
                    path: e.path.as_ref().map_or("NULL".into(), |p| crate::format::c_string_literal(p.as_bytes())),
                    pid: e.pid.unwrap_or(0),
                    end: e.end,
                    thread: e.thread,
                }),
                PointKind::Syscall { nr, ret, .. } => syscalls.push((*ret, *nr, desc)),
                PointKind::Never => unreachable!(),
            }
        }
    }
    // Stable sorts: equal sequence numbers keep the script's order.
    for v in [&mut begin, &mut end, &mut error] {
        v.sort_by_key(|(seq, _)| *seq);
    }

    frames.push_str("struct rt_frames {\n\tunion {\n\t\tchar none;\n");
    frames.extend(probe_fields);
    frames.push_str("\t} probe;\n\tunion {\n\t\tchar none;\n");
    frames.extend(fn_fields);
    frames.push_str("\t} fn[MAXNESTING];\n};\n");

    let mut ctx = tera::Context::new();
    ctx.insert("version", env!("CARGO_PKG_VERSION"));
    ctx.insert("script_name", info.script_name);
    ctx.insert("kernel_release", info.kernel_release);
    ctx.insert("kernel_build_id", &info.kernel_build_id);
    let watch_addrs: String = watchpoints.iter().map(|w| w.addr.clone()).collect();
    ctx.insert("defines", &defines(&probes, &(embedded_code(program) + &functions + &watch_addrs), info)?);
    ctx.insert("watchpoints", &watchpoints);
    ctx.insert("globals", &globals_code(program));
    ctx.insert("frames", &frames);
    ctx.insert("functions", &(embedded_code(program) + &regex_code(program) + &functions));
    ctx.insert("probes", &probes);
    ctx.insert("hrtimers", &hrtimers);
    ctx.insert("jiffies_timers", &jiffies_timers);
    ctx.insert("kprobes", &kprobes);
    ctx.insert("user_objects", info.user_tables);
    ctx.insert("uprobes", &uprobes);
    // One callback per arity: every argument travels as a 64-bit slot.
    let mut arities: Vec<usize> = tracepoints.iter().map(|t| t.nargs).collect();
    arities.sort();
    arities.dedup();
    let arity_args: Vec<HashMap<&str, String>> = arities
        .iter()
        .map(|&n| {
            let params: String = (0..n).map(|i| format!(", u64 a{i}")).collect();
            let values: Vec<String> = (0..n).map(|i| format!("a{i}")).collect();
            HashMap::from([("n", n.to_string()), ("params", params), ("values", if n == 0 { "0".into() } else { values.join(", ") })])
        })
        .collect();
    ctx.insert("tracepoints", &tracepoints);
    ctx.insert("tp_arities", &arity_args);
    ctx.insert("proc_events", &proc_events);
    ctx.insert("syscall_enter", &syscall_cases(&syscalls, false));
    ctx.insert("syscall_exit", &syscall_cases(&syscalls, true));
    ctx.insert("syscall_has_enter", &syscalls.iter().any(|s| !s.0));
    ctx.insert("syscall_has_exit", &syscalls.iter().any(|s| s.0));
    ctx.insert("syscalls", &!syscalls.is_empty());
    ctx.insert("begin_probes", &begin.into_iter().map(|x| x.1).collect::<Vec<_>>());
    ctx.insert("end_probes", &end.into_iter().map(|x| x.1).collect::<Vec<_>>());
    ctx.insert("error_probes", &error.into_iter().map(|x| x.1).collect::<Vec<_>>());
    render_template("module.c.tera", &ctx)
}

/// One syscall dispatcher (templates/syscalls.c.tera): the probes every call runs
/// (`syscall_any`), then per number, the `switch` case of the probes it runs, in the
/// script's order.
fn syscall_cases(points: &[(bool, Option<u32>, String)], ret: bool) -> HashMap<&'static str, serde_json::Value> {
    let run = |p: &str| format!("\t\trt_probe_run_args(&{p}, RT_PHASE_RUN, NULL, 0, slots);\n");
    let mut any = String::new();
    let mut by_nr: std::collections::BTreeMap<u32, String> = Default::default();
    for (_, nr, desc) in points.iter().filter(|p| p.0 == ret) {
        match nr {
            None => any.push_str(&run(desc)),
            Some(n) => by_nr.entry(*n).or_default().push_str(&run(desc)),
        }
    }
    let cases: Vec<serde_json::Value> = by_nr.into_iter().map(|(nr, runs)| serde_json::json!({ "nr": nr, "runs": runs })).collect();
    HashMap::from([("any", serde_json::Value::String(any)), ("cases", serde_json::Value::Array(cases))])
}

/// `#define`s before the runtime: RT_LINK_JIFFIES_64 when the code relocates kernel data
/// addresses (runtime-c/kaslr.h's rt_kernel_addr).
fn defines(probes: &str, functions: &str, info: &ModuleInfo) -> Result<Vec<HashMap<String, String>>> {
    let mut v = Vec::new();
    if [probes, functions].iter().any(|s| s.contains("rt_kernel_addr(")) {
        let addr = crate::debuginfo::symtab::link_jiffies_64(info.kernel_release)?;
        v.push(HashMap::from([("name".to_string(), "RT_LINK_JIFFIES_64".to_string()), ("value".to_string(), format!("{addr:#x}UL"))]));
    }
    Ok(v)
}

/// One matcher per distinct `=~`/`!~` pattern (crate::regex), before the code that calls them.
fn regex_code(program: &Program) -> String {
    let mut s = String::new();
    for (i, pattern) in program.regexes.iter().enumerate() {
        let dfa = crate::regex::compile(pattern).expect("elaboration checked the pattern");
        s.push_str(&crate::regex::emit::matcher(&names::regex(i), pattern, &dfa));
    }
    s
}

fn embedded_code(program: &Program) -> String {
    program.embedded.iter().map(|(_, c)| format!("{c}\n")).collect()
}

fn globals_code(program: &Program) -> String {
    let mut s = String::new();
    let mut alloc = String::new();
    let mut free = String::new();
    for g in &program.globals {
        let c = names::global(&g.name);
        writeln!(s, "static rt_rwlock_t __maybe_unused {};", names::global_lock(&g.name)).unwrap();
        if let Some(st) = &g.stat {
            let (hist, lo, hi, step, nb) = match st.hist {
                None => ("RT_HIST_NONE", 0, 0, 0, "0".to_string()),
                Some(Hist::Log) => ("RT_HIST_LOG", 0, 0, 0, "RT_HIST_LOG_BUCKETS".to_string()),
                Some(Hist::Linear { lo, hi, step }) => {
                    ("RT_HIST_LINEAR", lo, hi, step, format!("{}", (hi - lo) / step + 1 + 2))
                }
            };
            writeln!(
                s,
                "static const struct rt_stat_desc {c}_stat = {{ .hist = {hist}, .lo = {}, .hi = {}, .step = {}, .nbuckets = {nb} }};",
                body::long_literal(lo),
                body::long_literal(hi),
                body::long_literal(step)
            )
            .unwrap();
        }
        if let Some(arr) = &g.array {
            writeln!(s, "struct {} {{", names::key_struct(&g.name)).unwrap();
            for (i, k) in arr.keys.iter().enumerate() {
                match k {
                    Type::Long => writeln!(s, "\ts64 k{i};").unwrap(),
                    Type::String => writeln!(s, "\tchar k{i}[MAXSTRINGLEN];").unwrap(),
                }
            }
            s.push_str("};\n");
            let ks = names::key_struct(&g.name);
            let types: Vec<&str> =
                arr.keys.iter().map(|k| if *k == Type::Long { "RT_KEY_LONG" } else { "RT_KEY_STR" }).collect();
            let offs: Vec<String> = (0..arr.keys.len()).map(|i| format!("offsetof(struct {ks}, k{i})")).collect();
            let (val, stat) = match (&g.stat, g.ty) {
                (Some(_), _) => ("RT_VAL_STAT", format!("&{c}_stat")),
                (None, Type::Long) => ("RT_VAL_LONG", "NULL".into()),
                (None, Type::String) => ("RT_VAL_STR", "NULL".into()),
            };
            writeln!(
                s,
                "static const struct rt_map_layout {c}_layout = {{\n\t.nkeys = {},\n\t.key_type = {{ {} }},\n\t.key_off = {{ {} }},\n\t.key_size = sizeof(struct {ks}),\n\t.val_type = {val},\n\t.stat = {stat},\n}};",
                arr.keys.len(),
                types.join(", "),
                offs.join(", ")
            )
            .unwrap();
            writeln!(s, "static struct rt_map {c};").unwrap();
            let size = match arr.max_entries {
                Some(n) => n.to_string(),
                None => "MAXMAPENTRIES".into(),
            };
            writeln!(
                alloc,
                "\trc = rc ?: rt_map_init(&{c}, &{c}_layout, {size}, {}, {});",
                arr.wrap, arr.sorted
            )
            .unwrap();
            writeln!(free, "\trt_map_free(&{c});").unwrap();
            continue;
        }
        if g.stat.is_some() {
            writeln!(s, "static struct rt_stat_var {c};").unwrap();
            writeln!(alloc, "\trc = rc ?: rt_stat_var_init(&{c}, &{c}_stat);").unwrap();
            writeln!(free, "\trt_stat_var_free(&{c});").unwrap();
            continue;
        }
        match (g.ty, &g.init) {
            (Type::Long, Some(ast::Literal::Num(n))) => writeln!(s, "static s64 {c} = {};", body::long_literal(*n)).unwrap(),
            (Type::Long, _) => writeln!(s, "static s64 {c};").unwrap(),
            (Type::String, Some(ast::Literal::Str(raw))) => writeln!(
                s,
                "static char {c}[MAXSTRINGLEN] = {};",
                crate::format::c_string_literal(&ast::decode_string(raw))
            )
            .unwrap(),
            (Type::String, _) => writeln!(s, "static char {c}[MAXSTRINGLEN];").unwrap(),
        }
        // Settable at load time: rstaprun mod.ko NAME=VALUE (stap -G); a private global
        // is its file's alone, so not settable.
        if crate::passes::elaborate::display_name(&g.name) != g.name {
            continue;
        }
        match g.ty {
            // The type goes into .modinfo (module_param_cb records none), where rstaprun
            // checks NAME=VALUE options before loading (compiler/loader/src/params.rs).
            Type::Long => writeln!(
                s,
                "module_param_cb({n}, &rt_param_ops_s64, &{c}, 0);\n__MODULE_PARM_TYPE({n}, \"long\");",
                n = g.name
            )
            .unwrap(),
            Type::String => writeln!(s, "module_param_string({}, {c}, MAXSTRINGLEN, 0);", g.name).unwrap(),
        }
    }
    s.push_str("\nstatic void rt_globals_init(void)\n{\n}\n");
    // Arrays and statistics: allocated at load, never in probe context.
    s.push_str("\nstatic void rt_globals_free(void)\n{\n");
    s.push_str(&free);
    s.push_str("}\n\nstatic int rt_globals_alloc(void)\n{\n\tint rc = 0;\n\n");
    s.push_str(&alloc);
    s.push_str("\tif (rc)\n\t\trt_globals_free();\n\treturn rc;\n}\n");
    s
}

fn frame_struct(
    name: &str,
    params: &[LocalInfo],
    locals: &[LocalInfo],
    temps: usize,
    keys: &[String],
    ret: Option<Type>,
) -> String {
    let mut s = format!("struct {name} {{\n");
    let field = |s: &mut String, ty: Type, n: &str| match ty {
        Type::Long => writeln!(s, "\ts64 {n};").unwrap(),
        Type::String => writeln!(s, "\tchar {n}[MAXSTRINGLEN];").unwrap(),
    };
    for p in params {
        field(&mut s, p.ty, &names::param(&p.name));
    }
    for l in locals {
        field(&mut s, l.ty, &names::local(&l.name));
    }
    if let Some(t) = ret {
        field(&mut s, t, "ret");
    }
    for i in 0..temps {
        writeln!(s, "\tchar {}[MAXSTRINGLEN];", names::temp(i)).unwrap();
    }
    for (i, k) in keys.iter().enumerate() {
        writeln!(s, "\tstruct {k} {};", names::key_temp(i)).unwrap();
    }
    s.push_str("\tchar none;\n};\n\n");
    s
}

fn init_locals(locals: &[LocalInfo]) -> String {
    let mut s = String::new();
    for l in locals {
        match l.ty {
            Type::Long => writeln!(s, "\tl->{} = 0;", names::local(&l.name)).unwrap(),
            Type::String => writeln!(s, "\tl->{}[0] = '\\0';", names::local(&l.name)).unwrap(),
        }
    }
    s
}

fn function(
    program: &Program,
    sources: &SourceMap,
    globals: &HashMap<String, (String, Type)>,
    f: &FunctionInfo,
) -> (String, String) {
    let frame_name = names::function_frame(&f.name);
    let mut code = format!("static void {}(struct rt_context *c)\n{{\n", names::function(&f.name));
    code.push_str("\tstruct rt_frames *F = c->frames;\n");
    writeln!(code, "\tstruct {frame_name} *l = &F->fn[c->nesting - 1].{};\n", names::function_field(&f.name)).unwrap();
    code.push_str("\t(void)F;\n\t(void)l;\n");
    let (temps, keys) = match &f.body {
        ast::FunctionBody::Script(b) => {
            let mut g = BodyGen::new(program, sources, globals, &f.locals, &f.params, Some(f));
            g.block(b);
            code.push_str(&init_locals(&f.locals));
            code.push_str(&g.out);
            (g.string_temps, g.key_temps)
        }
        ast::FunctionBody::EmbeddedC(c) => {
            code.push_str(&embedded_function(f, &c.code));
            (0, Vec::new())
        }
    };
    code.push_str("out: __attribute__((unused));\n}\n\n");
    let frame = frame_struct(&frame_name, &f.params, &f.locals, temps, &keys, f.ret);
    (frame, code)
}

/// An embedded-C function body with SystemTap's conventions around it.
fn embedded_function(f: &FunctionInfo, body: &str) -> String {
    let mut defs = vec![("CONTEXT".to_string(), "c".to_string())];
    for p in &f.params {
        defs.push((format!("STAP_ARG_{}", p.name), format!("(l->{})", names::param(&p.name))));
    }
    match f.ret {
        Some(Type::Long) => {
            defs.push(("STAP_RETVALUE".into(), "(l->ret)".into()));
            defs.push(("STAP_RETURN(v)".into(), "do { STAP_RETVALUE = (v); goto out; } while (0)".into()));
        }
        Some(Type::String) => {
            defs.push(("STAP_RETVALUE".into(), "(l->ret)".into()));
            defs.push((
                "STAP_RETURN(v)".into(),
                "do { strscpy(STAP_RETVALUE, (v), MAXSTRINGLEN); goto out; } while (0)".into(),
            ));
        }
        None => defs.push(("STAP_RETURN()".into(), "goto out".into())),
    }
    defs.push(("STAP_ERROR(...)".into(), "do { rt_errorf(CONTEXT, __VA_ARGS__); goto out; } while (0)".into()));
    defs.push(("STAP_PRINTF(...)".into(), "rt_printf(CONTEXT, __VA_ARGS__)".into()));
    let mut s = String::new();
    for (k, v) in &defs {
        writeln!(s, "#define {k} {v}").unwrap();
    }
    writeln!(s, "\t{{\n{}\n\t}}", body.trim_matches('\n')).unwrap();
    for (k, _) in &defs {
        let name = k.split('(').next().unwrap();
        writeln!(s, "#undef {name}").unwrap();
    }
    s
}

/// Where a user `.return`'s entry part runs (its site's address: after the prologue in
/// unoptimised code, where the parameters are in place; userspace/dwarf.rs), as file
/// offset and link-time address, and the C for the stack pointer the function was
/// entered with, from the registers there: the CFA minus the return address.
fn uentry_at(u: &crate::userspace::UprobePoint) -> Result<(u64, u64, String)> {
    let site = u.site.as_ref().context("a .return with @entry has a DWARF site")?;
    let offset = u.offset + (site.addr - u.vaddr);
    if site.addr == u.vaddr {
        // At the entry the return address is on top of the stack.
        return Ok((offset, site.addr, "regs->sp".into()));
    }
    let ix = crate::debuginfo::user_index(std::path::Path::new(&u.path))?;
    let cfa = crate::debuginfo::cfa::cfa_at(&ix, site.addr, "regs").with_context(|| {
        format!("{}: no call frame information at {:#x}, where @entry values are read", u.path, site.addr)
    })?;
    Ok((offset, site.addr, format!("{cfa} - 8")))
}

/// A `.return` probe's `@entry` values: the per-instance data, and the entry handler's body
/// (the values computed at the function's entry, elaborate/entry.rs).
struct EntryCode {
    /// `struct {data}`: one field per slot.
    data: String,
    /// The handler's C function; its frame is `struct {body}_frame`.
    body: String,
    slots: HashMap<ast::Span, (usize, Type)>,
    frame: String,
    code: String,
}

impl EntryCode {
    fn slots(&self, eval: bool) -> body::EntrySlots {
        body::EntrySlots { data: self.data.clone(), slots: self.slots.clone(), eval }
    }
}

fn entry_code(
    program: &Program,
    sources: &SourceMap,
    globals: &HashMap<String, (String, Type)>,
    p: &crate::passes::elaborate::ProbeInfo,
    i: usize,
) -> Option<EntryCode> {
    let exprs = crate::passes::elaborate::entry::slots(&p.body);
    if exprs.is_empty() {
        return None;
    }
    let data = format!("probe_{i}_entry_data");
    let body_name = format!("probe_{i}_entry");
    let mut g = BodyGen::new(program, sources, globals, &[], &[], None);
    g.targets = Some(&p.targets);
    let tys: Vec<Type> = exprs.iter().map(|e| g.type_of(e).unwrap_or(Type::Long)).collect();
    let slots: HashMap<ast::Span, (usize, Type)> = exprs.iter().zip(&tys).enumerate().map(|(k, (e, t))| (e.span, (k, *t))).collect();
    let mut code = format!("struct {data} {{\n");
    for (k, t) in tys.iter().enumerate() {
        match t {
            Type::Long => writeln!(code, "\ts64 s{k};").unwrap(),
            Type::String => writeln!(code, "\tchar s{k}[MAXSTRINGLEN];").unwrap(),
        }
    }
    code.push_str("};\n\n");
    g.entry = Some(body::EntrySlots { data: data.clone(), slots: slots.clone(), eval: true });
    let mut stmts = String::new();
    for (k, (e, t)) in exprs.iter().zip(&tys).enumerate() {
        let v = g.expr(e);
        match t {
            Type::Long => writeln!(stmts, "\td->s{k} = {v};").unwrap(),
            Type::String => writeln!(stmts, "\trt_str_assign(d->s{k}, {v});").unwrap(),
        }
    }
    let frame = frame_struct(&format!("{body_name}_frame"), &[], &[], g.string_temps, &g.key_temps, None);
    writeln!(code, "static void {body_name}(struct rt_context *c)\n{{").unwrap();
    writeln!(code, "\tstruct rt_frames *F = c->frames;").unwrap();
    writeln!(code, "\tstruct {body_name}_frame *l = &F->probe.{}_entry;", names::probe_field(i)).unwrap();
    writeln!(code, "\tstruct {data} *d = c->kret_data;\n").unwrap();
    code.push_str("\t(void)F;\n\t(void)l;\n");
    code.push_str(&stmts);
    code.push_str("out: __attribute__((unused));\n}\n\n");
    Some(EntryCode { data, body: body_name, slots, frame, code })
}

/// What probe_type() answers for a point: the low-level mechanism that runs it, in
/// SystemTap's words (the syscall families run from the raw_syscalls tracepoints).
fn probe_type(kind: &PointKind) -> &'static str {
    match kind {
        PointKind::Begin(_) | PointKind::End(_) | PointKind::Error(_) | PointKind::Oneshot | PointKind::Never => {
            "begin_end"
        }
        PointKind::Timer { unit: TimerUnit::Jiffies, .. } => "timer",
        PointKind::Timer { .. } => "hrtimer",
        PointKind::Kprobe(k) if k.ret => "kretprobe",
        PointKind::Kprobe(_) => "kprobe",
        PointKind::Tracepoint(_) | PointKind::Syscall { .. } => "kernel_tracepoint",
        PointKind::Watch(_) => "hardware_data_breakpoint",
        PointKind::Uprobe(u) if u.ret => "uretprobe",
        PointKind::Uprobe(_) => "uprobe",
        PointKind::ProcEvent(_) => "utrace",
    }
}
