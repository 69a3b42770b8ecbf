//! Diagnostics: errors and warnings with spans, rendered rustc-style.
//!
//! Every pass reports problems as [`Diagnostic`]s. A diagnostic points into a file of the
//! [`SourceMap`] through a [`Span`] (byte offsets); [`SourceMap::render`] turns it into
//!
//! ```text
//! error: unexpected `}`, expected one of ')', ','
//!  --> script.stp:3:12
//!   |
//! 3 |     foo(a, b }
//!   |              ^
//!   = help: ...
//! ```

use std::fmt;

/// A file registered in a [`SourceMap`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

impl fmt::Debug for FileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "f{}", self.0)
    }
}

/// A byte range `start..end` in one file.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Compact and easy to strip in tests: `Span(f0:3..7)`.
        write!(f, "Span({:?}:{}..{})", self.file, self.start, self.end)
    }
}

impl Span {
    pub fn new(file: FileId, start: u32, end: u32) -> Span {
        Span { file, start, end }
    }
    /// The smallest span covering both (same file assumed; `self`'s file wins).
    pub fn to(self, other: Span) -> Span {
        if self.file != other.file {
            return self;
        }
        Span { file: self.file, start: self.start.min(other.start), end: self.end.max(other.end) }
    }
    /// An empty span at the end of this one.
    pub fn end_point(self) -> Span {
        Span { file: self.file, start: self.end, end: self.end }
    }
    pub fn len(self) -> u32 {
        self.end.saturating_sub(self.start)
    }
    pub fn is_empty(self) -> bool {
        self.end <= self.start
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// A secondary location with its own short message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    /// The primary location, if any.
    pub span: Option<Span>,
    /// Secondary locations (e.g. "macro defined here").
    pub labels: Vec<Label>,
    /// `= note: ...` lines.
    pub notes: Vec<String>,
    /// A `= help: ...` line.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error from a message whose text may end in `\n  = help: ...` lines (the
    /// debuginfo layer's messages are plain strings): those become its help lines.
    pub fn error_with_help_lines(msg: &str) -> Diagnostic {
        let mut parts = msg.split("\n  = help: ");
        let mut d = Diagnostic::error(parts.next().unwrap_or_default().to_string());
        for h in parts {
            d = d.with_help(h.to_string());
        }
        d
    }

    pub fn new(severity: Severity, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity,
            message: message.into(),
            span: None,
            labels: Vec::new(),
            notes: Vec::new(),
            help: None,
        }
    }
    pub fn error(message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Error, message)
    }
    pub fn warning(message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Warning, message)
    }
    pub fn with_span(mut self, span: Span) -> Diagnostic {
        self.span = Some(span);
        self
    }
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label { span, message: message.into() });
        self
    }
    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    /// Without a source map: `error: message` only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.severity, self.message)
    }
}

impl std::error::Error for Diagnostic {}

struct SourceFile {
    name: String,
    text: String,
    /// Byte offset of the start of each line.
    line_starts: Vec<u32>,
}

