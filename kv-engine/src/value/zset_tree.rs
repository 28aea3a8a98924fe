//! The large form of sorted sets: an order-statistics treap over
//! (score, member) in a dense node arena, plus a hash table from member to
//! node. Insert, delete, rank, select-by-rank and the start of a range by
//! score or lex are O(log n) expected; a range of m elements then costs
//! O(m), as Redis's skiplist. Nodes are 40 bytes plus the member's bytes;
//! the table adds 5 bytes a member. Node priorities come from a fixed-seed
//! generator, so a set's shape (and everything else) replays exactly.
//! Removal moves the last node into the hole, so slots are dense: a random
//! pick is one index away and ZSCAN walks slots downwards safely.

use crate::memory::charged;
use hashbrown::HashTable;
use std::cmp::Ordering;

const NIL: u32 = u32::MAX;

#[derive(Clone, Debug)]
struct Node {
    member: Box<[u8]>,
    score: f64,
    left: u32,
    right: u32,
    size: u32,
    priority: u32,
}

/// Redis's order: by score (where -0 equals 0), then by member bytes.
pub(super) fn order(a_score: f64, a_member: &[u8], b_score: f64, b_member: &[u8]) -> Ordering {
    if a_score < b_score {
        Ordering::Less
    } else if a_score > b_score {
        Ordering::Greater
    } else {
        a_member.cmp(b_member)
    }
}

fn hash_of(member: &[u8]) -> u64 {
    static STATE: std::sync::OnceLock<ahash::RandomState> = std::sync::OnceLock::new();
    STATE
        .get_or_init(|| ahash::RandomState::with_seeds(0x9e37, 0x79b9, 0x7f4a, 0x7c15))
        .hash_one(member)
}

#[derive(Clone, Debug)]
pub(super) struct Tree {
    nodes: Vec<Node>,
    root: u32,
    by_member: HashTable<u32>,
    rng: u64,
    /// What the members' own blocks cost (`charged`), kept so `heap_bytes`
    /// is O(1).
    member_bytes: usize,
}

impl Default for Tree {
    fn default() -> Self {
        Tree {
            nodes: Vec::new(),
            root: NIL,
            by_member: HashTable::new(),
            rng: 0x2545_f491_4f6c_dd1d,
            member_bytes: 0,
        }
    }
}

impl Tree {
    pub(super) fn len(&self) -> usize {
        self.nodes.len()
    }

    fn size(&self, n: u32) -> u32 {
        if n == NIL {
            0
        } else {
            self.nodes[n as usize].size
        }
    }
    fn update(&mut self, n: u32) {
        let node = &self.nodes[n as usize];
        let size = 1 + self.size(node.left) + self.size(node.right);
        self.nodes[n as usize].size = size;
    }
    fn find(&self, member: &[u8]) -> Option<u32> {
        let nodes = &self.nodes;
        self.by_member
            .find(hash_of(member), |&i| &*nodes[i as usize].member == member)
            .copied()
    }

    pub(super) fn score(&self, member: &[u8]) -> Option<f64> {
        self.find(member).map(|i| self.nodes[i as usize].score)
    }

    /// Sets the member's score; returns the previous score.
    pub(super) fn insert(&mut self, member: &[u8], score: f64) -> Option<f64> {
        let old = self.remove(member);
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let index = u32::try_from(self.nodes.len()).expect("sorted sets hold < 2^32 members");
        self.member_bytes += charged(member.len());
        self.nodes.push(Node {
            member: member.into(),
            score,
            left: NIL,
            right: NIL,
            size: 1,
            priority: (self.rng >> 32) as u32,
        });
        let nodes = &self.nodes;
        self.by_member.insert_unique(hash_of(member), index, |&i| {
            hash_of(&nodes[i as usize].member)
        });
        let (left, right) = self.split(self.root, &|node: &Node| {
            order(node.score, &node.member, score, member) == Ordering::Less
        });
        let joined = self.merge(left, index);
        self.root = self.merge(joined, right);
        old
    }

    /// Splits the tree at `t` into (nodes where `goes_left`, the rest);
    /// `goes_left` must hold for a prefix of the order.
    fn split(&mut self, t: u32, goes_left: &dyn Fn(&Node) -> bool) -> (u32, u32) {
        if t == NIL {
            return (NIL, NIL);
        }
        if goes_left(&self.nodes[t as usize]) {
            let (l, r) = self.split(self.nodes[t as usize].right, goes_left);
            self.nodes[t as usize].right = l;
            self.update(t);
            (t, r)
        } else {
            let (l, r) = self.split(self.nodes[t as usize].left, goes_left);
            self.nodes[t as usize].left = r;
            self.update(t);
            (l, t)
        }
    }

    fn merge(&mut self, a: u32, b: u32) -> u32 {
        if a == NIL {
            return b;
        }
        if b == NIL {
            return a;
        }
        if self.nodes[a as usize].priority >= self.nodes[b as usize].priority {
            let merged = self.merge(self.nodes[a as usize].right, b);
            self.nodes[a as usize].right = merged;
            self.update(a);
            a
        } else {
            let merged = self.merge(a, self.nodes[b as usize].left);
            self.nodes[b as usize].left = merged;
            self.update(b);
            b
        }
    }

