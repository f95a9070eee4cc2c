//! A TCP proxy for fault injection: listens on 127.0.0.1 (a free port) and forwards
//! every connection to one upstream address, in a mode that can be switched while
//! connections are open. TLS passes through untouched, so a kubeconfig only needs its
//! `server` pointed at the proxy.
//!
//! Modes: [`Mode::Pass`] forwards; [`Mode::Stall`] accepts and holds every byte (both
//! directions, open connections included) until the mode changes; [`Mode::Reset`] aborts
//! connections (SO_LINGER 0, so the peer sees a TCP RST) as soon as they carry data, and
//! new ones at once; [`Mode::ResetAfter`] forwards the first K bytes of each connection
//! (both directions counted) and then resets it. The proxy runs on its own thread and
//! runtime, so blocking test code (waiting for a child process) never starves it.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the proxy does with traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Pass,
    Stall,
    Reset,
    ResetAfter(u64),
}

struct Shared {
    mode: Mutex<Mode>,
    /// Connections accepted so far.
    accepted: AtomicU64,
    /// Connections aborted with a reset.
    resets: AtomicU64,
    /// Bytes forwarded, both directions.
    bytes: AtomicU64,
}

impl Shared {
    fn mode(&self) -> Mode {
        *self.mode.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running proxy; it stops when dropped.
pub struct Proxy {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Proxy {
    /// Starts a proxy to `upstream` in [`Mode::Pass`].
    pub fn start(upstream: SocketAddr) -> Proxy {
        let shared = Arc::new(Shared {
            mode: Mutex::new(Mode::Pass),
            accepted: AtomicU64::new(0),
            resets: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        });
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let state = shared.clone();
        let thread = std::thread::Builder::new()
            .name("fault-proxy".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .enable_all()
                    .build()
                    .expect("proxy runtime");
                rt.block_on(async move {
                    let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy bind");
                    let _ = addr_tx.send(listener.local_addr().expect("proxy address"));
                    tokio::select! {
                        _ = accept_loop(listener, upstream, state) => {}
                        _ = stop_rx => {}
                    }
                });
                // Dropping the runtime aborts every connection task.
                rt.shutdown_timeout(Duration::from_secs(1));
            })
            .expect("spawn proxy thread");
        let addr = addr_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("proxy did not start");
        Proxy {
            addr,
            shared,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.shared.mode.lock().unwrap_or_else(|e| e.into_inner()) = mode;
    }

    pub fn accepted(&self) -> u64 {
        self.shared.accepted.load(Ordering::Relaxed)
    }

    pub fn resets(&self) -> u64 {
        self.shared.resets.load(Ordering::Relaxed)
    }

    pub fn bytes(&self) -> u64 {
        self.shared.bytes.load(Ordering::Relaxed)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn accept_loop(listener: TcpListener, upstream: SocketAddr, shared: Arc<Shared>) {
    loop {
        let Ok((client, _)) = listener.accept().await else {
            continue;
        };
        shared.accepted.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(connection(client, upstream, shared.clone()));
    }
}

/// Why a pump stopped early.
struct Abort;

async fn connection(client: TcpStream, upstream: SocketAddr, shared: Arc<Shared>) {
    // Every close of these sockets is abortive (RST); a clean end of stream is still
    // passed on with shutdown(), which sends FIN.
    let _ = client.set_zero_linger();
    if shared.mode() == Mode::Reset {
        shared.resets.fetch_add(1, Ordering::Relaxed);
        return;
    }
    // Stalled: hold the client before even connecting upstream.
    if !wait_while_stalled(&shared).await {
        shared.resets.fetch_add(1, Ordering::Relaxed);
        return;
    }
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let _ = server.set_zero_linger();
    let _ = server.set_nodelay(true);
    let _ = client.set_nodelay(true);
    let budget = AtomicU64::new(0);
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let up = pump(&mut cr, &mut sw, &shared, &budget);
    let down = pump(&mut sr, &mut cw, &shared, &budget);
    if tokio::try_join!(up, down).is_err() {
        shared.resets.fetch_add(1, Ordering::Relaxed);
        // A write half sends FIN when dropped; forgotten, the close is the bare RST.
        cw.forget();
        sw.forget();
    }
    // Everything drops here: with linger 0 that is a reset for whoever is still there.
}

/// Waits while the mode is [`Mode::Stall`]; false when it became [`Mode::Reset`].
async fn wait_while_stalled(shared: &Shared) -> bool {
    loop {
        match shared.mode() {
            Mode::Stall => tokio::time::sleep(Duration::from_millis(50)).await,
            Mode::Reset => return false,
            _ => return true,
        }
    }
}

/// Copies one direction until end of stream (then shuts the other side's writing half)
/// or until the mode says to reset.
async fn pump(
    from: &mut tokio::net::tcp::OwnedReadHalf,
    to: &mut tokio::net::tcp::OwnedWriteHalf,
    shared: &Shared,
    used: &AtomicU64,
) -> Result<(), Abort> {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => {
                let _ = to.shutdown().await;
                return Ok(());
            }
            Ok(n) => n,
        };
        if !wait_while_stalled(shared).await {
            return Err(Abort);
        }
        let mut n = n;
        let mut abort = false;
        if let Mode::ResetAfter(limit) = shared.mode() {
            let before = used.fetch_add(n as u64, Ordering::Relaxed);
            if before + n as u64 > limit {
                n = limit.saturating_sub(before) as usize;
                abort = true;
            }
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return Err(Abort);
        }
        shared.bytes.fetch_add(n as u64, Ordering::Relaxed);
        if abort {
            return Err(Abort);
        }
    }
}

#[cfg(test)]
mod tests {
    //! The proxy itself, against a local echo server (no cluster).
    use super::*;
    use std::io::{Read, Write};

    fn echo_server() -> SocketAddr {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut s) = stream else { continue };
                std::thread::spawn(move || {
                    let mut buf = [0u8; 4096];
                    while let Ok(n) = s.read(&mut buf) {
                        if n == 0 || s.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                });
            }
        });
        addr
    }

