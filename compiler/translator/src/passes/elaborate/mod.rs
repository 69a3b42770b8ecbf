//! Pass 2: elaborate. Resolves probe points (aliases, wildcards, the probe
//! families), binds every name (globals, locals, functions from the script
//! and the tapsets), infers types, and computes which globals each probe
//! reads and writes (for its locks). The output, [`Program`], is all that
//! the translator needs; only the functions that are used are kept.

pub(crate) mod points;
mod overload;
mod private;
pub(crate) mod symbols;
pub(crate) mod casts;
pub(crate) mod entry;
pub(crate) mod targets;
mod types;

use crate::ast::{self, Span, Type};
use crate::diag::{Diagnostic, FileId};
use std::collections::BTreeSet;

pub use private::display_name;
pub use points::{pp_string, wildcard_match, PointKind, TimerUnit};
pub(crate) use types::{unknown_function, BUILTINS};
use crate::passes::optimize;

/// The elaborated script.
#[derive(Debug, Default)]
pub struct Program {
    pub globals: Vec<GlobalInfo>,
    pub functions: Vec<FunctionInfo>,
    /// Probe bodies; each has one or more points that fire it.
    pub probes: Vec<ProbeInfo>,
    /// Top-level `%{ %}` blocks from tapsets (and guru-mode scripts), with their file.
    pub embedded: Vec<(FileId, String)>,
    /// The distinct patterns of `=~`/`!~` (checked: each compiles), in order of first use;
    /// the translator emits one matcher per pattern.
    pub regexes: Vec<Vec<u8>>,
    pub warnings: Vec<Diagnostic>,
    /// What the optimisation did (`-vv`).
    pub optimized: optimize::Stats,
    /// `@cast` accesses, by expression span (casts.rs).
    pub casts: casts::CastTable,
}

#[derive(Debug, Clone)]
pub struct GlobalInfo {
    pub name: String,
    /// The value type (of the elements, for an array); Long for statistics.
    pub ty: Type,
    pub init: Option<ast::Literal>,
    pub span: Span,
    /// Some: an associative array.
    pub array: Option<ArrayInfo>,
    /// Some: statistics (`<<<`), scalar or array elements.
    pub stat: Option<StatInfo>,
}

#[derive(Debug, Clone)]
pub struct ArrayInfo {
    pub keys: Vec<Type>,
    /// `global a[N]`; None: MAXMAPENTRIES.
    pub max_entries: Option<i64>,
    /// `global a%`: the oldest element makes room for a new one.
    pub wrap: bool,
    /// Some foreach iterates it sorted (it needs a sort buffer).
    pub sorted: bool,
}

