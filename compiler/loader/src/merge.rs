//! Reassembles records from the per-CPU trace streams and puts them back in `seq` order
//! (docs/transport.md, "Records").
//!
//! Each stream is a byte sequence of `{u32 len; u32 kind; u64 seq}` headers, native endian,
//! each followed by `len` payload bytes. A read may end inside a record: the tail is kept
//! until the next read of the same stream. A record is held back while a smaller `seq` is
//! missing, for at most `hold` after it arrived; then the missing ones are given up for lost.
//! The clock is the caller's: every call that can release records takes `now`.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

/// Size of a record header on the wire.
pub const HEADER_LEN: usize = 16;
/// A record longer than this is taken as a corrupt stream.
pub const MAX_RECORD_LEN: u32 = 64 << 20;
/// How long a record waits for a smaller, missing `seq`.
pub const DEFAULT_HOLD: Duration = Duration::from_millis(100);

/// Record kind 0: the script's output.
pub const KIND_STDOUT: u32 = 0;
/// Record kind 1: a message for stderr.
pub const KIND_STDERR: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub kind: u32,
    pub seq: u64,
    pub data: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorruptStream {
    pub stream: usize,
    pub len: u32,
}

impl std::fmt::Display for CorruptStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "corrupt record header on trace{} (length {}); its buffered bytes were discarded",
            self.stream, self.len
        )
    }
}

#[derive(Debug)]
pub struct Merger {
    hold: Duration,
    tails: HashMap<usize, Vec<u8>>,
    pending: BTreeMap<u64, (Instant, Record)>,
    next: u64,
    /// Records given up for lost (seq holes skipped after `hold`).
    pub lost: u64,
}

impl Default for Merger {
    fn default() -> Self {
        Merger::new(DEFAULT_HOLD)
    }
}

impl Merger {
    pub fn new(hold: Duration) -> Self {
        Merger { hold, tails: HashMap::new(), pending: BTreeMap::new(), next: 0, lost: 0 }
    }

    /// Adds bytes read from `stream` (a CPU's trace file), arrived at `now`.
    pub fn feed(&mut self, stream: usize, bytes: &[u8], now: Instant) -> Result<(), CorruptStream> {
        let tail = self.tails.entry(stream).or_default();
        tail.extend_from_slice(bytes);
        let mut off = 0;
        let mut result = Ok(());
        while tail.len() - off >= HEADER_LEN {
            let h = &tail[off..off + HEADER_LEN];
            let len = u32::from_ne_bytes(h[0..4].try_into().unwrap());
            let kind = u32::from_ne_bytes(h[4..8].try_into().unwrap());
            let seq = u64::from_ne_bytes(h[8..16].try_into().unwrap());
            if len > MAX_RECORD_LEN {
                result = Err(CorruptStream { stream, len });
                off = tail.len();
                break;
            }
            let end = off + HEADER_LEN + len as usize;
            if end > tail.len() {
                break;
            }
            let data = tail[off + HEADER_LEN..end].to_vec();
            off = end;
            self.pending.insert(seq, (now, Record { kind, seq, data }));
        }
        tail.drain(..off);
        result
    }

    /// Records that can be printed now, in order.
    pub fn ready(&mut self, now: Instant) -> Vec<Record> {
        let mut out = Vec::new();
        while let Some(entry) = self.pending.first_entry() {
            let seq = *entry.key();
            let arrived = entry.get().0;
            if seq < self.next {
                // Late, after its hole was given up: print it rather than lose it.
                out.push(entry.remove().1);
            } else if seq == self.next || now.saturating_duration_since(arrived) >= self.hold {
                self.lost += seq - self.next;
                self.next = seq + 1;
                out.push(entry.remove().1);
            } else {
                break;
            }
        }
        out
    }

    /// Everything still held, in order (the end of the run: nothing more will come).
    pub fn finish(&mut self) -> Vec<Record> {
        let mut out = Vec::with_capacity(self.pending.len());
        while let Some((seq, (_, rec))) = self.pending.pop_first() {
            if seq >= self.next {
                self.lost += seq - self.next;
                self.next = seq + 1;
            }
            out.push(rec);
        }
        out
    }

    /// Bytes of incomplete records left per stream (non-zero only for a broken stream).
    pub fn leftover(&self) -> usize {
        self.tails.values().map(Vec::len).sum()
    }

    /// Number of records waiting for a smaller `seq`.
    pub fn held(&self) -> usize {
        self.pending.len()
    }
}

