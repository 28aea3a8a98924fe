//! The sorted set type. Small sets are one packed buffer of
//! `score member` entries in (score, member) order, Redis's listpack: about
//! three bytes over the member's for integral scores, with linear-time
//! operations bounded by `zset-max-listpack-entries`. Past that many members, or a member longer
//! than `zset-max-listpack-value`, the set becomes an order-statistics tree
//! (`zset_tree`) with O(log n) insert, delete, rank and range starts, and
//! stays one; store commands decide afresh for their results
//! (`settle_encoding`), as Redis does. OBJECT ENCODING names the two forms
//! `listpack` and `skiplist`.

use super::arena_map::{put, take};
use super::packed::{reserve_fit, shrink_fit, splice_bytes};
use super::zset_tree::{order, Tree, TreeIter};
use std::cmp::Ordering;

/// The thresholds of the compact encoding (from the engine config).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZSetLimits {
    pub max_entries: usize,
    pub max_value: usize,
}

impl Default for ZSetLimits {
    fn default() -> Self {
        ZSetLimits {
            max_entries: 128,
            max_value: 64,
        }
    }
}

/// The compact form: entries `[score][varint len][member]` (see
/// `put_score`), sorted.
#[derive(Clone, Debug, Default)]
struct Packed {
    bytes: Vec<u8>,
    len: usize,
}

/// Appends a score: integral values up to 2^53 as a zigzag varint after a
/// 0 tag (a small score costs 2 bytes, as in Redis's listpack), anything
/// else as a 1 tag and the 8 bytes of the f64.
fn put_score(buf: &mut Vec<u8>, score: f64) {
    if score.fract() == 0.0 && score.abs() < 9_007_199_254_740_992.0 {
        let n = score as i64;
        let mut z = ((n << 1) ^ (n >> 63)) as u64;
        buf.push(0);
        while z >= 0x80 {
            buf.push((z as u8 & 0x7f) | 0x80);
            z >>= 7;
        }
        buf.push(z as u8);
    } else {
        buf.push(1);
        buf.extend_from_slice(&score.to_le_bytes());
    }
}

/// Reads the score at `at`; returns it and where the member starts.
fn take_score(buf: &[u8], at: usize) -> (f64, usize) {
    if buf[at] == 1 {
        let mut raw = [0u8; 8];
        raw.copy_from_slice(&buf[at + 1..at + 9]);
        return (f64::from_le_bytes(raw), at + 9);
    }
    let (mut z, mut shift, mut at) = (0u64, 0, at + 1);
    loop {
        let b = buf[at];
        at += 1;
        z |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            break;
        }
        shift += 7;
    }
    (((z >> 1) as i64 ^ -((z & 1) as i64)) as f64, at)
}

/// Walks packed entries: (member, score, entry start, entry end).
fn packed_entries(buf: &[u8]) -> impl Iterator<Item = (&[u8], f64, usize, usize)> {
    let mut at = 0;
    std::iter::from_fn(move || {
        if at >= buf.len() {
            return None;
        }
        let start = at;
        let (score, member_at) = take_score(buf, at);
        let (member, end) = take(buf, member_at);
        at = end;
        Some((member, score, start, end))
    })
}

impl Packed {
    /// The same members and scores as a tree.
    fn to_tree(&self) -> Tree {
        let mut tree = Tree::default();
        for (member, score) in self.iter() {
            tree.insert_new(member, score);
        }
        tree
    }
    fn find(&self, member: &[u8]) -> Option<(f64, usize, usize)> {
        packed_entries(&self.bytes)
            .find(|(m, ..)| *m == member)
            .map(|(_, score, start, end)| (score, start, end))
    }
    fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let (score, start, end) = self.find(member)?;
        self.remove_at(start, end);
        Some(score)
    }
    fn insert(&mut self, member: &[u8], score: f64) -> Option<f64> {
        let old = self.remove(member);
        self.insert_absent(member, score);
        old
    }
    /// Removes the entry `find` found at `start..end`.
    fn remove_at(&mut self, start: usize, end: usize) {
        self.bytes.drain(start..end);
        self.len -= 1;
    }
    /// Adds `member`, which is not here, in its place.
    fn insert_absent(&mut self, member: &[u8], score: f64) {
        let at = packed_entries(&self.bytes)
            .find(|(m, s, ..)| order(*s, m, score, member) == Ordering::Greater)
            .map_or(self.bytes.len(), |(.., start, _)| start);
        let mut entry = Vec::with_capacity(member.len() + 10);
        put_score(&mut entry, score);
        put(&mut entry, member);
        reserve_fit(&mut self.bytes, entry.len());
        splice_bytes(&mut self.bytes, at..at, &entry);
        self.len += 1;
    }
    fn iter(&self) -> impl Iterator<Item = (&[u8], f64)> {
        packed_entries(&self.bytes).map(|(m, s, ..)| (m, s))
    }
}

