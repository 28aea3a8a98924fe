//! SORT and SORT_RO: sort a list, set or sorted set numerically or by
//! bytes (ALPHA), by the element itself or by external keys (BY pattern,
//! `nosort` when the pattern has no `*`), with LIMIT, GET patterns (`#`,
//! `key*`, `hash*->field`), ASC/DESC and STORE (a list; SORT only).
//!
//! Ties are broken by comparing the elements, as Redis does, so the result
//! is deterministic; a set sorted with `nosort` into STORE is sorted by
//! bytes instead, as Redis does to keep replicas identical; a list or
//! sorted set with `nosort` and DESC comes out reversed. Collation is
//! byte order (Redis's strcoll in the C locale).

use super::command;
use crate::command::{Categories as C, CommandSpec, Flags as F, KeySpec};
use crate::context::Ctx;
use crate::error::{CommandError, CommandResult};
use crate::notify::EventClass;
use crate::parse::parse_i64;
use crate::value::{ListValue, Value};
use std::cmp::Ordering;

const SORT_ACL: C = C::of(&[C::SET, C::SORTEDSET, C::LIST, C::SLOW, C::DANGEROUS]);

pub const COMMANDS: &[CommandSpec] = &[
    command!("sort", -2, sort, flags: F::of(&[F::WRITE, F::DENYOOM, F::MOVABLE_KEYS]), keys: KeySpec::ONE, acl: C::WRITE.union(SORT_ACL)),
    command!("sort_ro", -2, sort_ro, flags: F::of(&[F::READONLY, F::MOVABLE_KEYS]), keys: KeySpec::ONE, acl: C::READ.union(SORT_ACL)),
];

fn sort(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    run(ctx, false)
}

fn sort_ro(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    run(ctx, true)
}

/// The parsed options.
struct SortOptions<'a> {
    desc: bool,
    alpha: bool,
    limit: Option<(i64, i64)>,
    by: Option<&'a [u8]>,
    no_sort: bool,
    gets: Vec<&'a [u8]>,
    store: Option<&'a [u8]>,
}

fn parse_options<'a>(ctx: &Ctx<'a, '_>, read_only: bool) -> CommandResult<SortOptions<'a>> {
    let mut options = SortOptions {
        desc: false,
        alpha: false,
        limit: None,
        by: None,
        no_sort: false,
        gets: Vec::new(),
        store: None,
    };
    let mut j = 2;
    while j < ctx.argc() {
        let word = ctx.arg(j);
        let left = ctx.argc() - j - 1;
        if word.eq_ignore_ascii_case(b"asc") {
            options.desc = false;
        } else if word.eq_ignore_ascii_case(b"desc") {
            options.desc = true;
        } else if word.eq_ignore_ascii_case(b"alpha") {
            options.alpha = true;
        } else if word.eq_ignore_ascii_case(b"limit") && left >= 2 {
            options.limit = Some((parse_i64(ctx.arg(j + 1))?, parse_i64(ctx.arg(j + 2))?));
            j += 2;
        } else if word.eq_ignore_ascii_case(b"store") && left >= 1 && !read_only {
            options.store = Some(ctx.arg(j + 1));
            j += 1;
        } else if word.eq_ignore_ascii_case(b"by") && left >= 1 {
            let pattern = ctx.arg(j + 1);
            options.by = Some(pattern);
            options.no_sort = !pattern.contains(&b'*');
            j += 1;
        } else if word.eq_ignore_ascii_case(b"get") && left >= 1 {
            options.gets.push(ctx.arg(j + 1));
            j += 1;
        } else {
            return Err(CommandError::Syntax);
        }
        j += 1;
    }
    Ok(options)
}

/// One element being sorted, with its sort key.
struct Item {
    element: Vec<u8>,
    score: f64,
    by_value: Option<Vec<u8>>,
}

