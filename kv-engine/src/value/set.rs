//! The set type. (Plain hash set for now; intset/listpack encodings replace
//! the inside, keeping this API.)

use std::collections::HashSet;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct SetValue {
    members: HashSet<Box<[u8]>>,
}

impl SetValue {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn len(&self) -> usize {
        self.members.len()
    }
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }
    pub fn contains(&self, member: &[u8]) -> bool {
        self.members.contains(member)
    }
    /// Returns true when the member is new.
    pub fn insert(&mut self, member: &[u8]) -> bool {
        self.members.insert(member.into())
    }
    pub fn remove(&mut self, member: &[u8]) -> bool {
        self.members.remove(member)
    }
    /// Members, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        self.members.iter().map(|m| &**m)
    }
}