#[derive(Clone, Debug)]
enum Repr {
    Packed(Packed),
    Tree(Tree),
}

#[derive(Clone, Debug)]
pub struct ZSetValue {
    repr: Repr,
}

impl Default for ZSetValue {
    fn default() -> Self {
        ZSetValue {
            repr: Repr::Packed(Packed::default()),
        }
    }
}

impl PartialEq for ZSetValue {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl ZSetValue {
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty set in the form Redis's zsetTypeCreate picks for
    /// `size_hint` elements with members up to `longest` bytes.
    pub fn with_hint(size_hint: usize, longest: usize, limits: ZSetLimits) -> Self {
        let repr = if size_hint <= limits.max_entries && longest <= limits.max_value {
            Repr::Packed(Packed::default())
        } else {
            Repr::Tree(Tree::default())
        };
        ZSetValue { repr }
    }

    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Packed(p) => p.len,
            Repr::Tree(t) => t.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// OBJECT ENCODING.
    pub fn encoding(&self) -> &'static str {
        match self.repr {
            Repr::Packed(_) => "listpack",
            Repr::Tree(_) => "skiplist",
        }
    }

    /// True while in the compact form (ZSCAN replies in one call then).
    pub fn is_compact(&self) -> bool {
        matches!(self.repr, Repr::Packed(_))
    }

    /// Leaves the compact form for the tree, whatever the size (Redis's
    /// zsetConvert to a skiplist, which SORT does to the set it sorts).
    pub fn convert_to_tree(&mut self) {
        if let Repr::Packed(p) = &self.repr {
            self.repr = Repr::Tree(p.to_tree());
        }
    }

