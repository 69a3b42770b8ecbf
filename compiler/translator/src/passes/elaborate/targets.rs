//! Target variables in probe bodies (`$var`, `$var->m[i]`, `&$var->m`, `$var$`,
//! `$$parms`...): each is resolved at every point of its probe through the point's DWARF
//! (debuginfo/target.rs) into a [`Plan`], kept in the probe's [`TargetTable`] under the
//! expression's span for type inference (a plan says long or string) and translation (it
//! renders the C). Points of one probe whose plans differ (a variable in another
//! register in another function of a wildcard) get bodies of their own.

use super::points::{Expanded, PointKind};
use crate::ast::{Expr, ExprKind, PathElem, Pretty, Span, TargetAllKind};
use crate::debuginfo::target::{self as dt, Access, AllVars, Request, Seg, Which};
use crate::diag::Diagnostic;
use std::collections::HashMap;

/// What one target expression compiles to at the points of its probe.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    Access(Access),
    All(AllVars),
}

impl Plan {
    /// Whether the script sees a string (else a long).
    pub fn is_string(&self) -> bool {
        match self {
            Plan::Access(a) => a.is_string(),
            Plan::All(_) => true,
        }
    }
}

/// A probe's target expressions, by span.
#[derive(Debug, Clone, Default)]
pub struct TargetTable {
    pub plans: HashMap<Span, Plan>,
}

/// The target-family expressions of a body, outermost first (`&$x` stands for its `$x`).
fn target_exprs(body: &crate::ast::Block) -> Vec<Expr> {
    let mut all = Vec::new();
    crate::passes::optimize::walk_block(body, &mut |e| {
        // `&@cast(...)` is casts.rs's, not a target expression.
        if matches!(e.kind, ExprKind::Target { .. } | ExprKind::TargetAll { .. } | ExprKind::AddrOf(_))
            && !is_cast_addr(e)
        {
            all.push(e.clone());
        }
    });
    let inner: Vec<Span> = all
        .iter()
        .filter_map(|e| match &e.kind {
            ExprKind::AddrOf(x) => Some(x.span),
            _ => None,
        })
        .collect();
    all.retain(|e| !(matches!(e.kind, ExprKind::Target { .. }) && inner.contains(&e.span)));
    all
}

/// `&@cast(...)->member`: an address casts.rs resolves.
pub(crate) fn is_cast_addr(e: &Expr) -> bool {
    matches!(&e.kind, ExprKind::AddrOf(x) if matches!(x.kind, ExprKind::Cast { .. }))
}

pub(crate) fn pretty_level(p: Pretty) -> u8 {
    match p {
        Pretty::None => 0,
        Pretty::Shallow => 1,
        Pretty::Deep => 2,
    }
}

/// What to ask the DWARF for `e`.
enum Ask {
    One(Request),
    All(Which, u8),
    /// `$$return`
    Return(u8),
}

/// What the DWARF side is asked for one access: NAME (empty for @cast/@var), its members
/// and indexes (each index a hole the translator fills), the pretty level and `&`.
pub(super) fn target_request(name: &str, path: &[PathElem], pretty: Pretty, addr_of: bool) -> Request {
    let mut holes = 0;
    let path = path
        .iter()
        .map(|p| match p {
            PathElem::Member(m) => Seg::Member(m.name.clone()),
            PathElem::Index(_) => {
                holes += 1;
                Seg::Index(holes - 1)
            }
        })
        .collect();
    Request { name: name.to_string(), path, pretty: pretty_level(pretty), addr_of }
}

fn ask(e: &Expr) -> Result<Ask, String> {
    let request = target_request;
    match &e.kind {
        ExprKind::Target { name, path, pretty } => Ok(Ask::One(request(name, path, *pretty, false))),
        ExprKind::AddrOf(x) => match &x.kind {
            ExprKind::Target { name, path, pretty: Pretty::None } => Ok(Ask::One(request(name, path, Pretty::None, true))),
            ExprKind::Target { .. } => Err("'&' takes the address of a variable, not of its printed form".into()),
            _ => Err("'&' takes the address of a target variable ($var, $var->member) only".into()),
        },
        ExprKind::TargetAll { kind, pretty } => {
            let which = match kind {
                TargetAllKind::Parms => Which::Parms,
                TargetAllKind::Locals => Which::Locals,
                TargetAllKind::Vars => Which::Vars,
                TargetAllKind::Return => return Ok(Ask::Return(pretty_level(*pretty))),
                TargetAllKind::Name | TargetAllKind::Provider => {
                    return Err(format!("{} exists in process(...).mark(...) probes only", kind.as_str()))
                }
            };
            Ok(Ask::All(which, pretty_level(*pretty)))
        }
        _ => Err("not a target variable".into()),
    }
}

