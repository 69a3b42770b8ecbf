//! Constant folding: an operator whose operands are literals becomes a literal, computed
//! exactly as the runtime would (`runtime-c/arith.h`): 64-bit wrapping arithmetic, shift
//! counts modulo 64, division truncating, `x / -1` as negation, `x % -1` as 0. What the
//! runtime would report is left to it: a division or modulo by a constant 0 stays.
//! Strings: comparison as `strcmp` does, concatenation only while the result fits in
//! MAXSTRINGLEN (the runtime would truncate it) and without NUL bytes (C strings end there).
//! `@defined` becomes 0 or 1 here, and a `?:` with a constant condition its chosen arm.

use super::{children_mut, contains_defined, Stats};
use crate::ast::{self, BinOp, Expr, ExprKind, Literal, UnaryOp};

pub struct Folder<'r> {
    /// false with `-u`: only `@defined` and the conditions made of it are folded.
    pub full: bool,
    /// Whether a `?:` whose condition is constant becomes its chosen arm. Before type
    /// inference only a `@defined` condition does (the other arm could hide a type error,
    /// `1 ? "a" : 2`); after it, all do.
    pub ternaries: bool,
    pub max_string_len: usize,
    /// `@defined(operand)`'s answer.
    pub defined: &'r dyn Fn(&Expr) -> bool,
    pub stats: Stats,
}

impl Folder<'_> {
    pub fn expr(&mut self, e: &mut Expr) {
        match &mut e.kind {
            ExprKind::Defined(operand) => {
                let v = (self.defined)(operand);
                e.kind = ExprKind::Literal(Literal::Num(v as i64));
                self.stats.folded += 1;
            }
            ExprKind::Ternary { cond, then, els } => match (contains_defined(cond), self.cond(cond)) {
                (semantic, Some(c)) if semantic || self.ternaries => {
                    let arm = if c { then } else { els };
                    *e = std::mem::replace(arm.as_mut(), Expr::new(ExprKind::Literal(Literal::Num(0)), e.span));
                    self.stats.pruned += 1;
                    self.expr(e);
                }
                _ => {
                    self.expr(then);
                    self.expr(els);
                }
            },
            // The left operand decides alone: the right one is never evaluated.
            ExprKind::Binary { op: op @ (BinOp::LogAnd | BinOp::LogOr), lhs, rhs } if self.full => {
                let op = *op;
                self.expr(lhs);
                if let ExprKind::Literal(Literal::Num(a)) = lhs.kind {
                    if (op == BinOp::LogAnd) == (a == 0) {
                        e.kind = ExprKind::Literal(Literal::Num((op == BinOp::LogOr) as i64));
                        self.stats.folded += 1;
                        return;
                    }
                }
                self.expr(rhs);
                self.fold_here(e);
            }
            _ => {
                children_mut(e, &mut |c| self.expr(c));
                if self.full {
                    self.fold_here(e);
                }
            }
        }
    }

    fn fold_here(&mut self, e: &mut Expr) {
        if let Some(l) = fold_node(&e.kind, self.max_string_len) {
            e.kind = ExprKind::Literal(l);
            self.stats.folded += 1;
        }
    }

    /// Folds a condition; its truth when it is constant and may be decided here: always
    /// when optimising, and with `-u` when it asks `@defined`.
    pub fn cond(&mut self, e: &mut Expr) -> Option<bool> {
        let decide = self.full || contains_defined(e);
        let saved = self.full;
        self.full = decide;
        self.expr(e);
        self.full = saved;
        match e.kind {
            ExprKind::Literal(Literal::Num(n)) if decide => Some(n != 0),
            _ => None,
        }
    }
}

/// The literal an operator makes of literal operands; None when it is not foldable (an
/// operand is not a literal, the types do not fit — type checking reports that — or the
/// runtime must see it).
pub fn fold_node(k: &ExprKind, max_string_len: usize) -> Option<Literal> {
    match k {
        ExprKind::Unary { op, operand } => {
            let ExprKind::Literal(Literal::Num(n)) = operand.kind else { return None };
            Some(Literal::Num(match op {
                UnaryOp::Neg => n.wrapping_neg(),
                UnaryOp::Plus => n,
                UnaryOp::Not => (n == 0) as i64,
                UnaryOp::BitNot => !n,
            }))
        }
        ExprKind::Binary { op, lhs, rhs } => match (&lhs.kind, &rhs.kind) {
            (ExprKind::Literal(Literal::Num(a)), ExprKind::Literal(Literal::Num(b))) => long_op(*op, *a, *b).map(Literal::Num),
            (ExprKind::Literal(Literal::Str(a)), ExprKind::Literal(Literal::Str(b))) => string_op(*op, a, b, max_string_len),
            _ => None,
        },
        _ => None,
    }
}