fn run(ctx: &mut Ctx<'_, '_>, read_only: bool) -> CommandResult {
    let mut options = parse_options(ctx, read_only)?;
    let key = ctx.arg(1);
    let mut compact_zset = false;
    let (elements, is_set) = match ctx.db.lookup_read(key) {
        None => (Vec::new(), false),
        Some(Value::List(l)) => {
            let mut items: Vec<Vec<u8>> = l.iter().map(<[u8]>::to_vec).collect();
            if options.no_sort && options.desc {
                items.reverse();
            }
            (items, false)
        }
        Some(Value::Set(s)) => (s.iter().map(|m| m.into_owned()).collect(), true),
        Some(Value::ZSet(z)) => {
            compact_zset = z.is_compact();
            let mut members: Vec<Vec<u8>> = z.iter().map(|(m, _)| m.to_vec()).collect();
            if options.no_sort && options.desc {
                members.reverse();
            }
            (members, false)
        }
        Some(_) => return Err(CommandError::WrongType),
    };
    if compact_zset {
        // Redis 7.0 turns a sorted set it sorts into a skiplist first
        // (zsetConvert), whatever the options and the outcome, and OBJECT
        // ENCODING says so afterwards. The value does not change.
        if let Some(Value::ZSet(z)) = ctx.db.lookup_mut(key) {
            z.convert_to_tree();
        }
    }
    if options.no_sort && is_set && options.store.is_some() {
        // Redis sorts such a set by bytes so replicas store the same list.
        options.no_sort = false;
        options.alpha = true;
        options.by = None;
    }
    let (start, end) = limit_range(options.limit, elements.len());
    let mut items = Vec::with_capacity(elements.len());
    for element in elements {
        let item = weigh(ctx, &options, element)?;
        items.push(item);
    }
    if !options.no_sort {
        items.sort_by(|a, b| compare(a, b, &options));
    }
    let chosen = items.get(start..end).unwrap_or(&[]);
    let mut output: Vec<Option<Vec<u8>>> = Vec::new();
    for item in chosen {
        if options.gets.is_empty() {
            output.push(Some(item.element.clone()));
        }
        for pattern in &options.gets {
            output.push(lookup_pattern(ctx, pattern, &item.element));
        }
    }
    match options.store {
        Some(destination) => store(ctx, destination, &output),
        None => {
            ctx.out.array(output.len());
            for value in &output {
                match value {
                    Some(v) => ctx.out.bulk(v),
                    None => ctx.out.null(),
                }
            }
        }
    }
    Ok(())
}

/// Redis's LIMIT arithmetic as a half-open range over `len` elements.
fn limit_range(limit: Option<(i64, i64)>, len: usize) -> (usize, usize) {
    let len = len as i64;
    let (mut start, mut end) = match limit {
        None => (0, len - 1),
        Some((offset, count)) => {
            let start = offset.max(0);
            let end = if count < 0 {
                len - 1
            } else {
                start.saturating_add(count) - 1
            };
            (start, end)
        }
    };
    if start >= len {
        start = len - 1;
        end = len - 2;
    }
    if end >= len {
        end = len - 1;
    }
    if len == 0 || end < start {
        return (0, 0);
    }
    (start as usize, end as usize + 1)
}

/// Computes an element's sort key: its score (numeric sorts) or the bytes
/// it sorts by (ALPHA with BY).
fn weigh(
    ctx: &mut Ctx<'_, '_>,
    options: &SortOptions<'_>,
    element: Vec<u8>,
) -> CommandResult<Item> {
    let mut item = Item {
        element,
        score: 0.0,
        by_value: None,
    };
    if options.no_sort {
        return Ok(item);
    }
    let by_value = match options.by {
        Some(pattern) => lookup_pattern(ctx, pattern, &item.element),
        None => None,
    };
    if options.alpha {
        item.by_value = by_value;
        return Ok(item);
    }
    let text = match (&options.by, &by_value) {
        (Some(_), Some(v)) => Some(v.as_slice()),
        (Some(_), None) => None,
        (None, _) => Some(item.element.as_slice()),
    };
    if let Some(text) = text {
        item.score = sort_strtod(text).ok_or(CommandError::text(
            "ERR One or more scores can't be converted into double",
        ))?;
    }
    Ok(item)
}

