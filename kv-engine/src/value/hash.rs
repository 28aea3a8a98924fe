//! The hash type. (Plain map for now; the compact listpack representation
//! replaces the inside, keeping this API.)

use std::collections::HashMap;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct HashValue {
    fields: HashMap<Box<[u8]>, Box<[u8]>>,
}

impl HashValue {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn len(&self) -> usize {
        self.fields.len()
    }
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        self.fields.get(field).map(|v| &**v)
    }
    /// Returns true when the field is new.
    pub fn insert(&mut self, field: &[u8], value: &[u8]) -> bool {
        self.fields.insert(field.into(), value.into()).is_none()
    }
    pub fn remove(&mut self, field: &[u8]) -> bool {
        self.fields.remove(field).is_some()
    }
    /// Field/value pairs, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.fields.iter().map(|(f, v)| (&**f, &**v))
    }
}
