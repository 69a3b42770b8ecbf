//! Unit tier: parse errors with their messages, matching semantics by hand, and a
//! cross-check of the DFA against the `regex` crate on random patterns and strings.

use super::*;

fn m(pattern: &str, s: &str) -> bool {
    compile(pattern.as_bytes()).unwrap_or_else(|e| panic!("{pattern}: {e:?}")).is_match(s.as_bytes())
}

fn err(pattern: &str) -> Error {
    match compile(pattern.as_bytes()) {
        Ok(_) => panic!("{pattern:?} compiled"),
        Err(e) => e,
    }
}

#[test]
fn handpicked_matches() {
    let cases: &[(&str, &str, bool)] = &[
        ("b.", "abc", true),
        ("b.", "ab", false),
        ("", "", true),
        ("", "x", true),
        ("^$", "", true),
        ("^$", "a", false),
        ("^abc$", "abc", true),
        ("^abc$", "abcd", false),
        ("^abc", "xabc", false),
        ("abc$", "abcx", false),
        ("bc$", "abc", true),
        ("a^b", "a^b", false),
        ("a$b", "a$b", false),
        ("(^|x)a", "a", true),
        ("(^|x)a", "ba", false),
        ("(^|x)a", "bxa", true),
        ("a($|b)", "xa", true),
        ("a($|b)", "xac", false),
        ("$^", "", true),
        ("^(bash|sh|zsh)$", "sh", true),
        ("^(bash|sh|zsh)$", "ash", false),
        ("cat|dog", "hotdog", true),
        ("cat|dog", "cow", false),
        ("[[:digit:]]+", "ab12", true),
        ("^[[:digit:]]+$", "12a", false),
        ("^[[:alpha:]_][[:alnum:]_]*$", "_x9", true),
        ("^[[:alpha:]_][[:alnum:]_]*$", "9x", false),
        ("[^abc]", "abc", false),
        ("[^abc]", "abcd", true),
        ("^[^/]*$", "a/b", false),
        ("[]x]", "]", true),
        ("[^]x]", "]", false),
        ("[a-]", "-", true),
        ("[-a]", "-", true),
        ("[a\\]]", "]", true),
        ("^a{3}$", "aaa", true),
        ("^a{3}$", "aa", false),
        ("^a{3}$", "aaaa", false),
        ("^a{2,}$", "a", false),
        ("^a{2,}$", "aaaaa", true),
        ("^a{1,3}$", "aaa", true),
        ("^a{1,3}$", "aaaa", false),
        ("^a{0,0}b", "b", true),
        ("^(ab){2}$", "abab", true),
        ("^(ab){2}$", "ab", false),
        ("colou?r", "color", true),
        ("colou?r", "colouur", false),
        ("^x+$", "", false),
        ("^x*$", "", true),
        ("a\\.b", "a.b", true),
        ("a\\.b", "axb", false),
        ("a.b", "a\nb", true),
        ("\\(x\\)", "(x)", true),
        ("\\d\\d", "a12", true),
        ("^\\w+$", "ab_9", true),
        ("^\\w+$", "a-b", false),
        ("\\s", "a b", true),
        ("\\S", "   ", false),
        ("\\n", "a\nb", true),
        ("()", "", true),
        ("a|", "b", true),
        ("^(a|b)*c$", "ababc", true),
        ("^(a|b)*c$", "abadc", false),
        ("^.{3}$", "\u{e9}x", true), // two bytes + one: three bytes
        ("[[:upper:]][[:lower:]]", "aBc", true),
        ("[[:upper:]][[:lower:]]", "abC", false),
        ("[[:space:]]", "a\tb", true),
        ("[[:punct:]]", "ab", false),
        ("[[:xdigit:]]{4}", "00fF", true),
    ];
    for &(p, s, want) in cases {
        assert_eq!(m(p, s), want, "{p:?} =~ {s:?}");
    }
}

#[test]
fn the_string_ends_at_nul() {
    let d = compile(b"b$").unwrap();
    assert!(d.is_match(b"ab\0cd"));
    assert!(!compile(b"c").unwrap().is_match(b"ab\0c"));
}