#[derive(Debug, Clone, Default)]
pub struct StatInfo {
    pub hist: Option<Hist>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hist {
    Log,
    Linear { lo: i64, hi: i64, step: i64 },
}

#[derive(Debug, Clone)]
pub struct LocalInfo {
    pub name: String,
    pub ty: Type,
}

#[derive(Debug, Clone)]
pub struct FunctionInfo {
    pub name: String,
    pub params: Vec<LocalInfo>,
    /// None: returns nothing (a statement-only function).
    pub ret: Option<Type>,
    pub body: ast::FunctionBody,
    pub locals: Vec<LocalInfo>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct ProbeInfo {
    pub points: Vec<ResolvedPoint>,
    pub body: ast::Block,
    pub locals: Vec<LocalInfo>,
    /// Indices into [`Program::globals`]: read-only and written.
    pub reads: BTreeSet<usize>,
    pub writes: BTreeSet<usize>,
    pub span: Span,
    /// Its target variables' plans, by expression span.
    pub targets: targets::TargetTable,
}

#[derive(Debug, Clone)]
pub struct ResolvedPoint {
    pub kind: PointKind,
    /// What `pp()` returns.
    pub pp: String,
    /// What `pn()` returns (points.rs, script_level_name).
    pub pn: String,
}

/// What elaboration needs to know besides the scripts.
pub struct Settings {
    pub guru: bool,
    pub suppress_warnings: bool,
    /// The target kernel (`-r`), for its debuginfo.
    pub kernel_release: String,
    /// The optimisation (`-u` turns it off).
    pub optimize: optimize::Settings,
    /// `-c CMD` / `-x PID`: what process points without a path or PID probe.
    pub target: crate::userspace::Target,
}

/// `scripts[0]` is the user's script; the rest are tapset files.
pub fn run(scripts: &[ast::Script], settings: &Settings) -> Result<Program, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    // Private names are renamed per file first: symbols then never mix two files' privates.
    let (scripts, privates) = private::scope(scripts, &mut diags);
    let scripts = overload::resolve(scripts);
    let scripts = &scripts[..];
    let mut table = symbols::SymbolTable::collect(scripts, settings, &mut diags);
    table.privates = privates;
    let mut probes = points::resolve_probes(&scripts[0], &table, &settings.kernel_release, settings.guru, &settings.target, &mut diags);
    if probes.is_empty() && !diags.iter().any(Diagnostic::is_error) {
        diags.push(
            Diagnostic::error("no probes found")
                .with_help("a script needs at least one `probe POINT { ... }`, e.g. `probe begin { println(\"hi\"); exit() }`"),
        );
    }
    if diags.iter().any(Diagnostic::is_error) {
        return Err(errors_only(diags));
    }
    // Optimised before type inference: a dead `@defined` arm is never type-checked. The
    // optimised functions replace the originals for type inference and translation.
    let (functions, optimized) = optimize::run(&table, &mut probes, &settings.optimize, &mut diags);
    if diags.iter().any(Diagnostic::is_error) {
        return Err(errors_only(diags));
    }
    for f in &functions {
        table.functions.insert(&f.name.name, f);
    }
    targets::check_writes(&probes, settings.guru, &mut diags);
    if diags.iter().any(Diagnostic::is_error) {
        return Err(errors_only(diags));
    }
    // `.return` probes: target variables mean their values at entry (`@entry`).
    let probes = entry::rewrite(probes, &|n| table.global_index.contains_key(n), &mut diags);
    if diags.iter().any(Diagnostic::is_error) {
        return Err(errors_only(diags));
    }
    // Target variables: resolved per point through DWARF (probes split where they differ).
    let (probes, target_tables) = targets::resolve(probes, settings.optimize.max_string_len, &mut diags);
    if diags.iter().any(Diagnostic::is_error) {
        return Err(errors_only(diags));
    }
    // @cast: resolved once per expression, in probes and the functions they reach.
    let casts = casts::resolve(&probes, &table, &settings.kernel_release, settings.optimize.max_string_len, &mut diags);
    if diags.iter().any(Diagnostic::is_error) {
        return Err(errors_only(diags));
    }
    let program = types::infer(&table, probes, &target_tables, &casts, !settings.optimize.enabled, &mut diags);
    if diags.iter().any(Diagnostic::is_error) {
        return Err(errors_only(diags));
    }
    let mut program = program.expect("no errors, so a program");
    program.casts = casts;
    let after = optimize::after_types(&mut program, &settings.optimize, table.user_file, &mut diags);
    program.optimized = optimized;
    program.optimized.add(after);
    keep_used_embeds(&mut program, table.user_file);
    if !settings.suppress_warnings {
        program.warnings = diags;
    }
    Ok(program)
}

/// A tapset file's top-level `%{ ... %}` (its `#include`s) goes into the module only when
/// something of that file is used, as in SystemTap: a probe body from one of its aliases
/// or one of its functions. The script's own (guru mode) always does.
fn keep_used_embeds(program: &mut Program, user: FileId) {
    let mut used: std::collections::HashSet<FileId> = program.functions.iter().map(|f| f.span.file).collect();
    used.insert(user);
    for p in &program.probes {
        crate::passes::optimize::walk_block(&p.body, &mut |e| {
            used.insert(e.span.file);
        });
        used.extend(p.body.stmts.iter().map(|s| s.span.file));
    }
    program.embedded.retain(|(file, _)| used.contains(file));
}

/// A failed elaboration reports its errors alone: a warning beside an error is most often
/// its echo (a variable never assigned because the statement assigning it was wrong).
fn errors_only(diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diags.into_iter().filter(Diagnostic::is_error).collect()
}
