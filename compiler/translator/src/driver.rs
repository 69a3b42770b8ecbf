//! The `rstap` command: SystemTap's options, then the passes in order,
//! stopping where `-p` says. Each pass lives in passes/; this file only
//! sequences them, reports them (`-v`) and turns errors into messages.

use crate::ast;
use crate::cache::{self, Hasher};
use crate::datadir;
use crate::diag::{Diagnostic, SourceMap};
use crate::kernel::Kernel;
use crate::options::{split_shebang_args, Options};
use crate::passes::{build, elaborate, parse, translate};
use crate::stats::{self, Mark};
use crate::vm;
use anyhow::{bail, Context, Result};
use clap::Parser;
use std::io::Read;
use std::path::{Path, PathBuf};

pub fn main() -> i32 {
    let argv = split_shebang_args(std::env::args().collect());
    if argv.get(1).map(String::as_str) == Some("vm") {
        return vm_main(&argv[1..]);
    }
    if let Some(releases) = crate::multikernel::requested(&argv) {
        return crate::multikernel::build_all(&argv, &releases).unwrap_or_else(|e| {
            eprintln!("rstap: {e:#}");
            1
        });
    }
    let opts = Options::parse_from(&argv);
    match run(&opts, &argv) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("rstap: {e:#}");
            1
        }
    }
}

#[derive(Parser, Debug)]
#[command(name = "rstap vm", about = "Run COMMAND as root in a QEMU VM booted from an installed Debian kernel")]
struct VmArgs {
    /// Kernel release to boot (default: the newest in /boot).
    #[arg(long)]
    kernel: Option<String>,
    #[arg(long, default_value_t = 2)]
    smp: u32,
    /// Guest memory in MB.
    #[arg(long, default_value_t = 2048)]
    memory: u32,
    /// Kill the VM after SECS seconds (exit status 124).
    #[arg(long, value_name = "SECS")]
    timeout: Option<u64>,
    /// Report kernel log problems without failing.
    #[arg(long)]
    allow_kernel_warnings: bool,
    /// Save the guest's kernel log to FILE.
    #[arg(long, value_name = "FILE")]
    keep_log: Option<PathBuf>,
    #[arg(short = 'v')]
    verbose: bool,
    /// Share nothing with the guest: it holds busybox and the --include'd files only, as a
    /// production host that has what was shipped to it.
    #[arg(long)]
    sealed: bool,
    /// Copy PATH (a file or a directory) into the sealed guest at the same absolute path;
    /// ELF programs and libraries bring their interpreter and libraries. Repeatable.
    #[arg(long, value_name = "PATH", requires = "sealed")]
    include: Vec<PathBuf>,
    /// The command and its arguments.
    #[arg(last = true, required = true)]
    command: Vec<String>,
}

fn vm_main(args: &[String]) -> i32 {
    let a = VmArgs::parse_from(args);
    let opts = vm::VmOptions {
        kernel: a.kernel,
        smp: a.smp,
        memory_mb: a.memory,
        timeout_secs: a.timeout,
        command: a.command,
        verbose: a.verbose,
        allow_kernel_warnings: a.allow_kernel_warnings,
        keep_log: a.keep_log,
        sealed: a.sealed,
        include: a.include,
        ..Default::default()
    };
    match vm::run(&opts) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("rstap vm: {e:#}");
            1
        }
    }
}

/// The script to run: its name (for messages) and text.
struct ScriptSource {
    name: String,
    text: String,
    args: Vec<String>,
}

fn script_source(opts: &Options) -> Result<ScriptSource> {
    if let Some(text) = &opts.script_text {
        return Ok(ScriptSource { name: "<input>".into(), text: text.clone(), args: opts.positional.clone() });
    }
    let Some((first, args)) = opts.positional.split_first() else {
        bail!("no script given: name a script file, '-' for standard input, or use -e 'SCRIPT'");
    };
    let text = if first == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).context("reading the script from standard input")?;
        s
    } else {
        std::fs::read_to_string(first).with_context(|| format!("cannot read script {first}"))?
    };
    let name = if first == "-" { "<input>".to_string() } else { first.clone() };
    Ok(ScriptSource { name, text, args: args.to_vec() })
}

