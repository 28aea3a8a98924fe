//! RequestDecoder: what a server accepts from clients, and what it rejects
//! with which text. (The texts are checked against a live redis-server in
//! `redis_errors.rs`.)

use bytes::{Bytes, BytesMut};
use resp_codec::{Argv, Limits, ProtocolError, RequestDecoder};

/// Decodes every command in `input`; the error, if one ends the stream.
fn decode_all(
    input: &[u8],
    decoder: &mut RequestDecoder,
) -> (Vec<Vec<Bytes>>, Option<ProtocolError>) {
    let mut buf = BytesMut::from(input);
    let mut commands = Vec::new();
    loop {
        match decoder.decode(&mut buf) {
            Ok(Some(argv)) => commands.push(argv),
            Ok(None) => return (commands, None),
            Err(error) => return (commands, Some(error)),
        }
    }
}

fn argvs(commands: &[&[&str]]) -> Vec<Vec<Bytes>> {
    commands
        .iter()
        .map(|argv| {
            argv.iter()
                .map(|a| Bytes::copy_from_slice(a.as_bytes()))
                .collect()
        })
        .collect()
}

fn check(input: &[u8], expect: &[&[&str]], error: Option<ProtocolError>) {
    let (got, got_error) = decode_all(input, &mut RequestDecoder::default());
    assert_eq!(
        got,
        argvs(expect),
        "commands of {:?}",
        String::from_utf8_lossy(input)
    );
    assert_eq!(
        got_error,
        error,
        "error of {:?}",
        String::from_utf8_lossy(input)
    );
}

#[test]
fn multibulk_commands_and_pipelines() {
    check(b"*1\r\n$4\r\nPING\r\n", &[&["PING"]], None);
    check(
        b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
        &[&["SET", "k", ""], &["GET", "k"]],
        None,
    );
    // Binary payloads, CRLF inside a payload.
    let (got, _) = decode_all(
        b"*2\r\n$4\r\nECHO\r\n$4\r\n\r\n\0\xff\r\n",
        &mut RequestDecoder::default(),
    );
    assert_eq!(got[0][1], Bytes::from_static(b"\r\n\0\xff"));
}

#[test]
fn inline_commands() {
    check(b"PING\r\n", &[&["PING"]], None);
    check(b"PING\n", &[&["PING"]], None);
    check(
        b"SET a \"b c\"\r\nGET a\r\n",
        &[&["SET", "a", "b c"], &["GET", "a"]],
        None,
    );
    check(b"  \r\n\r\n\nPING\r\n", &[&["PING"]], None);
    check(b"SET a \"b\r\n", &[], Some(ProtocolError::UnbalancedQuotes));
    // Inline and multibulk mix in one stream.
    check(
        b"PING\r\n*1\r\n$4\r\nPING\r\nECHO x\r\n",
        &[&["PING"], &["PING"], &["ECHO", "x"]],
        None,
    );
}

#[test]
fn empty_multibulks_are_skipped() {
    check(
        b"*0\r\n*-1\r\n*-5\r\n*1\r\n$4\r\nPING\r\n",
        &[&["PING"]],
        None,
    );
}

#[test]
fn redis_reads_the_byte_after_cr_as_lf_without_looking() {
    // Redis takes `\r` plus any byte as the end of a header line, and skips
    // the two bytes after a payload unchecked; clients rely on neither, but
    // accepting exactly what Redis accepts keeps us a drop-in.
    check(b"*1\rX$4\rYPINGab", &[&["PING"]], None);
}

#[test]
fn header_errors() {
    use ProtocolError::*;
    for (input, error) in [
        (&b"*abc\r\n"[..], InvalidMultibulkLength),
        (b"*\r\n", InvalidMultibulkLength),
        (b"*-0\r\n", InvalidMultibulkLength),
        (b"*01\r\n", InvalidMultibulkLength),
        (b"*+1\r\n", InvalidMultibulkLength),
        (b"*2147483648\r\n", InvalidMultibulkLength),
        (b"*1\r\n:1\r\n", ExpectedDollar(b':')),
        (b"*1\r\n\xfe\r\n", ExpectedDollar(0xfe)),
        (b"*1\r\n$-1\r\n", InvalidBulkLength),
        (b"*1\r\n$abc\r\n", InvalidBulkLength),
        (b"*1\r\n$\r\n", InvalidBulkLength),
        (b"*1\r\n$536870913\r\n", InvalidBulkLength),
        (b"*1\r\n$4294967296\r\n", InvalidBulkLength),
        (b"*1\r\n$99999999999999999999\r\n", InvalidBulkLength),
    ] {
        check(input, &[], Some(error));
    }
    // The largest legal bulk length is accepted (and waits for its data).
    check(b"*1\r\n$536870912\r\n", &[], None);
}

