//! Strings that tell a set of patterns apart.
//!
//! A string operator asks whether a value equals a literal, starts with it, or matches a
//! `…Like` or `ActionMatches` pattern, each with or without case folding. For a set of such
//! questions this finds, for every combination of answers that some string gives, the shortest
//! such string: a breadth-first walk over the product of the patterns' automata. Characters
//! that no pattern names behave alike, so the walk's alphabet is the patterns' own characters
//! (in both cases) and one character none of them names; the answer is exact, within a bound on
//! the states walked.

use std::collections::{HashSet, VecDeque};

use crate::eval::glob::{fold, tokens, Syntax, Token};

/// A pattern as an automaton over positions in its tokens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Glob {
    toks: Vec<Token>,
    fold: bool,
}

impl Glob {
    /// A `StringLike` pattern, read as the evaluator reads it.
    pub fn like(pattern: &str, fold: bool) -> Glob {
        Glob {
            toks: tokens(pattern, Syntax::Like).collect(),
            fold,
        }
    }

    /// An `ActionMatches` pattern: `*` only, every other character literal, case folded.
    pub fn action(pattern: &str) -> Glob {
        Glob {
            toks: tokens(pattern, Syntax::Action).collect(),
            fold: true,
        }
    }

    /// The values that start with `prefix`.
    pub fn prefix(prefix: &str, fold: bool) -> Glob {
        let mut toks: Vec<Token> = prefix.chars().map(Token::Char).collect();
        toks.push(Token::Any);
        Glob { toks, fold }
    }

    /// The value `text` itself.
    pub fn exact(text: &str, fold: bool) -> Glob {
        Glob {
            toks: text.chars().map(Token::Char).collect(),
            fold,
        }
    }

    fn same(&self, a: char, b: char) -> bool {
        if self.fold {
            fold(a) == fold(b)
        } else {
            a == b
        }
    }

    /// `set` with every position reachable through `*` without reading a character.
    fn close(&self, set: &mut Vec<u16>) {
        let mut i = 0;
        while let Some(&at) = set.get(i) {
            if let Some(Token::Any) = self.toks.get(usize::from(at)) {
                let next = at + 1;
                if !set.contains(&next) {
                    set.push(next);
                }
            }
            i += 1;
        }
        set.sort_unstable();
    }

    fn step(&self, set: &[u16], c: char) -> Vec<u16> {
        let mut out = Vec::new();
        for &at in set {
            let to = match self.toks.get(usize::from(at)) {
                Some(Token::Char(x)) if self.same(*x, c) => at + 1,
                Some(Token::One) => at + 1,
                Some(Token::Any) => at,
                _ => continue,
            };
            if !out.contains(&to) {
                out.push(to);
            }
        }
        self.close(&mut out);
        out
    }

    fn accepts(&self, set: &[u16]) -> bool {
        set.last()
            .is_some_and(|&at| usize::from(at) == self.toks.len())
    }
}

/// Longest pattern the walk takes (positions are `u16`).
const MAX_PATTERN: usize = 4096;

/// Which of `globs` match `text`.
pub(super) fn signs(globs: &[Glob], text: &str) -> Vec<bool> {
    globs
        .iter()
        .map(|g| {
            let mut set = vec![0];
            g.close(&mut set);
            for c in text.chars() {
                set = g.step(&set, c);
                if set.is_empty() {
                    break;
                }
            }
            g.accepts(&set)
        })
        .collect()
}

