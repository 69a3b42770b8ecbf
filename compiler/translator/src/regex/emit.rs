//! C for one DFA: constant tables (byte → class, state × class → state, final states) and a
//! matcher `static int NAME(const char *s)` that reads each byte once, up to the NUL or
//! MAXSTRINGLEN, returns 1 as soon as the pattern has matched and 0 as soon as it cannot.
//! It never allocates, sleeps, or loops longer than the string.

use super::Dfa;
use std::fmt::Write;

/// The matcher for `dfa` (compiled from `pattern`), named `name`.
pub fn matcher(name: &str, pattern: &[u8], dfa: &Dfa) -> String {
    let mut s = String::new();
    let n = dfa.nstates();
    let ty = if n <= 256 { "u8" } else { "u16" };
    writeln!(s, "/* =~ \"{}\": {} states, {} byte classes */", comment_text(pattern), n, dfa.nclasses).unwrap();
    writeln!(s, "static const u8 __maybe_unused {name}_class[256] = {{").unwrap();
    for row in dfa.class_of.chunks(16) {
        let cells: Vec<String> = row.iter().map(|c| c.to_string()).collect();
        writeln!(s, "\t{},", cells.join(", ")).unwrap();
    }
    s.push_str("};\n");
    writeln!(s, "static const {ty} __maybe_unused {name}_next[{n}][{}] = {{", dfa.nclasses).unwrap();
    for row in dfa.next.chunks(dfa.nclasses) {
        let cells: Vec<String> = row.iter().map(|c| c.to_string()).collect();
        writeln!(s, "\t{{ {} }},", cells.join(", ")).unwrap();
    }
    s.push_str("};\n");
    writeln!(s, "static const u8 __maybe_unused {name}_final[{n}] = {{").unwrap();
    for row in dfa.final_at_end.chunks(16) {
        let cells: Vec<&str> = row.iter().map(|&f| if f { "1" } else { "0" }).collect();
        writeln!(s, "\t{},", cells.join(", ")).unwrap();
    }
    s.push_str("};\n\n");
    writeln!(s, "static int __maybe_unused {name}(const char *s)\n{{").unwrap();
    s.push_str("\tunsigned int st = 0;\n\tunsigned int i;\n\n");
    s.push_str("\tfor (i = 0; i < MAXSTRINGLEN && s[i] != '\\0'; i++) {\n");
    writeln!(s, "\t\tst = {name}_next[st][{name}_class[(unsigned char)s[i]]];").unwrap();
    if let Some(m) = dfa.matched {
        writeln!(s, "\t\tif (st == {m})\n\t\t\treturn 1;").unwrap();
    }
    if let Some(d) = dfa.dead {
        writeln!(s, "\t\tif (st == {d})\n\t\t\treturn 0;").unwrap();
    }
    s.push_str("\t}\n");
    writeln!(s, "\treturn {name}_final[st];\n}}\n").unwrap();
    s
}

/// The pattern as text that is safe inside a C comment.
fn comment_text(pattern: &[u8]) -> String {
    let mut out = String::new();
    for &b in pattern {
        let prev = out.chars().last();
        if (b == b'*' && prev == Some('/')) || (b == b'/' && prev == Some('*')) {
            out.push(' ');
        }
        if (0x20..0x7f).contains(&b) {
            out.push(b as char);
        } else {
            write!(out, "\\x{b:02x}").unwrap();
        }
    }
    out
}