    /// Re-decides the form from the contents (Redis's
    /// zsetConvertToListpackIfNeeded, for results of store commands).
    pub fn settle_encoding(&mut self, limits: ZSetLimits) {
        if let Repr::Tree(t) = &self.repr {
            if t.len() <= limits.max_entries && t.longest_member() <= limits.max_value {
                let mut packed = Packed::default();
                for (member, score) in t.walk_from(0, false) {
                    packed.insert(member, score + 0.0);
                }
                self.repr = Repr::Packed(packed);
            }
        }
    }

    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match &self.repr {
            Repr::Packed(p) => p.find(member).map(|(score, ..)| score),
            Repr::Tree(t) => t.score(member),
        }
    }

    /// Sets the member's score (default limits); returns the previous score.
    pub fn insert(&mut self, member: &[u8], score: f64) -> Option<f64> {
        self.insert_limited(member, score, ZSetLimits::default())
    }

    /// Sets the member's score, leaving the compact form when the set
    /// outgrows `limits`; returns the previous score.
    pub fn insert_limited(&mut self, member: &[u8], score: f64, limits: ZSetLimits) -> Option<f64> {
        debug_assert!(!score.is_nan(), "NaN scores never enter a sorted set");
        let mut old = None;
        self.update_with(member, limits, |current| {
            old = current;
            Ok::<_, std::convert::Infallible>(Some(score))
        })
        .unwrap_or_else(|never| match never {});
        old
    }

    /// Looks `member` up once and sets its score to what `decide` makes of
    /// the score it has (None: not here), leaving the compact form when
    /// the set outgrows `limits`; `decide` answering None (or failing)
    /// leaves the set as it was. Redis's zsetAdd, in one lookup.
    pub fn update_with<E>(
        &mut self,
        member: &[u8],
        limits: ZSetLimits,
        decide: impl FnOnce(Option<f64>) -> Result<Option<f64>, E>,
    ) -> Result<(), E> {
        match &mut self.repr {
            Repr::Packed(p) => {
                let found = p.find(member);
                let Some(score) = decide(found.map(|(score, ..)| score))? else {
                    return Ok(());
                };
                debug_assert!(!score.is_nan(), "NaN scores never enter a sorted set");
                // A listpack keeps -0 as 0; a skiplist keeps the sign (as Redis).
                match found {
                    Some((_, start, end)) => {
                        p.remove_at(start, end);
                        p.insert_absent(member, score + 0.0);
                    }
                    None if p.len < limits.max_entries && member.len() <= limits.max_value => {
                        p.insert_absent(member, score + 0.0);
                    }
                    None => {
                        let mut tree = p.to_tree();
                        tree.insert_new(member, score);
                        self.repr = Repr::Tree(tree);
                    }
                }
            }
            Repr::Tree(t) => {
                let found = t.find(member);
                let Some(score) = decide(found.map(|index| t.score_at(index)))? else {
                    return Ok(());
                };
                debug_assert!(!score.is_nan(), "NaN scores never enter a sorted set");
                match found {
                    Some(index) => {
                        t.rescore(index, score);
                    }
                    None => t.insert_new(member, score),
                }
            }
        }
        Ok(())
    }

    /// Removes the member; returns its score.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        match &mut self.repr {
            Repr::Packed(p) => {
                let score = p.remove(member);
                shrink_fit(&mut p.bytes);
                score
            }
            Repr::Tree(t) => t.remove(member),
        }
    }

    /// 0-based rank of the member in ascending order.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        match &self.repr {
            Repr::Packed(p) => p.iter().position(|(m, _)| m == member),
            Repr::Tree(t) => t.rank(member),
        }
    }

    /// How many elements satisfy `before`, which must hold for a prefix of
    /// the order.
    fn count_before(&self, before: &dyn Fn(&[u8], f64) -> bool) -> usize {
        match &self.repr {
            Repr::Packed(p) => p.iter().take_while(|(m, s)| before(m, *s)).count(),
            Repr::Tree(t) => t.count_before(before),
        }
    }

    /// How many elements have a score below `bound` (or at it, when
    /// `inclusive`).
    pub fn count_score_below(&self, bound: f64, inclusive: bool) -> usize {
        self.count_before(&|_, score| {
            if inclusive {
                score <= bound
            } else {
                score < bound
            }
        })
    }

    /// How many elements have a member below `bound` (or at it, when
    /// `inclusive`), assuming equal scores (lex ranges).
    pub fn count_member_below(&self, bound: &[u8], inclusive: bool) -> usize {
        self.count_before(&|member, _| {
            if inclusive {
                member <= bound
            } else {
                member < bound
            }
        })
    }

    /// The element at ascending rank `rank`.
    pub fn get_by_rank(&self, rank: usize) -> Option<(&[u8], f64)> {
        self.ascending_from(rank).next()
    }

    /// Ascending from rank `start`.
    pub fn ascending_from(&self, start: usize) -> RankIter<'_> {
        self.walk_from(start, false)
    }

    /// Descending from ascending rank `start` (towards rank 0).
    pub fn descending_from(&self, start: usize) -> RankIter<'_> {
        self.walk_from(start, true)
    }

    fn walk_from(&self, start: usize, reverse: bool) -> RankIter<'_> {
        let inner = match &self.repr {
            Repr::Tree(t) => Walk::Tree(t.walk_from(start, reverse)),
            Repr::Packed(p) => {
                let items: Vec<(&[u8], f64)> = if reverse {
                    let mut head: Vec<_> = p.iter().take(start.saturating_add(1)).collect();
                    if start >= p.len {
                        head.clear();
                    }
                    head.reverse();
                    head
                } else {
                    p.iter().skip(start).collect()
                };
                Walk::Packed(items.into_iter())
            }
        };
        RankIter { inner }
    }

    /// (member, score) in ascending (score, member) order.
    pub fn iter(&self) -> RankIter<'_> {
        self.ascending_from(0)
    }

    /// The element at position `index` (0..len) of the storage: a uniform
    /// random pick, and ZSCAN's cursor walk (removals move the last slot
    /// into the hole).
    pub fn get_index(&self, index: usize) -> Option<(&[u8], f64)> {
        match &self.repr {
            Repr::Packed(p) => p.iter().nth(index),
            Repr::Tree(t) => t.get_index(index),
        }
    }

    /// The longest member, in bytes.
    pub fn longest_member(&self) -> usize {
        match &self.repr {
            Repr::Packed(p) => p.iter().map(|(m, _)| m.len()).max().unwrap_or(0),
            Repr::Tree(t) => t.longest_member(),
        }
    }

    /// Heap bytes held (for MEMORY USAGE estimates).
    pub fn heap_bytes(&self) -> usize {
        match &self.repr {
            Repr::Packed(p) => crate::memory::charged(p.bytes.capacity()),
            Repr::Tree(t) => t.heap_bytes(),
        }
    }
}

/// A walk over ranks in either direction.
pub struct RankIter<'a> {
    inner: Walk<'a>,
}