/// Encodes a record as the module writes it (for tests and tools).
pub fn encode(kind: u32, seq: u64, data: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(HEADER_LEN + data.len());
    v.extend_from_slice(&(data.len() as u32).to_ne_bytes());
    v.extend_from_slice(&kind.to_ne_bytes());
    v.extend_from_slice(&seq.to_ne_bytes());
    v.extend_from_slice(data);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seqs(v: &[Record]) -> Vec<u64> {
        v.iter().map(|r| r.seq).collect()
    }

    #[test]
    fn in_order_across_streams() {
        let t0 = Instant::now();
        let mut m = Merger::default();
        let mut cpu0 = encode(0, 0, b"a\n");
        cpu0.extend(encode(0, 2, b"c\n"));
        let mut cpu1 = encode(0, 1, b"b\n");
        cpu1.extend(encode(1, 3, b"d\n"));
        m.feed(0, &cpu0, t0).unwrap();
        // 2 waits for 1, which is on the other CPU.
        assert_eq!(seqs(&m.ready(t0)), vec![0]);
        m.feed(1, &cpu1, t0).unwrap();
        let out = m.ready(t0);
        assert_eq!(seqs(&out), vec![1, 2, 3]);
        assert_eq!(out[2].kind, 1);
        assert_eq!(out[2].data, b"d\n");
        assert_eq!(m.held(), 0);
        assert_eq!(m.lost, 0);
    }

    #[test]
    fn partial_records_across_reads() {
        let t0 = Instant::now();
        let mut m = Merger::default();
        let mut bytes = encode(0, 0, b"hello world\n");
        bytes.extend(encode(0, 1, b""));
        bytes.extend(encode(0, 2, b"x"));
        // Feed one byte at a time: every split point, header and payload.
        for b in &bytes {
            m.feed(3, std::slice::from_ref(b), t0).unwrap();
        }
        let out = m.ready(t0);
        assert_eq!(seqs(&out), vec![0, 1, 2]);
        assert_eq!(out[0].data, b"hello world\n");
        assert_eq!(out[1].data, b"");
        assert_eq!(m.leftover(), 0);

        // A header split from its payload.
        let rec = encode(0, 3, b"split");
        m.feed(3, &rec[..HEADER_LEN + 2], t0).unwrap();
        assert!(m.ready(t0).is_empty());
        assert_eq!(m.leftover(), HEADER_LEN + 2);
        m.feed(3, &rec[HEADER_LEN + 2..], t0).unwrap();
        assert_eq!(m.ready(t0)[0].data, b"split");
    }

    #[test]
    fn gap_is_held_for_100ms_then_skipped() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut m = Merger::default();
        m.feed(0, &encode(0, 0, b"0"), t0).unwrap();
        m.feed(1, &encode(0, 2, b"2"), t0).unwrap();
        m.feed(1, &encode(0, 3, b"3"), t0 + ms(60)).unwrap();
        assert_eq!(seqs(&m.ready(t0)), vec![0]);
        assert!(m.ready(t0 + ms(99)).is_empty());
        // 100 ms after 2 arrived, 1 is given up; 3 follows at once (nothing missing below it).
        assert_eq!(seqs(&m.ready(t0 + ms(100))), vec![2, 3]);
        assert_eq!(m.lost, 1);
        // 1 turns up late after all: printed rather than lost.
        m.feed(0, &encode(0, 1, b"1"), t0 + ms(150)).unwrap();
        assert_eq!(seqs(&m.ready(t0 + ms(150))), vec![1]);
        // The gap arrives in time: no skip.
        m.feed(0, &encode(0, 5, b"5"), t0 + ms(200)).unwrap();
        assert!(m.ready(t0 + ms(250)).is_empty());
        m.feed(1, &encode(0, 4, b"4"), t0 + ms(260)).unwrap();
        assert_eq!(seqs(&m.ready(t0 + ms(260))), vec![4, 5]);
        assert_eq!(m.lost, 1);
    }

    #[test]
    fn hold_is_per_record_not_per_gap() {
        // Two holes whose successors both arrived long ago: one call releases all.
        let t0 = Instant::now();
        let mut m = Merger::default();
        m.feed(0, &encode(0, 1, b"1"), t0).unwrap();
        m.feed(0, &encode(0, 3, b"3"), t0).unwrap();
        assert_eq!(seqs(&m.ready(t0 + Duration::from_millis(100))), vec![1, 3]);
        assert_eq!(m.lost, 2);
    }

    #[test]
    fn finish_releases_everything_in_order() {
        let t0 = Instant::now();
        let mut m = Merger::default();
        for s in [7u64, 3, 5, 4] {
            m.feed((s % 2) as usize, &encode(0, s, b"x"), t0).unwrap();
        }
        assert!(m.ready(t0).is_empty());
        assert_eq!(seqs(&m.finish()), vec![3, 4, 5, 7]);
        assert_eq!(m.lost, 3 + 1);
    }

    #[test]
    fn corrupt_header_is_reported() {
        let t0 = Instant::now();
        let mut m = Merger::default();
        let mut bad = encode(0, 0, b"");
        bad[0..4].copy_from_slice(&u32::MAX.to_ne_bytes());
        let err = m.feed(2, &bad, t0).unwrap_err();
        assert_eq!(err.stream, 2);
        assert_eq!(m.leftover(), 0);
    }

    #[test]
    fn many_streams_shuffled() {
        // 4 streams, 1000 records dealt round-robin, each stream fed in odd-sized chunks.
        let t0 = Instant::now();
        let mut streams = vec![Vec::new(); 4];
        for s in 0..1000u64 {
            streams[(s * 7 % 4) as usize].extend(encode(0, s, format!("{s}\n").as_bytes()));
        }
        let mut m = Merger::default();
        let mut out = Vec::new();
        let mut pos = [0usize; 4];
        let mut step = 1;
        while pos.iter().zip(&streams).any(|(p, s)| *p < s.len()) {
            for (i, s) in streams.iter().enumerate() {
                let end = (pos[i] + step * 13 % 97 + 1).min(s.len());
                m.feed(i, &s[pos[i]..end], t0).unwrap();
                pos[i] = end;
                step += 1;
            }
            out.extend(m.ready(t0));
        }
        out.extend(m.finish());
        assert_eq!(seqs(&out), (0..1000).collect::<Vec<_>>());
        assert_eq!(m.lost, 0);
    }
}