#[test]
fn parse_errors_say_what_and_where() {
    let e = err("(ab");
    assert_eq!(e.message, "unbalanced parenthesis: this '(' is never closed");
    assert_eq!((e.start, e.end), (0, 1));
    let e = err("a(b(c)");
    assert_eq!(e.message, "unbalanced parenthesis: this '(' is never closed");
    assert_eq!((e.start, e.end), (1, 2));
    let e = err("ab)");
    assert_eq!(e.message, "unmatched ')': no '(' opens this group");
    assert_eq!((e.start, e.end), (2, 3));
    let e = err("x[z-a]");
    assert_eq!(e.message, "invalid range 'z-a': its end comes before its start");
    assert_eq!((e.start, e.end), (2, 5));
    let e = err("[abc");
    assert_eq!(e.message, "unterminated bracket expression: '[' without its ']'");
    assert_eq!((e.start, e.end), (0, 1));
    assert_eq!(err("[]").message, "unterminated bracket expression: '[' without its ']'");
    let e = err("a{3,1}");
    assert_eq!(e.message, "invalid repetition '{3,1}': the minimum is larger than the maximum");
    assert_eq!((e.start, e.end), (1, 6));
    assert_eq!(err("a{256}").message, "invalid repetition '{256}': a count is at most 255");
    assert_eq!(
        err("a{99999999999999999999}").message,
        "invalid repetition '{99999999999999999999}': a count is at most 255"
    );
    assert_eq!(err("a{x}").message, "invalid repetition '{x}': counts are decimal numbers: {m}, {m,} or {m,n}");
    assert_eq!(err("a{,3}").message, "invalid repetition '{,3}': counts are decimal numbers: {m}, {m,} or {m,n}");
    assert_eq!(err("a{2").message, "invalid repetition: '{' without its '}'");
    let e = err("*a");
    assert_eq!(e.message, "repetition operator '*' has nothing to repeat");
    assert_eq!((e.start, e.end), (0, 1));
    assert_eq!(err("a|+b").message, "repetition operator '+' has nothing to repeat");
    assert_eq!(err("(?:a)").message, "repetition operator '?' has nothing to repeat");
    assert_eq!(err("a**").message, "repetition operator '*' follows another one");
    assert_eq!(err("a\\").message, "trailing backslash: it escapes nothing");
    assert_eq!(err("(a)\\1").message, "backreferences (\\1 ... \\9) are not supported");
    assert_eq!(err("\\bword").message, "word boundaries (\\b) are not supported");
    assert_eq!(err("\\q").message, "unknown escape '\\q'");
    assert_eq!(err("[[:foo:]]").message, "unknown character class '[:foo:]'");
    assert_eq!(err("[[:alpha:]-z]").message, "invalid range: a character class cannot start a range");
    assert_eq!(err("[[.a.]]").message, "collating symbols and equivalence classes ([. .] and [= =]) are not supported");
    assert_eq!(err("a\0b").message, "a regular expression cannot contain a NUL byte");
}

#[test]
fn runaway_patterns_are_refused() {
    let e = err("(a{255}){255}");
    assert!(e.message.starts_with("regular expression is too large"), "{}", e.message);
    // A classic exponential blow-up: the n-th byte from the end.
    let e = err("(a|b)*a(a|b){12}");
    assert_eq!(e.message, "regular expression is too complex: its automaton needs more than 2000 states");
    // Large but fine.
    assert!(m("^[a-z]{200}$", &"q".repeat(200)));
    assert!(!m("^[a-z]{200}$", &"q".repeat(199)));
}

#[test]
fn minimisation_keeps_tables_small() {
    let d = compile(b"[a-z]+[0-9]").unwrap();
    assert!(d.nstates() <= 4, "{}", d.nstates());
    assert!(d.nclasses <= 3, "{}", d.nclasses);
    let d = compile(b"x").unwrap();
    assert_eq!(d.nstates(), 2);
    assert_eq!(d.nclasses, 2);
    assert_eq!(d.matched, Some(1));
    let d = compile(b"^ab").unwrap();
    assert!(d.dead.is_some());
}