    fn connect(proxy: &Proxy) -> std::net::TcpStream {
        let s = std::net::TcpStream::connect(proxy.addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        s
    }

    #[test]
    fn faults_proxy_modes() {
        let proxy = Proxy::start(echo_server());
        let mut buf = [0u8; 64];

        // Pass: echoes.
        let mut s = connect(&proxy);
        s.write_all(b"hello").expect("write");
        s.read_exact(&mut buf[..5]).expect("read");
        assert_eq!(&buf[..5], b"hello");

        // Stall: the open connection carries nothing, then resumes.
        proxy.set_mode(Mode::Stall);
        s.set_read_timeout(Some(Duration::from_millis(500)))
            .expect("timeout");
        s.write_all(b"held").expect("write");
        assert!(s.read(&mut buf).is_err(), "a stalled proxy forwarded data");
        proxy.set_mode(Mode::Pass);
        s.set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        s.read_exact(&mut buf[..4]).expect("read after stall");
        assert_eq!(&buf[..4], b"held");

        // Reset: the open connection is aborted on its next byte.
        proxy.set_mode(Mode::Reset);
        let _ = s.write_all(b"x");
        let err = s.read(&mut buf).expect_err("reset connection read data");
        assert_eq!(
            err.kind(),
            std::io::ErrorKind::ConnectionReset,
            "not a reset: {err}"
        );
        // ... and a new one at once.
        let mut s = connect(&proxy);
        let got = s.read(&mut buf);
        assert!(
            matches!(&got, Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset)
                || matches!(got, Ok(0)),
            "new connection not reset: {got:?}"
        );

        // Reset after 10 bytes: 4 up + 4 down pass, the next 4 up are cut after 2.
        proxy.set_mode(Mode::ResetAfter(10));
        let mut s = connect(&proxy);
        s.write_all(b"abcd").expect("write");
        s.read_exact(&mut buf[..4]).expect("read");
        assert_eq!(&buf[..4], b"abcd");
        s.write_all(b"efgh").expect("write");
        let mut got = Vec::new();
        let err = loop {
            match s.read(&mut buf) {
                Ok(0) => break None,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) => break Some(e),
            }
        };
        assert!(got.len() <= 2, "more than the budget came back: {got:?}");
        assert!(
            err.is_some_and(|e| e.kind() == std::io::ErrorKind::ConnectionReset),
            "not reset after the budget"
        );
        assert!(proxy.resets() >= 3, "resets: {}", proxy.resets());
        assert_eq!(proxy.accepted(), 3, "accepted");
        assert!(
            proxy.bytes() >= 5 + 5 + 4 + 4 + 4 + 4,
            "bytes: {}",
            proxy.bytes()
        );
    }
}
