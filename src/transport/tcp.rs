//! The TCP transport under every connection (replacing ureq's `TcpConnector` in the chain):
//! the stall timeout means "no byte accepted for N seconds".
//!
//! ureq's own transport sets `SO_SNDTIMEO` and calls `write_all`. Linux applies that timeout to
//! each `write`, and a write that blocks after copying part of its buffer returns only when the
//! timeout expires; the next write then waits a full timeout again. A server that stops reading
//! was therefore noticed after up to ~3 × the stall timeout. Here every write is a non-blocking
//! `send` (`MSG_DONTWAIT | MSG_NOSIGNAL`), and a full socket waits in `poll` until the stall
//! deadline, which restarts whenever the socket accepts a byte: a stalled peer is noticed
//! `stall_timeout` after the last byte the socket took, and a slow one is never cut off.
//!
//! The socket itself stays blocking: reads keep the per-read timeout (`SO_RCVTIMEO`), which
//! already means "no byte received for N seconds", with one system call per read. Both
//! directions are also bounded by the request's overall budget (ureq's `NextTimeout::after`).
//! A cancel shuts the socket down through the handle registered with the agent, which wakes a
//! blocked read, `send` or `poll` at once.

use std::io::{self, IoSlice, Read};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use rustix::event::{poll, PollFd, PollFlags, Timespec};
use rustix::io::Errno;
use rustix::net::{recv, sendmsg, RecvFlags, SendAncillaryBuffer, SendFlags};
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, ShutdownHandle,
    Transport,
};
use ureq::Timeout;

/// Opens plain TCP connections with [`TcpTransport`]; passes through a connection an earlier
/// connector of the chain made (a proxy's).
#[derive(Debug, Default)]
pub struct TcpConnector;

impl<In: Transport> Connector<In> for TcpConnector {
    type Out = Either<In, TcpTransport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        if chained.is_some() {
            return Ok(chained.map(Either::A));
        }
        let addrs: Vec<SocketAddr> = details.addrs.iter().copied().collect();
        let budget = (!details.timeout.after.is_not_happening()).then(|| *details.timeout.after);
        let stream = connect_any(&addrs, budget)?;
        if details.config.no_delay() {
            stream.set_nodelay(true)?;
        }
        let transport = TcpTransport {
            stream: Arc::new(stream),
            buffers: LazyBuffers::new(
                details.config.input_buffer_size(),
                details.config.output_buffer_size(),
            ),
            read_timeout: None,
            held: Vec::new(),
        };
        let handle = Arc::downgrade(&transport.stream) as Weak<dyn ShutdownHandle>;
        (details.register_shutdown)(handle)?;
        Ok(Some(Either::B(transport)))
    }
}

/// Connects to the first address that answers. Each address gets an equal share of what is
/// left of `budget`, so a dead first address cannot use up the whole connect timeout.
fn connect_any(addrs: &[SocketAddr], budget: Option<Duration>) -> Result<TcpStream, ureq::Error> {
    let deadline = budget.map(|b| Instant::now() + b);
    let mut last = None;
    for (i, addr) in addrs.iter().enumerate() {
        let attempt = match deadline {
            Some(d) => {
                let left = d.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(ureq::Error::Timeout(Timeout::Connect));
                }
                let share = left / (addrs.len() - i) as u32;
                TcpStream::connect_timeout(addr, share.max(Duration::from_millis(10)))
            }
            None => TcpStream::connect(addr),
        };
        match attempt {
            Ok(s) => return Ok(s),
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) if e.kind() == io::ErrorKind::TimedOut => ureq::Error::Timeout(Timeout::Connect),
        Some(e) => ureq::Error::Io(e),
        None => ureq::Error::Io(io::Error::new(
            io::ErrorKind::AddrNotAvailable,
            "the host name resolved to no address",
        )),
    })
}

/// One TCP connection; see the module's comment for how its waits are bounded.
pub struct TcpTransport {
    /// Shared (weakly) with the shutdown handle that a cancel uses.
    stream: Arc<TcpStream>,
    buffers: LazyBuffers,
    /// The `SO_RCVTIMEO` last set, to set it only when it changes.
    read_timeout: Option<Duration>,
    /// Short writes not sent yet (see [`COALESCE`]); sent before any read.
    held: Vec<u8>,
}

impl std::fmt::Debug for TcpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpTransport")
            .field("peer", &self.stream.peer_addr().ok())
            .finish()
    }
}

/// The earliest of two optional deadlines, with the timeout reason to report for it.
fn earliest<T: Ord>(a: Option<(T, Timeout)>, b: Option<(T, Timeout)>) -> Option<(T, Timeout)> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if y.0 < x.0 { y } else { x }),
        (x, y) => x.or(y),
    }
}

/// What is left of the request's overall budget (`after`), with its reason; `None`: no limit.
fn call_budget(timeout: &NextTimeout) -> Option<(Duration, Timeout)> {
    (!timeout.after.is_not_happening()).then(|| (*timeout.after, timeout.reason))
}

