//! The list type. (Plain deque for now; the compact listpack/quicklist
//! representation replaces the inside, keeping this API.)

use std::collections::VecDeque;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListValue {
    items: VecDeque<Box<[u8]>>,
}

impl ListValue {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn len(&self) -> usize {
        self.items.len()
    }
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    pub fn push_front(&mut self, item: &[u8]) {
        self.items.push_front(item.into());
    }
    pub fn push_back(&mut self, item: &[u8]) {
        self.items.push_back(item.into());
    }
    pub fn pop_front(&mut self) -> Option<Box<[u8]>> {
        self.items.pop_front()
    }
    pub fn pop_back(&mut self) -> Option<Box<[u8]>> {
        self.items.pop_back()
    }
    /// Head to tail.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &[u8]> + ExactSizeIterator {
        self.items.iter().map(|b| &**b)
    }
}
