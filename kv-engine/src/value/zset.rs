//! The sorted set type. (Ordered by (score, member) in a B-tree with a
//! member index; the listpack/skiplist-equivalent representation replaces the
//! inside, keeping this API.)

use std::collections::{BTreeSet, HashMap};

/// A score that orders totally (NaN never enters a sorted set).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Score(pub f64);

impl Eq for Score {}
impl PartialOrd for Score {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Score {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ZSetValue {
    by_member: HashMap<Box<[u8]>, f64>,
    ordered: BTreeSet<(Score, Box<[u8]>)>,
}

impl ZSetValue {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn len(&self) -> usize {
        self.by_member.len()
    }
    pub fn is_empty(&self) -> bool {
        self.by_member.is_empty()
    }
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.by_member.get(member).copied()
    }
    /// Sets the member's score; returns the previous score.
    pub fn insert(&mut self, member: &[u8], score: f64) -> Option<f64> {
        debug_assert!(!score.is_nan(), "NaN scores never enter a sorted set");
        let old = self.remove(member);
        self.by_member.insert(member.into(), score);
        self.ordered.insert((Score(score), member.into()));
        old
    }
    /// Removes the member; returns its score.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let score = self.by_member.remove(member)?;
        self.ordered
            .remove(&(Score(score), Box::<[u8]>::from(member)));
        Some(score)
    }
    /// (member, score) in ascending (score, member) order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&[u8], f64)> {
        self.ordered.iter().map(|(s, m)| (&**m, s.0))
    }
}
