//! Line- and address-based kernel probe points (stapprobes' `.statement`):
//! `kernel.statement("func@file:LINE")`, `"func@file:*"` (every line with code),
//! `"func@file:N-M"`, `"func@file+N"` (N lines after the declaration), wildcards in
//! func and file; `kernel.statement(ADDRESS)` (a link-time address, probed as its
//! function's symbol + offset so KASLR moves it with the kernel); the absolute forms
//! `kernel.statement(ADDRESS).absolute` and `kprobe.statement(ADDRESS).absolute`
//! (a run-time address as given, guru mode: elaborate checks); and
//! `kernel.function("func@file:LINE")`: the functions whose body spans LINE, at entry.
//!
//! Lines come from each function's own compilation unit ([`super::lines`]).

use super::index::{Entry, Function, Inline};
use super::lines::{self, EntryLines};
use super::resolve::{KprobePoint, Site};
use super::Index;
use crate::listing::function_pp;

/// Which lines of the function a statement pattern asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Lines {
    /// `:N`
    One(u32),
    /// `:N-M`
    Range(u32, u32),
    /// `:*`
    All,
    /// `+N`: relative to the declaration line.
    After(u32),
}

/// `func@file:LINE` and its forms, split apart.
#[derive(Debug, Clone, PartialEq)]
pub struct StatementPattern {
    pub func: String,
    pub file: String,
    pub lines: Lines,
}

impl StatementPattern {
    pub fn parse(s: &str) -> Result<StatementPattern, String> {
        let usage = || {
            format!(
                "kernel.statement(\"{s}\") names no source line\n  = help: write FUNC@FILE:LINE, FUNC@FILE:N-M, FUNC@FILE:* (every line) or FUNC@FILE+N (N lines after the declaration), or an address: kernel.statement(0x...)"
            )
        };
        let (func, rest) = s.split_once('@').ok_or_else(usage)?;
        if func.is_empty() {
            return Err(usage());
        }
        let num = |t: &str| t.parse::<u32>().map_err(|_| usage());
        let (file, lines) = if let Some((file, l)) = rest.rsplit_once(':') {
            let lines = match l {
                "*" => Lines::All,
                l => match l.split_once('-') {
                    Some((a, b)) => {
                        let (a, b) = (num(a)?, num(b)?);
                        if a > b {
                            return Err(format!("kernel.statement(\"{s}\"): the line range {a}-{b} is empty"));
                        }
                        Lines::Range(a, b)
                    }
                    None => Lines::One(num(l)?),
                },
            };
            (file, lines)
        } else if let Some((file, n)) = rest.rsplit_once('+') {
            (file, Lines::After(num(n)?))
        } else {
            return Err(usage());
        };
        if file.is_empty() {
            return Err(usage());
        }
        Ok(StatementPattern { func: func.to_string(), file: file.to_string(), lines })
    }

    pub fn wild(&self) -> bool {
        self.func.contains(['*', '?', '[']) || self.file.contains(['*', '?', '[']) || !matches!(self.lines, Lines::One(_) | Lines::After(_))
    }
}

/// One resolved statement: where it is and what `pp()` says.
#[derive(Debug, Clone)]
pub struct Statement<'a> {
    pub function: &'a Function,
    /// The out-of-line copy holding the address (for an inlined copy: its container).
    pub entry: &'a Entry,
    /// The inlined copy of `function` the line is in; None: in `entry`'s own code.
    pub inline: Option<&'a Inline>,
    pub line: u32,
    pub addr: u64,
}

impl Statement<'_> {
    /// `kernel.statement("__tcp_ack_snd_check@net/ipv4/tcp_input.c:5541")`, or within a
    /// module `module("usbcore").statement("usb_control_msg@drivers/usb/core/message.c:150")`.
    pub fn pp(&self, module: Option<&str>) -> String {
        let at = format!("{}@{}:{}", self.function.name, self.function.file, self.line);
        match module {
            None => format!("kernel.statement(\"{at}\")"),
            Some(m) => format!("module(\"{m}\").statement(\"{at}\")"),
        }
    }

    pub fn site(&self, release: &str, module: Option<&str>) -> Site {
        Site {
            object: super::Object::Kernel { release: release.to_string(), module: module.map(str::to_string) },
            function: self.function.name.clone(),
            addr: self.addr,
            // An inlined copy's variables are its inlined subroutine's children.
            die: self.inline.map_or(self.entry.die, |i| i.die),
            cu: if self.inline.is_some() { self.function.cu } else { self.entry.cu },
            tracepoint: false,
            btf: false,
        }
    }
}

/// A copy of a function's code: an out-of-line entry, or an inlined copy inside one.
type Copy<'a> = (&'a Entry, Option<&'a Inline>);