/// For every combination of matching and not matching `globs` that some string gives and
/// none of `known` does, one shortest such string; `None` when the walk would pass
/// `max_states` states (the caller then says its answer may miss values).
pub(super) fn regions(globs: &[Glob], known: &[&str], max_states: usize) -> Option<Vec<String>> {
    let covered: Vec<Vec<bool>> = known.iter().map(|k| signs(globs, k)).collect();
    if globs.iter().any(|g| g.toks.len() >= MAX_PATTERN) {
        return None;
    }
    let mut alphabet: Vec<char> = Vec::new();
    for g in globs {
        for t in &g.toks {
            if let Token::Char(c) = t {
                for v in [*c, fold(*c)]
                    .into_iter()
                    .chain(c.to_lowercase())
                    .chain(c.to_uppercase())
                {
                    if !alphabet.contains(&v) {
                        alphabet.push(v);
                    }
                }
            }
        }
    }
    // One character no pattern names stands for all of them.
    let fresh = ['x', 'z', 'q', '0', '~', '#', '\u{e000}']
        .into_iter()
        .chain(('\u{e001}'..='\u{f8ff}').take(4096))
        .find(|c| !alphabet.iter().any(|a| fold(*a) == fold(*c)))?;
    alphabet.push(fresh);

    let start: Vec<Vec<u16>> = globs
        .iter()
        .map(|g| {
            let mut s = vec![0];
            g.close(&mut s);
            s
        })
        .collect();
    let mut seen: HashSet<Vec<Vec<u16>>> = HashSet::new();
    let mut answers: Vec<(Vec<bool>, String)> = Vec::new();
    let mut queue: VecDeque<(Vec<Vec<u16>>, String)> = VecDeque::new();
    seen.insert(start.clone());
    queue.push_back((start, String::new()));
    while let Some((state, text)) = queue.pop_front() {
        let signs: Vec<bool> = globs
            .iter()
            .zip(&state)
            .map(|(g, s)| g.accepts(s))
            .collect();
        if !answers.iter().any(|(s, _)| *s == signs) {
            answers.push((signs, text.clone()));
        }
        for &c in &alphabet {
            let next: Vec<Vec<u16>> = globs
                .iter()
                .zip(&state)
                .map(|(g, s)| g.step(s, c))
                .collect();
            if seen.contains(&next) {
                continue;
            }
            if seen.len() >= max_states {
                return None;
            }
            seen.insert(next.clone());
            let mut longer = text.clone();
            longer.push(c);
            queue.push_back((next, longer));
        }
    }
    Some(
        answers
            .into_iter()
            .filter(|(signs, _)| !covered.contains(signs))
            .map(|(_, text)| text)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_and_a_suffix_pattern_meet() {
        let globs = [
            Glob::prefix("1111-", true),
            Glob::like("*-azureml-agent", true),
        ];
        let found = regions(&globs, &[], 100_000).unwrap();
        // Neither, each alone, and both at once.
        assert_eq!(found.len(), 4, "{found:?}");
        assert!(found.iter().any(|s| s.to_lowercase().starts_with("1111-")
            && s.to_lowercase().ends_with("-azureml-agent")));
    }

    #[test]
    fn case_folding_is_told_apart_from_exact_case() {
        let globs = [Glob::exact("ab", false), Glob::exact("ab", true)];
        let found = regions(&globs, &[], 1000).unwrap();
        // `ab` (both), `AB` (folded only), and something else (neither).
        assert_eq!(found.len(), 3, "{found:?}");
    }

    #[test]
    fn escapes_are_literal_and_other_backslashes_are_themselves() {
        let g = Glob::like("a\\*\\b", false);
        let found = regions(&[g], &[], 1000).unwrap();
        assert!(found.contains(&"a*\\b".to_string()), "{found:?}");
    }

    #[test]
    fn values_already_known_leave_their_combination_out() {
        let globs = [Glob::prefix("a", false)];
        let found = regions(&globs, &["azcond-other-1"], 1000).unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(signs(&globs, &found[0]), [false]);
    }

    #[test]
    fn a_walk_past_its_bound_gives_up() {
        let globs: Vec<Glob> = (0..12)
            .map(|i| Glob::like(&format!("*{i}*?*"), false))
            .collect();
        assert_eq!(regions(&globs, &[], 50), None);
    }
}
