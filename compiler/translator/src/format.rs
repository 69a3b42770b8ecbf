//! printf-style format strings: SystemTap's conversions parsed once, at
//! compile time, and rewritten for the kernel's vsnprintf. The raw-byte
//! conversions (`%b`, `%m`, `%M`) are not vsnprintf's: a format holding
//! them is split ([`segments`]) and they become runtime calls.

/// One piece of a format string.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    /// Literal text (escapes decoded).
    Text(Vec<u8>),
    Conv(Conversion),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Conversion {
    /// Any of `-+ 0#`.
    pub flags: String,
    pub width: Option<Count>,
    pub precision: Option<Count>,
    /// d i u x X o c s p b m M
    pub conv: char,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Count {
    Fixed(u32),
    /// `*`: taken from a long argument.
    Star,
}

/// What an argument of a conversion must be.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ArgKind {
    Long,
    String,
    /// `%m`/`%M`: a string's bytes, or a long: the address of kernel
    /// (user, with `#`) memory.
    Memory,
}

impl Conversion {
    /// The arguments this conversion takes, in order (`*` width and precision first).
    pub fn args(&self) -> Vec<ArgKind> {
        let mut v = Vec::new();
        if self.width == Some(Count::Star) {
            v.push(ArgKind::Long);
        }
        if self.precision == Some(Count::Star) {
            v.push(ArgKind::Long);
        }
        v.push(match self.conv {
            's' => ArgKind::String,
            'm' | 'M' => ArgKind::Memory,
            _ => ArgKind::Long,
        });
        v
    }

    /// Whether vsnprintf cannot do it: raw bytes (`%b`, `%m`, `%M`).
    pub fn is_raw(&self) -> bool {
        matches!(self.conv, 'b' | 'm' | 'M')
    }

    /// `%b`'s size in bytes (its width: 1, 2, 4 or 8; 8 by default).
    pub fn binary_size(&self) -> u32 {
        match self.width {
            Some(Count::Fixed(n)) => n,
            _ => 8,
        }
    }

    /// The same conversion for the kernel's vsnprintf, whose arguments are
    /// `long long` (d i u x X o p), `int` (c, and `*` counts) and `char *` (s).
    pub fn kernel_spec(&self) -> String {
        let mut s = String::from("%");
        let mut flags = self.flags.clone();
        if self.conv == 'p' && !flags.contains('#') {
            flags.push('#');
        }
        s.push_str(&flags);
        match self.width {
            Some(Count::Fixed(n)) => s.push_str(&n.to_string()),
            Some(Count::Star) => s.push('*'),
            None => {}
        }
        match self.precision {
            Some(Count::Fixed(n)) => s.push_str(&format!(".{n}")),
            Some(Count::Star) => s.push_str(".*"),
            None => {}
        }
        s.push_str(match self.conv {
            'd' | 'i' => "lld",
            'u' => "llu",
            'x' | 'p' => "llx",
            'X' => "llX",
            'o' => "llo",
            'c' => "c",
            's' => "s",
            _ => unreachable!("checked by parse"),
        });
        s
    }
}

/// One run of a split format: pieces vsnprintf does, or one raw conversion.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment<'a> {
    Kernel(&'a [Piece]),
    Raw(&'a Conversion),
}

/// The format in runs vsnprintf can do, between the raw conversions.
pub fn segments(pieces: &[Piece]) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, p) in pieces.iter().enumerate() {
        if let Piece::Conv(c) = p {
            if c.is_raw() {
                if start < i {
                    out.push(Segment::Kernel(&pieces[start..i]));
                }
                out.push(Segment::Raw(c));
                start = i + 1;
            }
        }
    }
    if start < pieces.len() {
        out.push(Segment::Kernel(&pieces[start..]));
    }
    out
}

/// Parses a format string (the raw literal text, escapes still in it).
pub fn parse(raw: &str) -> Result<Vec<Piece>, String> {
    let bytes = crate::ast::decode_string(raw);
    let mut pieces = Vec::new();
    let mut text = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            text.push(bytes[i]);
            i += 1;
            continue;
        }
        i += 1;
        if bytes.get(i) == Some(&b'%') {
            text.push(b'%');
            i += 1;
            continue;
        }
        let mut c = Conversion::default();
        while let Some(&f) = bytes.get(i) {
            if b"-+ 0#".contains(&f) {
                c.flags.push(f as char);
                i += 1;
            } else {
                break;
            }
        }
        c.width = count(&bytes, &mut i);
        if bytes.get(i) == Some(&b'.') {
            i += 1;
            c.precision = Some(count(&bytes, &mut i).unwrap_or(Count::Fixed(0)));
        }
        // SystemTap accepts C's length modifiers and ignores them.
        while matches!(bytes.get(i), Some(b'l' | b'h' | b'z' | b'j' | b't' | b'L')) {
            i += 1;
        }
        let Some(&conv) = bytes.get(i) else {
            return Err("the format ends inside a conversion: use %% for a literal %".into());
        };
        i += 1;
        let conv = conv as char;
        if !"diuxXocspbmM".contains(conv) {
            return Err(format!("invalid conversion '%{conv}' in the format"));
        }
        c.conv = conv;
        if conv == 'b' {
            match c.width {
                None | Some(Count::Fixed(1 | 2 | 4 | 8)) => {}
                Some(Count::Fixed(n)) => {
                    return Err(format!("'%{n}b' writes 1, 2, 4 or 8 bytes, not {n}: use %1b, %2b, %4b or %8b"))
                }
                Some(Count::Star) => return Err("'%*b' is not allowed: the width of %b is its size, 1, 2, 4 or 8".into()),
            }
            if c.precision.is_some() {
                return Err("'%b' takes no precision: its width is the number of bytes".into());
            }
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(std::mem::take(&mut text)));
        }
        pieces.push(Piece::Conv(c));
    }
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    Ok(pieces)
}