#[test]
fn errors_after_good_commands_keep_those_commands() {
    check(
        b"*1\r\n$4\r\nPING\r\nPING\r\n*1\r\n:1\r\n",
        &[&["PING"], &["PING"]],
        Some(ProtocolError::ExpectedDollar(b':')),
    );
}

#[test]
fn endless_lines_are_cut_off_at_64k() {
    let limit = Limits::DEFAULT_MAX_INLINE_LEN;
    let mut inline = vec![b'a'; limit];
    check(&inline, &[], None);
    inline.push(b'a');
    check(&inline, &[], Some(ProtocolError::TooBigInlineRequest));

    let mut count = b"*".to_vec();
    count.resize(limit + 1, b'1');
    check(&count, &[], Some(ProtocolError::TooBigMultibulkCount));

    let mut bulk = b"*1\r\n$".to_vec();
    bulk.resize(4 + limit + 1, b'1');
    check(&bulk, &[], Some(ProtocolError::TooBigBulkCount));
}

#[test]
fn unauthenticated_clients_get_redis_smaller_limits() {
    let mut decoder = RequestDecoder::default();
    decoder.set_auth_required(true);
    let (_, error) = decode_all(b"*11\r\n", &mut decoder);
    assert_eq!(error, Some(ProtocolError::UnauthenticatedMultibulkLength));

    let mut decoder = RequestDecoder::default();
    decoder.set_auth_required(true);
    let (_, error) = decode_all(b"*2\r\n$4\r\nAUTH\r\n$16385\r\n", &mut decoder);
    assert_eq!(error, Some(ProtocolError::UnauthenticatedBulkLength));

    // At the limits it is fine.
    let mut decoder = RequestDecoder::default();
    decoder.set_auth_required(true);
    let (_, error) = decode_all(b"*10\r\n$16384\r\n", &mut decoder);
    assert_eq!(error, None);
}

#[test]
fn configured_bulk_limit_applies() {
    let mut decoder = RequestDecoder::new(Limits {
        max_bulk_len: 5,
        ..Limits::default()
    });
    let (got, error) = decode_all(b"*1\r\n$5\r\nhello\r\n*1\r\n$6\r\n", &mut decoder);
    assert_eq!(got, argvs(&[&["hello"]]));
    assert_eq!(error, Some(ProtocolError::InvalidBulkLength));
}

#[test]
fn partial_input_consumes_nothing_and_resumes() {
    let whole = b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";
    let mut decoder = RequestDecoder::default();
    let mut buf = BytesMut::new();
    for (i, &byte) in whole.iter().enumerate() {
        buf.extend_from_slice(&[byte]);
        let result = decoder.decode(&mut buf).unwrap();
        if i + 1 < whole.len() {
            assert_eq!(result, None, "complete after {} bytes", i + 1);
            assert_eq!(buf.len(), i + 1, "consumed before the command was whole");
        } else {
            assert_eq!(result, Some(argvs(&[&["SET", "key", "value"]]).remove(0)));
            assert!(buf.is_empty());
        }
    }
}

#[test]
fn huge_declared_sizes_wait_without_allocating() {
    // A million-element header and a 512 MB bulk header are legal; the
    // decoder waits for data and the buffer stays as small as what came.
    let mut decoder = RequestDecoder::default();
    let input = b"*1000000\r\n$536870912\r\nabc";
    let mut buf = BytesMut::from(&input[..]);
    assert_eq!(decoder.decode(&mut buf).unwrap(), None);
    assert_eq!(buf.len(), input.len());
    assert!(decoder.is_partial());
    assert_eq!(decoder.bytes_wanted(&buf), 536870912 + 2 - 3);
}

