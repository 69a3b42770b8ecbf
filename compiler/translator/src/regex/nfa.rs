//! Thompson's construction: a [`Node`] tree → an NFA whose states consume one byte of a set,
//! split, or assert the start or the end of the string. Counted repetitions are expanded, so
//! the size is capped ([`MAX_NFA_STATES`]).

use super::parse::Node;
use super::ByteSet;

/// More NFA states than this and the pattern is refused (`(a{255}){255}`, ...).
pub const MAX_NFA_STATES: usize = 20_000;

pub type StateId = usize;

#[derive(Debug, Clone, PartialEq)]
pub enum State {
    /// Consumes one byte of the set, then goes on.
    Byte(ByteSet, StateId),
    /// Goes on to either, consuming nothing.
    Split(StateId, StateId),
    /// Goes on only at the start of the string.
    AssertStart(StateId),
    /// Goes on only at the end of the string.
    AssertEnd(StateId),
    Match,
}

#[derive(Debug)]
pub struct Nfa {
    pub states: Vec<State>,
    pub start: StateId,
}

impl Nfa {
    pub fn build(tree: &Node) -> Result<Nfa, String> {
        let mut b = Builder { states: vec![State::Match] };
        let start = b.node(tree, 0)?;
        Ok(Nfa { states: b.states, start })
    }
}

struct Builder {
    states: Vec<State>,
}

impl Builder {
    fn push(&mut self, s: State) -> Result<StateId, String> {
        if self.states.len() >= MAX_NFA_STATES {
            return Err(format!(
                "regular expression is too large: it needs more than {MAX_NFA_STATES} automaton states (lower the repetition counts)"
            ));
        }
        self.states.push(s);
        Ok(self.states.len() - 1)
    }

    /// The states for `n`, going on to `next` after it; returns its entry.
    fn node(&mut self, n: &Node, next: StateId) -> Result<StateId, String> {
        match n {
            Node::Empty => Ok(next),
            Node::Set(s) => self.push(State::Byte(*s, next)),
            Node::Start => self.push(State::AssertStart(next)),
            Node::End => self.push(State::AssertEnd(next)),
            Node::Concat(items) => {
                let mut at = next;
                for item in items.iter().rev() {
                    at = self.node(item, at)?;
                }
                Ok(at)
            }
            Node::Alt(alts) => {
                let mut entry = self.node(&alts[alts.len() - 1], next)?;
                for a in alts[..alts.len() - 1].iter().rev() {
                    let e = self.node(a, next)?;
                    entry = self.push(State::Split(e, entry))?;
                }
                Ok(entry)
            }
            Node::Repeat { node, min, max } => {
                // The optional or unbounded tail first, then `min` copies before it.
                let mut at = match max {
                    None => {
                        // A loop: split into the body (which comes back) or on.
                        let split = self.push(State::Split(next, next))?;
                        let body = self.node(node, split)?;
                        self.states[split] = State::Split(body, next);
                        split
                    }
                    Some(max) => {
                        let mut at = next;
                        for _ in *min..*max {
                            let body = self.node(node, at)?;
                            at = self.push(State::Split(body, next))?;
                        }
                        at
                    }
                };
                for _ in 0..*min {
                    at = self.node(node, at)?;
                }
                Ok(at)
            }
        }
    }
}
