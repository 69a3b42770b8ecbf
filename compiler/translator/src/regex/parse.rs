//! POSIX extended regular expressions (ERE) → [`Node`] trees.
//!
//! Supported: literals, `.`, bracket expressions (`[abc]`, `[^a-z]`, `[[:alpha:]]`, a leading
//! `]` and a leading or trailing `-` are literal; `\` escapes inside brackets as outside),
//! `^`, `$` (anchors anywhere), `*`, `+`, `?`, `{m}`, `{m,}`, `{m,n}` (counts up to
//! [`MAX_REPEAT`]), `|`, `( )` (grouping only), escapes: `\` before punctuation is that
//! character, `\n \t \r \f \v \a`, and the classes `\d \D \w \W \s \S`. Matching is over
//! bytes, case-sensitive, in the C locale; `.` matches any byte but NUL (so newlines too, as
//! POSIX `regcomp` without `REG_NEWLINE`).

use super::{ByteSet, Error};

/// The largest count in `{m,n}` (POSIX's RE_DUP_MAX).
pub const MAX_REPEAT: u32 = 255;

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// Matches the empty string (`()`, an empty alternative).
    Empty,
    /// One byte out of a set.
    Set(ByteSet),
    /// `^`: the start of the string.
    Start,
    /// `$`: the end of the string.
    End,
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    /// `max: None` is unbounded.
    Repeat {
        node: Box<Node>,
        min: u32,
        max: Option<u32>,
    },
}

pub fn parse(pattern: &[u8]) -> Result<Node, Error> {
    let mut p = Parser { s: pattern, i: 0, open: Vec::new() };
    let node = p.alternation()?;
    if p.i < p.s.len() {
        // Only a `)` stops an alternation at top level.
        return Err(Error::new("unmatched ')': no '(' opens this group", p.i, p.i + 1));
    }
    Ok(node)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    /// Offsets of the open parentheses, for "never closed".
    open: Vec<usize>,
}

fn class(name: &[u8]) -> Option<ByteSet> {
    let f: fn(u8) -> bool = match name {
        b"alpha" => |c| c.is_ascii_alphabetic(),
        b"digit" => |c| c.is_ascii_digit(),
        b"alnum" => |c| c.is_ascii_alphanumeric(),
        b"upper" => |c| c.is_ascii_uppercase(),
        b"lower" => |c| c.is_ascii_lowercase(),
        b"space" => |c| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c),
        b"blank" => |c| c == b' ' || c == b'\t',
        b"punct" => |c| c.is_ascii_punctuation(),
        b"print" => |c| (0x20..0x7f).contains(&c),
        b"graph" => |c| c.is_ascii_graphic(),
        b"cntrl" => |c| c < 0x20 || c == 0x7f,
        b"xdigit" => |c| c.is_ascii_hexdigit(),
        _ => return None,
    };
    Some(ByteSet::from_fn(f))
}

/// What an escape outside or inside brackets stands for.
enum Escaped {
    Byte(u8),
    Set(ByteSet),
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn alternation(&mut self) -> Result<Node, Error> {
        let mut alts = vec![self.concatenation()?];
        while self.peek() == Some(b'|') {
            self.i += 1;
            alts.push(self.concatenation()?);
        }
        Ok(if alts.len() == 1 { alts.pop().unwrap() } else { Node::Alt(alts) })
    }