/// `a OP b` on longs as the runtime computes it.
pub fn long_op(op: BinOp, a: i64, b: i64) -> Option<i64> {
    Some(match op {
        BinOp::Add => a.wrapping_add(b),
        BinOp::Sub => a.wrapping_sub(b),
        BinOp::Mul => a.wrapping_mul(b),
        BinOp::Div | BinOp::Mod if b == 0 => return None,
        BinOp::Div if b == -1 => a.wrapping_neg(),
        BinOp::Mod if b == -1 => 0,
        BinOp::Div => a / b,
        BinOp::Mod => a % b,
        BinOp::Shl => ((a as u64) << (b & 63)) as i64,
        BinOp::Shr => a >> (b & 63),
        BinOp::Ushr => ((a as u64) >> (b & 63)) as i64,
        BinOp::BitAnd => a & b,
        BinOp::BitOr => a | b,
        BinOp::BitXor => a ^ b,
        BinOp::LogAnd => (a != 0 && b != 0) as i64,
        BinOp::LogOr => (a != 0 || b != 0) as i64,
        BinOp::Eq => (a == b) as i64,
        BinOp::Ne => (a != b) as i64,
        BinOp::Lt => (a < b) as i64,
        BinOp::Le => (a <= b) as i64,
        BinOp::Gt => (a > b) as i64,
        BinOp::Ge => (a >= b) as i64,
        BinOp::Concat | BinOp::RegexMatch | BinOp::RegexNoMatch => return None,
    })
}

fn string_op(op: BinOp, a: &str, b: &str, max_string_len: usize) -> Option<Literal> {
    let (a, b) = (ast::decode_string(a), ast::decode_string(b));
    if a.contains(&0) || b.contains(&0) {
        return None;
    }
    let cmp = a.cmp(&b);
    Some(Literal::Num(match op {
        BinOp::Concat => {
            if a.len() + b.len() >= max_string_len {
                return None;
            }
            let mut v = a;
            v.extend_from_slice(&b);
            return Some(Literal::Str(raw_string(&v)));
        }
        BinOp::Eq => cmp.is_eq() as i64,
        BinOp::Ne => cmp.is_ne() as i64,
        BinOp::Lt => cmp.is_lt() as i64,
        BinOp::Le => cmp.is_le() as i64,
        BinOp::Gt => cmp.is_gt() as i64,
        BinOp::Ge => cmp.is_ge() as i64,
        _ => return None,
    }))
}