enum Walk<'a> {
    Tree(TreeIter<'a>),
    Packed(std::vec::IntoIter<(&'a [u8], f64)>),
}

impl<'a> Iterator for RankIter<'a> {
    type Item = (&'a [u8], f64);
    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.inner {
            Walk::Tree(t) => t.next(),
            Walk::Packed(p) => p.next(),
        }
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.inner {
            Walk::Tree(t) => t.size_hint(),
            Walk::Packed(p) => p.size_hint(),
        }
    }
}

impl ExactSizeIterator for RankIter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn matches_a_sorted_model() {
        let mut z = ZSetValue::new();
        let mut model: BTreeMap<Vec<u8>, f64> = BTreeMap::new();
        let mut seed = 99u64;
        for step in 0..3000u32 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let member = format!("m{}", (seed >> 33) % 200).into_bytes();
            let score = ((seed >> 45) % 50) as f64 - 25.0;
            if (seed >> 20).is_multiple_of(3) {
                assert_eq!(z.remove(&member), model.remove(&member), "step {step}");
            } else {
                assert_eq!(z.insert(&member, score), model.insert(member, score));
            }
            if step % 97 == 0 {
                let mut sorted: Vec<(Vec<u8>, f64)> =
                    model.iter().map(|(m, s)| (m.clone(), *s)).collect();
                sorted.sort_by(|a, b| order(a.1, &a.0, b.1, &b.0));
                let got: Vec<(Vec<u8>, f64)> = z.iter().map(|(m, s)| (m.to_vec(), s)).collect();
                assert_eq!(got, sorted);
                for (rank, (m, _)) in sorted.iter().enumerate() {
                    assert_eq!(z.rank(m), Some(rank));
                    let back: Vec<&[u8]> = z.descending_from(rank).map(|(m, _)| m).collect();
                    assert_eq!(back.len(), rank + 1);
                    assert_eq!(back[0], &m[..]);
                }
                let below = sorted.iter().filter(|(_, s)| *s < 0.0).count();
                assert_eq!(z.count_score_below(0.0, false), below);
            }
        }
    }

    #[test]
    fn packed_scores_round_trip() {
        for score in [
            0.0,
            1.0,
            -1.0,
            2.5,
            1e300,
            -9e15,
            9_007_199_254_740_993.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            0.1,
        ] {
            let mut buf = Vec::new();
            put_score(&mut buf, score);
            assert_eq!(take_score(&buf, 0), (score, buf.len()), "{score}");
        }
    }

    #[test]
    fn negative_zero_equals_zero() {
        let mut z = ZSetValue::new();
        z.insert(b"b", -0.0);
        z.insert(b"a", 0.0);
        let order: Vec<&[u8]> = z.iter().map(|(m, _)| m).collect();
        assert_eq!(order, vec![&b"a"[..], b"b"]);
    }

    #[test]
    fn packed_and_tree_forms_agree() {
        let small = ZSetLimits {
            max_entries: 1000,
            max_value: 64,
        };
        let big = ZSetLimits {
            max_entries: 0,
            max_value: 64,
        };
        let mut packed = ZSetValue::with_hint(1, 1, small);
        let mut tree = ZSetValue::with_hint(1, 1, big);
        let mut seed = 3u64;
        for _ in 0..2000 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let member = format!("m{}", (seed >> 33) % 90).into_bytes();
            let score = ((seed >> 45) % 20) as f64;
            if (seed >> 20).is_multiple_of(4) {
                assert_eq!(packed.remove(&member), tree.remove(&member));
            } else {
                let a = packed.insert_limited(&member, score, small);
                assert_eq!(a, tree.insert_limited(&member, score, big));
            }
        }
        assert_eq!(packed.encoding(), "listpack");
        assert_eq!(tree.encoding(), "skiplist");
        assert!(packed.iter().eq(tree.iter()));
        let n = packed.len();
        for k in [0, 1, n / 2, n - 1] {
            assert!(packed.ascending_from(k).eq(tree.ascending_from(k)));
            assert!(packed.descending_from(k).eq(tree.descending_from(k)));
        }
        for bound in [0.0, 5.0, 19.0] {
            assert_eq!(
                packed.count_score_below(bound, true),
                tree.count_score_below(bound, true)
            );
        }
        let (m, _) = tree.get_by_rank(n / 3).expect("in range");
        assert_eq!(packed.rank(m), tree.rank(m));
        match &tree.repr {
            Repr::Tree(t) => t.check_member_bytes(),
            Repr::Packed(_) => unreachable!("a skiplist"),
        }
    }

    #[test]
    fn encoding_follows_limits() {
        let limits = ZSetLimits {
            max_entries: 2,
            max_value: 4,
        };
        let mut z = ZSetValue::new();
        z.insert_limited(b"a", 1.0, limits);
        z.insert_limited(b"b", 1.0, limits);
        assert_eq!(z.encoding(), "listpack");
        z.insert_limited(b"c", 1.0, limits);
        assert_eq!(z.encoding(), "skiplist");
        z.remove(b"c");
        assert_eq!(z.encoding(), "skiplist");
        z.settle_encoding(limits);
        assert_eq!(z.encoding(), "listpack");
    }
}
