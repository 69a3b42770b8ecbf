//! Subset construction over byte classes, then minimisation (Moore's partition refinement).
//!
//! The DFA answers "does the pattern match anywhere in the string": every step also enters
//! the NFA's start again (an implicit `.*` in front), and a state holding the NFA's match is
//! final for good (the matcher stops there). `^` holds only in the initial DFA state, which is
//! kept apart from any state equal to it as a set; `$` is checked once the string ends
//! ([`Dfa::final_at_end`]).

use super::nfa::{Nfa, State, StateId};
use super::ByteSet;
use std::collections::HashMap;

/// More DFA states than this (before minimisation) and the pattern is refused.
pub const MAX_DFA_STATES: usize = 2_000;
/// Work (NFA states visited) the construction may spend before giving up.
const MAX_WORK: usize = 50_000_000;

#[derive(Debug, Clone)]
pub struct Dfa {
    /// Byte → its class: bytes no part of the pattern tells apart share one.
    pub class_of: [u8; 256],
    pub nclasses: usize,
    /// `next[state * nclasses + class]`; the start state is 0.
    pub next: Vec<u16>,
    /// Whether the string matches if it ends in this state.
    pub final_at_end: Vec<bool>,
    /// The state where the pattern has matched, whatever follows (if reachable).
    pub matched: Option<usize>,
    /// The state from which nothing can match any more (if reachable).
    pub dead: Option<usize>,
}

impl Dfa {
    pub fn nstates(&self) -> usize {
        self.final_at_end.len()
    }

    /// What the generated C matcher computes: the bytes up to the first NUL are the string.
    pub fn is_match(&self, s: &[u8]) -> bool {
        let mut st = 0usize;
        if Some(st) == self.matched {
            return true;
        }
        for &b in s.iter().take_while(|&&b| b != 0) {
            st = self.next[st * self.nclasses + self.class_of[b as usize] as usize] as usize;
            if Some(st) == self.matched {
                return true;
            }
            if Some(st) == self.dead {
                return false;
            }
        }
        self.final_at_end[st]
    }

    pub fn build(nfa: &Nfa) -> Result<Dfa, String> {
        let (class_of, reps) = byte_classes(nfa);
        let nclasses = reps.len();
        let mut b = Builder { nfa, work: 0 };
        let mut sets: Vec<(Vec<StateId>, bool)> = Vec::new();
        let mut ids: HashMap<(Vec<StateId>, bool), usize> = HashMap::new();
        let start = b.closure(&[nfa.start], true, false)?;
        ids.insert((start.clone(), true), 0);
        sets.push((start, true));
        let mut next: Vec<usize> = Vec::new();
        let mut accepting = Vec::new();
        let mut final_at_end = Vec::new();
        let mut i = 0;
        while i < sets.len() {
            let (set, initial) = sets[i].clone();
            let acc = set.contains(&0);
            accepting.push(acc);
            if acc {
                final_at_end.push(true);
                next.extend(std::iter::repeat_n(i, nclasses));
                i += 1;
                continue;
            }
            let ends: Vec<StateId> = set
                .iter()
                .filter_map(|&s| match nfa.states[s] {
                    State::AssertEnd(n) => Some(n),
                    _ => None,
                })
                .collect();
            final_at_end.push(b.closure(&ends, initial, true)?.contains(&0));
            for &rep in &reps {
                let mut seeds: Vec<StateId> = set
                    .iter()
                    .filter_map(|&s| match &nfa.states[s] {
                        State::Byte(bs, n) if bs.contains(rep) => Some(*n),
                        _ => None,
                    })
                    .collect();
                seeds.push(nfa.start);
                let t = b.closure(&seeds, false, false)?;
                let key = (t, false);
                let id = match ids.get(&key) {
                    Some(&id) => id,
                    None => {
                        if sets.len() >= MAX_DFA_STATES {
                            return Err(too_big());
                        }
                        let id = sets.len();
                        ids.insert(key.clone(), id);
                        sets.push(key);
                        id
                    }
                };
                next.push(id);
            }
            i += 1;
        }
        Ok(minimise(class_of, nclasses, &next, &accepting, &final_at_end))
    }
}

fn too_big() -> String {
    format!("regular expression is too complex: its automaton needs more than {MAX_DFA_STATES} states")
}

