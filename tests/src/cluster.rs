//! The whole server topology on loopback, from Debian's packages: a PostgreSQL primary, a
//! hot standby streaming from it, several `vaora serve` nodes on the primary (reading the
//! exposure feed and the console's counts from the standby), and HAProxy in front with
//! health checks. `tests/tests/cluster.rs` runs a phone story through it while killing a
//! node; `cargo xtask cluster up|down` starts it for a person to try (docs/scaling.md).
//!
//! Why HAProxy hashes on the device id: each device's requests land on one node (consistent
//! hashing on the id in the `Authorization` header), so a node's per-device rate limit sees
//! all of that device's requests and stays exact while the node lives; when a node dies its
//! devices move to the others and start with a fresh budget, at most one extra burst per
//! device per failure. Requests without a device (registration, the console, the public
//! page) go round robin.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::pg::PgCluster;

/// One `vaora serve` process.
#[derive(Debug)]
struct Node {
    port: u16,
    child: Option<Child>,
}

/// A running topology; dropped = every process stopped and the folders removed.
#[derive(Debug)]
pub struct Cluster {
    dir: tempfile::TempDir,
    vaora: PathBuf,
    /// The primary database (`None` only once detached).
    primary: Option<PgCluster>,
    /// The hot standby the nodes read from.
    replica: Option<PgCluster>,
    nodes: Vec<Node>,
    balancer: Option<Child>,
    balancer_port: u16,
    stats_port: u16,
}

/// The `vaora` binary: `VAORA_BIN`, else next to the running test's folder (`cargo test
/// --workspace` builds it into `target/<profile>/`).
pub fn find_vaora() -> Result<PathBuf, String> {
    if let Ok(bin) = std::env::var("VAORA_BIN") {
        return Ok(PathBuf::from(bin));
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut dir = exe.parent().map(Path::to_path_buf);
    while let Some(d) = dir {
        let candidate = d.join("vaora");
        if candidate.is_file() {
            return Ok(candidate);
        }
        dir = d.parent().map(Path::to_path_buf);
    }
    Err("no vaora binary found: run `cargo build -p vaora-cli` or set VAORA_BIN".into())
}

/// HAProxy from Debian (`apt-get install haproxy`; `cargo xtask test` installs it).
pub fn find_haproxy() -> Result<PathBuf, String> {
    ["/usr/sbin/haproxy", "/usr/bin/haproxy"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .ok_or_else(|| "HAProxy is not installed: apt-get install -y haproxy".into())
}

fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

/// A plain HTTP/1.0 GET on loopback: the status and the body.
pub fn http_get(port: u16, path: &str) -> Result<(u16, String), String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&raw);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| format!("not an HTTP answer: {text:.80}"))?;
    let body = text
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_owned();
    Ok((status, body))
}

