//! What the benches print about the machine they ran on: the load average when they start
//! and end (these machines are shared), and CPU seconds per process from `/proc` (Linux),
//! so that a figure can say how much CPU it took rather than how long the wall clock ran.

/// The 1, 5 and 15 minute load averages, or "unknown".
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// From /proc/PID/stat: the parent's pid, utime + stime, and cutime + cstime (the
/// finished children it waited for), in seconds (100 ticks a second on Linux).
fn stat(pid: &str) -> Option<(u32, f64, f64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) in parentheses.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i)?.parse::<f64>().ok();
    let ppid: u32 = f.get(1)?.parse().ok()?;
    Some((
        ppid,
        (ticks(11)? + ticks(12)?) / 100.0,
        (ticks(13)? + ticks(14)?) / 100.0,
    ))
}

/// utime + stime of a process in seconds, and its parent's pid, from /proc/PID/stat.
pub fn proc_cpu(pid: &str) -> Option<(f64, u32)> {
    stat(pid).map(|(ppid, own, _)| (own, ppid))
}

/// CPU seconds of a server process and all it ran: its own, its finished children's and
/// its live children's (a PostgreSQL postmaster's backends come and go with connections).
pub fn tree_cpu(pid: u32) -> Option<f64> {
    let (_, own, finished) = stat(&pid.to_string())?;
    let live: f64 = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .filter(|p| p.bytes().all(|b| b.is_ascii_digit()))
        .filter_map(|p| stat(&p))
        .filter(|(ppid, _, _)| *ppid == pid)
        .map(|(_, cpu, _)| cpu)
        .sum();
    Some(own + finished + live)
}

/// CPU seconds used so far by this process and by the children of `parent` (a
/// PostgreSQL postmaster's backends, say), if any.
pub fn cpu_seconds(parent: Option<u32>) -> (f64, f64) {
    let own = proc_cpu("self").map_or(0.0, |c| c.0);
    let Some(pm) = parent else {
        return (own, 0.0);
    };
    let mut children = proc_cpu(&pm.to_string()).map_or(0.0, |c| c.0);
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for e in entries.flatten() {
            let name = e.file_name();
            let Some(pid) = name.to_str() else { continue };
            if pid.bytes().all(|b| b.is_ascii_digit())
                && let Some((cpu, ppid)) = proc_cpu(pid)
                && ppid == pm
            {
                children += cpu;
            }
        }
    }
    (own, children)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_readable() {
        let (cpu, parent) = proc_cpu("self").expect("/proc/self/stat reads");
        assert!(cpu >= 0.0);
        assert!(parent > 0);
        assert_eq!(load_average().split(' ').count(), 3);
    }
}