/// `strtod` as SORT checks it, on the C string (up to a NUL byte):
/// leading spaces allowed, the rest must be consumed, no NaN, no overflow;
/// the empty text is 0 (but spaces alone are no number).
fn sort_strtod(text: &[u8]) -> Option<f64> {
    let text = crate::parse::c_str(text);
    if text.is_empty() {
        return Some(0.0);
    }
    let start = text
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c))?;
    crate::collection_args::parse_double(&text[start..])
}

fn compare(a: &Item, b: &Item, options: &SortOptions<'_>) -> Ordering {
    let order = if !options.alpha {
        a.score
            .partial_cmp(&b.score)
            .unwrap_or(Ordering::Equal)
            .then_with(|| a.element.cmp(&b.element))
    } else if options.by.is_some() {
        match (&a.by_value, &b.by_value) {
            (Some(x), Some(y)) => alpha_cmp(x, y, options),
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
    } else {
        alpha_cmp(&a.element, &b.element, options)
    };
    if options.desc {
        order.reverse()
    } else {
        order
    }
}

/// ALPHA's order: with STORE, binary (Redis's compareStringObjects);
/// without, `strcoll` on C strings, which in the C locale compares bytes
/// up to the first NUL.
fn alpha_cmp(a: &[u8], b: &[u8], options: &SortOptions<'_>) -> Ordering {
    if options.store.is_some() {
        return a.cmp(b);
    }
    crate::parse::c_str(a).cmp(crate::parse::c_str(b))
}

/// Redis's lookupKeyByPattern: `#` is the element; otherwise the first `*`
/// is replaced by it, and `->field` reads a hash field. Missing keys, wrong
/// types and patterns without `*` give None.
fn lookup_pattern(ctx: &mut Ctx<'_, '_>, pattern: &[u8], element: &[u8]) -> Option<Vec<u8>> {
    if pattern == b"#" {
        return Some(element.to_vec());
    }
    let star = pattern.iter().position(|&b| b == b'*')?;
    let arrow = pattern[star..]
        .windows(2)
        .position(|w| w == b"->")
        .map(|i| star + i)
        .filter(|&i| i + 2 < pattern.len());
    let key_end = arrow.unwrap_or(pattern.len());
    let mut key = Vec::with_capacity(key_end + element.len());
    key.extend_from_slice(&pattern[..star]);
    key.extend_from_slice(element);
    key.extend_from_slice(&pattern[star + 1..key_end]);
    match (ctx.db.lookup_read(&key)?, arrow) {
        (Value::Str(s), None) => Some(s.to_vec()),
        (Value::Hash(h), Some(at)) => h.get(&pattern[at + 2..]).map(<[u8]>::to_vec),
        _ => None,
    }
}

/// STORE: the output as a list (missing values as empty strings), or the
/// destination deleted when there is nothing to store.
fn store(ctx: &mut Ctx<'_, '_>, destination: &[u8], output: &[Option<Vec<u8>>]) {
    let fill = ctx.db.state.config.list_max_listpack_size;
    let result = (!output.is_empty()).then(|| {
        let mut list = ListValue::new();
        list.set_fill(fill);
        for value in output {
            list.push_back(value.as_deref().unwrap_or_default());
        }
        Value::List(Box::new(list))
    });
    if ctx
        .db
        .store_result(destination, result, EventClass::List, "sortstore")
    {
        if !output.is_empty() {
            ctx.db.signal_ready(destination);
            ctx.db.add_dirty(output.len() as u64 - 1);
        }
        ctx.propagate_as_is();
    }
    ctx.out.integer(output.len() as i64);
}