#[test]
fn literals_are_decoded_as_strings() {
    // Raw text between the quotes → the string's bytes, and where each came from.
    for raw in [r"a\\.b", r"\t\n", r#"\"q\""#, r"\x41\101\7z", r"\xZ", r"\?\'", "tail\\", "é\\n"] {
        assert_eq!(pattern_of_literal(raw).0, crate::ast::decode_string(raw), "{raw}");
    }
    assert_eq!(pattern_of_literal(r"a\\.b").0, b"a\\.b");
    let (p, at) = pattern_of_literal(r"\tz\x41[");
    assert_eq!(p, b"\tzA[");
    assert_eq!(at, vec![0, 2, 3, 7, 8]);
}

#[test]
fn emitted_c_has_the_tables() {
    let d = compile(b"a*/x").unwrap();
    let c = emit::matcher("re_0", b"a*/x", &d);
    assert!(c.starts_with("/* =~ \"a* /x\""), "{c}");
    assert!(c.contains("static const u8 __maybe_unused re_0_class[256] = {"));
    assert!(c.contains(&format!("re_0_next[{}][{}]", d.nstates(), d.nclasses)));
    assert!(c.contains("static int __maybe_unused re_0(const char *s)"));
    assert!(c.contains("i < MAXSTRINGLEN && s[i] != '\\0'"));
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn random_pattern(r: &mut Rng, depth: u32) -> String {
    let mut alts = Vec::new();
    for _ in 0..1 + r.below(if depth > 0 { 2 } else { 3 }) {
        let mut cat = String::new();
        for _ in 0..r.below(4) {
            let (atom, repeatable) = match r.below(if depth >= 2 { 12 } else { 13 }) {
                0 => ("a".to_string(), true),
                1 => ("b".to_string(), true),
                2 => ("c".to_string(), true),
                3 => (".".to_string(), true),
                4 => ("[ab]".to_string(), true),
                5 => ("[^a\\n]".to_string(), true),
                6 => ("[a-c]".to_string(), true),
                7 => ("\\.".to_string(), true),
                8 => ("[[:alpha:]]".to_string(), true),
                9 => ("^".to_string(), false),
                10 => ("$".to_string(), false),
                11 => ("\\d".to_string(), true),
                _ => (format!("({})", random_pattern(r, depth + 1)), true),
            };
            cat.push_str(&atom);
            if repeatable {
                match r.below(10) {
                    0 => cat.push('*'),
                    1 => cat.push('+'),
                    2 => cat.push('?'),
                    3 => cat.push_str(&format!("{{{}}}", r.below(3))),
                    4 => cat.push_str(&format!("{{{},}}", r.below(3))),
                    5 => {
                        let lo = r.below(3);
                        cat.push_str(&format!("{{{},{}}}", lo, lo + r.below(3)))
                    }
                    _ => {}
                }
            }
        }
        alts.push(cat);
    }
    alts.join("|")
}

#[test]
fn random_patterns_agree_with_the_regex_crate() {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let alphabet = b"abc.\nxA1";
    let mut compared = 0;
    for _ in 0..3000 {
        let p = random_pattern(&mut r, 0);
        let ours = compile(p.as_bytes()).unwrap_or_else(|e| panic!("{p:?}: {e:?}"));
        let reference = ::regex::bytes::Regex::new(&format!("(?s-u){p}")).unwrap_or_else(|e| panic!("{p:?}: {e}"));
        for _ in 0..40 {
            let len = r.below(8) as usize;
            let s: Vec<u8> = (0..len).map(|_| alphabet[r.below(alphabet.len() as u64) as usize]).collect();
            assert_eq!(ours.is_match(&s), reference.is_match(&s), "{p:?} on {:?}", String::from_utf8_lossy(&s));
            compared += 1;
        }
    }
    assert_eq!(compared, 3000 * 40);
}

#[test]
fn byte_classes_and_high_bytes_agree_with_the_regex_crate() {
    let patterns = [
        "[^a]",
        "^[^[:alpha:]]+$",
        "[[:print:]]",
        "[[:cntrl:]]",
        "[[:graph:]][[:punct:]]",
        "^\\W*$",
        "[\\x01-\\x7f]",
        "x[[:blank:]]*y",
    ];
    let inputs: &[&[u8]] = &[b"", b"a", b"\xff", b"\x80a", b"a b", b"x \ty", b"!?", b"\x01", b"\x7f", b"Z.", b"9"];
    for p in patterns {
        // The regex crate spells a hex byte \xHH; our patterns get the byte itself.
        let ours_src = p.replace("\\x01", "\u{1}").replace("\\x7f", "\u{7f}");
        let ours = compile(ours_src.as_bytes()).unwrap();
        let reference = ::regex::bytes::Regex::new(&format!("(?s-u){p}")).unwrap();
        for s in inputs {
            assert_eq!(ours.is_match(s), reference.is_match(s), "{p:?} on {s:?}");
        }
    }
}

/// The emitted C, compiled by the host's C compiler with warnings as errors, gives the same
/// answers as the DFA simulated here (and, through it, the regex crate above).
#[test]
fn emitted_c_compiles_cleanly_and_agrees() {
    let patterns = [
        "b.",
        "^$",
        "",
        "^(ba|z)?sh$",
        "[[:digit:]]+,",
        "^a{2,4}$",
        "a\\.b|^x",
        "[^a-c]$",
        "(^|/)tmp($|/)",
        "^[[:alpha:]_][[:alnum:]_]*$",
        "x*/y",
        "\\w+\\s\\d",
        "a^b",
        "[a-z]{20}",
        "a[ab]{8}$", // over 256 states: u16 tables
    ];
    let inputs: &[&[u8]] = &[
        b"",
        b"abc",
        b"sh",
        b"bash",
        b"ksh",
        b"12,",
        b"aaa",
        b"aaaaa",
        b"a.b",
        b"xq",
        b"ab",
        b"abd",
        b"/tmp",
        b"/tmpx/",
        b"usr/tmp/x",
        b"_ok9",
        b"9no",
        b"x*/y",
        b"xx/y",
        b"id 7",
        b"a^b",
        b"\xe9\xff",
        b"abcdefghijklmnopqrstuvwxyz",
        b"abcdefghijklmnopqrs!",
        b"babbbbbbbb",
        b"bbabbbbbbb",
        b"abababababab",
    ];
    let dir = std::env::temp_dir().join(format!("rstap-regex-c-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut c = String::from(
        "#include <stdio.h>\ntypedef unsigned char u8;\ntypedef unsigned short u16;\n\
         #define MAXSTRINGLEN 512\n#define __maybe_unused __attribute__((unused))\n\n",
    );
    let mut dfas = Vec::new();
    for (i, p) in patterns.iter().enumerate() {
        let d = compile(p.as_bytes()).unwrap();
        if p.starts_with("a[ab]") {
            assert!(d.nstates() > 256, "{}", d.nstates());
        }
        c.push_str(&emit::matcher(&format!("re_{i}"), p.as_bytes(), &d));
        dfas.push(d);
    }
    c.push_str("static const char *const inputs[] = {\n");
    for s in inputs {
        c.push_str(&format!("\t{},\n", crate::format::c_string_literal(s)));
    }
    c.push_str("};\n\nint main(void)\n{\n\tunsigned int i;\n\n");
    c.push_str("\tfor (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {\n");
    for i in 0..patterns.len() {
        c.push_str(&format!("\t\tputchar('0' + re_{i}(inputs[i]));\n"));
    }
    c.push_str("\t\tputchar('\\n');\n\t}\n\treturn 0;\n}\n");
    std::fs::write(dir.join("m.c"), &c).unwrap();
    let out = std::process::Command::new("cc")
        .args(["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror", "-Wunused-const-variable", "-o"])
        .arg(dir.join("m"))
        .arg(dir.join("m.c"))
        .output()
        .expect("a C compiler (cc) on the build host");
    assert!(out.status.success(), "cc failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let run = std::process::Command::new(dir.join("m")).output().unwrap();
    let got = String::from_utf8(run.stdout).unwrap();
    let want: String = inputs
        .iter()
        .map(|s| dfas.iter().map(|d| if d.is_match(s) { '1' } else { '0' }).chain(['\n']).collect::<String>())
        .collect();
    assert_eq!(got, want, "C matcher disagrees (rows: inputs, columns: patterns)");
    std::fs::remove_dir_all(&dir).unwrap();
}