/// Bytes as a literal's raw text ([`ast::decode_string`] gives them back): printable ASCII
/// as is, the rest as three-digit octal escapes (no digit that follows can extend them).
pub fn raw_string(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len());
    for &c in bytes {
        match c {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            0x20..=0x7e => s.push(c as char),
            _ => s.push_str(&format!("\\{c:03o}")),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::SourceMap;
    use crate::passes::parse;

    fn fold_with(text: &str, full: bool, max: usize) -> String {
        let mut sm = SourceMap::new();
        let mut e = parse::parse_expr(&mut sm, "t", text, &Default::default())
            .unwrap_or_else(|d| panic!("{}", sm.render_all(&d)));
        let undefined = |_: &Expr| false;
        let mut f = Folder { full, ternaries: true, max_string_len: max, defined: &|x| super::super::defined::is_defined(x, &undefined), stats: Stats::default() };
        f.expr(&mut e);
        match e.kind {
            // The printer writes negative numbers in hex.
            ExprKind::Literal(Literal::Num(n)) => n.to_string(),
            _ => parse::print_expr(&e),
        }
    }

    fn fold(text: &str) -> String {
        fold_with(text, true, 512)
    }

    #[test]
    fn folding_table() {
        let min = i64::MIN;
        let max = i64::MAX;
        for (input, want) in [
            // Arithmetic, with precedence as parsed.
            ("1 + 2 * 3", "7".to_string()),
            ("(1 + 2) * 3", "9".into()),
            ("7 / 2", "3".into()),
            ("-7 / 2", "-3".into()),
            ("-7 % 3", "-1".into()),
            ("7 % -3", "1".into()),
            // 64-bit wrap-around, as the runtime's rt_add/rt_mul.
            ("9223372036854775807 + 1", min.to_string()),
            ("-9223372036854775807 - 2", max.to_string()),
            ("4611686018427387904 * 2", min.to_string()),
            ("-(-9223372036854775808)", min.to_string()),
            ("-9223372036854775808 / -1", min.to_string()),
            ("-9223372036854775808 % -1", "0".into()),
            // Shifts: counts modulo 64, >> arithmetic.
            ("1 << 63", min.to_string()),
            ("1 << 64", "1".into()),
            ("1 << 65", "2".into()),
            ("-16 >> 2", "-4".into()),
            ("-1 >> 63", "-1".into()),
            ("256 >> -1", "0".into()),
            ("-1 >>> 60", "15".into()),
            ("0x7fffffffffffffff << 1", "-2".into()),
            // Bits, comparisons and logic give 0 or 1.
            ("6 & 3 | 8 ^ 1", "11".into()),
            ("~0", "-1".into()),
            ("!5", "0".into()),
            ("!0", "1".into()),
            ("+4", "4".into()),
            ("3 < 4", "1".into()),
            ("-1 < 0", "1".into()),
            ("3 >= 4", "0".into()),
            ("2 == 2 && 3 != 3", "0".into()),
            ("0 || 7", "1".into()),
            // Short circuit: the right side is never evaluated, whatever it is.
            ("0 && f()", "0".into()),
            ("1 || x++", "1".into()),
            ("1 && f()", "1 && f()".into()),
            ("f() && 0", "f() && 0".into()),
            // Strings.
            ("\"ab\" . \"cd\"", "\"abcd\"".into()),
            ("\"a\\n\" . \"b\"", "\"a\\012b\"".into()),
            ("\"\\1\" . \"23\"", "\"\\00123\"".into()),
            ("\"abc\" < \"abd\"", "1".into()),
            ("\"b\" == \"b\"", "1".into()),
            ("\"\\377\" > \"a\"", "1".into()),
            ("\"a\" != \"a\"", "0".into()),
            // Ternaries and @defined.
            ("1 ? \"yes\" : \"no\"", "\"yes\"".into()),
            ("2 - 2 ? x : y", "y".into()),
            ("@defined(x) ? x : 0", "x".into()),
            ("@defined($nosuch) ? $nosuch : -1", "-1".into()),
            ("@defined($nosuch) && $nosuch > 0", "0".into()),
            ("!@defined(@var(\"jiffies\"))", "1".into()),
            // Not foldable: the runtime must report it, or it has side effects, or the
            // types are wrong (type checking says so), or it is not a literal.
            ("1 / 0", "1 / 0".into()),
            ("5 % (3 - 3)", "5 % 0".into()),
            ("x = 1 + 1", "x = 2".into()),
            ("f(2 * 2)", "f(4)".into()),
            ("x + 0", "x + 0".into()),
            ("\"a\" + 1", "\"a\" + 1".into()),
            ("-\"a\"", "-\"a\"".into()),
            ("1 . 2", "1 . 2".into()),
            ("\"a\\0b\" == \"a\"", "\"a\\0b\" == \"a\"".into()),
            ("x ? 1 + 1 : 2 * 2", "x ? 2 : 4".into()),
        ] {
            assert_eq!(fold(input), want, "{input}");
        }
    }

    #[test]
    fn concatenation_folds_only_what_fits_in_maxstringlen() {
        let a = "a".repeat(300);
        let b = "b".repeat(211);
        // 511 characters and the NUL: fits in 512.
        assert_eq!(fold(&format!("\"{a}\" . \"{b}\"")), format!("\"{a}{b}\""));
        let b2 = "b".repeat(212);
        let long = format!("\"{a}\" . \"{b2}\"");
        assert_eq!(fold(&long), long);
        // -D MAXSTRINGLEN=1024 lets it fold.
        assert_eq!(fold_with(&long, true, 1024), format!("\"{a}{b2}\""));
    }

    #[test]
    fn before_type_inference_ternaries_keep_both_arms() {
        let mut sm = SourceMap::new();
        let mut e = parse::parse_expr(&mut sm, "t", "1 ? \"a\" : 2 + 2", &Default::default()).unwrap();
        let undefined = |_: &Expr| false;
        let mut f = Folder { full: true, ternaries: false, max_string_len: 512, defined: &|x| super::super::defined::is_defined(x, &undefined), stats: Stats::default() };
        f.expr(&mut e);
        assert_eq!(parse::print_expr(&e), "1 ? \"a\" : 4");
        let mut e = parse::parse_expr(&mut sm, "t", "@defined($x) ? $x : 2", &Default::default()).unwrap();
        f.expr(&mut e);
        assert_eq!(parse::print_expr(&e), "2");
    }

    #[test]
    fn unoptimised_folds_only_defined() {
        assert_eq!(fold_with("1 + 2", false, 512), "1 + 2");
        assert_eq!(fold_with("1 ? a : b", false, 512), "1 ? a : b");
        assert_eq!(fold_with("@defined($x) ? $x : 1 + 2", false, 512), "1 + 2");
        assert_eq!(fold_with("@defined($x) || 2 > 1 ? a : b", false, 512), "a");
        assert_eq!(fold_with("y = @defined(y)", false, 512), "y = 1");
    }
}