/// How `e` reads as the script wrote it (`$file->f_pos`, `$$parms`).
fn shown(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Target { name, .. } => format!("${name}"),
        ExprKind::AddrOf(x) => shown(x),
        ExprKind::TargetAll { kind, .. } => kind.as_str().to_string(),
        _ => "?".into(),
    }
}

/// A target expression at an SDT marker (userspace/sdt.rs): `$argN`, `$argN$`, `$$name`,
/// `$$provider`, `$$parms`/`$$vars` (every argument), never members or `&`.
fn mark_plan(m: &crate::userspace::sdt::Marker, e: &Expr) -> Result<Plan, dt::Error> {
    use crate::userspace::sdt;
    let names = || dt::Error::Unknown { names: (1..=m.args.len()).map(|i| format!("arg{i}")).collect() };
    match &e.kind {
        ExprKind::TargetAll { kind: TargetAllKind::Name, .. } => Ok(Plan::Access(sdt::text_access(&m.name))),
        ExprKind::TargetAll { kind: TargetAllKind::Provider, .. } => Ok(Plan::Access(sdt::text_access(&m.provider))),
        ExprKind::TargetAll { kind: TargetAllKind::Parms | TargetAllKind::Vars, pretty } => Ok(Plan::All(AllVars {
            vars: m.args.iter().enumerate().map(|(i, a)| (format!("arg{}", i + 1), Some(sdt::arg_access(a, false)))).collect(),
            pretty: pretty_level(*pretty),
        })),
        ExprKind::TargetAll { kind, .. } => Err(dt::Error::Other(format!("{} does not exist at a marker", kind.as_str()))),
        ExprKind::Target { name, path, pretty } => {
            let i: usize = name.strip_prefix("arg").and_then(|n| n.parse().ok()).filter(|&i| i >= 1).ok_or_else(names)?;
            let a = m.args.get(i - 1).ok_or_else(names)?;
            if !path.is_empty() {
                return Err(dt::Error::Other(format!("${name} is a number: it has no members (use @cast(${name}, \"TYPE\", \"PATH\"))")));
            }
            Ok(Plan::Access(sdt::arg_access(a, *pretty != Pretty::None)))
        }
        _ => Err(dt::Error::Other("a marker's arguments are values: '&' does not apply".into())),
    }
}

