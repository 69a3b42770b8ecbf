//! Diagnostics: errors and warnings with spans, rendered rustc-style.
