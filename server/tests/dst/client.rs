//! A simulated client: its end of a `tokio::io::duplex` pipe to a real
//! connection task, the bytes it has yet to send, the replies it has yet
//! to read, and which command each awaited reply answers.
//!
//! It never blocks the driver: writes and reads are polled once (a full
//! pipe writes nothing this step), so a server that stops reading or
//! writing shows up as a client that waits, not as a stuck simulation.

use bytes::{Buf, Bytes, BytesMut};
use resp_codec::Limits;
use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use tokio::io::{AsyncRead, AsyncWrite, DuplexStream, ReadBuf};

use crate::cancel::TaskEnd;

/// A reply that is awaited: unit `unit`'s reply number `index`.
#[derive(Clone, Copy, Debug)]
pub struct Awaited {
    pub unit: usize,
    pub index: usize,
}

pub struct SimClient {
    /// The harness's name for it (`c7`).
    pub name: usize,
    stream: Option<DuplexStream>,
    /// Encoded commands not yet taken by the pipe.
    pub unsent: BytesMut,
    inbox: BytesMut,
    /// Replies still to come, in order.
    pub awaited: VecDeque<Awaited>,
    /// How its server-side task ended (cancelled, or gone).
    pub task: Arc<TaskEnd>,
    /// The server closed the connection.
    pub closed_by_server: bool,
    /// It sent SUBSCRIBE: it only listens from then on.
    pub subscriber: bool,
    /// Bytes sent and received so far (to see whether a round moved any).
    pub traffic: u64,
}

/// What a poll of the pipe gave.
#[derive(Default)]
pub struct Read {
    /// Complete replies, each with the command it answers.
    pub replies: Vec<(Awaited, Bytes)>,
    /// Pub/sub messages pushed to a subscriber: (channel, payload).
    pub messages: Vec<(Bytes, Bytes)>,
    /// The server closed, after `partial` bytes of one more frame.
    pub closed: Option<usize>,
}

/// A RESP2 `message` push: (channel, payload).
fn as_message(frame: &resp_codec::Frame) -> Option<(Bytes, Bytes)> {
    use resp_codec::Frame;
    let Frame::Array(items) = frame else {
        return None;
    };
    match &items[..] {
        [Frame::Bulk(kind), Frame::Bulk(channel), Frame::Bulk(payload)]
            if &kind[..] == b"message" =>
        {
            Some((channel.clone(), payload.clone()))
        }
        _ => None,
    }
}

impl SimClient {
    pub fn new(name: usize, stream: DuplexStream, task: Arc<TaskEnd>) -> SimClient {
        SimClient {
            name,
            stream: Some(stream),
            unsent: BytesMut::new(),
            inbox: BytesMut::new(),
            awaited: VecDeque::new(),
            task,
            closed_by_server: false,
            subscriber: false,
            traffic: 0,
        }
    }

    pub fn is_connected(&self) -> bool {
        self.stream.is_some() && !self.closed_by_server
    }

    /// Queues a command for sending.
    pub fn queue(&mut self, argv: &[Bytes]) {
        resp_codec::encode_command(argv, &mut self.unsent);
    }

    /// One more reply to wait for.
    pub fn await_reply(&mut self, awaited: Awaited) {
        self.awaited.push_back(awaited);
    }

    /// Hands up to `limit` unsent bytes to the pipe, as far as it takes
    /// them now; returns how many it took.
    pub fn flush(&mut self, limit: usize) -> usize {
        let Some(stream) = self.stream.as_mut() else {
            return 0;
        };
        let mut cx = Context::from_waker(Waker::noop());
        let mut sent = 0;
        while sent < limit && !self.unsent.is_empty() {
            let end = self.unsent.len().min(limit - sent);
            match Pin::new(&mut *stream).poll_write(&mut cx, &self.unsent[..end]) {
                Poll::Ready(Ok(n)) if n > 0 => {
                    self.unsent.advance(n);
                    sent += n;
                    self.traffic += n as u64;
                }
                Poll::Ready(_) => {
                    self.closed_by_server = true;
                    break;
                }
                Poll::Pending => break,
            }
        }
        sent
    }

    /// Takes whatever the pipe holds now and splits it into replies.
    pub fn read(&mut self) -> Result<Read, String> {
        let Some(stream) = self.stream.as_mut() else {
            return Ok(Read::default());
        };
        let mut cx = Context::from_waker(Waker::noop());
        let mut chunk = [0u8; 16 * 1024];
        let mut closed = false;
        loop {
            let mut buf = ReadBuf::new(&mut chunk);
            match Pin::new(&mut *stream).poll_read(&mut cx, &mut buf) {
                Poll::Ready(Ok(())) if buf.filled().is_empty() => {
                    closed = true;
                    break;
                }
                Poll::Ready(Ok(())) => {
                    self.traffic += buf.filled().len() as u64;
                    self.inbox.extend_from_slice(buf.filled());
                }
                Poll::Ready(Err(_)) => {
                    closed = true;
                    break;
                }
                Poll::Pending => break,
            }
        }
        let mut read = Read::default();
        let limits = Limits::default();
        loop {
            let bytes = Bytes::copy_from_slice(&self.inbox);
            match resp_codec::parse_frame(&bytes, &limits) {
                Ok(Some((frame, len))) => {
                    if let Some(message) = as_message(&frame).filter(|_| self.subscriber) {
                        read.messages.push(message);
                        self.inbox.advance(len);
                        continue;
                    }
                    let Some(awaited) = self.awaited.pop_front() else {
                        return Err(format!(
                            "c{} got a reply nobody asked for: {}",
                            self.name,
                            crate::trace::show(&bytes[..len])
                        ));
                    };
                    read.replies.push((awaited, bytes.slice(..len)));
                    self.inbox.advance(len);
                }
                Ok(None) => break,
                Err(error) => {
                    return Err(format!(
                        "c{} got bytes that are not RESP ({error}): {}",
                        self.name,
                        crate::trace::show(&bytes)
                    ))
                }
            }
        }
        if closed {
            self.closed_by_server = true;
            read.closed = Some(self.inbox.len());
            self.inbox.clear();
        }
        Ok(read)
    }

    /// The client vanishes (CLIENT_DISCONNECT, or the end of the run).
    pub fn hang_up(&mut self) {
        self.stream = None;
    }
}
