//! Formatting of hand-built frames. The expected texts were printed by
//! redis-cli 7.0.15 for the same replies (captured from a redis-server 7.0.15
//! with `EVAL`/`DEBUG PROTOCOL`); the live differential test in
//! `cli/tests/golden.rs` compares many more replies byte for byte.

use resp_codec::Frame;

use super::{Output, OutputMode};

fn bulk(text: &str) -> Frame {
    Frame::bulk(text.as_bytes())
}

fn ints(values: &[i64]) -> Frame {
    Frame::Array(values.iter().map(|&n| Frame::Integer(n)).collect())
}

fn check(mode: OutputMode, frame: &Frame, expect: &str) {
    let got = Output::new(mode).reply(frame);
    assert_eq!(
        String::from_utf8_lossy(&got),
        expect,
        "{mode:?} output of {frame:?}"
    );
}

#[test]
fn scalars_in_standard_mode() {
    let standard = OutputMode::Standard;
    check(standard, &Frame::simple("OK"), "OK\n");
    check(standard, &Frame::Integer(-12), "(integer) -12\n");
    check(standard, &Frame::error("ERR bad"), "(error) ERR bad\n");
    check(standard, &Frame::Null, "(nil)\n");
    check(standard, &Frame::NullArray, "(nil)\n");
    check(standard, &Frame::Double(4.25), "(double) 4.25\n");
    check(standard, &Frame::Boolean(true), "(true)\n");
    check(standard, &Frame::Boolean(false), "(false)\n");
    check(standard, &bulk("a \"b\"\n"), "\"a \\\"b\\\"\\n\"\n");
    let verbatim = Frame::Verbatim {
        format: *b"txt",
        text: "This is a verbatim\nstring".into(),
    };
    check(standard, &verbatim, "This is a verbatim\nstring\n");
}

#[test]
fn empty_aggregates_name_their_type() {
    let standard = OutputMode::Standard;
    check(standard, &Frame::Array(vec![]), "(empty array)\n");
    check(standard, &Frame::Map(vec![]), "(empty hash)\n");
    check(standard, &Frame::Set(vec![]), "(empty set)\n");
}

#[test]
fn indexes_are_right_aligned_to_the_widest() {
    let letters: Vec<Frame> = "abcdefghijk"
        .chars()
        .map(|c| bulk(&c.to_string()))
        .collect();
    let mut expect = String::new();
    for (i, c) in "abcdefghijk".chars().enumerate() {
        expect.push_str(&format!("{:>2}) \"{c}\"\n", i + 1));
    }
    check(OutputMode::Standard, &Frame::Array(letters), &expect);
}

#[test]
fn nested_aggregates_indent_under_their_index() {
    // EVAL "return {1,{2,{3,{}}},{err='bad'},{ok='fine'}}" 0
    let frame = Frame::Array(vec![
        Frame::Integer(1),
        Frame::Array(vec![
            Frame::Integer(2),
            Frame::Array(vec![Frame::Integer(3), Frame::Array(vec![])]),
        ]),
        Frame::error("bad"),
        Frame::simple("fine"),
    ]);
    check(
        OutputMode::Standard,
        &frame,
        "1) (integer) 1\n\
         2) 1) (integer) 2\n   \
            2) 1) (integer) 3\n      \
               2) (empty array)\n\
         3) (error) bad\n\
         4) fine\n",
    );
}

#[test]
fn map_values_spanning_lines_start_on_their_own_line() {
    // EVAL "redis.setresp(3); return {1,...,10,{map={c={map={q={7,8},p=1}},
    // b={set={y=true,x=true}}}}}" 0, as redis-cli -3 showed it.
    let mut items: Vec<Frame> = (1..=10).map(Frame::Integer).collect();
    items.push(Frame::Map(vec![
        (
            bulk("c"),
            Frame::Map(vec![
                (bulk("q"), ints(&[7, 8])),
                (bulk("p"), Frame::Integer(1)),
            ]),
        ),
        (bulk("b"), Frame::Set(vec![bulk("y"), bulk("x")])),
    ]));
    let mut expect: String = (1..=10)
        .map(|n| format!("{n:>2}) (integer) {n}\n"))
        .collect();
    expect.push_str(
        "11) 1# \"c\" => \n       \
                1# \"q\" => \n          \
                   1) (integer) 7\n          \
                   2) (integer) 8\n       \
                2# \"p\" => (integer) 1\n    \
             2# \"b\" => \n       \
                1~ \"y\"\n       \
                2~ \"x\"\n",
    );
    check(OutputMode::Standard, &Frame::Array(items), &expect);
}