/// The value of an unlabelled or labelled sample in a `/metrics` text, summed over the
/// lines that start with `prefix` (a metric name with an optional label subset, e.g.
/// `vaora_keeper_runs_total{keeper="rollup",outcome="worked"`).
pub fn metric_sum(metrics: &str, prefix: &str) -> f64 {
    metrics
        .lines()
        .filter(|l| l.starts_with(prefix))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

impl Cluster {
    /// Starts a primary, its standby, `nodes` server nodes and the balancer, and waits until
    /// every node answers its health check and the balancer sees them all up.
    pub fn start(vaora: &Path, nodes: usize) -> Result<Self, String> {
        let haproxy = find_haproxy()?;
        let primary = PgCluster::start()?;
        let replica = PgCluster::start_standby(&primary)?;
        let dir = tempfile::Builder::new()
            .prefix("vaora-cluster-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        // One authority key for every node, made before they start (two nodes creating
        // it at once would race).
        vaora_server::AuthorityKey::load_or_create(&dir.path().join("authority"))
            .map_err(|e| e.to_string())?;
        let mut cluster = Self {
            dir,
            vaora: vaora.to_path_buf(),
            primary: Some(primary),
            replica: Some(replica),
            nodes: Vec::new(),
            balancer: None,
            balancer_port: free_port()?,
            stats_port: free_port()?,
        };
        for _ in 0..nodes {
            let port = free_port()?;
            cluster.nodes.push(Node { port, child: None });
        }
        // All nodes at once, as a deployment's rollout does: migrations and keepers must
        // cope.
        for i in 0..nodes {
            cluster.spawn_node(i)?;
        }
        for i in 0..nodes {
            cluster.wait_healthy(i)?;
        }
        cluster.write_balancer_config()?;
        let log = std::fs::File::create(cluster.dir.path().join("haproxy.log"))
            .map_err(|e| e.to_string())?;
        let child = Command::new(&haproxy)
            .arg("-db")
            .arg("-f")
            .arg(cluster.dir.path().join("haproxy.cfg"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("starting {}: {e}", haproxy.display()))?;
        cluster.balancer = Some(child);
        for i in 0..nodes {
            cluster.wait_balancer(i, "UP", Duration::from_secs(30))?;
        }
        Ok(cluster)
    }

    fn write_balancer_config(&self) -> Result<(), String> {
        let servers: String = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| format!("    server node{} 127.0.0.1:{} check\n", i + 1, n.port))
            .collect();
        let cfg = format!(
            "global\n    maxconn 4096\n\n\
             defaults\n    mode http\n    timeout connect 2s\n    timeout client 60s\n    \
             timeout server 60s\n    retries 3\n    option redispatch\n\n\
             frontend api\n    bind 127.0.0.1:{balancer}\n    option forwardfor\n    \
             default_backend nodes\n\n\
             backend nodes\n    \
             # One device, one node: hash the device id in `Authorization: SCHEME ID:TS:SIG`.\n    \
             balance hash req.hdr(authorization),word(2,' :')\n    hash-type consistent\n    \
             option httpchk GET /healthz\n    http-check expect status 200\n    \
             default-server inter 300ms fall 2 rise 2\n{servers}\n\
             listen stats\n    bind 127.0.0.1:{stats}\n    stats enable\n    stats uri /stats\n",
            balancer = self.balancer_port,
            stats = self.stats_port,
        );
        std::fs::write(self.dir.path().join("haproxy.cfg"), cfg).map_err(|e| e.to_string())
    }

    fn spawn_node(&mut self, i: usize) -> Result<(), String> {
        let port = self.nodes.get(i).ok_or("no such node")?.port;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join(format!("node{}.log", i + 1)))
            .map_err(|e| e.to_string())?;
        let child = Command::new(&self.vaora)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--database", &self.primary_url()])
            .args(["--replica-database", &self.replica_url()])
            .arg("--authority")
            .arg(self.dir.path().join("authority"))
            .args(["--trusted-proxy", "127.0.0.1"])
            .env("VAORA_LOG", "info")
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("starting {}: {e}", self.vaora.display()))?;
        if let Some(node) = self.nodes.get_mut(i) {
            node.child = Some(child);
        }
        Ok(())
    }

    fn wait_healthy(&mut self, i: usize) -> Result<(), String> {
        let port = self.nodes.get(i).ok_or("no such node")?.port;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok((200, _)) = http_get(port, "/healthz") {
                return Ok(());
            }
            if let Some(Some(child)) = self.nodes.get_mut(i).map(|n| n.child.as_mut())
                && let Ok(Some(status)) = child.try_wait()
            {
                return Err(format!("node {} exited ({status}): {}", i + 1, self.log(i)));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "node {} never became healthy: {}",
                    i + 1,
                    self.log(i)
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The end of node `i`'s log (for failure messages).
    pub fn log(&self, i: usize) -> String {
        let text = std::fs::read_to_string(self.dir.path().join(format!("node{}.log", i + 1)))
            .unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(20).collect();
        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
    }

    /// The primary database's URL.
    pub fn primary_url(&self) -> String {
        self.primary
            .as_ref()
            .map(PgCluster::url)
            .unwrap_or_default()
    }

    /// The standby's URL (read-only).
    pub fn replica_url(&self) -> String {
        self.replica
            .as_ref()
            .map(PgCluster::url)
            .unwrap_or_default()
    }

    /// The balancer's address, where phones and the authority send their requests.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.balancer_port)
    }

    /// Node `i`'s own port (its `/metrics`, `/healthz`).
    pub fn node_port(&self, i: usize) -> Option<u16> {
        self.nodes.get(i).map(|n| n.port)
    }

    /// Node `i`'s process id (`None` while it is down).
    pub fn node_pid(&self, i: usize) -> Option<u32> {
        self.nodes.get(i)?.child.as_ref().map(Child::id)
    }

    /// The balancer's process id.
    pub fn balancer_pid(&self) -> Option<u32> {
        self.balancer.as_ref().map(Child::id)
    }

    /// The primary's and the standby's data folders (their `postmaster.pid` names the
    /// server process whose children do the work).
    pub fn data_dirs(&self) -> (Option<PathBuf>, Option<PathBuf>) {
        (
            self.primary.as_ref().map(PgCluster::data_dir),
            self.replica.as_ref().map(PgCluster::data_dir),
        )
    }

    /// How many nodes the cluster has.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The folder holding the authority key every node signs with.
    pub fn authority_dir(&self) -> PathBuf {
        self.dir.path().join("authority")
    }

    /// Node `i`'s `/metrics` text.
    pub fn metrics(&self, i: usize) -> Result<String, String> {
        let port = self.node_port(i).ok_or("no such node")?;
        match http_get(port, "/metrics")? {
            (200, body) => Ok(body),
            (status, body) => Err(format!("/metrics answered {status}: {body}")),
        }
    }

    /// Kills node `i` at once (SIGKILL), as a crash would.
    pub fn kill_node(&mut self, i: usize) -> Result<(), String> {
        let node = self.nodes.get_mut(i).ok_or("no such node")?;
        if let Some(mut child) = node.child.take() {
            child.kill().map_err(|e| e.to_string())?;
            child.wait().map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// Starts node `i` again and waits for its health check.
    pub fn restart_node(&mut self, i: usize) -> Result<(), String> {
        self.spawn_node(i)?;
        self.wait_healthy(i)
    }

    /// The balancer's view of node `i` (`UP`, `DOWN`, …) from its statistics page.
    pub fn balancer_status(&self, i: usize) -> Result<String, String> {
        let (status, csv) = http_get(self.stats_port, "/stats;csv")?;
        if status != 200 {
            return Err(format!("HAProxy statistics answered {status}"));
        }
        let name = format!("node{}", i + 1);
        csv.lines()
            .map(|l| l.split(',').collect::<Vec<_>>())
            .find(|f| f.first() == Some(&"nodes") && f.get(1) == Some(&name.as_str()))
            .and_then(|f| f.get(17).map(|s| (*s).to_owned()))
            .ok_or_else(|| format!("{name} not in the statistics"))
    }

    /// Waits until the balancer reports node `i` as `want` (its status starts with it).
    pub fn wait_balancer(&self, i: usize, want: &str, limit: Duration) -> Result<(), String> {
        let deadline = Instant::now() + limit;
        loop {
            let seen = self.balancer_status(i);
            if seen.as_deref().is_ok_and(|s| s.starts_with(want)) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "node {} is {seen:?} at the balancer, not {want}",
                    i + 1
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Leaves everything running (`cargo xtask cluster up`) and returns what `down` needs
    /// and what a person needs to use it, as `KEY=VALUE` lines.
    pub fn detach(mut self) -> String {
        let mut lines = vec![
            format!("BALANCER={}", self.url()),
            format!("STATS=http://127.0.0.1:{}/stats", self.stats_port),
            format!("PRIMARY={}", self.primary_url()),
            format!("REPLICA={}", self.replica_url()),
            format!("AUTHORITY={}", self.authority_dir().display()),
            format!("FOLDER={}", self.dir.path().display()),
        ];
        for (i, n) in self.nodes.iter_mut().enumerate() {
            lines.push(format!("NODE{}=http://127.0.0.1:{}", i + 1, n.port));
            if let Some(child) = n.child.take() {
                lines.push(format!("PID={}", child.id()));
            }
        }
        if let Some(b) = self.balancer.take() {
            lines.push(format!("PID={}", b.id()));
        }
        self.dir.disable_cleanup(true);
        // The standby first when stopping: `down` reads them in this order.
        for db in [self.replica.take(), self.primary.take()]
            .into_iter()
            .flatten()
        {
            lines.push(format!("PGDATA={}", db.detach().display()));
        }
        lines.join("\n") + "\n"
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some(mut b) = self.balancer.take() {
            let _ = b.kill();
            let _ = b.wait();
        }
        for n in &mut self.nodes {
            if let Some(mut c) = n.child.take() {
                let _ = c.kill();
                let _ = c.wait();
            }
        }
    }
}

/// Stops what [`Cluster::detach`] left running, from its `KEY=VALUE` lines.
pub fn stop_detached(state: &str) -> Result<(), String> {
    for line in state.lines() {
        if let Some(pid) = line.strip_prefix("PID=") {
            let _ = Command::new("kill").args(["-TERM", pid]).status();
        }
    }
    for line in state.lines() {
        if let Some(data) = line.strip_prefix("PGDATA=") {
            crate::pg::stop_data_dir(Path::new(data))?;
        }
    }
    for line in state.lines() {
        if let Some(folder) = line.strip_prefix("FOLDER=") {
            let _ = std::fs::remove_dir_all(folder);
        }
        if let Some(data) = line.strip_prefix("PGDATA=")
            && let Some(parent) = Path::new(data).parent()
        {
            let _ = std::fs::remove_dir_all(parent);
        }
    }
    Ok(())
}
