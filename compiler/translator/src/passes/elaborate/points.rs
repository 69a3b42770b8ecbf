//! Probe point resolution: aliases (with suffixes and wildcards) and the
//! probe families this rstap supports. Each family's points become a
//! [`PointKind`] the translator registers.

use super::symbols::SymbolTable;
use super::ResolvedPoint;
use crate::ast::{self, Component, Literal, ProbePoint};
use crate::diag::Diagnostic;

#[derive(Debug, Clone, PartialEq)]
pub enum PointKind {
    /// `begin`, `begin(N)`: N orders begin probes (lower first).
    Begin(i64),
    End(i64),
    Error(i64),
    /// `oneshot`: a begin probe that ends the script after its body.
    Oneshot,
    /// `never`: checked, never run.
    Never,
    Timer { unit: TimerUnit, period: i64, randomize: i64 },
    /// `kernel.function(...)`, `kprobe.function(...)` and their `.return`s.
    Kprobe(crate::debuginfo::resolve::KprobePoint),
    /// `kernel.trace("[SYSTEM:]NAME")`: one vmlinux tracepoint.
    Tracepoint(crate::debuginfo::tracepoints::TracePoint),
    /// `kernel.data(...).write|rw`: a hardware watchpoint.
    Watch(crate::debuginfo::watch::WatchPoint),
    /// `process(...).function(...)` and `.return`: a uprobe or uretprobe.
    Uprobe(crate::userspace::UprobePoint),
    /// `process[(...)].begin` / `.end`.
    ProcEvent(crate::userspace::ProcEventPoint),
    /// `__syscall(NR)` / `__syscall(NR).return`: system call NR's entry or exit, run from
    /// the raw_syscalls tracepoints (the points of the generated `syscall.*` aliases);
    /// `args` are its arguments (C type, name) from the kernel's metadata, the target
    /// variables there. `__syscall_any[.return]` (nr None): every system call.
    Syscall { nr: Option<u32>, ret: bool, args: Vec<(String, String)> },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimerUnit {
    Jiffies,
    Ns,
    /// `timer.hz(N)`: N times a second.
    Hz,
}

/// A probe after alias expansion: where it fires, and what runs.
pub struct Expanded {
    pub points: Vec<ResolvedPoint>,
    pub body: ast::Block,
    pub span: ast::Span,
}

const MAX_ALIAS_DEPTH: usize = 16;

pub fn resolve_probes(
    script: &ast::Script,
    table: &SymbolTable,
    kernel_release: &str,
    guru: bool,
    target: &crate::userspace::Target,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Expanded> {
    let mut out: Vec<Expanded> = Vec::new();
    for item in &script.items {
        let ast::Item::Probe(probe) = item else { continue };
        // Points that resolve to the same chain of alias bodies, under the same conditions,
        // share one body.
        type Group = (Vec<usize>, Vec<ast::Expr>, Vec<ResolvedPoint>, ast::Block);
        let mut groups: Vec<Group> = Vec::new();
        for point in &probe.points {
            let mut found = Vec::new();
            let mut errors = Vec::new();
            let conds: Vec<ast::Expr> = point.condition.iter().cloned().collect();
            expand(point, &point.components, Vec::new(), &conds, table, kernel_release, guru, target, 0, &mut found, &mut errors);
            if found.is_empty() {
                if point.optional || point.sufficient {
                    continue;
                }
                if errors.is_empty() {
                    errors.push(
                        Diagnostic::error(format!("probe point '{}' matches nothing", pp_string(&point.components)))
                            .with_span(point.span)
                            .with_help("add '?' after the point to make it optional"),
                    );
                }
                diags.extend(errors);
                continue;
            }
            diags.extend(errors.into_iter().filter(|d| !d.is_error()));
            for (chain, conds, mut rp) in found {
                rp.pn = script_level_name(point, &chain, &rp.pp, table);
                match groups.iter_mut().find(|g| g.0 == chain && g.1 == conds) {
                    Some(g) => g.2.push(rp),
                    None => {
                        let mut body = wrap_body(&probe.body, &chain, table);
                        if !conds.is_empty() {
                            let mut ok = true;
                            for c in &conds {
                                ok &= check_condition(c, table, diags);
                            }
                            if ok {
                                body = guard_body(body, &conds);
                            }
                        }
                        groups.push((chain, conds, vec![rp], body));
                    }
                }
            }
            if point.sufficient {
                break;
            }
        }
        for (_, _, points, body) in groups {
            out.push(Expanded { points, body, span: probe.span });
        }
    }
    out
}

/// The user's body inside its aliases' bodies: `=` aliases run before it,
/// `+=` aliases after. All share one scope of locals, as in SystemTap.
fn wrap_body(user: &ast::Block, chain: &[usize], table: &SymbolTable) -> ast::Block {
    let mut body = user.clone();
    // chain[0] is the alias the user named; each expansion step wraps the body built so
    // far, so the alias nearest the real probe point wraps last and its `=` body runs
    // first (`a = b {A}`, `b = begin {B}`: `probe a {U}` runs B, A, U).
    for &i in chain.iter() {
        let alias = table.aliases[i];
        let a = ast::Stmt { kind: ast::StmtKind::Block(alias.body.clone()), span: alias.body.span };
        let u = ast::Stmt { kind: ast::StmtKind::Block(body.clone()), span: body.span };
        let stmts = if alias.epilogue { vec![u, a] } else { vec![a, u] };
        body = ast::Block { stmts, span: body.span };
    }
    body
}

/// What `pn()` returns: the point as the script names it, wildcards expanded. Through
/// an alias, the alias's name (with the user's suffixes: `syscall.read.return` for
/// `syscall.*.return`); else the point as written, or for a wildcard what it became,
/// without the `@file:line` that `pp()` adds (`kernel.function("vfs_read")`).
fn script_level_name(point: &ProbePoint, chain: &[usize], pp: &str, table: &SymbolTable) -> String {
    let comps = &point.components;
    if let Some(&first) = chain.first() {
        let names = &table.aliases[first].names;
        // The longest of the alias's names that the point starts with.
        if let Some(n) = names
            .iter()
            .filter(|n| comps.len() >= n.components.len() && components_match(&comps[..n.components.len()], &n.components))
            .max_by_key(|n| n.components.len())
        {
            let mut c = n.components.clone();
            c.extend_from_slice(&comps[n.components.len()..]);
            return pp_string(&c);
        }
    }
    let written = pp_string(comps);
    if !written.contains(['*', '?', '[']) {
        return written;
    }
    // Drop `@file:line` from the resolved point's quoted argument.
    match pp.find('@') {
        Some(at) => match pp[at..].find('"') {
            Some(q) => format!("{}{}", &pp[..at], &pp[at + q..]),
            None => pp.to_string(),
        },
        None => pp.to_string(),
    }
}

/// A resolved point: the aliases it went through, the conditions on the way, where it fires.
type Found = (Vec<usize>, Vec<ast::Expr>, ResolvedPoint);

#[allow(clippy::too_many_arguments)]
fn expand(
    point: &ProbePoint,
    comps: &[Component],
    chain: Vec<usize>,
    conds: &[ast::Expr],
    table: &SymbolTable,
    release: &str,
    guru: bool,
    user_target: &crate::userspace::Target,
    depth: usize,
    found: &mut Vec<Found>,
    errors: &mut Vec<Diagnostic>,
) {
    if depth > MAX_ALIAS_DEPTH {
        errors.push(Diagnostic::error("probe aliases nest too deeply (a cycle?)").with_span(point.span));
        return;
    }
    let mut matched_alias = false;
    // Where alias names nest (`syscall.read` and `syscall.read.return`), the longer match
    // wins: `syscall.read.return` is not `syscall.read` with a `.return` suffix.
    let all_names: Vec<&[Component]> = table.aliases.iter().flat_map(|a| a.names.iter()).map(|n| n.components.as_slice()).collect();
    let matches = |name: &[Component]| comps.len() >= name.len() && components_match(&comps[..name.len()], name);
    let same = |a: &[Component], b: &[Component]| a.iter().zip(b).all(|(x, y)| x.name == y.name && x.arg == y.arg);
    let extended = |name: &[Component]| all_names.iter().any(|m| m.len() > name.len() && same(&m[..name.len()], name) && matches(m));
    for (ai, alias) in table.aliases.iter().enumerate() {
        for name in &alias.names {
            let n = name.components.len();
            if !matches(&name.components) || (n < comps.len() && extended(&name.components)) {
                continue;
            }
            matched_alias = true;
            let suffix = &comps[n..];
            let mut chain2 = chain.clone();
            chain2.push(ai);
            for target in &alias.points {
                let mut c2 = target.components.clone();
                c2.extend_from_slice(suffix);
                let before = found.len();
                let mut errs = Vec::new();
                // An alias's own conditions combine with the user's (`&&`).
                let mut conds2 = conds.to_vec();
                conds2.extend(target.condition.iter().cloned());
                expand(target, &c2, chain2.clone(), &conds2, table, release, guru, user_target, depth + 1, found, &mut errs);
                if found.len() == before && !(target.optional || target.sufficient) {
                    errors.extend(errs);
                }
            }
        }
    }
    if matched_alias {
        return;
    }
    // The kernel families: one point may become many kprobes (wildcards).
    if let Some(r) = crate::debuginfo::resolve::resolve(comps, release) {
        match r {
            // A run-time address (an empty symbol) can land anywhere, mid-instruction
            // included: guru mode only, as in SystemTap.
            Ok((v, _)) if !guru && v.iter().any(|(k, _)| k.symbol.is_empty()) => errors.push(
                Diagnostic::error(format!("probe point '{}' needs guru mode", v[0].1))
                    .with_span(point.span)
                    .with_help("run with -g, or probe a link-time address relocated with its function: kernel.statement(0x...)"),
            ),
            Ok((v, warnings)) => {
                // Shown once the point resolves (see resolve_probes).
                errors.extend(warnings.into_iter().map(|w| Diagnostic::warning(w).with_span(point.span)));
                found.extend(v.into_iter().map(|(mut k, pp)| {
                    k.optional |= point.optional || point.sufficient;
                    (chain.clone(), conds.to_vec(), ResolvedPoint { kind: PointKind::Kprobe(k), pp, pn: String::new() })
                }))
            }
            Err(msg) => errors.push(kernel_point_error(&msg).with_span(point.span)),
        }
        return;
    }
    // Hardware watchpoints.
    if let Some(r) = crate::debuginfo::watch::resolve(comps, release) {
        match r {
            Ok((mut w, pp)) => {
                w.optional = point.optional || point.sufficient;
                found.push((chain, conds.to_vec(), ResolvedPoint { kind: PointKind::Watch(w), pp, pn: String::new() }))
            }
            Err(msg) => errors.push(Diagnostic::error(msg).with_span(point.span)),
        }
        return;
    }
    // Tracepoints: one point may become many (wildcards).
    if let Some(r) = crate::debuginfo::tracepoints::resolve(comps, release) {
        match r {
            Ok(v) => found.extend(v.into_iter().map(|(mut t, pp)| {
                t.optional |= point.optional || point.sufficient;
                (chain.clone(), conds.to_vec(), ResolvedPoint { kind: PointKind::Tracepoint(t), pp, pn: String::new() })
            })),
            Err(msg) => errors.push(Diagnostic::error(msg).with_span(point.span)),
        }
        return;
    }
    // The user-space families (userspace/): uprobes and process events.
    if let Some(r) = crate::userspace::resolve(comps, user_target) {
        match r {
            Ok(v) => found.extend(v.into_iter().map(|(u, pp)| {
                let kind = match u {
                    crate::userspace::UserPoint::Uprobe(mut k) => {
                        k.optional |= point.optional || point.sufficient;
                        PointKind::Uprobe(k)
                    }
                    crate::userspace::UserPoint::Event(e) => PointKind::ProcEvent(e),
                };
                (chain.clone(), conds.to_vec(), ResolvedPoint { kind, pp, pn: String::new() })
            })),
            Err(msg) => errors.push(Diagnostic::error(msg).with_span(point.span)),
        }
        return;
    }
    let kind = match comps.first() {
        Some(c) if c.name == "__syscall" => syscall_point(comps, release),
        Some(c) if c.name == "__syscall_any" && c.arg.is_none() => match comps {
            [_] => Ok(PointKind::Syscall { nr: None, ret: false, args: vec![] }),
            [_, r] if r.name == "return" && r.arg.is_none() => Ok(PointKind::Syscall { nr: None, ret: true, args: vec![] }),
            _ => Err(format!("unknown probe point '{}' (__syscall_any or __syscall_any.return)", pp_string(comps))),
        },
        _ => builtin(comps),
    };
    match kind {
        Ok(kind) => {
            // A system call's point is a raw_syscalls tracepoint, as pp() says.
            let pp = match kind {
                PointKind::Syscall { ret: false, .. } => "kernel.trace(\"raw_syscalls:sys_enter\")".into(),
                PointKind::Syscall { ret: true, .. } => "kernel.trace(\"raw_syscalls:sys_exit\")".into(),
                _ => pp_string(comps),
            };
            found.push((chain, conds.to_vec(), ResolvedPoint { kind, pp, pn: String::new() }))
        }
        Err(msg) => errors.push(Diagnostic::error(msg).with_span(point.span)),
    }
}

/// A kernel family's refusal: its text may end in `\n  = help: ...` lines (debuginfo/).
fn kernel_point_error(msg: &str) -> Diagnostic {
    Diagnostic::error_with_help_lines(msg)
}

/// `if (!(C1 && C2 ...)) next;` before the body: a conditional probe's body runs only
/// while its conditions hold. They read globals only, so evaluated under the probe's locks
/// (the body's read set includes their globals) this is what arming and disarming gives.
fn guard_body(body: ast::Block, conds: &[ast::Expr]) -> ast::Block {
    let all = conds
        .iter()
        .cloned()
        .reduce(|a, b| {
            let span = a.span.to(b.span);
            ast::Expr::new(ast::ExprKind::Binary { op: ast::BinOp::LogAnd, lhs: Box::new(a), rhs: Box::new(b) }, span)
        })
        .expect("at least one condition");
    let span = all.span;
    let not = ast::Expr::new(ast::ExprKind::Unary { op: ast::UnaryOp::Not, operand: Box::new(all) }, span);
    let next = ast::Stmt { kind: ast::StmtKind::Next, span };
    let guard = ast::Stmt { kind: ast::StmtKind::If { cond: not, then: Box::new(next), els: None }, span };
    let inner = ast::Stmt { kind: ast::StmtKind::Block(body.clone()), span: body.span };
    ast::Block { stmts: vec![guard, inner], span: body.span }
}

/// A probe condition may only read globals: no locals, no context, nothing that changes
/// anything (SystemTap evaluates it apart from any hit, to arm and disarm the probe).
fn check_condition(e: &ast::Expr, table: &SymbolTable, diags: &mut Vec<Diagnostic>) -> bool {
    use ast::ExprKind as K;
    let fail = |diags: &mut Vec<Diagnostic>, msg: String, span: ast::Span| {
        diags.push(
            Diagnostic::error(msg)
                .with_span(span)
                .with_help("a probe condition is a boolean expression on global variables, e.g. `if (tracing)`"),
        );
        false
    };
    let global = |name: &str| table.global_index.contains_key(name);
    match &e.kind {
        K::Literal(_) => true,
        K::Var(name) if global(name) => true,
        K::Var(name) => fail(
            diags,
            format!("a probe condition may only read globals: '{}' is not a global", super::private::display_name(name)),
            e.span,
        ),
        K::Index { array, indices } => {
            let mut ok = true;
            if !global(&array.name) {
                ok = fail(diags, format!("a probe condition may only read globals: '{}' is not a global", array.name), array.span);
            }
            for i in indices {
                ok &= check_condition(i, table, diags);
            }
            ok
        }
        K::In { keys, array, .. } => {
            let mut ok = true;
            if !global(&array.name) {
                ok = fail(diags, format!("a probe condition may only read globals: '{}' is not a global", array.name), array.span);
            }
            for k in keys.iter().flatten() {
                ok &= check_condition(k, table, diags);
            }
            ok
        }
        K::Stat { operand, .. } => check_condition(operand, table, diags),
        K::Unary { operand, .. } => check_condition(operand, table, diags),
        K::Binary { lhs, rhs, .. } => {
            let a = check_condition(lhs, table, diags);
            check_condition(rhs, table, diags) && a
        }
        K::Ternary { cond, then, els } => {
            let a = check_condition(cond, table, diags);
            let b = check_condition(then, table, diags);
            check_condition(els, table, diags) && a && b
        }
        K::Assign { op, .. } => fail(
            diags,
            format!("a probe condition must not change anything: `{}` assigns", op.as_str()),
            e.span,
        ),
        K::Crement { .. } => fail(diags, "a probe condition must not change anything: `++`/`--` assigns".into(), e.span),
        K::Call { func, .. } => fail(
            diags,
            format!("a probe condition cannot call functions ('{}()'): it may only read globals", super::private::display_name(&func.name)),
            e.span,
        ),
        K::Target { .. } | K::TargetAll { .. } | K::Cast { .. } | K::AtVar { .. } | K::Entry(_) | K::Perf(_) | K::AddrOf(_) => fail(
            diags,
            "a probe condition cannot read the probe's context: it may only read globals".into(),
            e.span,
        ),
        K::Defined(_) | K::HistLog(_) | K::HistLinear { .. } | K::HistIndex { .. } | K::EmbeddedC(_) => {
            fail(diags, "this is not allowed in a probe condition: it may only read globals".into(), e.span)
        }
    }
}

/// Whether the user's components match an alias name (which may hold `*`).
fn components_match(user: &[Component], alias: &[Component]) -> bool {
    user.iter().zip(alias).all(|(u, a)| wildcard_match(&u.name, &a.name) && u.arg == a.arg)
}

/// Shell-style `*` matching (the user's side may hold the wildcard).
pub fn wildcard_match(pattern: &str, name: &str) -> bool {
    fn go(p: &[u8], n: &[u8]) -> bool {
        match p.split_first() {
            None => n.is_empty(),
            Some((b'*', rest)) => (0..=n.len()).any(|i| go(rest, &n[i..])),
            Some((c, rest)) => n.first() == Some(c) && go(rest, &n[1..]),
        }
    }
    go(pattern.as_bytes(), name.as_bytes())
}

pub fn pp_string(comps: &[Component]) -> String {
    comps
        .iter()
        .map(|c| match &c.arg {
            None => c.name.clone(),
            Some(Literal::Num(n)) => format!("{}({n})", c.name),
            Some(Literal::Str(s)) => format!("{}(\"{s}\")", c.name),
        })
        .collect::<Vec<_>>()
        .join(".")
}

fn num_arg(c: &Component) -> Result<Option<i64>, String> {
    match &c.arg {
        None => Ok(None),
        Some(Literal::Num(n)) => Ok(Some(*n)),
        Some(Literal::Str(_)) => Err(format!("'{}' takes a number", c.name)),
    }
}

fn builtin(comps: &[Component]) -> Result<PointKind, String> {
    let names: Vec<&str> = comps.iter().map(|c| c.name.as_str()).collect();
    let seq = || num_arg(&comps[0]).map(|n| n.unwrap_or(0));
    match names.as_slice() {
        ["begin"] => Ok(PointKind::Begin(seq()?)),
        ["end"] => Ok(PointKind::End(seq()?)),
        ["error"] => Ok(PointKind::Error(seq()?)),
        ["oneshot"] => Ok(PointKind::Oneshot),
        ["never"] => Ok(PointKind::Never),
        ["timer", "profile", ..] | ["timer", "profile_tick", ..] => Err(format!(
            "probe point '{}' is not supported by this rstap yet (a hit on every CPU at each profiling tick): timer.ms(N) or timer.jiffies(N) fire periodically instead",
            pp_string(comps)
        )),
        ["timer", unit, rest @ ..] => timer(unit, &comps[1], rest, comps.get(2)),

        _ => Err(format!(
            "probe point '{}' is not supported by this rstap yet (supported: begin, end, error, never, oneshot, timer.*, kernel.function, kernel.statement, kernel.trace, kernel.data, module(...).function, module(...).statement, kprobe.function, kprobe.module, kprobe.statement, process)",
            pp_string(comps)
        )),
    }
}

/// `__syscall(NR)[.return]`: system call NR of the kernel's table (syscalls/meta.rs).
fn syscall_point(comps: &[Component], release: &str) -> Result<PointKind, String> {
    let ret = match comps {
        [_] => false,
        [_, r] if r.name == "return" && r.arg.is_none() => true,
        _ => return Err(format!("unknown probe point '{}' (__syscall(NR) or __syscall(NR).return)", pp_string(comps))),
    };
    let nr = num_arg(&comps[0])?.ok_or("__syscall takes a system call number: __syscall(NR)")?;
    let table = crate::syscalls::table(release).map_err(|e| format!("{e:#}"))?;
    let call = table.iter().find(|c| i64::from(c.nr) == nr).ok_or_else(|| format!("system call {nr} does not exist in kernel {release}"))?;
    Ok(PointKind::Syscall { nr: Some(call.nr), ret, args: call.args.clone() })
}

fn timer(unit: &str, comp: &Component, rest: &[&str], rnd: Option<&Component>) -> Result<PointKind, String> {
    let n = num_arg(comp)?.ok_or_else(|| format!("timer.{unit} needs a period: timer.{unit}(N)"))?;
    if n <= 0 {
        return Err(format!("timer.{unit}({n}): the period must be positive"));
    }
    let randomize = match rest {
        [] => 0,
        ["randomize"] => {
            let r = num_arg(rnd.unwrap())?.ok_or("randomize needs an amount: .randomize(M)")?;
            if r < 0 || r >= n {
                return Err(format!("randomize({r}) must be at least 0 and below the period {n}"));
            }
            r
        }
        _ => return Err(format!("unknown timer suffix '.{}'", rest.join("."))),
    };
    let ns = |mul: i64| -> Result<PointKind, String> {
        Ok(PointKind::Timer { unit: TimerUnit::Ns, period: n.saturating_mul(mul), randomize: randomize.saturating_mul(mul) })
    };
    match unit {
        "s" | "sec" => ns(1_000_000_000),
        "ms" | "msec" => ns(1_000_000),
        "us" | "usec" => ns(1_000),
        "ns" | "nsec" => {
            if n < 100_000 {
                return Err("timer.ns(N) needs N of at least 100000 (100 us)".into());
            }
            ns(1)
        }
        "hz" => {
            if randomize != 0 {
                return Err("timer.hz(N) cannot be randomized".into());
            }
            Ok(PointKind::Timer { unit: TimerUnit::Hz, period: n, randomize: 0 })
        }
        "jiffies" => Ok(PointKind::Timer { unit: TimerUnit::Jiffies, period: n, randomize }),
        _ => Err(format!("unknown timer unit '{unit}' (s, ms, us, ns, hz, jiffies)")),
    }
}

#[cfg(test)]
mod tests {
    use super::wildcard_match;

    #[test]
    fn wildcards() {
        assert!(wildcard_match("syscall.*", "syscall.read"));
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("a*c*", "abcd"));
        assert!(!wildcard_match("a*c", "abcd"));
    }
}
