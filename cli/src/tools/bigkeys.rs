//! `--bigkeys` and `--memkeys`: SCAN the keyspace, size every key (by
//! element count, or by `MEMORY USAGE`), report each new biggest key of a
//! type as it is found and a summary per type at the end, in redis-cli's
//! line formats. Sizes are asked in one pipeline per SCAN page.

use std::io::Write;

use resp_codec::Frame;

use crate::args::Settings;
use crate::connection::Connection;
use crate::format::repr::quote;

use super::{connect, request, scan_page, ToolError};

/// What "size" means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    /// Elements (bytes for strings): `--bigkeys`.
    Elements,
    /// `MEMORY USAGE`, with `SAMPLES n` when given: `--memkeys`.
    Memory { samples: Option<u64> },
}

/// The key types, in the order redis-cli reports them.
const TYPES: [KeyType; 6] = [
    KeyType {
        name: "list",
        size_command: "LLEN",
        unit: "items",
    },
    KeyType {
        name: "hash",
        size_command: "HLEN",
        unit: "fields",
    },
    KeyType {
        name: "string",
        size_command: "STRLEN",
        unit: "bytes",
    },
    KeyType {
        name: "stream",
        size_command: "XLEN",
        unit: "entries",
    },
    KeyType {
        name: "set",
        size_command: "SCARD",
        unit: "members",
    },
    KeyType {
        name: "zset",
        size_command: "ZCARD",
        unit: "members",
    },
];

/// SCAN pages between two `-i` pauses.
const PAGES_PER_PAUSE: u64 = 100;

struct KeyType {
    name: &'static str,
    size_command: &'static str,
    unit: &'static str,
}

#[derive(Default)]
struct TypeStats {
    keys: u64,
    total_size: u64,
    biggest: Option<(Vec<u8>, u64)>,
}

pub async fn run(
    settings: &Settings,
    pattern: Option<&[u8]>,
    measure: Measure,
) -> Result<(), ToolError> {
    let mut connection = connect(settings).await?;
    let total_keys = match request(&mut connection, &["DBSIZE"]).await? {
        Frame::Integer(n) => n.max(0) as u64,
        _ => 0,
    };
    println!();
    println!("# Scanning the keyspace for the biggest key of each type and the average");
    println!("# sizes. With -i 0.1, redis-rust-cli sleeps 0.1 s every 100 SCAN calls.");
    println!();
    let mut stats: Vec<TypeStats> = TYPES.iter().map(|_| TypeStats::default()).collect();
    let (mut sampled, mut key_bytes, mut pages) = (0u64, 0u64, 0u64);
    let mut cursor = b"0".to_vec();
    loop {
        let (next, keys) = scan_page(&mut connection, &cursor, pattern).await?;
        let sizes = sizes(&mut connection, &keys, measure).await?;
        let percent = if total_keys == 0 {
            0.0
        } else {
            100.0 * sampled as f64 / total_keys as f64
        };
        for (key, size) in keys.iter().zip(sizes) {
            let Some((type_index, size)) = size else {
                continue;
            };
            let entry = &mut stats[type_index];
            entry.keys += 1;
            entry.total_size += size;
            if entry
                .biggest
                .as_ref()
                .is_none_or(|(_, biggest)| size > *biggest)
            {
                let kind = &TYPES[type_index];
                println!(
                    "[{percent:05.2}%] Biggest {:<6} found so far '{}' with {size} {}",
                    kind.name,
                    quote(key),
                    unit(kind, measure)
                );
                entry.biggest = Some((key.clone(), size));
            }
        }
        sampled += keys.len() as u64;
        key_bytes += keys.iter().map(|key| key.len() as u64).sum::<u64>();
        pages += 1;
        if next == b"0" {
            break;
        }
        cursor = next;
        if let Some(interval) = settings
            .interval
            .filter(|_| pages.is_multiple_of(PAGES_PER_PAUSE))
        {
            tokio::time::sleep(interval).await;
        }
    }
    print_summary(&stats, sampled, key_bytes, measure);
    let _ = std::io::stdout().flush();
    Ok(())
}

fn unit(kind: &KeyType, measure: Measure) -> &'static str {
    match measure {
        Measure::Elements => kind.unit,
        Measure::Memory { .. } => "bytes",
    }
}

/// Each key's type (an index in `TYPES`) and size, with two pipelines:
/// TYPE for all, then the size of all; keys gone meanwhile, or of a type
/// not known here, are `None`.
async fn sizes(
    connection: &mut Connection,
    keys: &[Vec<u8>],
    measure: Measure,
) -> Result<Vec<Option<(usize, u64)>>, ToolError> {
    for key in keys {
        connection.queue(&[&b"TYPE"[..], key]);
    }
    connection
        .flush()
        .await
        .map_err(crate::connection::ReadError::from)?;
    let mut types = Vec::with_capacity(keys.len());
    for _ in keys {
        let reply = connection.read_frame().await?;
        let name = reply.as_bytes().map(|b| b.to_vec()).unwrap_or_default();
        types.push(TYPES.iter().position(|kind| kind.name.as_bytes() == name));
    }
    let samples = match measure {
        Measure::Memory { samples: Some(n) } => Some(n.to_string()),
        _ => None,
    };
    for (key, kind) in keys.iter().zip(&types) {
        let Some(kind) = kind else { continue };
        match (measure, &samples) {
            (Measure::Elements, _) => {
                connection.queue(&[TYPES[*kind].size_command.as_bytes(), key])
            }
            (Measure::Memory { .. }, None) => connection.queue(&[&b"MEMORY"[..], b"USAGE", key]),
            (Measure::Memory { .. }, Some(n)) => {
                connection.queue(&[&b"MEMORY"[..], b"USAGE", key, b"SAMPLES", n.as_bytes()])
            }
        }
    }
    connection
        .flush()
        .await
        .map_err(crate::connection::ReadError::from)?;
    let mut sizes = Vec::with_capacity(keys.len());
    for kind in types {
        let Some(kind) = kind else {
            sizes.push(None);
            continue;
        };
        sizes.push(match connection.read_frame().await? {
            Frame::Integer(n) if n >= 0 => Some((kind, n as u64)),
            _ => None,
        });
    }
    Ok(sizes)
}

fn print_summary(stats: &[TypeStats], sampled: u64, key_bytes: u64, measure: Measure) {
    let ratio = |part: f64, whole: u64| if whole == 0 { 0.0 } else { part / whole as f64 };
    println!();
    println!("-------- summary -------");
    println!();
    println!("Sampled {sampled} keys in the keyspace!");
    println!(
        "Total key length in bytes is {key_bytes} (avg len {:.2})",
        ratio(key_bytes as f64, sampled)
    );
    println!();
    for (kind, entry) in TYPES.iter().zip(stats) {
        if let Some((key, size)) = &entry.biggest {
            println!(
                "Biggest {:>6} found '{}' has {size} {}",
                kind.name,
                quote(key),
                unit(kind, measure)
            );
        }
    }
    println!();
    for (kind, entry) in TYPES.iter().zip(stats) {
        println!(
            "{} {}s with {} {} ({:05.2}% of keys, avg size {:.2})",
            entry.keys,
            kind.name,
            entry.total_size,
            unit(kind, measure),
            100.0 * ratio(entry.keys as f64, sampled),
            ratio(entry.total_size as f64, entry.keys)
        );
    }
}