/// A pass report on stderr with -v, as SystemTap prints them.
fn report(opts: &Options, text: std::fmt::Arguments) {
    if opts.verbose > 0 {
        eprintln!("{text}");
    }
}

fn print_diags(sm: &SourceMap, diags: &[Diagnostic], opts: &Options) {
    for d in diags {
        if !d.is_error() && opts.suppress_warnings {
            continue;
        }
        eprint!("{}", sm.render(d));
    }
}

fn run(opts: &Options, argv: &[String]) -> Result<i32> {
    if opts.list.is_some() || opts.list_vars.is_some() {
        return crate::listing::run(opts);
    }
    if opts.dump_functions || opts.dump_probe_aliases {
        return crate::dump::run(opts);
    }
    if opts.prep {
        let modules: Vec<String> = opts.prep_modules.iter().chain(&opts.positional).cloned().collect();
        crate::debuginfo::prep::prep_modules(opts.kernel_release.as_deref(), &modules, opts.verbose > 0)?;
        return Ok(0);
    }
    let last_pass = opts.last_pass.unwrap_or(5);
    // Inside `rstap vm`, the host builds (Kbuild under emulation is ~44x slower).
    if last_pass >= 4 {
        if let Some(spool) = vm::guest_spool() {
            return remote_build_and_run(opts, argv, &spool, last_pass);
        }
    }
    let source = script_source(opts)?;
    // Passes 1-3 can do without the kernel's build tree (CONFIG_* tests are then false).
    let kernel = match Kernel::find(opts.kernel_release.as_deref()) {
        Ok(k) => k,
        Err(e) if last_pass < 4 => {
            if opts.verbose > 0 {
                eprintln!("rstap: warning: {e:#}");
            }
            Kernel::without_build_tree(opts.kernel_release.as_deref())
        }
        Err(e) => return Err(e),
    };

    // Pass 1: parse the script and the tapset library.
    let mark = Mark::now();
    let mut sm = SourceMap::new();
    let ctx = parse::PreprocessContext {
        kernel_release: kernel.release.clone(),
        arch: kernel.arch.clone(),
        config: kernel.config.clone(),
        args: source.args.clone(),
        guru_mode: opts.guru,
        ..Default::default()
    };
    let tapset_files = tapset_files(opts);
    let library_macros = library_macros(opts, &mut sm, &ctx, &tapset_files)?;
    let mut scripts = Vec::new();
    match parse::parse_file(&mut sm, &source.name, &source.text, &ctx, &library_macros) {
        Ok(s) => scripts.push(s),
        Err(d) => {
            print_diags(&sm, &d, opts);
            eprintln!("Pass 1: parse failed.  [man error::pass1]");
            return Ok(1);
        }
    }
    scripts.extend(library_scripts(opts, &mut sm, &ctx, &tapset_files, &library_macros)?);
    // The syscall.* aliases are generated for the target kernel, only when the script
    // may name them (syscalls/), and past pass 1 (which prints the script alone).
    if last_pass > 1 && (wants_syscalls(&scripts) || calls_syscall_table(&source.text)) {
        let table = crate::syscalls::table(&kernel.release)?;
        let text = crate::syscalls::tapset::generate(&table);
        let name = format!("<syscall aliases of {}>", kernel.release);
        match parse::parse_file(&mut sm, &name, &text, &ctx, &library_macros) {
            Ok(s) => scripts.push(s),
            Err(d) => {
                print_diags(&sm, &d, opts);
                bail!("the generated syscall aliases have errors (a translator bug)");
            }
        }
    }
    report(
        opts,
        format_args!(
            "Pass 1: parsed user script and {} library scripts {}, {}.",
            scripts.len() - 1,
            stats::memory(),
            mark.since()
        ),
    );
    if last_pass == 1 {
        print!("{}", parse::print_script(&scripts[0]));
        return Ok(0);
    }

    // The module cache: everything that goes into the module.
    let key = cache_key(opts, &source, &kernel, &tapset_files);
    let module_name = opts.module_name.clone().unwrap_or_else(|| format!("stap_{}", &key[..24]));
    if !valid_module_name(&module_name) {
        bail!("invalid module name '{module_name}': use letters, digits and '_', at most 55 characters");
    }
    let entry = cache::module_entry(&key);
    let cached_ko = entry.join(format!("{module_name}.ko"));
    if last_pass >= 4 && cached_ko.is_file() && !opts.keep && cache::files_unchanged(&entry) {
        report(opts, format_args!("Pass 3: using cached {}", entry.join(format!("{module_name}.c")).display()));
        report(opts, format_args!("Pass 4: using cached {}", cached_ko.display()));
        // Pass 2's warnings, as the build that filled the cache gave them (the BTF
        // fallback's among them): a cached module says the same as a fresh one.
        if !opts.suppress_warnings {
            if let Ok(w) = std::fs::read_to_string(entry.join("warnings")) {
                eprint!("{w}");
            }
        }
        return finish(opts, &cached_ko, &module_name, last_pass);
    }

    // Pass 2: elaborate.
    let mark = Mark::now();
    let settings = elaborate::Settings {
        guru: opts.guru,
        suppress_warnings: opts.suppress_warnings,
        kernel_release: kernel.release.clone(),
        optimize: optimize_settings(opts),
        target: crate::userspace::Target::from_options(opts.command.as_deref(), opts.target_pid),
    };
    let program = match elaborate::run(&scripts, &settings) {
        Ok(p) => p,
        Err(d) => {
            print_diags(&sm, &d, opts);
            eprintln!("Pass 2: analysis failed.  [man error::pass2]");
            return Ok(1);
        }
    };
    print_diags(&sm, &program.warnings, opts);
    // -G sets a global at load time; an unused global is not in the module (as in SystemTap,
    // setting it does not count as a use), so the value would go nowhere.
    for g in opts.globals.iter().filter_map(|g| g.split_once('=').map(|(n, _)| n)) {
        if !opts.suppress_warnings && !program.globals.iter().any(|pg| pg.name == g) {
            eprintln!(
                "rstap: warning: -G {g}: the module has no global '{g}' (the script does not declare it, or never uses it and it was elided; -u keeps it)"
            );
        }
    }
    if opts.verbose > 1 {
        let o = program.optimized;
        report(
            opts,
            format_args!(
                "Pass 2: optimized{}: {} expression{} folded, {} branch{} pruned, {} statement{} elided.",
                if opts.unoptimized { " (-u: @defined only)" } else { "" },
                o.folded,
                plural(o.folded),
                o.pruned,
                if o.pruned == 1 { "" } else { "es" },
                o.elided,
                plural(o.elided)
            ),
        );
    }
    let npoints: usize = program.probes.iter().map(|p| p.points.len()).sum();
    report(
        opts,
        format_args!(
            "Pass 2: analyzed script: {} probe{}, {} function{}, {} embed{}, {} global{} {}, {}.",
            npoints,
            plural(npoints),
            program.functions.len(),
            plural(program.functions.len()),
            program.embedded.len(),
            plural(program.embedded.len()),
            program.globals.len(),
            plural(program.globals.len()),
            stats::memory(),
            mark.since()
        ),
    );
    if last_pass == 2 {
        print!("{}", describe_program(&program));
        return Ok(0);
    }

    // Pass 3: translate.
    let mark = Mark::now();
    let build_id = crate::debuginfo::kernel_build_id(&kernel.release);
    let user_objects = user_objects(opts, &program)?;
    let embed_mark = Mark::now();
    let (user_tables, embedded) = crate::userspace::embed::c_tables(&user_objects)?;
    if !user_objects.is_empty() {
        report(
            opts,
            format_args!(
                "Pass 3: embedded {} user object{} ({} symbols, {} unwind rows) {}.",
                embedded.objects,
                plural(embedded.objects),
                embedded.symbols,
                embedded.rows,
                embed_mark.since()
            ),
        );
        if opts.verbose > 1 {
            for (p, syms, rows) in &embedded.each {
                eprintln!("Pass 3: user object {}: {syms} symbols, {rows} unwind rows", p.display());
            }
        }
    }
    let info = translate::ModuleInfo {
        script_name: &source.name,
        kernel_release: &kernel.release,
        kernel_build_id: build_id.as_deref(),
        user_tables: &user_tables,
    };
    let c_source = translate::run(&program, &sm, &info)?;
    let build_dir = build::tempdir("rstap")?;
    let c_path = build_dir.join(format!("{module_name}.c"));
    report(
        opts,
        format_args!("Pass 3: translated to C into \"{}\" {}, {}.", c_path.display(), stats::memory(), mark.since()),
    );
    if last_pass == 3 {
        print!("{c_source}");
        let _ = std::fs::remove_dir_all(&build_dir);
        return Ok(0);
    }

    // Pass 4: build.
    let mark = Mark::now();
    let req = build::BuildRequest {
        module_name: &module_name,
        c_source: &c_source,
        kernel: &kernel,
        defines: &opts.defines,
        build_dir: &build_dir,
        verbose: opts.verbose as u32,
    };
    let built = build::build_module(&req);
    let ko = match built {
        Ok(ko) => ko,
        Err(e) => {
            eprintln!("rstap: {e:#}");
            eprintln!("Pass 4: compilation failed.  [man error::pass4]");
            return Ok(1);
        }
    };
    std::fs::create_dir_all(&entry)?;
    let _ = std::fs::write(entry.join("warnings"), program.warnings.iter().map(|d| sm.render(d)).collect::<String>());
    let tmp = entry.join(format!(".{module_name}.ko.{}", std::process::id()));
    std::fs::copy(&ko, &tmp)?;
    std::fs::rename(&tmp, &cached_ko)?;
    let _ = std::fs::write(entry.join(format!("{module_name}.c")), &c_source);
    let mut files = user_files(&program);
    files.extend(user_objects.iter().map(|p| p.display().to_string()));
    files.sort();
    files.dedup();
    cache::record_files(&entry, &files)?;
    report(opts, format_args!("Pass 4: compiled C into \"{module_name}.ko\" {}.", mark.since()));
    if opts.keep {
        eprintln!("Keeping temporary directory \"{}\"", build_dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&build_dir);
    }
    finish(opts, &cached_ko, &module_name, last_pass)
}

