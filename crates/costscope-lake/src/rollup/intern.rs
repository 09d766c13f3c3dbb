//! Interning: every text value and every map of a billing period stored once, so a
//! group key is a few integers to hash and compare.

use std::collections::HashMap;

use arrow::array::{Array, AsArray, MapArray, StringArray};
use foldhash::fast::FixedState;

/// The id of NULL (a NULL text or a NULL map).
pub const NULL: u32 = 0;

/// Distinct strings, each with a stable id (in order of first appearance).
pub struct Strings {
    ids: HashMap<Box<str>, u32, FixedState>,
    values: Vec<Box<str>>,
}

impl Strings {
    pub fn new() -> Self {
        Strings {
            ids: HashMap::with_hasher(FixedState::default()),
            // Id 0 is NULL and has no text.
            values: vec!["".into()],
        }
    }

    pub fn id(&mut self, value: &str) -> u32 {
        if let Some(id) = self.ids.get(value) {
            return *id;
        }
        let id = self.values.len() as u32;
        self.values.push(value.into());
        self.ids.insert(value.into(), id);
        id
    }

    /// The text of `id`; `None` for NULL.
    pub fn get(&self, id: u32) -> Option<&str> {
        (id != NULL).then(|| self.values[id as usize].as_ref())
    }

    /// The id of row `row` of `array`, reusing `last` (the column's previous id) when
    /// the value repeats, which input sorted by time and account makes common.
    pub fn id_at(&mut self, array: &StringArray, row: usize, last: &mut u32) -> u32 {
        if array.is_null(row) {
            return NULL;
        }
        let value = array.value(row);
        if *last != NULL && self.values[*last as usize].as_ref() == value {
            return *last;
        }
        let id = self.id(value);
        *last = id;
        id
    }
}

/// One map value as sorted `(key id, value id)` pairs.
pub type Entries = Box<[(u32, u32)]>;

/// Distinct maps (sets of key/value pairs), each with an id; id 0 is the NULL map.
pub struct Maps {
    ids: HashMap<Entries, u32, FixedState>,
    maps: Vec<Entries>,
    scratch: Vec<(u32, u32)>,
}

impl Maps {
    pub fn new() -> Self {
        Maps {
            ids: HashMap::with_hasher(FixedState::default()),
            maps: vec![Box::new([])],
            scratch: Vec::new(),
        }
    }

    /// The id of the map at `row`, keeping only the keys `keep` accepts.
    pub fn id_at(
        &mut self,
        strings: &mut Strings,
        map: &MapArray,
        row: usize,
        keep: impl Fn(&str) -> bool,
    ) -> u32 {
        if map.is_null(row) {
            return NULL;
        }
        let offsets = map.value_offsets();
        let (start, end) = (offsets[row] as usize, offsets[row + 1] as usize);
        let keys: &StringArray = map.keys().as_string();
        let values: &StringArray = map.values().as_string();
        self.scratch.clear();
        for entry in start..end {
            let key = keys.value(entry);
            if !keep(key) {
                continue;
            }
            let value = if values.is_null(entry) {
                NULL
            } else {
                strings.id(values.value(entry))
            };
            self.scratch.push((strings.id(key), value));
        }
        // Stable: a key given twice keeps its first value first, as in the input.
        self.scratch.sort_by_key(|(key, _)| *key);
        self.id_of_scratch()
    }

    /// The id of `entries` (sorted by key), interning it if new.
    pub fn id(&mut self, entries: &[(u32, u32)]) -> u32 {
        self.scratch.clear();
        self.scratch.extend_from_slice(entries);
        self.id_of_scratch()
    }

    fn id_of_scratch(&mut self) -> u32 {
        if let Some(id) = self.ids.get(self.scratch.as_slice()) {
            return *id;
        }
        let id = self.maps.len() as u32;
        let entries: Entries = self.scratch.as_slice().into();
        self.maps.push(entries.clone());
        self.ids.insert(entries, id);
        id
    }

    /// The pairs of map `id` (empty for NULL).
    pub fn get(&self, id: u32) -> &[(u32, u32)] {
        &self.maps[id as usize]
    }

    /// How many maps are known, NULL included: ids are below this.
    pub fn len(&self) -> usize {
        self.maps.len()
    }
}
