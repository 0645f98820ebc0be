//! zxing-cpp as the bench's reference, measured in the same run through its Python binding.
//!
//! Never a dependency of the library: the bench looks for a Python with the `zxing-cpp`
//! package (`VAORA_ZXING_PYTHON`, else `target/zxing-venv/bin/python`; make it with
//! `python3 -m venv target/zxing-venv && target/zxing-venv/bin/pip install zxing-cpp numpy`)
//! and says it is absent when there is none. Images go to a temporary folder as raw grey
//! bytes; one Python process reads them all, times `read_barcodes` (QR only, the binding's
//! defaults otherwise: try-harder, rotate, invert, downscale) `reps` times each after one
//! warm-up call, in thread CPU time as the bench times ours, and prints the median and
//! the payloads.

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

/// What zxing-cpp read in one image and its median time.
#[derive(Debug, Clone, Default)]
pub struct Read {
    pub payloads: Vec<Vec<u8>>,
    pub median_ms: f64,
}

const SCRIPT: &str = r#"
import sys, time, statistics, numpy as np, zxingcpp
folder, reps = sys.argv[1], int(sys.argv[2])
names = [l.strip() for l in open(folder + '/list.txt') if l.strip()]
for name in names:
    w, h = (int(v) for v in name.split('.')[0].split('_')[1].split('x'))
    img = np.fromfile(folder + '/' + name, dtype=np.uint8).reshape(h, w)
    fmt = zxingcpp.BarcodeFormat.QRCode
    res = zxingcpp.read_barcodes(img, formats=fmt)
    times = []
    for _ in range(reps):
        t = time.thread_time()
        zxingcpp.read_barcodes(img, formats=fmt)
        times.append((time.thread_time() - t) * 1e3)
    med = statistics.median(times) if times else 0.0
    print(name + '\t' + repr(med) + ''.join('\t' + bytes(r.bytes).hex() for r in res if r.valid), flush=True)
"#;

/// The Python that has zxing-cpp, if any.
pub fn python() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("VAORA_ZXING_PYTHON").map(PathBuf::from),
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/zxing-venv/bin/python")),
    ];
    candidates.into_iter().flatten().find(|p| {
        Command::new(p)
            .args(["-c", "import zxingcpp, numpy"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// Reads every image (`luma`, `width`, `height`) with zxing-cpp; `None` when zxing-cpp is
/// not available or failed.
pub fn read_all(images: &[(&[u8], usize, usize)], reps: usize) -> Option<Vec<Read>> {
    let py = python()?;
    let dir = tempfile::tempdir().ok()?;
    let mut list = String::new();
    for (i, (luma, w, h)) in images.iter().enumerate() {
        let name = format!("{i:05}_{w}x{h}.raw");
        std::fs::File::create(dir.path().join(&name))
            .and_then(|mut f| f.write_all(luma))
            .ok()?;
        list.push_str(&name);
        list.push('\n');
    }
    std::fs::write(dir.path().join("list.txt"), list).ok()?;
    let out = Command::new(py)
        .args(["-c", SCRIPT])
        .arg(dir.path())
        .arg(reps.to_string())
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!("zxing-cpp failed: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let reads: Vec<Read> = text
        .lines()
        .map(|line| {
            let mut fields = line.split('\t').skip(1);
            let median_ms = fields.next().and_then(|v| v.parse().ok()).unwrap_or(0.0);
            let payloads = fields.filter_map(|h| hex::decode(h).ok()).collect();
            Read {
                payloads,
                median_ms,
            }
        })
        .collect();
    (reads.len() == images.len()).then_some(reads)
}
