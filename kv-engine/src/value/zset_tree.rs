//! The large form of sorted sets: an order-statistics treap over
//! (score, member) in a dense node arena, plus a hash table from member to
//! node. Insert, delete, rank, select-by-rank and the start of a range by
//! score or lex are O(log n) expected; a range of m elements then costs
//! O(m), as Redis's skiplist. Nodes are 40 bytes plus the member's bytes;
//! the table adds 5 bytes a member. Node priorities come from a fixed-seed
//! generator, so a set's shape (and everything else) replays exactly.
//! Insertion walks down to where the new node's priority puts it and
//! splits only the subtree there; removal walks down to the node and
//! merges its two subtrees; a new score moves the member's node (the same
//! slot, no allocation) with one of each.
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
    /// The node of `member`, if it is here.
    pub(super) fn find(&self, member: &[u8]) -> Option<u32> {
        let nodes = &self.nodes;
        self.by_member
            .find(hash_of(member), |&i| &*nodes[i as usize].member == member)
            .copied()
    }

    pub(super) fn score(&self, member: &[u8]) -> Option<f64> {
        self.find(member).map(|i| self.score_at(i))
    }

    /// The score of node `index` (from `find`).
    pub(super) fn score_at(&self, index: u32) -> f64 {
        self.nodes[index as usize].score
    }

    /// Sets the member's score; returns the previous score (the tests'
    /// model of what `ZSetValue::update_with` does with a tree).
    #[cfg(test)]
    pub(super) fn insert(&mut self, member: &[u8], score: f64) -> Option<f64> {
        match self.find(member) {
            Some(index) => Some(self.rescore(index, score)),
            None => {
                self.insert_new(member, score);
                None
            }
        }
    }

    /// Gives node `index` (from `find`) a new score; returns the old one.
    /// The member keeps its node (its slot, its bytes, its priority) and is
    /// only moved in the tree.
    pub(super) fn rescore(&mut self, index: u32, score: f64) -> f64 {
        let old = self.nodes[index as usize].score;
        self.detach(index);
        self.nodes[index as usize].score = score;
        self.attach(index);
        old
    }

    /// Adds `member`, which `find` did not find.
    pub(super) fn insert_new(&mut self, member: &[u8], score: f64) {
        debug_assert!(self.find(member).is_none(), "a member added twice");
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
        self.attach(index);
    }

    /// True when node `a` sorts before node `b`.
    #[inline]
    fn before(&self, a: u32, b: u32) -> bool {
        let (a, b) = (&self.nodes[a as usize], &self.nodes[b as usize]);
        order(a.score, &a.member, b.score, &b.member) == Ordering::Less
    }

    /// Points `parent`'s child on side `left` (the root for NIL) at `to`.
    fn relink(&mut self, parent: u32, left: bool, to: u32) {
        if parent == NIL {
            self.root = to;
        } else if left {
            self.nodes[parent as usize].left = to;
        } else {
            self.nodes[parent as usize].right = to;
        }
    }

    /// Puts the detached node `index` (not in the tree) in its place by
    /// its (score, member): down the path while the nodes there have a
    /// priority at least its own (each gaining one in size), then the
    /// subtree found there split around it. O(depth) compares, and the
    /// split walks only that subtree's two facing spines, short in
    /// expectation.
    fn attach(&mut self, index: u32) {
        let priority = self.nodes[index as usize].priority;
        let (mut parent, mut left) = (NIL, false);
        let mut at = self.root;
        while at != NIL && self.nodes[at as usize].priority >= priority {
            self.nodes[at as usize].size += 1;
            parent = at;
            left = self.before(index, at);
            let node = &self.nodes[at as usize];
            at = if left { node.left } else { node.right };
        }
        let (below, above) = self.split_around(at, index);
        let node = &mut self.nodes[index as usize];
        node.left = below;
        node.right = above;
        self.update(index);
        self.relink(parent, left, index);
    }

    /// Splits the subtree `t`, which does not hold `pivot`, into the nodes
    /// before `pivot` and those after it.
    fn split_around(&mut self, t: u32, pivot: u32) -> (u32, u32) {
        if t == NIL {
            return (NIL, NIL);
        }
        if self.before(t, pivot) {
            let (l, r) = self.split_around(self.nodes[t as usize].right, pivot);
            self.nodes[t as usize].right = l;
            self.update(t);
            (t, r)
        } else {
            let (l, r) = self.split_around(self.nodes[t as usize].left, pivot);
            self.nodes[t as usize].left = r;
            self.update(t);
            (l, t)
        }
    }

    /// Takes node `index` out of the tree (it stays in the arena): down
    /// the path to it (each node there losing one in size), then its two
    /// subtrees merged in its place.
    fn detach(&mut self, index: u32) {
        let (mut parent, mut left) = (NIL, false);
        let mut at = self.root;
        while at != index {
            assert!(at != NIL, "node {index} is not in the tree");
            self.nodes[at as usize].size -= 1;
            parent = at;
            left = self.before(index, at);
            let node = &self.nodes[at as usize];
            at = if left { node.left } else { node.right };
        }
        let (below, above) = (
            self.nodes[index as usize].left,
            self.nodes[index as usize].right,
        );
        let merged = self.merge(below, above);
        self.relink(parent, left, merged);
        let node = &mut self.nodes[index as usize];
        node.left = NIL;
        node.right = NIL;
        node.size = 1;
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
        self.detach(index);
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
            let (mut parent, mut left) = (NIL, false);
            let mut at = self.root;
            while at != last {
                assert!(at != NIL, "node {last} is not in the tree");
                parent = at;
                left = self.before(last, at);
                let node = &self.nodes[at as usize];
                at = if left { node.left } else { node.right };
            }
            self.relink(parent, left, index);
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

#[cfg(test)]
mod tests {
    use super::*;

    impl Tree {
        /// Asserts the treap's invariants: every slot in the tree once, in
        /// order, each parent's priority at least its children's, sizes
        /// right, and the member table pointing at each node's slot.
        fn check(&self) {
            fn walk(t: &Tree, n: u32, seen: &mut Vec<u32>) -> u32 {
                if n == NIL {
                    return 0;
                }
                let node = &t.nodes[n as usize];
                for child in [node.left, node.right] {
                    if child != NIL {
                        assert!(t.nodes[child as usize].priority <= node.priority, "heap");
                    }
                }
                let left = walk(t, node.left, seen);
                seen.push(n);
                let right = walk(t, node.right, seen);
                assert_eq!(node.size, left + right + 1, "size of {n}");
                node.size
            }
            let mut seen = Vec::new();
            walk(self, self.root, &mut seen);
            assert_eq!(seen.len(), self.nodes.len(), "every node in the tree");
            for pair in seen.windows(2) {
                assert!(self.before(pair[0], pair[1]), "in order");
            }
            for (i, node) in self.nodes.iter().enumerate() {
                assert_eq!(self.find(&node.member), Some(i as u32), "table");
            }
            self.check_member_bytes();
        }
    }

    #[test]
    fn updates_and_removals_keep_the_treap_whole() {
        let mut tree = Tree::default();
        let mut model = std::collections::HashMap::new();
        let mut seed = 7u64;
        for step in 0..4000u32 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let member = format!("member:{}", (seed >> 33) % 300).into_bytes();
            let score = ((seed >> 45) % 40) as f64 - 20.0;
            if (seed >> 20).is_multiple_of(4) {
                assert_eq!(tree.remove(&member), model.remove(&member), "step {step}");
            } else {
                assert_eq!(tree.insert(&member, score), model.insert(member, score));
            }
            if step % 50 == 0 {
                tree.check();
                for (member, score) in &model {
                    assert_eq!(tree.score(member), Some(*score));
                }
            }
        }
        tree.check();
        assert_eq!(tree.len(), model.len());
    }
}