/// After pass 4: write NAME.ko (-p4), or run it (pass 5).
fn finish(opts: &Options, ko: &Path, module_name: &str, last_pass: u8) -> Result<i32> {
    let signed = sign_module(opts, ko)?;
    let ko = signed.as_ref().map_or(ko, |(_, p)| p.as_path());
    if last_pass == 4 {
        let dir = std::env::var_os("RSTAP_OUTPUT_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
        let out = dir.join(format!("{module_name}.ko"));
        std::fs::copy(ko, &out).with_context(|| format!("writing {}", out.display()))?;
        println!("{module_name}.ko");
        return Ok(0);
    }
    run_module(opts, ko)
}

/// --sign-key/--sign-cert: a signed copy of the module (the cache keeps the unsigned
/// one), made with sign-file of the build tree of the kernel the module is for.
fn sign_module(opts: &Options, ko: &Path) -> Result<Option<(tempfile_dir::Dir, PathBuf)>> {
    let (Some(key), Some(cert)) = (&opts.sign_key, &opts.sign_cert) else { return Ok(None) };
    let info = rstaprun::modinfo(ko).map_err(|e| anyhow::anyhow!("{}: {e}", ko.display()))?;
    let release = info.get("rstap_kernel").cloned().unwrap_or_default();
    let sign_file = Path::new("/lib/modules").join(&release).join("build/scripts/sign-file");
    let dir = tempfile_dir::Dir(build::tempdir("rstap-sign")?);
    let out = dir.0.join(ko.file_name().unwrap_or_default());
    std::fs::copy(ko, &out).with_context(|| format!("copying {}", ko.display()))?;
    let st = std::process::Command::new(&sign_file)
        .args(["sha256".as_ref(), key.as_os_str(), cert.as_os_str(), out.as_os_str()])
        .status()
        .with_context(|| format!("running {}", sign_file.display()))?;
    if !st.success() {
        bail!("signing the module failed: {} exited with {st}", sign_file.display());
    }
    Ok(Some((dir, out)))
}

mod tempfile_dir {
    /// A directory removed when dropped.
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Pass 5: the loader, in-process.
fn run_module(opts: &Options, ko: &Path) -> Result<i32> {
    if !Path::new("/proc/modules").exists() {
        bail!(
            "this kernel cannot load modules (no /proc/modules)\n  = help: run the script in a VM: rstap vm -- rstap ... (or build with -p4 and load it elsewhere with rstaprun)"
        );
    }
    let mark = Mark::now();
    report(opts, format_args!("Pass 5: starting run."));
    let mut params = opts.globals.clone();
    params.retain(|p| p.contains('='));
    let ropts = rstaprun::RunOptions {
        module: ko.to_path_buf(),
        params,
        command: opts.command.clone(),
        target_pid: opts.target_pid,
        output: opts.output.clone(),
        buffer_mb: opts.buffer_mb,
        verbose: opts.verbose.saturating_sub(1) as u32,
        load_only: opts.flight_recorder,
        ..Default::default()
    };
    let code = rstaprun::run(&ropts).map_err(|e| anyhow::anyhow!("{e}"))?;
    report(opts, format_args!("Pass 5: run completed {}.", mark.since()));
    Ok(code)
}

/// Inside the VM: ask the host to run passes 1-4, then load the module here.
fn remote_build_and_run(opts: &Options, argv: &[String], spool: &Path, last_pass: u8) -> Result<i32> {
    let mut args: Vec<String> = Vec::new();
    let mut it = argv.iter().skip(1);
    while let Some(a) = it.next() {
        if a == "-p" || a == "-r" {
            it.next();
            continue;
        }
        if (a.starts_with("-p") || a.starts_with("-r")) && a.len() > 2 {
            continue;
        }
        args.push(a.clone());
    }
    let release = opts.kernel_release.clone().unwrap_or_else(crate::kernel::running_release);
    args.extend(["-p4".to_string(), "-r".to_string(), release]);
    let stdin = if opts.script_text.is_none() && opts.positional.first().map(String::as_str) == Some("-") {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        Some(s)
    } else {
        None
    };
    let cwd = std::env::current_dir()?;
    let reply = vm::remote_build(spool, &args, &cwd, stdin.as_deref())?;
    eprint!("{}", reply.stderr);
    if reply.status != 0 {
        return Ok(reply.status);
    }
    let Some(ko) = reply.module else { bail!("the host's build produced no module") };
    if last_pass == 4 {
        let name = ko.file_name().unwrap().to_string_lossy().into_owned();
        std::fs::copy(&ko, &name)?;
        println!("{name}");
        return Ok(0);
    }
    run_module(opts, &ko)
}

/// Whether a probe of the user's script (`scripts[0]`) starts with a component that may
/// name `syscall`, `nd_syscall`, or an alias family built on them (kprocess.exec is
/// syscall.execve): the families are followed through every script's aliases.
pub(crate) fn wants_syscalls(scripts: &[crate::ast::Script]) -> bool {
    use crate::passes::elaborate::wildcard_match;
    let mut families: Vec<String> = Vec::new();
    let uses = |fams: &[String], pt: &crate::ast::ProbePoint| {
        pt.components
            .first()
            .is_some_and(|c| crate::syscalls::wanted(&c.name) || fams.iter().any(|f| wildcard_match(&c.name, f)))
    };
    // A fixed point: an alias of an alias of syscall.* counts too.
    loop {
        let before = families.len();
        for item in scripts.iter().flat_map(|s| &s.items) {
            if let crate::ast::Item::Alias(a) = item {
                if a.points.iter().any(|pt| uses(&families, pt)) {
                    for n in a.names.iter().filter_map(|n| n.components.first()) {
                        if !families.contains(&n.name) {
                            families.push(n.name.clone());
                        }
                    }
                }
            }
        }
        if families.len() == before {
            break;
        }
    }
    scripts[0].items.iter().any(|i| match i {
        crate::ast::Item::Probe(p) => p.points.iter().any(|pt| uses(&families, pt)),
        _ => false,
    })
}

/// Whether the script may call `syscall_name` or `syscall_num`, which the generated
/// syscall tapset defines over the kernel's table (a mention is enough: the table is
/// parsed only when a script could use it).
fn calls_syscall_table(text: &str) -> bool {
    text.contains("syscall_name") || text.contains("syscall_num")
}

/// The macros of the tapset library's `.stpm` files.
pub(crate) fn library_macros(
    opts: &Options,
    sm: &mut SourceMap,
    ctx: &parse::PreprocessContext,
    tapset_files: &[PathBuf],
) -> Result<parse::MacroTable> {
    let mut macros = parse::MacroTable::new();
    for f in tapset_files.iter().filter(|f| f.extension().is_some_and(|x| x == "stpm")) {
        let text = std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?;
        if let Err(d) = parse::collect_macros(sm, &f.display().to_string(), &text, ctx, &mut macros) {
            print_diags(sm, &d, opts);
            bail!("the tapset library has errors");
        }
    }
    Ok(macros)
}

/// The tapset library's `.stp` files, parsed.
pub(crate) fn library_scripts(
    opts: &Options,
    sm: &mut SourceMap,
    ctx: &parse::PreprocessContext,
    tapset_files: &[PathBuf],
    macros: &parse::MacroTable,
) -> Result<Vec<crate::ast::Script>> {
    let mut scripts = Vec::new();
    for f in tapset_files.iter().filter(|f| f.extension().is_some_and(|x| x == "stp")) {
        let text = std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?;
        match parse::parse_file(sm, &f.display().to_string(), &text, ctx, macros) {
            Ok(s) => scripts.push(s),
            Err(d) => {
                print_diags(sm, &d, opts);
                bail!("the tapset library has errors");
            }
        }
    }
    Ok(scripts)
}

pub(crate) fn tapset_files(opts: &Options) -> Vec<PathBuf> {
    let mut dirs = vec![datadir::tapsets_dir()];
    dirs.extend(opts.tapset_dirs.iter().cloned());
    let mut files = Vec::new();
    for d in dirs {
        collect_tapsets(&d, &mut files);
    }
    files.sort();
    files
}

fn collect_tapsets(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_tapsets(&p, out);
        } else if p.extension().is_some_and(|x| x == "stp" || x == "stpm") {
            out.push(p);
        }
    }
}