/// Writes that together stay under this are held and sent with the next one, or before the
/// next read: a request's head (a few hundred bytes, written on its own by ureq) then leaves in
/// one system call and one segment with its body, and the server wakes once, not twice
/// (measured on 1000 small uploads: two `sendto` per request were ~20 µs of the client's
/// ~150 µs per file).
const COALESCE: usize = 16 * 1024;

/// How often a blocked send tries again without being woken. `poll` reports a socket writable
/// only once a good part of its buffer is free, while `send` takes bytes as soon as there is any
/// room: a peer that frees room slowly (or a receiver that compacts its queue) would otherwise
/// look stalled until the deadline, and the bytes it did accept would be seen late.
const RECHECK: Duration = Duration::from_millis(200);

/// Waits until `stream` can take more bytes, at most `left` (the caller then tries again and
/// checks its deadlines, whether the wait ended by room, by time or by a signal).
fn wait_writable(stream: &TcpStream, left: Duration) -> io::Result<()> {
    let mut fds = [PollFd::new(stream, PollFlags::OUT)];
    let limit = Timespec::try_from(left).ok(); // too long to say: no limit
    match poll(&mut fds, limit.as_ref()) {
        Ok(_) | Err(Errno::INTR) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Never blocks (the deadline is ours to keep) and never raises SIGPIPE in a C program that
/// did not ignore it.
const SEND_FLAGS: SendFlags = SendFlags::DONTWAIT.union(SendFlags::NOSIGNAL);

/// Sends `parts` one after the other (one `sendmsg` each time the socket has room), bounded by
/// the stall timeout (restarted by every byte the socket takes) and the request's budget.
fn send_all(
    stream: &TcpStream,
    parts: [&[u8]; 2],
    timeout: &NextTimeout,
) -> Result<(), ureq::Error> {
    let now = Instant::now();
    let call = call_budget(timeout).map(|(left, reason)| (now + left, reason));
    let stall = timeout.per_write.map(|d| *d);
    let total = parts[0].len() + parts[1].len();
    let mut sent = 0;
    let mut progress = now;
    while sent < total {
        let (first, second) = match sent.checked_sub(parts[0].len()) {
            None => (&parts[0][sent..], parts[1]),
            Some(k) => (&[][..], &parts[1][k..]),
        };
        let iov = [IoSlice::new(first), IoSlice::new(second)];
        match sendmsg(
            stream,
            &iov,
            &mut SendAncillaryBuffer::default(),
            SEND_FLAGS,
        ) {
            Ok(0) => return Err(io::Error::from(io::ErrorKind::WriteZero).into()),
            Ok(n) => {
                sent += n;
                progress = Instant::now();
            }
            Err(Errno::AGAIN) => {
                let stalled = stall.map(|s| (progress + s, Timeout::PerWrite));
                let now = Instant::now();
                let left = match earliest(stalled, call) {
                    Some((at, reason)) if at <= now => return Err(ureq::Error::Timeout(reason)),
                    Some((at, _)) => at - now,
                    None => Duration::MAX,
                };
                wait_writable(stream, left.min(RECHECK))?;
            }
            Err(Errno::INTR) => {}
            Err(e) => return Err(io::Error::from(e).into()),
        }
    }
    Ok(())
}

impl Transport for TcpTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        let output = &self.buffers.output()[..amount];
        if self.held.len() + amount <= COALESCE {
            self.held.extend_from_slice(output);
            return Ok(());
        }
        let sent = send_all(&self.stream, [&self.held, output], &timeout);
        self.held.clear();
        sent
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        if !self.held.is_empty() {
            let sent = send_all(&self.stream, [&self.held, &[]], &timeout);
            self.held.clear();
            sent?;
        }
        // The per-read limit and the call's budget, whichever is shorter; passed as it is (not
        // recomputed from a clock) so that consecutive reads set `SO_RCVTIMEO` only once.
        let per_read = timeout.per_read.map(|d| (*d, Timeout::PerRead));
        let limit = earliest(per_read, call_budget(&timeout));
        let started = Instant::now();
        let mut wait = limit.map(|(d, _)| d);
        loop {
            if let (Some(w), Some((_, reason))) = (wait, limit) {
                if w.is_zero() {
                    return Err(ureq::Error::Timeout(reason));
                }
            }
            if wait != self.read_timeout {
                self.stream.set_read_timeout(wait)?;
                self.read_timeout = wait;
            }
            let input = self.buffers.input_append_buf();
            match (&*self.stream).read(input) {
                Ok(n) => {
                    self.buffers.input_appended(n);
                    return Ok(n > 0);
                }
                // A signal: read again for what is left of the wait.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                    wait = limit.map(|(d, _)| d.saturating_sub(started.elapsed()));
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    let reason = limit.map_or(Timeout::PerRead, |(_, r)| r);
                    return Err(ureq::Error::Timeout(reason));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Whether a pooled connection is still usable: nothing to read (a peek would block).
    /// Bytes the server sent unasked, an end of stream or an error all mean it is not.
    fn is_open(&mut self) -> bool {
        let mut probe = [0u8; 1];
        let flags = RecvFlags::DONTWAIT | RecvFlags::PEEK;
        matches!(
            recv(&*self.stream, &mut probe[..], flags),
            Err(Errno::AGAIN)
        )
    }
}