    fn concatenation(&mut self) -> Result<Node, Error> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            match c {
                b'|' => break,
                b')' if !self.open.is_empty() => break,
                b'*' | b'+' | b'?' | b'{' => {
                    return Err(Error::new(
                        format!("repetition operator '{}' has nothing to repeat", c as char),
                        self.i,
                        self.i + 1,
                    )
                    .with_help(format!("to match a literal '{}', escape it with a backslash", c as char)));
                }
                _ => {}
            }
            let atom = self.atom()?;
            items.push(self.repetitions(atom)?);
        }
        Ok(match items.len() {
            0 => Node::Empty,
            1 => items.pop().unwrap(),
            _ => Node::Concat(items),
        })
    }

    fn atom(&mut self) -> Result<Node, Error> {
        let at = self.i;
        let c = self.s[at];
        self.i += 1;
        Ok(match c {
            b'(' => {
                self.open.push(at);
                let inner = self.alternation()?;
                if self.peek() != Some(b')') {
                    return Err(Error::new("unbalanced parenthesis: this '(' is never closed", at, at + 1));
                }
                self.i += 1;
                self.open.pop();
                inner
            }
            b')' => return Err(Error::new("unmatched ')': no '(' opens this group", at, at + 1)),
            b'[' => Node::Set(self.bracket(at)?),
            b'.' => Node::Set(ByteSet::from_fn(|b| b != 0)),
            b'^' => Node::Start,
            b'$' => Node::End,
            b'\\' => match self.escape(at)? {
                Escaped::Byte(b) => Node::Set(ByteSet::single(b)),
                Escaped::Set(s) => Node::Set(s),
            },
            b => Node::Set(ByteSet::single(b)),
        })
    }

    /// After a `\` at `at` (already consumed).
    fn escape(&mut self, at: usize) -> Result<Escaped, Error> {
        let Some(c) = self.peek() else {
            return Err(Error::new("trailing backslash: it escapes nothing", at, at + 1));
        };
        self.i += 1;
        let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        let space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
        Ok(match c {
            b'n' => Escaped::Byte(b'\n'),
            b't' => Escaped::Byte(b'\t'),
            b'r' => Escaped::Byte(b'\r'),
            b'f' => Escaped::Byte(0x0c),
            b'v' => Escaped::Byte(0x0b),
            b'a' => Escaped::Byte(0x07),
            b'd' => Escaped::Set(ByteSet::from_fn(|b| b.is_ascii_digit())),
            b'D' => Escaped::Set(ByteSet::from_fn(|b| b != 0 && !b.is_ascii_digit())),
            b'w' => Escaped::Set(ByteSet::from_fn(word)),
            b'W' => Escaped::Set(ByteSet::from_fn(move |b| b != 0 && !word(b))),
            b's' => Escaped::Set(ByteSet::from_fn(space)),
            b'S' => Escaped::Set(ByteSet::from_fn(move |b| b != 0 && !space(b))),
            b'1'..=b'9' => return Err(Error::new("backreferences (\\1 ... \\9) are not supported", at, self.i)),
            b'b' | b'B' | b'<' | b'>' => {
                return Err(Error::new(format!("word boundaries (\\{}) are not supported", c as char), at, self.i))
            }
            c if c.is_ascii_alphanumeric() => {
                return Err(Error::new(format!("unknown escape '\\{}'", c as char), at, self.i).with_help(
                    "only punctuation, \\n \\t \\r \\f \\v \\a and \\d \\D \\w \\W \\s \\S may follow a backslash",
                ))
            }
            c => Escaped::Byte(c),
        })
    }

    /// A bracket expression; `at` is its `[` (consumed).
    fn bracket(&mut self, at: usize) -> Result<ByteSet, Error> {
        let unterminated = || {
            Error::new("unterminated bracket expression: '[' without its ']'", at, at + 1)
                .with_help("a ']' right after '[' or '[^' is a literal ']'")
        };
        let negate = self.peek() == Some(b'^');
        if negate {
            self.i += 1;
        }
        let mut set = ByteSet::default();
        let mut first = true;
        loop {
            let start = self.i;
            let Some(c) = self.peek() else { return Err(unterminated()) };
            if c == b']' && !first {
                self.i += 1;
                break;
            }
            first = false;
            // One item: a class, or a byte that may start a range.
            let lo = match self.bracket_item()? {
                Escaped::Set(s) => {
                    set.union(&s);
                    if self.peek() == Some(b'-') && self.s.get(self.i + 1).is_some_and(|&c| c != b']') {
                        return Err(Error::new(
                            "invalid range: a character class cannot start a range",
                            start,
                            self.i + 1,
                        ));
                    }
                    continue;
                }
                Escaped::Byte(b) => b,
            };
            if self.peek() == Some(b'-') && self.s.get(self.i + 1).is_some_and(|&c| c != b']') {
                self.i += 1;
                let hi = match self.bracket_item()? {
                    Escaped::Byte(b) => b,
                    Escaped::Set(_) => {
                        return Err(Error::new("invalid range: a character class cannot end a range", start, self.i))
                    }
                };
                if hi < lo {
                    return Err(Error::new(
                        format!(
                            "invalid range '{}': its end comes before its start",
                            String::from_utf8_lossy(&self.s[start..self.i])
                        ),
                        start,
                        self.i,
                    )
                    .with_help("ranges go from the lower byte to the higher, e.g. [a-z]"));
                }
                for b in lo..=hi {
                    set.insert(b);
                }
            } else {
                set.insert(lo);
            }
        }
        if negate {
            set = set.complement();
        }
        set.remove(0);
        Ok(set)
    }

    fn bracket_item(&mut self) -> Result<Escaped, Error> {
        let at = self.i;
        let Some(c) = self.peek() else {
            return Err(Error::new("unterminated bracket expression: '[' without its ']'", at, at));
        };
        self.i += 1;
        match c {
            b'\\' => self.escape(at),
            b'[' if matches!(self.peek(), Some(b':' | b'.' | b'=')) => {
                let kind = self.peek().unwrap();
                let body = self.i + 1;
                let close = [kind, b']'];
                let Some(len) = self.s[body..].windows(2).position(|w| w == close) else {
                    return Err(Error::new(
                        format!("unterminated '[{}' in bracket expression: it needs '{}]'", kind as char, kind as char),
                        at,
                        self.i + 1,
                    ));
                };
                self.i = body + len + 2;
                let name = &self.s[body..body + len];
                if kind != b':' {
                    return Err(Error::new(
                        "collating symbols and equivalence classes ([. .] and [= =]) are not supported",
                        at,
                        self.i,
                    ));
                }
                match class(name) {
                    Some(s) => Ok(Escaped::Set(s)),
                    None => Err(Error::new(
                        format!("unknown character class '[:{}:]'", String::from_utf8_lossy(name)),
                        at,
                        self.i,
                    )
                    .with_help(
                        "the classes are alpha digit alnum upper lower space blank punct print graph cntrl xdigit",
                    )),
                }
            }
            b => Ok(Escaped::Byte(b)),
        }
    }

    /// Any `*`, `+`, `?`, `{...}` after an atom.
    fn repetitions(&mut self, atom: Node) -> Result<Node, Error> {
        let at = self.i;
        let (min, max) = match self.peek() {
            Some(b'*') => (0, None),
            Some(b'+') => (1, None),
            Some(b'?') => (0, Some(1)),
            Some(b'{') => {
                self.i += 1;
                let r = self.bounds(at)?;
                self.i -= 1;
                r
            }
            _ => return Ok(atom),
        };
        self.i += 1;
        if let Some(c @ (b'*' | b'+' | b'?' | b'{')) = self.peek() {
            return Err(Error::new(
                format!("repetition operator '{}' follows another one", c as char),
                self.i,
                self.i + 1,
            )
            .with_help("group the repeated part first, e.g. (a+)*"));
        }
        Ok(Node::Repeat { node: Box::new(atom), min, max })
    }

    /// `{m}`, `{m,}`, `{m,n}`: after the `{` at `at`; leaves `self.i` after the `}`.
    fn bounds(&mut self, at: usize) -> Result<(u32, Option<u32>), Error> {
        let Some(len) = self.s[self.i..].iter().position(|&c| c == b'}') else {
            return Err(Error::new("invalid repetition: '{' without its '}'", at, at + 1)
                .with_help("write {m}, {m,} or {m,n}; to match '{' literally, escape it"));
        };
        let body = &self.s[self.i..self.i + len];
        let end = self.i + len + 1;
        let bad = |what: &str| {
            Error::new(format!("invalid repetition '{}': {what}", String::from_utf8_lossy(&self.s[at..end])), at, end)
        };
        let number = |t: &[u8]| -> Result<u32, Error> {
            if t.is_empty() || !t.iter().all(u8::is_ascii_digit) {
                return Err(bad("counts are decimal numbers: {m}, {m,} or {m,n}"));
            }
            let v: u64 = std::str::from_utf8(t).unwrap().parse().unwrap_or(u64::MAX);
            if v > MAX_REPEAT as u64 {
                return Err(bad(&format!("a count is at most {MAX_REPEAT}")));
            }
            Ok(v as u32)
        };
        let r = match body.iter().position(|&c| c == b',') {
            None => {
                let m = number(body)?;
                (m, Some(m))
            }
            Some(comma) => {
                let m = number(&body[..comma])?;
                let rest = &body[comma + 1..];
                if rest.is_empty() {
                    (m, None)
                } else {
                    let n = number(rest)?;
                    if n < m {
                        return Err(bad("the minimum is larger than the maximum"));
                    }
                    (m, Some(n))
                }
            }
        };
        self.i = end;
        Ok(r)
    }
}
