//! Parser throughput: a pipeline of 16 `SET key:NNN value` commands (the
//! shape redis-benchmark -P 16 sends) one at a time and as the server
//! reads it (`decode_batch`, also for 16 MSETs of 10 pairs: the cost per
//! argument), large bulk strings, and a large reply read by the frame
//! parser. `cargo bench -p resp-codec`.

use bytes::BytesMut;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use resp_codec::{
    encode_command, encode_frame, Commands, Frame, FrameParser, Limits, Protocol, RequestDecoder,
};

fn pipeline_of_sets() -> BytesMut {
    let mut buf = BytesMut::new();
    for i in 0..16 {
        let key = format!("key:{i:03}");
        encode_command(&[&b"SET"[..], key.as_bytes(), b"value"], &mut buf);
    }
    buf
}

/// 16 `MSET` of 10 `key:NNN value` pairs (redis-benchmark's MSET shape).
fn pipeline_of_msets() -> BytesMut {
    let mut buf = BytesMut::new();
    let keys: Vec<String> = (0..10).map(|i| format!("key:{i:03}")).collect();
    let mut argv: Vec<&[u8]> = vec![b"MSET"];
    for key in &keys {
        argv.extend([key.as_bytes(), b"value"]);
    }
    for _ in 0..16 {
        encode_command(&argv, &mut buf);
    }
    buf
}

fn requests(c: &mut Criterion) {
    let mut group = c.benchmark_group("requests");
    let pipeline = pipeline_of_sets();
    group.throughput(Throughput::Elements(16));
    group.bench_function("pipeline_16_sets", |b| {
        let mut decoder = RequestDecoder::new(Limits::default());
        let mut argv = Vec::with_capacity(4);
        b.iter_batched_ref(
            || pipeline.clone(),
            |buf| {
                let mut n = 0;
                while decoder.decode_into(buf, &mut argv).unwrap() {
                    n += 1;
                    argv.clear();
                }
                assert_eq!(n, 16);
            },
            BatchSize::SmallInput,
        );
    });
    for (name, pipeline) in [
        ("batch_16_sets", pipeline),
        ("batch_16_msets", pipeline_of_msets()),
    ] {
        group.bench_function(name, |b| {
            let mut decoder = RequestDecoder::new(Limits::default());
            let mut commands = Commands::default();
            b.iter_batched_ref(
                || pipeline.clone(),
                |buf| {
                    commands.clear();
                    decoder.decode_batch(buf, &mut commands, false).unwrap();
                    assert_eq!(commands.len(), 16);
                },
                BatchSize::SmallInput,
            );
        });
    }
    for size in [16 * 1024, 1024 * 1024] {
        let value = vec![b'x'; size];
        let mut command = BytesMut::new();
        encode_command(&[&b"SET"[..], b"k", &value], &mut command);
        group.throughput(Throughput::Bytes(command.len() as u64));
        group.bench_function(format!("set_bulk_{}k", size / 1024), |b| {
            let mut decoder = RequestDecoder::new(Limits::default());
            b.iter_batched_ref(
                || command.clone(),
                |buf| decoder.decode(buf).unwrap().unwrap(),
                BatchSize::SmallInput,
            );
        });
    }
    group.finish();
}

fn replies(c: &mut Criterion) {
    let mut group = c.benchmark_group("replies");
    let reply = Frame::Array(
        (0..100)
            .map(|i| Frame::bulk(format!("element-{i}").as_bytes()))
            .collect(),
    );
    let mut encoded = BytesMut::new();
    encode_frame(&reply, Protocol::Resp3, &mut encoded);
    group.throughput(Throughput::Bytes(encoded.len() as u64));
    group.bench_function("lrange_100", |b| {
        let mut parser = FrameParser::new(Limits::default());
        b.iter_batched_ref(
            || encoded.clone(),
            |buf| parser.decode(buf).unwrap().unwrap(),
            BatchSize::SmallInput,
        );
    });
    group.finish();
}

criterion_group!(benches, requests, replies);
criterion_main!(benches);