/// The files of one run: scripts, tapsets, `-e` text, command-line probe points.
#[derive(Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        let text = text.into();
        let mut line_starts = vec![0u32];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i as u32 + 1);
            }
        }
        self.files.push(SourceFile { name: name.into(), text, line_starts });
        FileId(self.files.len() as u32 - 1)
    }

    pub fn name(&self, id: FileId) -> &str {
        self.files.get(id.0 as usize).map(|f| f.name.as_str()).unwrap_or("<unknown>")
    }

    pub fn text(&self, id: FileId) -> &str {
        self.files.get(id.0 as usize).map(|f| f.text.as_str()).unwrap_or("")
    }

    /// The source text a span covers.
    pub fn snippet(&self, span: Span) -> &str {
        let t = self.text(span.file);
        let s = (span.start as usize).min(t.len());
        let e = (span.end as usize).clamp(s, t.len());
        t.get(s..e).unwrap_or("")
    }

    /// 1-based line and column (column counted in characters) of a byte offset.
    pub fn line_col(&self, file: FileId, offset: u32) -> (usize, usize) {
        let Some(f) = self.files.get(file.0 as usize) else { return (1, 1) };
        let offset = offset.min(f.text.len() as u32);
        let line = match f.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let ls = f.line_starts[line] as usize;
        let col = f.text.get(ls..offset as usize).map(|s| s.chars().count()).unwrap_or(0);
        (line + 1, col + 1)
    }

    /// The text of a 1-based line, without its newline.
    pub fn line_text(&self, file: FileId, line: usize) -> &str {
        let Some(f) = self.files.get(file.0 as usize) else { return "" };
        if line == 0 || line > f.line_starts.len() {
            return "";
        }
        let s = f.line_starts[line - 1] as usize;
        let e = f.line_starts.get(line).map(|&e| e as usize).unwrap_or(f.text.len());
        f.text[s..e].trim_end_matches(['\n', '\r'])
    }

    /// `file:line:col` of a span's start.
    pub fn location(&self, span: Span) -> String {
        let (l, c) = self.line_col(span.file, span.start);
        format!("{}:{}:{}", self.name(span.file), l, c)
    }

    /// Render one diagnostic, rustc-style, ending with a newline.
    pub fn render(&self, d: &Diagnostic) -> String {
        let mut out = format!("{}: {}\n", d.severity, d.message);
        let mut spans: Vec<(Span, &str)> = Vec::new();
        if let Some(s) = d.span {
            spans.push((s, ""));
        }
        for l in &d.labels {
            spans.push((l.span, l.message.as_str()));
        }
        let width = spans
            .iter()
            .map(|(s, _)| self.line_col(s.file, s.start).0.to_string().len())
            .max()
            .unwrap_or(0);
        let pad = " ".repeat(width);
        for (i, (span, msg)) in spans.iter().enumerate() {
            let (line, col) = self.line_col(span.file, span.start);
            let arrow = if i == 0 && d.span.is_some() { "-->" } else { ":::" };
            out.push_str(&format!("{pad}{arrow} {}:{}:{}\n", self.name(span.file), line, col));
            let text = self.line_text(span.file, line);
            out.push_str(&format!("{pad} |\n"));
            out.push_str(&format!("{:>width$} | {}\n", line, text, width = width));
            // Caret line: keep tabs so the caret lines up under the source.
            let prefix: String = text
                .chars()
                .take(col - 1)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let (end_line, end_col) = self.line_col(span.file, span.end);
            let n = if end_line == line && end_col > col {
                end_col - col
            } else if end_line > line {
                (text.chars().count() + 1).saturating_sub(col).max(1)
            } else {
                1
            };
            let mark = if i == 0 && d.span.is_some() { '^' } else { '-' };
            let marks: String = std::iter::repeat_n(mark, n).collect();
            if msg.is_empty() {
                out.push_str(&format!("{pad} | {prefix}{marks}\n"));
            } else {
                out.push_str(&format!("{pad} | {prefix}{marks} {msg}\n"));
            }
        }
        for n in &d.notes {
            out.push_str(&format!("{pad} = note: {n}\n"));
        }
        if let Some(h) = &d.help {
            out.push_str(&format!("{pad} = help: {h}\n"));
        }
        out
    }

    /// Render several diagnostics, separated by blank lines.
    pub fn render_all(&self, ds: &[Diagnostic]) -> String {
        ds.iter().map(|d| self.render(d)).collect::<Vec<_>>().join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_points_at_line_and_column() {
        let mut sm = SourceMap::new();
        let f = sm.add("t.stp", "probe begin {\n  foo(a b)\n}\n");
        let d = Diagnostic::error("unexpected identifier `b`, expected one of ')', ','")
            .with_span(Span::new(f, 22, 23))
            .with_help("separate arguments with ','");
        let r = sm.render(&d);
        assert_eq!(
            r,
            "error: unexpected identifier `b`, expected one of ')', ','\n \
             --> t.stp:2:9\n  |\n2 |   foo(a b)\n  |         ^\n  = help: separate arguments with ','\n"
        );
    }

    #[test]
    fn line_col_of_end_of_file() {
        let mut sm = SourceMap::new();
        let f = sm.add("x", "ab\ncd");
        assert_eq!(sm.line_col(f, 5), (2, 3));
        assert_eq!(sm.line_col(f, 3), (2, 1));
        assert_eq!(sm.line_text(f, 2), "cd");
    }
}

/// The candidate closest to a misspelt `name` (edit distance at most a third of its
/// length, and at least 1), for "did you mean" hints.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (diag + usize::from(ca != *cb)).min(row[j] + 1).min(row[j + 1] + 1);
            diag = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod closest_tests {
    use super::closest;

    #[test]
    fn suggests_near_names_only() {
        let names = ["gettimeofday_s", "gettimeofday_ms", "execname", "pid"];
        assert_eq!(closest("gettimeofday_sec", names), Some("gettimeofday_s"));
        assert_eq!(closest("execnme", names), Some("execname"));
        assert_eq!(closest("pud", names), Some("pid"));
        assert_eq!(closest("pdi", names), None);
        assert_eq!(closest("frobnicate", names), None);
    }
}