fn cache_key(opts: &Options, source: &ScriptSource, kernel: &Kernel, tapsets: &[PathBuf]) -> String {
    let mut h = Hasher::new();
    h.add_str(env!("CARGO_PKG_VERSION"));
    h.add_str(env!("RSTAP_SOURCE_HASH"));
    h.add_str(&source.text);
    for a in &source.args {
        h.add_str(a);
    }
    for d in &opts.defines {
        h.add_str(d);
    }
    h.add_str(&format!("guru={} unopt={} name={:?}", opts.guru, opts.unoptimized, opts.module_name));
    h.add_str(&kernel.identity());
    // -d, --ldd and -c choose the user objects embedded (userspace/embed.rs).
    h.add_str(&format!("d={:?} ldd={} c={:?}", opts.debug_objects, opts.ldd, opts.command));
    if source.text.contains("process") || !opts.debug_objects.is_empty() || opts.command.is_some() {
        // Relative process("./prog") paths and process(PID) resolve against where rstap
        // runs; the files they name are checked again on a hit (cache::files_unchanged).
        h.add_str(&std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_default());
        h.add_str(&crate::userspace::pid_exe_map(&source.args));
        // -c/-x: the program that process points without a path or PID probe.
        let target = crate::userspace::Target::from_options(opts.command.as_deref(), opts.target_pid);
        h.add_str(&format!("{target:?}"));
        if let Some(pid) = opts.target_pid {
            h.add_str(&crate::userspace::pid_exe_map(&[pid.to_string()]));
        }
        h.add_str(&std::env::var(crate::userspace::PID_EXE_ENV).unwrap_or_default());
        // process("NAME") and -c's command are looked up on $PATH.
        h.add_str(&crate::userspace::search_path());
    }
    // Without DWARF, kernel.function points resolve through BTF to other C.
    h.add_str(&format!("dwarf={}", crate::debuginfo::has_dwarf(&kernel.release)));
    for f in tapsets {
        h.add_str(&f.display().to_string());
        h.add_bytes(&std::fs::read(f).unwrap_or_default());
    }
    for d in [datadir::runtime_dir(), datadir::templates_dir(), datadir::kbuild_dir()] {
        h.add_tree(&d);
    }
    h.finish()
}

