//! What the benches print about the machine they ran on: the load average when they start
//! and end (these machines are shared), and CPU seconds per process from `/proc` (Linux),
//! so that a figure can say how much CPU it took rather than how long the wall clock ran.

/// The 1, 5 and 15 minute load averages, or "unknown".
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// utime + stime of a process in seconds, and its parent's pid, from /proc/PID/stat.
pub fn proc_cpu(pid: &str) -> Option<(f64, u32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) in parentheses.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ppid: u32 = f.get(1)?.parse().ok()?;
    let utime: f64 = f.get(11)?.parse().ok()?;
    let stime: f64 = f.get(12)?.parse().ok()?;
    Some(((utime + stime) / 100.0, ppid))
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
