//! A TCP fault-injection proxy for sync tests, on loopback only.
//!
//! Each accepted connection draws one fault from a seeded generator (so a failing round
//! can be replayed): pass through, delay, drop the connection part-way through the
//! request or the response, cut the response short, answer 500/503 itself, or refuse.
//! The target can be switched, which is how a server restart on a new port looks to
//! the phone.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What happens to one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Pass,
    /// Wait this long before forwarding anything.
    Delay(Duration),
    /// Forward this many request bytes, then close both sides.
    DropRequestAfter(usize),
    /// Forward the whole request and this many response bytes, then close.
    DropResponseAfter(usize),
    /// Answer this HTTP status without asking the server.
    Status(u16),
    /// Close at once.
    Refuse,
}

/// Small deterministic generator (xorshift64*), enough to draw faults.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

#[derive(Debug)]
struct State {
    target: SocketAddr,
    rng: Rng,
    /// Percent of connections that get a fault.
    fault_percent: u64,
    faults_injected: u64,
}

/// A running proxy.
#[derive(Debug, Clone)]
pub struct FaultProxy {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    bytes: Arc<AtomicU64>,
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

impl FaultProxy {
    /// Starts on 127.0.0.1 with a free port, forwarding to `target` (loopback only).
    pub async fn start(target: SocketAddr, seed: u64) -> std::io::Result<Self> {
        if !target.ip().is_loopback() {
            return Err(std::io::Error::other(
                "the fault proxy only forwards to loopback",
            ));
        }
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(State {
            target,
            rng: Rng::new(seed),
            fault_percent: 0,
            faults_injected: 0,
        }));
        let st = state.clone();
        let bytes = Arc::new(AtomicU64::new(0));
        let counter = bytes.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (fault, target) = {
                    let mut s = lock(&st);
                    let fault = draw(&mut s);
                    if fault != Fault::Pass {
                        s.faults_injected += 1;
                    }
                    (fault, s.target)
                };
                tokio::spawn(handle(client, target, fault, counter.clone()));
            }
        });
        Ok(Self { addr, state, bytes })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Percent of new connections that get a fault (0 = clean).
    pub fn set_fault_percent(&self, percent: u64) {
        lock(&self.state).fault_percent = percent.min(100);
    }

    /// Points new connections at another server (loopback only; others are ignored).
    pub fn set_target(&self, target: SocketAddr) {
        if target.ip().is_loopback() {
            lock(&self.state).target = target;
        }
    }

    /// Bytes forwarded in both directions so far (HTTP headers included).
    pub fn bytes_forwarded(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    pub fn faults_injected(&self) -> u64 {
        lock(&self.state).faults_injected
    }
}

fn draw(s: &mut State) -> Fault {
    if s.rng.below(100) >= s.fault_percent {
        return Fault::Pass;
    }
    match s.rng.below(7) {
        0 => Fault::Delay(Duration::from_millis(s.rng.below(300))),
        1 | 2 => Fault::DropRequestAfter(s.rng.below(4000) as usize),
        3 | 4 => Fault::DropResponseAfter(s.rng.below(3000) as usize),
        5 => Fault::Status(if s.rng.below(2) == 0 { 500 } else { 503 }),
        _ => Fault::Refuse,
    }
}

async fn handle(mut client: TcpStream, target: SocketAddr, fault: Fault, bytes: Arc<AtomicU64>) {
    match fault {
        Fault::Refuse => return,
        Fault::Status(code) => {
            let mut buf = [0u8; 1024];
            let _ = client.read(&mut buf).await;
            let reason = if code == 503 {
                "Service Unavailable"
            } else {
                "Internal Server Error"
            };
            let body =
                format!("{{\"error\":\"injected\",\"message\":\"{code} from the fault proxy\"}}");
            let resp = format!(
                "HTTP/1.1 {code} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nretry-after: 0\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = client.write_all(resp.as_bytes()).await;
            let _ = client.shutdown().await;
            return;
        }
        Fault::Delay(d) => tokio::time::sleep(d).await,
        _ => {}
    }
    let Ok(server) = TcpStream::connect(target).await else {
        return;
    };
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let (req_limit, resp_limit) = match fault {
        Fault::DropRequestAfter(n) => (Some(n), None),
        Fault::DropResponseAfter(n) => (None, Some(n)),
        _ => (None, None),
    };
    let up_bytes = bytes.clone();
    let up = async move {
        let _ = pump(&mut cr, &mut sw, req_limit, &up_bytes).await;
    };
    let down = async move {
        let _ = pump(&mut sr, &mut cw, resp_limit, &bytes).await;
    };
    if req_limit.is_some() {
        // The request limit ends both directions (the connection drops).
        tokio::select! {
            () = up => {}
            () = down => {}
        }
    } else {
        let up_task = tokio::spawn(up);
        down.await;
        up_task.abort();
    }
}

/// Copies until EOF or until `limit` bytes went through (then returns, dropping the halves).
async fn pump(
    from: &mut tokio::net::tcp::OwnedReadHalf,
    to: &mut tokio::net::tcp::OwnedWriteHalf,
    limit: Option<usize>,
    bytes: &AtomicU64,
) -> std::io::Result<()> {
    let mut buf = vec![0u8; 16 * 1024];
    let mut sent = 0usize;
    loop {
        let n = from.read(&mut buf).await?;
        if n == 0 {
            return to.shutdown().await;
        }
        let take = match limit {
            Some(l) => n.min(l.saturating_sub(sent)),
            None => n,
        };
        to.write_all(&buf[..take]).await?;
        bytes.fetch_add(take as u64, Ordering::Relaxed);
        sent += take;
        if limit.is_some_and(|l| sent >= l) {
            return Ok(());
        }
    }
}