/// The tapset functions that read user symbols or stacks (tapsets/user_*.stp).
const USER_SYMBOL_FUNCTIONS: &[&str] = &[
    "ubacktrace", "ucallers", "ustack", "print_ubacktrace", "print_ubacktrace_brief", "sprint_ubacktrace",
    "usymname", "usymdata", "umodname", "umodaddr", "print_usyms", "sprint_usyms", "print_ustack", "sprint_ustack",
];

/// The user-space objects whose symbols and unwind rows go into the module: none
/// unless the script reads user symbols or stacks; then, as SystemTap, `-d`, the probed
/// files, the `-c` command's executable and, with `--ldd`, their shared libraries.
fn user_objects(opts: &Options, p: &elaborate::Program) -> Result<Vec<PathBuf>> {
    // A -d that names nothing is an error whether or not its tables would be used.
    for d in &opts.debug_objects {
        if crate::userspace::find_file(&d.display().to_string()).is_none() {
            bail!("-d {}: no such file", d.display());
        }
    }
    if !p.functions.iter().any(|f| USER_SYMBOL_FUNCTIONS.contains(&f.name.as_str())) {
        return Ok(Vec::new());
    }
    crate::userspace::embed::objects(&opts.debug_objects, &user_files(p), opts.command.as_deref(), opts.ldd)
}