fn count(b: &[u8], i: &mut usize) -> Option<Count> {
    if b.get(*i) == Some(&b'*') {
        *i += 1;
        return Some(Count::Star);
    }
    let start = *i;
    while b.get(*i).is_some_and(u8::is_ascii_digit) {
        *i += 1;
    }
    if *i == start {
        return None;
    }
    let n: u32 = std::str::from_utf8(&b[start..*i]).ok()?.parse().ok()?;
    Some(Count::Fixed(n.min(1024)))
}

/// The argument kinds a whole format takes.
pub fn arg_kinds(pieces: &[Piece]) -> Vec<ArgKind> {
    pieces
        .iter()
        .flat_map(|p| match p {
            Piece::Conv(c) => c.args(),
            Piece::Text(_) => Vec::new(),
        })
        .collect()
}

/// A C string literal for arbitrary bytes (octal escapes for the rest).
pub fn c_string_literal(bytes: &[u8]) -> String {
    let mut s = String::from("\"");
    let mut prev_octal = false;
    for &b in bytes {
        match b {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            // A digit right after an octal escape would extend it; '?' could form a trigraph.
            b'0'..=b'9' if prev_octal => s.push_str(&format!("\\{b:03o}")),
            b'?' => s.push_str("\\?"),
            0x20..=0x7e => s.push(b as char),
            _ => {
                s.push_str(&format!("\\{b:03o}"));
                prev_octal = true;
                continue;
            }
        }
        prev_octal = false;
    }
    s.push('"');
    s
}

/// The kernel vsnprintf format for pieces (text with `%` doubled).
pub fn kernel_format(pieces: &[Piece]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in pieces {
        match p {
            Piece::Text(t) => {
                for &b in t {
                    if b == b'%' {
                        out.push(b'%');
                    }
                    out.push(b);
                }
            }
            Piece::Conv(c) => out.extend_from_slice(c.kernel_spec().as_bytes()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_header_format() {
        let p = parse(r"%-16s %6d [%03d] %s %24s\n").unwrap();
        assert_eq!(arg_kinds(&p), [ArgKind::String, ArgKind::Long, ArgKind::Long, ArgKind::String, ArgKind::String]);
        assert_eq!(String::from_utf8(kernel_format(&p)).unwrap(), "%-16s %6lld [%03lld] %s %24s\n");
    }

    #[test]
    fn star_width_and_percent() {
        let p = parse("%*d%% %p %#x").unwrap();
        assert_eq!(arg_kinds(&p), [ArgKind::Long, ArgKind::Long, ArgKind::Long, ArgKind::Long]);
        assert_eq!(String::from_utf8(kernel_format(&p)).unwrap(), "%*lld%% %#llx %#llx");
    }

    #[test]
    fn raw_conversions_split_the_format() {
        let p = parse("a%4b-%d%.3m%-*.*M%%").unwrap();
        assert_eq!(
            arg_kinds(&p),
            [ArgKind::Long, ArgKind::Long, ArgKind::Memory, ArgKind::Long, ArgKind::Long, ArgKind::Memory]
        );
        let segs = segments(&p);
        assert_eq!(segs.len(), 6);
        assert!(matches!(segs[0], Segment::Kernel(k) if kernel_format(k) == b"a"));
        assert!(matches!(segs[1], Segment::Raw(c) if c.conv == 'b' && c.binary_size() == 4));
        assert!(matches!(segs[2], Segment::Kernel(k) if kernel_format(k) == b"-%lld"));
        assert!(matches!(segs[3], Segment::Raw(c) if c.conv == 'm' && c.precision == Some(Count::Fixed(3))));
        assert!(matches!(segs[4], Segment::Raw(c) if c.conv == 'M' && c.flags == "-"));
        assert!(matches!(segs[5], Segment::Kernel(k) if kernel_format(k) == b"%%"));
        assert_eq!(parse("%b").unwrap(), vec![Piece::Conv(Conversion { conv: 'b', ..Default::default() })]);
        assert!(parse("%3b").unwrap_err().contains("1, 2, 4 or 8"));
        assert!(parse("%*b").is_err());
        assert!(parse("%.2b").is_err());
    }

    #[test]
    fn errors() {
        assert!(parse("%").is_err());
        assert!(parse("%q").unwrap_err().contains("invalid"));
    }

    #[test]
    fn c_literals() {
        assert_eq!(c_string_literal(b"a\"b\n\x01" ), "\"a\\\"b\\n\\001\"");
        assert_eq!(c_string_literal(b"\x011"), "\"\\001\\061\"");
    }
}
