//! Interrupting one request in flight on a shared agent.
//!
//! `ureq::Agent::shutdown` stops every connection of an agent; an upload's cancel must stop only
//! that upload's requests while other uploads keep sharing the pool. So the agent's connector is
//! wrapped: each connection remembers the shutdown handle of its socket, and around every socket
//! read or write it registers that handle with the cancel token of the request on this thread
//! (see [`with_cancel`]). Cancelling the token shuts those sockets down, which wakes the blocked
//! read or write at once; ureq then drops the broken connection instead of pooling it.
//!
//! This uses ureq's `unversioned` transport API, which may change in a minor release: the ureq
//! requirement in Cargo.toml is pinned to 3.5.x for that reason.

use super::throttle::Throttle;
use crate::cancel::CancelToken;
use std::cell::RefCell;
use std::sync::{Arc, Mutex, Weak};
use ureq::unversioned::transport::{
    Buffers, ConnectProxyConnector, ConnectionDetails, Connector, NextTimeout, ShutdownHandle,
    SocksConnector, Transport,
};

thread_local! {
    /// The cancel token of the request this thread is making, if any.
    static CURRENT: RefCell<Option<CancelToken>> = const { RefCell::new(None) };
}

/// Runs `f` (one request) with `token` as this thread's cancel scope.
pub fn with_cancel<T>(token: &CancelToken, f: impl FnOnce() -> T) -> T {
    let previous = CURRENT.with(|c| c.replace(Some(token.clone())));
    let out = f();
    CURRENT.with(|c| *c.borrow_mut() = previous);
    out
}

/// The connector chain every connection is made by.
type Chain = Box<dyn Connector<(), Out = Box<dyn Transport>>>;

/// ureq's default chain with our TCP transport ([`super::tcp`]) in place of ureq's: a SOCKS
/// proxy, else an HTTP CONNECT proxy's tunnel, else a direct connection; then TLS when the URL
/// asks for it. (Without the `https` feature an `https` URL is refused by ureq: the connection
/// is not TLS.)
fn chain() -> Chain {
    let c =
        ().chain(SocksConnector::default())
            .chain(ConnectProxyConnector::default())
            .chain(super::tcp::TcpConnector);
    #[cfg(feature = "https")]
    let c = c.chain(ureq::unversioned::transport::RustlsConnector::default());
    Box::new(c.chain(Boxed))
}

/// The end of the chain: whatever transport it made, boxed.
#[derive(Debug)]
struct Boxed;

impl<In: Transport> Connector<In> for Boxed {
    type Out = Box<dyn Transport>;

    fn connect(
        &self,
        _: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        Ok(chained.map(|t| Box::new(t) as Box<dyn Transport>))
    }
}

/// Our connector chain ([`chain`]), with interruptible (and, with a bandwidth limit, throttled)
/// transports.
#[derive(Debug)]
pub struct InterruptibleConnector {
    inner: Chain,
    /// The client's bandwidth limit, shared by every connection.
    throttle: Option<Arc<Throttle>>,
}

impl InterruptibleConnector {
    /// The default chain; every connection takes its bytes from `throttle` when given.
    pub fn new(throttle: Option<Arc<Throttle>>) -> Self {
        InterruptibleConnector {
            inner: chain(),
            throttle,
        }
    }
}

type HandleSlot = Arc<Mutex<Option<Weak<dyn ShutdownHandle>>>>;

impl Connector<()> for InterruptibleConnector {
    type Out = InterruptibleTransport;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<()>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        // Catch the socket's shutdown handle on its way to the agent's registry.
        let slot: HandleSlot = Arc::default();
        let seen = slot.clone();
        let forward = details.register_shutdown.clone();
        let ours = ConnectionDetails {
            uri: details.uri,
            addrs: details.addrs.clone(),
            config: details.config,
            request_level: details.request_level,
            resolver: details.resolver,
            now: details.now,
            timeout: details.timeout,
            current_time: details.current_time.clone(),
            run_connector: details.run_connector.clone(),
            register_shutdown: Arc::new(move |handle: Weak<dyn ShutdownHandle>| {
                if let Ok(mut s) = seen.lock() {
                    s.get_or_insert_with(|| handle.clone());
                }
                forward(handle)
            }),
        };
        let transport = self.inner.connect(&ours, chained)?;
        let handle = slot.lock().ok().and_then(|mut s| s.take());
        let throttle = self.throttle.clone();
        Ok(transport.map(|inner| InterruptibleTransport {
            inner,
            handle,
            throttle,
        }))
    }
}

/// A transport whose blocking I/O the current request's cancel token can interrupt.
#[derive(Debug)]
pub struct InterruptibleTransport {
    inner: Box<dyn Transport>,
    handle: Option<Weak<dyn ShutdownHandle>>,
    throttle: Option<Arc<Throttle>>,
}

impl InterruptibleTransport {
    /// Waits for the bandwidth limit's leave to move `n` bytes.
    fn pace(&self, n: usize) {
        if let Some(t) = &self.throttle {
            let token = CURRENT.with(|c| c.borrow().clone());
            t.take(n, token.as_ref());
        }
    }

    fn guarded<T>(&mut self, io: impl FnOnce(&mut dyn Transport) -> T) -> T {
        let token = CURRENT.with(|c| c.borrow().clone());
        let _guard = match (&token, &self.handle) {
            (Some(token), Some(handle)) => {
                let handle = handle.clone();
                Some(token.on_cancel(move || {
                    if let Some(h) = handle.upgrade() {
                        h.shutdown();
                    }
                }))
            }
            _ => None,
        };
        io(&mut *self.inner)
    }
}

impl Transport for InterruptibleTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.pace(amount);
        self.guarded(|t| t.transmit_output(amount, timeout))
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        let before = self.inner.buffers().input().len();
        let more = self.guarded(|t| t.await_input(timeout))?;
        // Paced after the read: the next read waits for what this one took.
        let after = self.inner.buffers().input().len();
        self.pace(after.saturating_sub(before));
        Ok(more)
    }

    fn is_open(&mut self) -> bool {
        self.inner.is_open()
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}