/// The user-space files the module's probes are placed in (cache::record_files).
fn user_files(p: &elaborate::Program) -> Vec<String> {
    use crate::passes::elaborate::points::PointKind;
    let mut v: Vec<String> = p
        .probes
        .iter()
        .flat_map(|pr| pr.points.iter())
        .filter_map(|pt| match &pt.kind {
            PointKind::Uprobe(u) => Some(u.path.clone()),
            PointKind::ProcEvent(e) => e.path.clone(),
            _ => None,
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

/// `-u` and `-D MAXSTRINGLEN=N` (the runtime's default otherwise), for pass 2's optimisation.
fn optimize_settings(opts: &Options) -> crate::passes::optimize::Settings {
    let mut s = crate::passes::optimize::Settings { enabled: !opts.unoptimized, ..Default::default() };
    for d in &opts.defines {
        if let Some(n) = d.strip_prefix("MAXSTRINGLEN=").and_then(|v| v.trim().parse::<usize>().ok()) {
            s.max_string_len = n;
        }
    }
    s
}

fn valid_module_name(n: &str) -> bool {
    !n.is_empty() && n.len() <= 55 && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `-p2`: the resolved script, SystemTap-style.
fn describe_program(p: &elaborate::Program) -> String {
    let mut s = String::new();
    if !p.globals.is_empty() {
        s.push_str("# globals\n");
        for g in &p.globals {
            s.push_str(&format!("{}:{}\n", g.name, type_name(g.ty)));
        }
    }
    if !p.functions.is_empty() {
        s.push_str("# functions\n");
        for f in &p.functions {
            let params: Vec<String> = f.params.iter().map(|a| format!("{}:{}", a.name, type_name(a.ty))).collect();
            let ret = f.ret.map(|t| format!(":{}", type_name(t))).unwrap_or_default();
            s.push_str(&format!("{}{} ({})\n", f.name, ret, params.join(", ")));
        }
    }
    s.push_str("# probes\n");
    for pr in &p.probes {
        for pt in &pr.points {
            s.push_str(&format!("{}\n", pt.pp));
        }
        for l in &pr.locals {
            s.push_str(&format!("  {}:{}\n", l.name, type_name(l.ty)));
        }
    }
    s
}

fn type_name(t: ast::Type) -> &'static str {
    match t {
        ast::Type::Long => "long",
        ast::Type::String => "string",
    }
}

