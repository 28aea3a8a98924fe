//! Hash commands against replies recorded from redis-server 7.0.15, plus
//! the random and propagation behaviour a recording cannot pin down.

mod collections_support;

use kv_engine::harness::Session;

#[test]
fn replies_match_redis() {
    collections_support::replay("hashes");
}

#[test]
fn hincrbyfloat_propagates_as_hset_of_the_result() {
    let mut s = Session::new();
    s.cmd("HINCRBYFLOAT h f 1.5");
    s.cmd("HINCRBYFLOAT h f 1e20");
    let ops: Vec<Vec<u8>> = s
        .deltas
        .take()
        .iter()
        .flat_map(|d| d.ops.iter())
        .map(|op| op.argv.join(&b' '))
        .collect();
    assert_eq!(
        ops,
        vec![
            b"HSET h f 1.5".to_vec(),
            b"HSET h f 100000000000000000000".to_vec()
        ]
    );
}

#[test]
fn hrandfield_negative_count_repeats_and_distinct_count_does_not() {
    let mut s = Session::new();
    let mut fields = String::new();
    for i in 0..300 {
        fields.push_str(&format!(" f{i} v{i}"));
    }
    s.cmd(&format!("HSET h{fields}"));
    let many = s.cmd("HRANDFIELD h -1000");
    assert!(many.starts_with("*1000\r\n"), "{many}");
    let picked: Vec<&str> = many.split("\r\n").filter(|l| l.starts_with('f')).collect();
    assert_eq!(picked.len(), 1000);
    let distinct: std::collections::HashSet<&str> = picked.iter().copied().collect();
    assert!(distinct.len() > 200, "a fair draw covers most fields");
    let some = s.cmd("HRANDFIELD h 100 WITHVALUES");
    assert!(some.starts_with("*200\r\n"), "{some}");
    let fields: Vec<&str> = some.split("\r\n").filter(|l| l.starts_with('f')).collect();
    let distinct: std::collections::HashSet<&str> = fields.iter().copied().collect();
    assert_eq!(distinct.len(), 100);
    // The same seed draws the same fields: the engine's source only.
    let mut again = Session::new();
    let mut fields = String::new();
    for i in 0..300 {
        fields.push_str(&format!(" f{i} v{i}"));
    }
    again.cmd(&format!("HSET h{fields}"));
    assert_eq!(again.cmd("HRANDFIELD h -1000"), many);
}

#[test]
fn hscan_returns_every_field_of_a_large_hash_despite_deletes() {
    let mut s = Session::new();
    for i in 0..500 {
        s.cmd(&format!("HSET h f{i} {i}"));
    }
    let mut seen = std::collections::HashSet::new();
    let mut cursor = "0".to_string();
    let mut deleted = 0;
    for _ in 0..1000 {
        let reply = s.cmd(&format!("HSCAN h {cursor} COUNT 7"));
        let lines: Vec<&str> = reply.split("\r\n").collect();
        cursor = lines[2].to_string();
        for l in &lines[3..] {
            if l.starts_with('f') {
                seen.insert(l.to_string());
            }
        }
        // Delete fields that were never going to be checked (f400..).
        if deleted < 50 {
            s.cmd(&format!("HDEL h f{}", 400 + deleted));
            deleted += 1;
        }
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(cursor, "0");
    for i in 0..400 {
        assert!(seen.contains(&format!("f{i}")), "f{i} missed");
    }
}
