//! Regular expressions for `=~` and `!~`, compiled when the script is: POSIX extended
//! syntax (`parse.rs`) → Thompson NFA (`nfa.rs`) → a minimised DFA over byte classes
//! (`dfa.rs`) → one C matcher per pattern with constant tables (`emit.rs`). A match is
//! unanchored (anywhere in the string) unless `^`/`$` say otherwise; the C matcher reads each
//! byte once, stops at the NUL or MAXSTRINGLEN, never allocates. A pattern whose automaton
//! would be too big is a compile-time error, never a runaway.
//!
//! Not supported: subexpression capture (`matched()`, `matched_str()`), backreferences,
//! word boundaries, collating symbols.

pub mod dfa;
pub mod emit;
pub mod nfa;
pub mod parse;

pub use dfa::Dfa;

/// A set of bytes (a bit each).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ByteSet([u64; 4]);

impl std::fmt::Debug for ByteSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let bytes: Vec<u8> = (0..=255u8).filter(|&b| self.contains(b)).collect();
        write!(f, "ByteSet({:?})", String::from_utf8_lossy(&bytes))
    }
}

impl ByteSet {
    pub fn single(b: u8) -> ByteSet {
        let mut s = ByteSet::default();
        s.insert(b);
        s
    }
    pub fn from_fn(f: impl Fn(u8) -> bool) -> ByteSet {
        let mut s = ByteSet::default();
        for b in 0..=255u8 {
            if f(b) {
                s.insert(b);
            }
        }
        s
    }
    pub fn insert(&mut self, b: u8) {
        self.0[(b >> 6) as usize] |= 1 << (b & 63);
    }
    pub fn remove(&mut self, b: u8) {
        self.0[(b >> 6) as usize] &= !(1 << (b & 63));
    }
    pub fn contains(&self, b: u8) -> bool {
        self.0[(b >> 6) as usize] & (1 << (b & 63)) != 0
    }
    pub fn union(&mut self, o: &ByteSet) {
        for i in 0..4 {
            self.0[i] |= o.0[i];
        }
    }
    pub fn complement(&self) -> ByteSet {
        ByteSet([!self.0[0], !self.0[1], !self.0[2], !self.0[3]])
    }
}

/// A bad pattern: what is wrong, and where (byte offsets into the pattern).
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    pub message: String,
    pub start: usize,
    pub end: usize,
    pub help: Option<String>,
}

impl Error {
    pub fn new(message: impl Into<String>, start: usize, end: usize) -> Error {
        Error { message: message.into(), start, end, help: None }
    }
    pub fn with_help(mut self, help: impl Into<String>) -> Error {
        self.help = Some(help.into());
        self
    }
}

/// Parses and compiles a pattern to its minimised DFA.
pub fn compile(pattern: &[u8]) -> Result<Dfa, Error> {
    if let Some(at) = pattern.iter().position(|&b| b == 0) {
        return Err(Error::new("a regular expression cannot contain a NUL byte", at, at + 1));
    }
    let tree = parse::parse(pattern)?;
    let nfa = nfa::Nfa::build(&tree).map_err(|m| Error::new(m, 0, pattern.len()))?;
    dfa::Dfa::build(&nfa).map_err(|m| Error::new(m, 0, pattern.len()))
}

/// The pattern a script's string literal (its raw text between the quotes) stands for: the
/// string's value, as [`crate::ast::decode_string`] decodes it, so a regex escape takes a
/// doubled backslash (`"a\\.b"` matches a literal dot), as in C. Also, for each pattern byte
/// the offset in the raw text it came from (and the raw length at the end), for diagnostics.
pub fn pattern_of_literal(raw: &str) -> (Vec<u8>, Vec<usize>) {
    let b = raw.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut at = Vec::with_capacity(b.len() + 1);
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' || i + 1 == b.len() {
            out.push(b[i]);
            at.push(i);
            i += 1;
            continue;
        }
        // The extent of one escape.
        let mut j = i + 2;
        {
            let limit = (i + 4).min(b.len());
            match b[i + 1] {
                b'0'..=b'7' => {
                    while j < limit && (b'0'..=b'7').contains(&b[j]) {
                        j += 1
                    }
                }
                b'x' => {
                    while j < limit && b[j].is_ascii_hexdigit() {
                        j += 1
                    }
                }
                _ => {}
            }
        }
        for byte in crate::ast::decode_string(&raw[i..j]) {
            out.push(byte);
            at.push(i);
        }
        i = j;
    }
    at.push(b.len());
    (out, at)
}

#[cfg(test)]
mod tests;