#[test]
fn single_line_map_values_stay_inline() {
    // {map={d={map={x={1}}}, e={set={q=true}}, a={}}}
    let frame = Frame::Map(vec![
        (bulk("a"), Frame::Array(vec![])),
        (bulk("e"), Frame::Set(vec![bulk("q")])),
        (bulk("d"), Frame::Map(vec![(bulk("x"), ints(&[1]))])),
    ]);
    check(
        OutputMode::Standard,
        &frame,
        "1# \"a\" => (empty array)\n\
         2# \"e\" => 1~ \"q\"\n\
         3# \"d\" => 1# \"x\" => 1) (integer) 1\n",
    );
    check(OutputMode::Raw, &frame, "a \ne q\nd x 1\n");
    check(
        OutputMode::Csv,
        &frame,
        "\"a\",,\"e\",\"q\",\"d\",\"x\",1\n",
    );
}

#[test]
fn raw_mode_writes_payloads_and_delimiters() {
    let frame = Frame::Array(vec![
        bulk("a"),
        Frame::Null,
        Frame::Integer(3),
        Frame::Double(1.5),
    ]);
    check(OutputMode::Raw, &frame, "a\n\n3\n1.5\n");
    check(OutputMode::Raw, &Frame::error("ERR x"), "ERR x\n\n");
    check(OutputMode::Raw, &Frame::Boolean(true), "(true)\n");
    let mut output = Output::new(OutputMode::Raw);
    output.bulk_delimiter = b"|".to_vec();
    output.reply_delimiter = b"#".to_vec();
    let map = Frame::Map(vec![(bulk("f1"), bulk("v1")), (bulk("f2"), bulk("v 2"))]);
    assert_eq!(output.reply(&map), b"f1 v1|f2 v 2#");
}

#[test]
fn csv_quotes_strings_and_flattens_aggregates() {
    let frame = Frame::Array(vec![
        Frame::Null,
        bulk("a\x01"),
        Frame::Array(vec![Frame::Double(1.5), Frame::Boolean(false)]),
    ]);
    check(OutputMode::Csv, &frame, "NULL,\"a\\x01\",1.5,false\n");
    check(OutputMode::Csv, &Frame::error("ERR x"), "ERROR,\"ERR x\"\n");
    check(OutputMode::Csv, &Frame::simple("OK"), "\"OK\"\n");
    check(OutputMode::Csv, &Frame::Array(vec![]), "\n");
}

/// redis-cli 7.0 exits on these ("Unknown reply type: 13", "Protocol
/// error, got "|""); redis-rust-cli shows them as redis-cli 7.2 shows big
/// numbers, and attributes as RESP2 does: the reply without them.
#[test]
fn big_numbers_and_attributes_are_shown_not_fatal() {
    let big = Frame::BigNumber("1234567999999999999999999999".into());
    check(
        OutputMode::Standard,
        &big,
        "(big number) 1234567999999999999999999999\n",
    );
    check(OutputMode::Raw, &big, "1234567999999999999999999999\n");
    check(OutputMode::Csv, &big, "1234567999999999999999999999\n");
    let with_attributes = Frame::Attribute {
        attributes: vec![(
            bulk("key-popularity"),
            Frame::Array(vec![bulk("a"), Frame::Double(0.1923)]),
        )],
        data: Box::new(Frame::Array(vec![
            Frame::Integer(2039123),
            Frame::Integer(9543892),
        ])),
    };
    check(
        OutputMode::Standard,
        &with_attributes,
        "1) (integer) 2039123\n2) (integer) 9543892\n",
    );
    check(OutputMode::Standard, &Frame::Push(vec![]), "(empty push)\n");
}