/// The copies of `f` that can hold a kprobe (out-of-line ones, then inlined ones inside
/// an out-of-line copy kprobes allow), with their lines.
fn probeable_lines<'a>(ix: &'a Index, f: &'a Function) -> Result<Vec<(Copy<'a>, EntryLines)>, String> {
    let mut out = Vec::new();
    let err = |err: anyhow::Error| format!("reading the line table of {}: {err:#}", f.name);
    for e in f.entries.iter().filter(|e| !e.blocked && !e.symbol.is_empty()) {
        out.push(((e, None), lines::entry_lines(ix, f, e).map_err(err)?));
    }
    for i in &f.inlines {
        let Some((_, c)) = ix.entry_at(i.container) else { continue };
        if c.blocked || c.symbol.is_empty() {
            continue;
        }
        out.push(((c, Some(i)), lines::inline_lines(ix, f, i).map_err(err)?));
    }
    Ok(out)
}

/// The statements a pattern names; an error says why there are none.
pub fn statements<'a>(ix: &'a Index, pat: &StatementPattern) -> Result<Vec<Statement<'a>>, String> {
    let funcs = ix.lookup(&pat.func, Some(&pat.file));
    if funcs.is_empty() {
        let elsewhere: Vec<&Function> = if pat.func.contains(['*', '?', '[']) { vec![] } else { ix.lookup(&pat.func, None) };
        let mut msg = if ix.lookup("*", Some(&pat.file)).is_empty() {
            format!("no source file matching \"{}\" has functions in the kernel's debuginfo", pat.file)
        } else {
            format!("no function matching \"{}\" in \"{}\"", pat.func, pat.file)
        };
        if !elsewhere.is_empty() {
            let files: std::collections::BTreeSet<&str> = elsewhere.iter().map(|f| f.file.as_str()).collect();
            msg.push_str(&format!(
                "\n  = help: {} is in {}",
                pat.func,
                files.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
        return Err(msg);
    }
    let reserved = super::reserved::reserved(ix).map_err(|e| format!("{e:#}"))?;
    let mut out = Vec::new();
    // For the "no code at that line" hint: the nearest lines with code on either side.
    let mut near: (Option<u32>, Option<u32>) = (None, None);
    let mut inlined_only = None;
    for f in funcs {
        let copies = probeable_lines(ix, f)?;
        if copies.is_empty() {
            inlined_only.get_or_insert(f);
            continue;
        }
        for ((e, inline), el) in &copies {
            let wanted: Vec<(u32, u64)> = match pat.lines {
                Lines::All => el.lines.iter().map(|(l, a)| (*l, *a)).collect(),
                Lines::Range(a, b) => el.lines.range(a..=b).map(|(l, a)| (*l, *a)).collect(),
                Lines::One(l) | Lines::After(l) => {
                    let l = if let Lines::After(_) = pat.lines { f.line + l } else { l };
                    match el.lines.get(&l) {
                        Some(a) => vec![(l, *a)],
                        None => {
                            // Only lines inside this function's body count for the hint.
                            if f.line <= l && el.last_line().is_some_and(|last| l <= last) {
                                let (b, a) = el.nearest(l);
                                near.0 = near.0.max(b);
                                near.1 = match (near.1, a) {
                                    (Some(x), Some(y)) => Some(x.min(y)),
                                    (x, y) => x.or(y),
                                };
                            }
                            vec![]
                        }
                    }
                }
            };
            // Lines sharing an address get a probe each (SystemTap's `pp()` names the line).
            for (line, addr) in wanted {
                if reserved.contains(addr) {
                    // The kernel would refuse it: one warning for a pattern, an error for a line.
                    if matches!(pat.lines, Lines::One(_) | Lines::After(_)) && !pat.wild() {
                        return Err(format!(
                            "cannot probe line {line} of {}: its code starts at a jump label, static call, alternative or BUG() site (0x{addr:x}), where the kernel refuses kprobes\n  = help: probe a neighbouring line",
                            f.name
                        ));
                    }
                    super::resolve::note_reserved();
                    continue;
                }
                out.push(Statement { function: f, entry: e, inline: *inline, line, addr });
            }
        }
    }
    if out.is_empty() {
        let what = match pat.lines {
            Lines::One(l) => format!("line {l} of \"{}\"", pat.file),
            Lines::After(n) => format!("line +{n} of \"{}@{}\"", pat.func, pat.file),
            Lines::Range(a, b) => format!("lines {a}-{b} of \"{}\"", pat.file),
            Lines::All => format!("\"{}@{}\"", pat.func, pat.file),
        };
        let mut msg = match (near, inlined_only) {
            ((None, None), Some(f)) => format!("cannot probe {}: no copy of its code is where the kernel allows kprobes", function_pp(f)),
            _ => format!("no code at {what} in any function matching \"{}\"", pat.func),
        };
        let hint: Vec<String> = [near.0, near.1].into_iter().flatten().map(|l| l.to_string()).collect();
        if !hint.is_empty() {
            msg.push_str(&format!("\n  = help: the nearest lines with code are {}", hint.join(" and ")));
        }
        return Err(msg);
    }
    out.sort_by_key(|s| (s.function.name.clone(), s.line, s.addr));
    Ok(out)
}

/// `kernel.statement(PATTERN)` (module None) or `module("M").statement(PATTERN)`: its
/// kprobes and their `pp()`s. A module's statement is `M:symbol+offset`, which kallsyms
/// resolves within that module; a static function whose symbol the module has twice
/// cannot be named that way and is left out (an error if nothing else matched).
pub fn kernel_statement(pat: &str, release: &str, module: Option<&str>) -> Result<Vec<(KprobePoint, String)>, String> {
    let sp = StatementPattern::parse(pat)?;
    let ix = super::index_for(release, module).map_err(|e| format!("{e:#}"))?;
    let wild = sp.wild();
    let mut ambiguous = None;
    let mut out = Vec::new();
    // A module's sections are placed apart at load: a line in the function's cold part
    // (`.text.unlikely`) is anchored on the symbol holding it (`f.cold`), not on `f`.
    let syms = match module {
        Some(_) => super::reloc::text_symbols(ix.data().map_err(|e| format!("{e:#}"))?).map_err(|e| format!("{e:#}"))?,
        None => Vec::new(),
    };
    for s in statements(&ix, &sp)? {
        let (symbol, offset) = match (module, super::reloc::symbol_holding(&syms, s.addr)) {
            (None, _) => lines::kprobe_anchor(&ix, s.entry, s.addr),
            (Some(m), Some(t)) if t.unique => (format!("{m}:{}", t.name), s.addr - t.start),
            (Some(_), _) => {
                ambiguous.get_or_insert(s.function.name.clone());
                continue;
            }
        };
        let kp = KprobePoint { symbol, offset, ret: false, maxactive: 0, optional: wild, site: Some(s.site(release, module)) };
        out.push((kp, s.pp(module)));
    }
    match ambiguous {
        Some(f) if out.is_empty() => Err(format!("cannot probe {f}: a static function whose symbol the module has twice (not probed yet)")),
        _ => Ok(out),
    }
}

/// `kernel.statement(ADDRESS)`: a link-time address inside a function, probed as that
/// function's symbol + offset, with its DWARF for target variables.
pub fn kernel_statement_addr(addr: u64, release: &str) -> Result<(KprobePoint, String), String> {
    let ix = super::kernel_index(release, false).map_err(|e| format!("{e:#}"))?;
    let found = lines::function_at(&ix, addr).map_err(|e| format!("{e:#}"))?;
    let Some((f, e)) = found else {
        return Err(format!(
            "kernel.statement(0x{addr:x}): the address is not inside any function of the kernel's debuginfo\n  = help: give a link-time address from the vmlinux (System.map, `nm`), or a run-time one with kprobe.statement(0x...).absolute (guru mode)"
        ));
    };
    if e.blocked {
        return Err(format!("cannot probe 0x{addr:x} in {}: the kernel does not allow kprobes there", f.name));
    }
    let (symbol, offset) = lines::kprobe_anchor(&ix, e, addr);
    let site = Site { object: super::Object::kernel(release), function: f.name.clone(), addr, die: e.die, cu: e.cu, tracepoint: false, btf: false };
    Ok((KprobePoint { symbol, offset, ret: false, maxactive: 0, optional: false, site: Some(site) }, format!("kernel.statement(0x{addr:x})")))
}

/// `kprobe.statement(ADDRESS).absolute`, `kernel.statement(ADDRESS).absolute`: a run-time
/// address as given (no DWARF, no relocation). An empty symbol tells the runtime that
/// `offset` is the address itself.
pub fn absolute(addr: u64, family: &str) -> (KprobePoint, String) {
    (
        KprobePoint { symbol: String::new(), offset: addr, ret: false, maxactive: 0, optional: false, site: None },
        format!("{family}.statement(0x{addr:x}).absolute"),
    )
}

/// `kernel.function("func@file:LINE")`: the functions matching func and file whose body
/// spans LINE (from the declaration to its last line with code) or whose code holds
/// LINE's code (a callee inlined there: its out-of-line container is probed at entry).
pub fn functions_spanning<'a>(ix: &'a Index, func: &str, file: &str, line: u32) -> Result<Vec<&'a Function>, String> {
    let mut out = Vec::new();
    for f in ix.lookup(func, Some(file)) {
        if f.line == line {
            out.push(f);
            continue;
        }
        for (_, el) in probeable_lines(ix, f)? {
            let spans = f.line < line && el.last_line().is_some_and(|last| line <= last);
            if spans || el.all_lines.contains(&line) {
                out.push(f);
                break;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{Lines, StatementPattern};

    #[test]
    fn patterns() {
        let p = StatementPattern::parse("__tcp_ack_snd_check@net/ipv4/tcp_input.c:*").unwrap();
        assert_eq!((p.func.as_str(), p.file.as_str(), &p.lines), ("__tcp_ack_snd_check", "net/ipv4/tcp_input.c", &Lines::All));
        assert_eq!(StatementPattern::parse("bio_init@block/bio.c+3").unwrap().lines, Lines::After(3));
        assert_eq!(StatementPattern::parse("*@kernel/time/time.c:296").unwrap().lines, Lines::One(296));
        assert_eq!(StatementPattern::parse("f@a.c:10-12").unwrap().lines, Lines::Range(10, 12));
        assert!(StatementPattern::parse("f@a.c:12-10").is_err());
        assert!(StatementPattern::parse("vfs_read").is_err());
        assert!(StatementPattern::parse("@a.c:3").is_err());
    }
}
