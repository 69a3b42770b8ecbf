//! Module options (`rstaprun m.ko NAME=VALUE`, staprun's `var1=val`): checked against the
//! globals the module declares before it is loaded. The kernel alone would ignore an
//! unknown name (a log line nobody reads, the script running with its default) and refuse
//! a bad number with a bare EINVAL; here each is refused naming the option.
//!
//! The module's `.modinfo` lists its parameters as `parmtype=NAME:TYPE`: script globals are
//! `long` (the translator declares the type, `module_param_cb` does not) or `string`
//! (at most `rstap_maxstringlen` - 1 bytes, the tag runtime-c/params.c records);
//! `_rstap_*` are the loader's own (docs/transport.md) and not for the command line, but
//! `_rstap_procfs=1`, which puts the transport's files in /proc.

use std::collections::HashMap;

/// Checks each `name=value` of `params` against the module whose `.modinfo` is `info`.
pub fn check(params: &[String], info: &HashMap<String, String>) -> Result<(), String> {
    let declared: Vec<(&str, &str)> = info
        .get("parmtype")
        .map(|all| all.lines().filter_map(|l| l.split_once(':')).collect())
        .unwrap_or_default();
    let globals: Vec<&str> =
        declared.iter().map(|(n, _)| *n).filter(|n| !n.starts_with("_rstap_")).collect();
    // runtime-c/params.c records it; a module without the tag: the kernel checks alone.
    let max_string: usize =
        info.get("rstap_maxstringlen").and_then(|v| v.parse().ok()).unwrap_or(usize::MAX);
    for p in params {
        let (name, value) = p.split_once('=').unwrap_or((p, ""));
        let value = unquote(value);
        // The one loader parameter a user may set: /proc instead of debugfs (where a
        // policy closes debugfs; lockdown chooses it by itself).
        if name == "_rstap_procfs" && matches!(value, "0" | "1" | "y" | "n" | "Y" | "N") {
            continue;
        }
        if name.starts_with("_rstap_") {
            return Err(format!("module option '{p}': {name} is set by rstaprun itself"));
        }
        let Some((_, ty)) = declared.iter().find(|(n, _)| *n == name) else {
            let has = if globals.is_empty() {
                "it has none".to_string()
            } else {
                format!("it has: {}", globals.join(", "))
            };
            return Err(format!(
                "module option '{p}': the module has no global {name} that can be set ({has}; \
                 globals the script never uses are left out of the module)"
            ));
        };
        if *ty == "string" && value.len() >= max_string {
            return Err(format!(
                "module option {name}: the value has {} bytes; {name} is a string of at most {} \
                 (the module's MAXSTRINGLEN less one; rebuild with -D MAXSTRINGLEN=N for more)",
                value.len(),
                max_string - 1
            ));
        }
        if *ty == "long" && parse_long(value).is_none() {
            return Err(format!(
                "module option '{p}': {name} is a number, and '{value}' is not one \
                 (a 64-bit integer: decimal, 0x hexadecimal or 0 octal)"
            ));
        }
    }
    Ok(())
}

/// The kernel's parser takes a value in double quotes as the text inside them.
fn unquote(v: &str) -> &str {
    v.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(v)
}

/// The kernel's `kstrtoll(value, 0)`: an optional sign, then decimal, `0x` hexadecimal or
/// `0` octal digits, an optional trailing newline; within the range of a signed 64-bit value.
fn parse_long(v: &str) -> Option<i64> {
    let v = v.strip_suffix('\n').unwrap_or(v);
    let (neg, digits) = match v.as_bytes().first() {
        Some(b'-') => (true, &v[1..]),
        Some(b'+') => (false, &v[1..]),
        _ => (false, v),
    };
    let (radix, digits) = if let Some(h) = digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        (16, h)
    } else if digits.len() > 1 && digits.starts_with('0') {
        (8, &digits[1..])
    } else {
        (10, digits)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    if neg {
        // kstrtoll: the magnitude may be at most 2^63.
        0i64.checked_sub_unsigned(magnitude).or((magnitude == 1 << 63).then_some(i64::MIN))
    } else {
        i64::try_from(magnitude).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> HashMap<String, String> {
        let mut m = HashMap::new();
        m.insert(
            "parmtype".to_string(),
            "_rstap_bufsize_kb:uint\n_rstap_target:int\nn:long\ns:string".to_string(),
        );
        m.insert("rstap_maxstringlen".to_string(), "8".to_string());
        m
    }

    #[test]
    fn long_string_is_refused_naming_it() {
        assert_eq!(check(&p(&["s=1234567"]), &info()), Ok(()));
        let e = check(&p(&["s=12345678"]), &info()).unwrap_err();
        assert!(e.starts_with("module option s: the value has 8 bytes; s is a string of at most 7 "), "{e}");
    }

    fn p(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn known_globals_pass() {
        assert_eq!(check(&p(&["n=42", "s=hello w", "n=-0x10", "n=\"7\"", "s="]), &info()), Ok(()));
    }

    #[test]
    fn unknown_name_is_refused_naming_it() {
        let e = check(&p(&["nn=1"]), &info()).unwrap_err();
        assert!(e.starts_with("module option 'nn=1': the module has no global nn that can be set (it has: n, s;"), "{e}");
        let e = check(&p(&["x=1"]), &HashMap::new()).unwrap_err();
        assert!(e.contains("(it has none;"), "{e}");
        assert!(check(&p(&["_rstap_target=1"]), &info()).unwrap_err().contains("set by rstaprun itself"));
        assert!(check(&p(&["_rstap_procfs=1"]), &info()).is_ok());
        assert!(check(&p(&["_rstap_procfs=maybe"]), &info()).unwrap_err().contains("set by rstaprun itself"));
    }

    #[test]
    fn bad_number_is_refused_naming_it() {
        let e = check(&p(&["n=abc"]), &info()).unwrap_err();
        assert!(e.starts_with("module option 'n=abc': n is a number, and 'abc' is not one"), "{e}");
        for bad in ["n=", "n=1.5", "n=09", "n=0x", "n=9223372036854775808", "n=--1", "n=1 "] {
            assert!(check(&p(&[bad]), &info()).is_err(), "{bad}");
        }
    }

    #[test]
    fn kstrtoll_base_0() {
        assert_eq!(parse_long("0"), Some(0));
        assert_eq!(parse_long("010"), Some(8));
        assert_eq!(parse_long("0x1F"), Some(31));
        assert_eq!(parse_long("+5\n"), Some(5));
        assert_eq!(parse_long("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_long("9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_long("-9223372036854775809"), None);
    }
}