#[test]
fn arguments_share_the_read_buffer() {
    let mut buf = BytesMut::with_capacity(64);
    buf.extend_from_slice(b"*2\r\n$3\r\nGET\r\n$5\r\nhello\r\n");
    let start = buf.as_ptr() as usize;
    let end = start + buf.len();
    let argv = RequestDecoder::default().decode(&mut buf).unwrap().unwrap();
    for arg in &argv {
        let at = arg.as_ptr() as usize;
        assert!(at >= start && at + arg.len() <= end, "argument was copied");
    }
}

#[test]
fn decode_into_reuses_the_callers_vector() {
    let mut decoder = RequestDecoder::default();
    let mut buf = BytesMut::from(&b"*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$1\r\nx\r\n"[..]);
    let mut argv = Vec::with_capacity(8);
    assert!(decoder.decode_into(&mut buf, &mut argv).unwrap());
    assert_eq!(argv, argvs(&[&["PING"]])[0]);
    argv.clear();
    assert!(decoder.decode_into(&mut buf, &mut argv).unwrap());
    assert_eq!(argv, argvs(&[&["ECHO", "x"]])[0]);
    assert!(argv.capacity() >= 8);
    assert!(!decoder.decode_into(&mut buf, &mut argv).unwrap());
}

#[test]
fn sent_bytes_are_exactly_the_arguments_encoding_or_absent() {
    let input: &[u8] = b"*3\r\n$3\r\nSET\r\n$12\r\nkey:00000001\r\n$3\r\nxyz\r\n\
        PING\r\n\
        *2\r\n$4\r\nINCR\r\n$1\r\nn\r\n\
        *1\r\n$4\r\nPINGab\
        *1\rX$4\r\nPING\r\n\
        *2\r\n$5\r\nLPUSH\r\n$120\r\n";
    let long = [
        b"*2\r\n$4\r\nECHO\r\n$120\r\n".as_slice(),
        &[b'v'; 120],
        b"\r\n",
    ]
    .concat();
    let mut buf = BytesMut::from(input);
    let mut commands = resp_codec::Commands::default();
    let mut decoder = RequestDecoder::default();
    decoder
        .decode_batch(&mut buf, &mut commands, false)
        .unwrap();
    // The last command is partial: it stays in the buffer.
    buf.extend_from_slice(&[b'v'; 120]);
    buf.extend_from_slice(b"\r\n");
    buf.extend_from_slice(&long);
    decoder
        .decode_batch(&mut buf, &mut commands, false)
        .unwrap();
    assert_eq!(commands.len(), 7);
    let mut shown = Vec::new();
    for (i, command) in commands.iter().enumerate() {
        let mut encoded = Vec::new();
        resp_codec::encode::write_command(&mut encoded, command);
        if let Some(bytes) = commands.sent(i) {
            assert_eq!(bytes, encoded, "command {i}: its bytes are its encoding");
        }
        shown.push(commands.sent(i).is_some());
    }
    // Inline, a payload not ended by CRLF, a CR without LF, and a command
    // finished by a later read have none.
    assert_eq!(shown, [true, false, true, false, false, false, true]);
    assert_eq!(commands.argv(1), Argv::from(&argvs(&[&["PING"]])[0]));
    assert_eq!(commands.argv(6).len(), 2);
    commands.clear();
    assert!(commands.is_empty() && commands.sent(0).is_none());
}

#[test]
fn a_batch_keeps_its_arguments_in_the_read_buffer() {
    let mut buf = BytesMut::from(&b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nPING\r\n"[..]);
    let (start, end) = (buf.as_ptr() as usize, buf.as_ptr() as usize + buf.len());
    let mut commands = resp_codec::Commands::default();
    RequestDecoder::default()
        .decode_batch(&mut buf, &mut commands, false)
        .unwrap();
    assert_eq!(commands.len(), 2);
    for argv in commands.iter() {
        for arg in argv {
            let at = arg.as_ptr() as usize;
            assert!(at >= start && at + arg.len() <= end, "argument was copied");
        }
    }
    let kept = commands.argv(0).bytes(1);
    commands.clear();
    assert_eq!(kept, "k", "a kept argument outlives the batch");
}