/// Plans for `exprs` at one point, or per expression why not.
fn plans_at(point: &PointKind, exprs: &[Expr], max_string: usize) -> Vec<Result<Plan, (dt::Error, String)>> {
    if let PointKind::Uprobe(crate::userspace::UprobePoint { mark: Some(m), .. }) = point {
        let what = format!("marker {}:{}", m.provider, m.name);
        return exprs.iter().map(|e| mark_plan(m, e).map_err(|err| (err, what.clone()))).collect();
    }
    if let PointKind::Uprobe(crate::userspace::UprobePoint { plt: Some(name), ret, .. }) = point {
        // A PLT entry knows only whom it calls, and at its .return what came back.
        return exprs
            .iter()
            .map(|e| match &e.kind {
                ExprKind::TargetAll { kind: TargetAllKind::Name, .. } => Ok(Plan::Access(crate::userspace::sdt::text_access(name))),
                ExprKind::Target { name: n, path, pretty: Pretty::None } if *ret && n == "return" && path.is_empty() => {
                    Ok(Plan::Access(dt::Access {
                        base: crate::debuginfo::location::Loc::Value("((u64)regs_return_value(c->regs))".into()),
                        steps: vec![],
                        end: dt::End::Scalar(dt::Scalar { size: 8, signed: true, bits: None }),
                    }))
                }
                _ => {
                    let only = if *ret { "$$name and $return" } else { "$$name" };
                    Err((dt::Error::Other(format!("{} does not exist at a .plt probe (only {only})", shown(e))), format!("{name}@plt")))
                }
            })
            .collect();
    }
    if let PointKind::Syscall { args, ret, .. } = point {
        return exprs.iter().map(|e| crate::syscalls::targets::plan(args, *ret, e).map_err(|err| (err, "this system call".into()))).collect();
    }
    let (site, ret) = match point {
        PointKind::Kprobe(k) => (k.site.as_ref(), k.ret),
        PointKind::Uprobe(u) => (u.site.as_ref(), u.ret),
        PointKind::Tracepoint(t) => (Some(&t.site), false),
        _ => (None, false),
    };
    let Some(site) = site else {
        let why = match point {
            PointKind::Kprobe(_) => "kprobe.function probes have no debuginfo: use kernel.function(\"...\") for target variables".to_string(),
            PointKind::Uprobe(_) => "this process probe point was found by ELF symbol: target variables need the program's DWARF (build it with -g, or install its debug file)".into(),
            PointKind::ProcEvent(_) => "process.begin/.end probes have no target variables".into(),
            _ => "this probe point has no target variables (they exist in kernel.function and kernel.trace probes)".into(),
        };
        return exprs.iter().map(|_| Err((dt::Error::Other(why.clone()), String::new()))).collect();
    };
    // One question to whichever describes the site: its DWARF, or (no DWARF) its BTF.
    let one = |e: &Expr, f: &dyn TargetSource| -> Result<Plan, (dt::Error, String)> {
        let a = ask(e).map_err(|m| (dt::Error::Other(m), site.function.clone()))?;
        let plan = match a {
            Ask::One(req) if ret && req.name == "return" => f.return_value(&req, max_string).map(Plan::Access),
            Ask::Return(p) if ret => {
                let req = Request { name: "return".into(), path: vec![], pretty: p, addr_of: false };
                f.return_value(&req, max_string).map(|acc| Plan::All(AllVars { vars: vec![("return".into(), Some(acc))], pretty: p }))
            }
            Ask::One(req) if req.name == "return" => Err(dt::Error::Other("$return exists in .return probes only".into())),
            Ask::Return(_) => Err(dt::Error::Other("$$return exists in .return probes only".into())),
            // Anything else in a .return probe is read at the function's entry
            // (elaborate/entry.rs wrapped it in @entry): the entry's locations.
            Ask::One(req) => f.access(&req, max_string).map(Plan::Access),
            Ask::All(w, p) => f.all(w, p, max_string).map(Plan::All),
        };
        plan.map_err(|err| (err, site.function.clone()))
    };
    let r = if site.btf {
        crate::debuginfo::btf_target::with_btf_func(site, |f| Ok(exprs.iter().map(|e| one(e, f)).collect::<Vec<_>>()))
    } else {
        dt::with_func(site, |f| Ok(exprs.iter().map(|e| one(e, f)).collect::<Vec<_>>()))
    };
    match r {
        Ok(v) => v,
        Err(err) => exprs.iter().map(|_| Err((err.clone(), site.function.clone()))).collect(),
    }
}

/// What answers target expressions at a site: its DWARF (debuginfo/target.rs) or its
/// BTF (debuginfo/btf_target.rs); both give the same plans.
trait TargetSource {
    fn access(&self, req: &Request, max_string: usize) -> Result<Access, dt::Error>;
    fn return_value(&self, req: &Request, max_string: usize) -> Result<Access, dt::Error>;
    fn all(&self, which: Which, pretty: u8, max_string: usize) -> Result<AllVars, dt::Error>;
}

impl TargetSource for dt::Func<'_> {
    fn access(&self, req: &Request, max_string: usize) -> Result<Access, dt::Error> {
        dt::Func::access(self, req, max_string)
    }
    fn return_value(&self, req: &Request, max_string: usize) -> Result<Access, dt::Error> {
        dt::Func::return_value(self, req, max_string)
    }
    fn all(&self, which: Which, pretty: u8, max_string: usize) -> Result<AllVars, dt::Error> {
        dt::Func::all(self, which, pretty, max_string)
    }
}

impl TargetSource for crate::debuginfo::btf_target::BtfFunc<'_> {
    fn access(&self, req: &Request, max_string: usize) -> Result<Access, dt::Error> {
        Self::access(self, req, max_string)
    }
    fn return_value(&self, req: &Request, max_string: usize) -> Result<Access, dt::Error> {
        Self::return_value(self, req, max_string)
    }
    fn all(&self, which: Which, pretty: u8, max_string: usize) -> Result<AllVars, dt::Error> {
        Self::all(self, which, pretty, max_string)
    }
}