/// Partitions the bytes 1..=255 by which of the NFA's byte sets hold them; returns each
/// byte's class and a representative byte per class. Byte 0 (the string's end) is never
/// looked up; it shares class 0.
fn byte_classes(nfa: &Nfa) -> ([u8; 256], Vec<u8>) {
    let mut sets: Vec<ByteSet> = nfa
        .states
        .iter()
        .filter_map(|s| match s {
            State::Byte(bs, _) => Some(*bs),
            _ => None,
        })
        .collect();
    sets.sort();
    sets.dedup();
    let mut class_of = [0u8; 256];
    let mut reps: Vec<u8> = Vec::new();
    let mut by_sig: HashMap<Vec<bool>, u8> = HashMap::new();
    for b in 1..=255u8 {
        let sig: Vec<bool> = sets.iter().map(|s| s.contains(b)).collect();
        let c = *by_sig.entry(sig).or_insert_with(|| {
            reps.push(b);
            (reps.len() - 1) as u8
        });
        class_of[b as usize] = c;
    }
    (class_of, reps)
}

struct Builder<'n> {
    nfa: &'n Nfa,
    work: usize,
}

impl Builder<'_> {
    /// The states reachable from `seeds` without consuming a byte, sorted: those that consume
    /// a byte, the match, and (unless at the end) the `$` assertions still pending. A `^`
    /// passes only `at_start`; otherwise it is dropped (it can never hold later).
    fn closure(&mut self, seeds: &[StateId], at_start: bool, at_end: bool) -> Result<Vec<StateId>, String> {
        let mut seen = vec![false; self.nfa.states.len()];
        let mut stack: Vec<StateId> = seeds.to_vec();
        let mut out = Vec::new();
        while let Some(s) = stack.pop() {
            if seen[s] {
                continue;
            }
            seen[s] = true;
            self.work += 1;
            match self.nfa.states[s] {
                State::Byte(..) | State::Match => out.push(s),
                State::Split(a, b) => {
                    stack.push(b);
                    stack.push(a);
                }
                State::AssertStart(n) => {
                    if at_start {
                        stack.push(n)
                    }
                }
                State::AssertEnd(n) => {
                    if at_end {
                        stack.push(n)
                    } else {
                        out.push(s)
                    }
                }
            }
        }
        if self.work > MAX_WORK {
            return Err(too_big());
        }
        out.sort_unstable();
        Ok(out)
    }
}

/// Moore's algorithm: split blocks of states until each block's states agree on where every
/// class leads. Then merge byte classes that lead to the same place everywhere.
fn minimise(class_of: [u8; 256], nclasses: usize, next: &[usize], accepting: &[bool], final_at_end: &[bool]) -> Dfa {
    let n = accepting.len();
    let mut block: Vec<usize> = Vec::with_capacity(n);
    let mut count;
    {
        let mut ids: HashMap<(bool, bool), usize> = HashMap::new();
        for s in 0..n {
            let k = ids.len();
            block.push(*ids.entry((accepting[s], final_at_end[s])).or_insert(k));
        }
        count = ids.len();
    }
    loop {
        let mut ids: HashMap<Vec<usize>, usize> = HashMap::new();
        let mut newb = Vec::with_capacity(n);
        for s in 0..n {
            let mut sig = Vec::with_capacity(nclasses + 1);
            sig.push(block[s]);
            sig.extend((0..nclasses).map(|c| block[next[s * nclasses + c]]));
            let k = ids.len();
            newb.push(*ids.entry(sig).or_insert(k));
        }
        let done = ids.len() == count;
        count = ids.len();
        block = newb;
        if done {
            break;
        }
    }
    // Blocks are numbered in order of their first state, so the start state's is 0.
    let mut rep = vec![usize::MAX; count];
    for s in (0..n).rev() {
        rep[block[s]] = s;
    }
    // Classes that no state tells apart become one.
    let mut col_id: HashMap<Vec<usize>, usize> = HashMap::new();
    let mut class_map = vec![0usize; nclasses];
    for (c, m) in class_map.iter_mut().enumerate() {
        let col: Vec<usize> = (0..count).map(|b| block[next[rep[b] * nclasses + c]]).collect();
        let k = col_id.len();
        *m = *col_id.entry(col).or_insert(k);
    }
    let new_nclasses = col_id.len();
    let mut first_of = vec![usize::MAX; new_nclasses];
    for c in (0..nclasses).rev() {
        first_of[class_map[c]] = c;
    }
    let mut table = Vec::with_capacity(count * new_nclasses);
    for &r in &rep {
        for &c in &first_of {
            table.push(block[next[r * nclasses + c]] as u16);
        }
    }
    let mut new_class_of = [0u8; 256];
    for b in 0..256 {
        new_class_of[b] = class_map[class_of[b] as usize] as u8;
    }
    let fin: Vec<bool> = rep.iter().map(|&r| final_at_end[r]).collect();
    let matched = (0..count).find(|&b| accepting[rep[b]]);
    let dead = (0..count).find(|&b| {
        !fin[b]
            && Some(b) != matched
            && table[b * new_nclasses..(b + 1) * new_nclasses].iter().all(|&t| t as usize == b)
    });
    Dfa { class_of: new_class_of, nclasses: new_nclasses, next: table, final_at_end: fin, matched, dead }
}
