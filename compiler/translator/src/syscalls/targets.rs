//! Target variables at the `__syscall(NR)` points (the generated aliases' bodies and the
//! user's): each argument by the name the kernel's metadata gives it (`$fd`, `$filename`,
//! `$count`), read from the saved user registers with the metadata's type's size and
//! sign; `$$parms`/`$$vars` (all of them); `$return`/`$$return` in `.return` probes. The
//! metadata has type names only, so members (`$buf->x`) are not known here: @cast them.
//! In a `.return` probe the arguments are the registers as saved at entry, which the
//! kernel leaves alone except where the call replaces them (execve, rt_sigreturn).

use super::tapset::{kind, Kind};
use crate::ast::{Expr, ExprKind, Pretty, TargetAllKind};
use crate::debuginfo::location::Loc;
use crate::debuginfo::target::{Access, AllVars, End, Error, Fmt, Node, Scalar};
use crate::passes::elaborate::targets::{pretty_level, Plan};

fn scalar(k: Kind) -> Scalar {
    let (size, signed) = match k {
        Kind::Ptr | Kind::U64 => (8, false),
        Kind::I64 => (8, true),
        Kind::I32 => (4, true),
        Kind::U32 => (4, false),
        Kind::U16 => (2, false),
    };
    Scalar { size, signed, bits: None }
}

/// Argument `i` of C type `ty`; `pretty`: `$x$` (a `const char *` as its quoted string).
fn arg(i: usize, ty: &str, pretty: bool) -> Access {
    let k = kind(ty).unwrap_or(Kind::I64);
    let sc = scalar(k);
    let base = Loc::Value(format!("((u64)rt_sc_arg(c, {i}, 0))"));
    let end = match (pretty, k) {
        (false, _) => End::Scalar(sc),
        (true, Kind::Ptr) if ty.trim() == "const char *" => End::Pretty(vec![Node::CharPtr { off: 0, at_value: true }]),
        (true, Kind::Ptr) => End::Pretty(vec![Node::Value { sc, fmt: Fmt::Hex }]),
        (true, _) => End::Pretty(vec![Node::Value { sc, fmt: Fmt::Dec }]),
    };
    Access { base, steps: vec![], end }
}

fn ret_value() -> Access {
    Access { base: Loc::Value("((u64)rt_sc_ret(c))".into()), steps: vec![], end: End::Scalar(Scalar { size: 8, signed: true, bits: None }) }
}

/// The plan of target expression `e` at a system call's entry (`ret`: its return).
pub fn plan(args: &[(String, String)], ret: bool, e: &Expr) -> Result<Plan, Error> {
    let all = |pretty: Pretty| {
        Plan::All(AllVars {
            vars: args.iter().enumerate().map(|(i, (t, n))| (n.clone(), Some(arg(i, t, false)))).collect(),
            pretty: pretty_level(pretty),
        })
    };
    match &e.kind {
        ExprKind::Target { name, path, pretty } => {
            if name == "return" {
                if !ret {
                    return Err(Error::Other("$return exists in .return probes only".into()));
                }
                if !path.is_empty() || *pretty != Pretty::None {
                    return Err(Error::Other("$return of a system call is a number: it has no members".into()));
                }
                return Ok(Plan::Access(ret_value()));
            }
            let Some(i) = args.iter().position(|(_, n)| n == name) else {
                return Err(Error::Unknown { names: args.iter().map(|(_, n)| n.clone()).collect() });
            };
            if !path.is_empty() {
                return Err(Error::Other(format!(
                    "${name} is a system call argument of type `{}`, known by name only here: use @cast(${name}, \"TYPE\") for its members",
                    args[i].0
                )));
            }
            Ok(Plan::Access(arg(i, &args[i].0, *pretty != Pretty::None)))
        }
        ExprKind::TargetAll { kind: TargetAllKind::Parms | TargetAllKind::Vars, pretty } => Ok(all(*pretty)),
        ExprKind::TargetAll { kind: TargetAllKind::Locals, pretty } => Ok(Plan::All(AllVars { vars: vec![], pretty: pretty_level(*pretty) })),
        ExprKind::TargetAll { kind: TargetAllKind::Return, pretty } if ret => {
            Ok(Plan::All(AllVars { vars: vec![("return".into(), Some(ret_value()))], pretty: pretty_level(*pretty) }))
        }
        ExprKind::TargetAll { kind: TargetAllKind::Return, .. } => Err(Error::Other("$$return exists in .return probes only".into())),
        ExprKind::TargetAll { kind, .. } => Err(Error::Other(format!("{} exists in process(...).mark(...) probes only", kind.as_str()))),
        _ => Err(Error::Other("a system call's arguments are register values: '&' does not apply".into())),
    }
}