fn diagnostic(e: &Expr, err: &dt::Error, function: &str) -> Diagnostic {
    let what = shown(e);
    match err {
        dt::Error::Unknown { names } => {
            let list: Vec<String> = names.iter().map(|n| format!("${n}")).collect();
            let help = if list.is_empty() {
                format!("{function} has no parameters or locals here")
            } else {
                format!("the variables here: {}", list.join(" "))
            };
            Diagnostic::error(format!("unknown target variable '{what}' in {function}")).with_span(e.span).with_help(help)
        }
        dt::Error::Unavailable => Diagnostic::error(format!("target variable '{what}' is optimised away at this point"))
            .with_span(e.span)
            .with_help(format!(
                "test it with @defined({what}) first, or probe another point where it lives (a .return of a function it is passed to)"
            )),
        dt::Error::NotParameter { params } => {
            let list: Vec<String> = params.iter().map(|n| format!("${n}")).collect();
            let list = if list.is_empty() { "none".to_string() } else { list.join(" ") };
            Diagnostic::error(format!("target variable '{what}' is not a parameter of {function}, and locals need debuginfo"))
                .with_span(e.span)
                .with_help(format!(
                    "the kernel has no DWARF debuginfo here, so {function} is known from BTF, which describes its parameters only ({list}); install the debuginfo with `rstap --prep`"
                ))
        }
        dt::Error::Other(m) => Diagnostic::error(m.clone()).with_span(e.span),
    }
}

/// Resolves the target expressions of every probe; splits probes whose points need
/// different C. Returns the probes and their tables, in the same order.
pub fn resolve(probes: Vec<Expanded>, max_string: usize, diags: &mut Vec<Diagnostic>) -> (Vec<Expanded>, Vec<TargetTable>) {
    let mut out = Vec::with_capacity(probes.len());
    let mut tables = Vec::with_capacity(probes.len());
    for p in probes {
        let exprs = target_exprs(&p.body);
        if exprs.is_empty() {
            out.push(p);
            tables.push(TargetTable::default());
            continue;
        }
        let mut groups: Vec<(Vec<Plan>, Vec<super::ResolvedPoint>)> = Vec::new();
        let mut failed = false;
        for pt in &p.points {
            let mut plans = Vec::new();
            for (e, r) in exprs.iter().zip(plans_at(&pt.kind, &exprs, max_string)) {
                match r {
                    Ok(plan) => plans.push(plan),
                    Err((err, func)) => {
                        if !failed {
                            diags.push(diagnostic(e, &err, &func));
                        }
                        failed = true;
                    }
                }
            }
            if failed {
                break;
            }
            match groups.iter_mut().find(|g| g.0 == plans) {
                Some(g) => g.1.push(pt.clone()),
                None => groups.push((plans, vec![pt.clone()])),
            }
        }
        if failed {
            continue;
        }
        for (plans, points) in groups {
            let table = TargetTable { plans: exprs.iter().map(|e| e.span).zip(plans).collect() };
            out.push(Expanded { points, body: p.body.clone(), span: p.span });
            tables.push(table);
        }
    }
    (out, tables)
}

/// `@defined`'s question for one target-family expression at a point: whether it
/// resolves (a variable optimised away there, or a member that does not exist, does not).
pub fn resolves(point: &PointKind, e: &Expr) -> bool {
    if ask(e).is_err() {
        return false;
    }
    plans_at(point, std::slice::from_ref(e), 512).into_iter().all(|r| r.is_ok())
}

/// Writes to target variables (`$var = v`, `$var++`) need guru mode: checked before any
/// DWARF is read, so the message is the same wherever the probe is.
pub fn check_writes(probes: &[Expanded], guru: bool, diags: &mut Vec<Diagnostic>) {
    if guru {
        return;
    }
    for p in probes {
        crate::passes::optimize::walk_block(&p.body, &mut |e| {
            let lhs = match &e.kind {
                ExprKind::Assign { lhs, .. } => lhs,
                ExprKind::Crement { operand, .. } => operand,
                _ => return,
            };
            if let ExprKind::Target { name, .. } = &lhs.kind {
                diags.push(
                    Diagnostic::error(format!("writing to target variable '${name}' needs guru mode"))
                        .with_span(lhs.span)
                        .with_help("run with -g: a write changes the kernel's state, which rstap cannot check is safe"),
                );
            }
        });
    }
}