    /// Removes the member; returns its score.
    pub(super) fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let index = self.find(member)?;
        let score = self.nodes[index as usize].score;
        let key = member.to_vec();
        let (left, rest) = self.split(self.root, &|node: &Node| {
            order(node.score, &node.member, score, &key) == Ordering::Less
        });
        let (middle, right) = self.split(rest, &|node: &Node| {
            order(node.score, &node.member, score, &key) != Ordering::Greater
        });
        debug_assert_eq!(middle, index, "the split isolates the member's node");
        self.root = self.merge(left, right);
        self.forget(index);
        Some(score)
    }

    /// Drops the detached node `index` from the arena, moving the last node
    /// into its slot and repointing whoever referred to the moved node.
    fn forget(&mut self, index: u32) {
        let hash = hash_of(&self.nodes[index as usize].member);
        if let Ok(entry) = self.by_member.find_entry(hash, |&i| i == index) {
            entry.remove();
        }
        let last = (self.nodes.len() - 1) as u32;
        if index != last {
            let moved_hash = hash_of(&self.nodes[last as usize].member);
            if let Some(slot) = self.by_member.find_mut(moved_hash, |&i| i == last) {
                *slot = index;
            }
            let (score, member) = {
                let node = &self.nodes[last as usize];
                (node.score, node.member.clone())
            };
            if self.root == last {
                self.root = index;
            } else {
                let mut at = self.root;
                while at != NIL {
                    let node = &self.nodes[at as usize];
                    let next = match order(score, &member, node.score, &node.member) {
                        Ordering::Less => node.left,
                        _ => node.right,
                    };
                    if next == last {
                        let node = &mut self.nodes[at as usize];
                        if node.left == last {
                            node.left = index;
                        } else {
                            node.right = index;
                        }
                        break;
                    }
                    at = next;
                }
            }
        }
        let gone = self.nodes.swap_remove(index as usize);
        self.member_bytes -= charged(gone.member.len());
    }

    /// 0-based rank of the member in ascending order.
    pub(super) fn rank(&self, member: &[u8]) -> Option<usize> {
        let index = self.find(member)?;
        let target = &self.nodes[index as usize];
        Some(self.count_before(&|member, score| {
            order(score, member, target.score, &target.member) == Ordering::Less
        }))
    }

    /// How many elements satisfy `before`, which must hold for a prefix of
    /// the order (e.g. "score below the range's minimum").
    pub(super) fn count_before(&self, before: &dyn Fn(&[u8], f64) -> bool) -> usize {
        let mut count = 0;
        let mut at = self.root;
        while at != NIL {
            let node = &self.nodes[at as usize];
            if before(&node.member, node.score) {
                count += self.size(node.left) as usize + 1;
                at = node.right;
            } else {
                at = node.left;
            }
        }
        count
    }

    /// Ascending (or descending) from rank `start`.
    pub(super) fn walk_from(&self, start: usize, reverse: bool) -> TreeIter<'_> {
        TreeIter::new(self, start, reverse)
    }

    /// The element in arena slot `index` (0..len): a uniform random pick,
    /// and ZSCAN's cursor walk (removals move the last slot into the hole).
    pub(super) fn get_index(&self, index: usize) -> Option<(&[u8], f64)> {
        self.nodes.get(index).map(|n| (&*n.member, n.score))
    }

    /// The longest member, in bytes.
    pub(super) fn longest_member(&self) -> usize {
        self.nodes.iter().map(|n| n.member.len()).max().unwrap_or(0)
    }

    /// Asserts the member byte counter equals a walk of the members.
    #[cfg(test)]
    pub(super) fn check_member_bytes(&self) {
        let walked: usize = self.nodes.iter().map(|n| charged(n.member.len())).sum();
        assert_eq!(self.member_bytes, walked, "member byte counter");
    }

    /// Heap bytes held, in O(1) (memory accounting, MEMORY USAGE).
    pub(super) fn heap_bytes(&self) -> usize {
        charged(self.nodes.capacity() * std::mem::size_of::<Node>())
            + self.member_bytes
            + charged(self.by_member.allocation_size())
    }
}

/// In-order walk from a rank, in either direction, with an explicit stack.
pub(super) struct TreeIter<'a> {
    set: &'a Tree,
    stack: Vec<u32>,
    reverse: bool,
    remaining: usize,
}

impl<'a> TreeIter<'a> {
    fn new(set: &'a Tree, start: usize, reverse: bool) -> Self {
        let mut it = TreeIter {
            set,
            stack: Vec::new(),
            reverse,
            remaining: 0,
        };
        if start >= set.len() {
            return it;
        }
        it.remaining = if reverse {
            start + 1
        } else {
            set.len() - start
        };
        let mut rank = start;
        let mut at = set.root;
        while at != NIL {
            let node = &set.nodes[at as usize];
            let left = set.size(node.left) as usize;
            match rank.cmp(&left) {
                Ordering::Less => {
                    if !reverse {
                        it.stack.push(at);
                    }
                    at = node.left;
                }
                Ordering::Equal => {
                    it.stack.push(at);
                    break;
                }
                Ordering::Greater => {
                    if reverse {
                        it.stack.push(at);
                    }
                    rank -= left + 1;
                    at = node.right;
                }
            }
        }
        it
    }
}

impl<'a> Iterator for TreeIter<'a> {
    type Item = (&'a [u8], f64);
    fn next(&mut self) -> Option<Self::Item> {
        let at = self.stack.pop()?;
        let set = self.set;
        let node = &set.nodes[at as usize];
        let mut child = if self.reverse { node.left } else { node.right };
        while child != NIL {
            self.stack.push(child);
            let c = &set.nodes[child as usize];
            child = if self.reverse { c.right } else { c.left };
        }
        self.remaining -= 1;
        Some((&node.member, node.score))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}
