//! Fuzz target: arbitrary frame geometry (sizes, strides, pixel strides, formats,
//! rotation, region) over arbitrary bytes. `Frame::new` must refuse or accept without
//! panicking, and an accepted frame must scan without panicking or reading out of bounds.
//!
//! Run: `cd fuzz && cargo +nightly fuzz run frame_input -- -max_total_time=300`

#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use vaora_core::scan::{Frame, Pixels, Plane, Rect, Rotation, ScanOptions, scan_frame};

const HEADER: usize = 26;

fuzz_target!(|data: &[u8]| {
    if data.len() < HEADER {
        return;
    }
    let (h, rest) = data.split_at(HEADER);
    let u16_at = |i: usize| usize::from(u16::from_le_bytes([h[i], h[i + 1]]));
    // Mostly small sizes so that frames get accepted; the top bit of byte 0 allows huge ones.
    let big = h[0] & 0x80 != 0;
    let dim = |i: usize| {
        let v = u16_at(i) as u32;
        if big { v << (h[25] % 16) } else { v % 300 }
    };
    let (width, height) = (dim(1), dim(3));
    let stride = |i: usize| if big { u16_at(i) << (h[24] % 48).min(40) } else { u16_at(i) % 2048 };
    let strides = [stride(5), stride(7), stride(9)];
    let pixel_strides = [usize::from(h[11] % 9), usize::from(h[12] % 9), usize::from(h[13] % 9)];
    let rotation = match h[14] % 5 {
        0 => Rotation::R0,
        1 => Rotation::R90,
        2 => Rotation::R180,
        3 => Rotation::R270,
        _ => match Rotation::from_degrees(u32::from(h[15])) {
            Ok(r) => r,
            Err(_) => return,
        },
    };
    let roi = (h[16] & 1 == 1).then(|| Rect {
        x: u16_at(17) as u32 % 400,
        y: u16_at(19) as u32 % 400,
        width: u32::from(h[21]) * 2,
        height: u32::from(h[22]) * 2,
    });
    // Split the rest into three planes at fuzzer-chosen points.
    let n = rest.len();
    let a = n * usize::from(h[23] % 17) / 16;
    let b = a + (n - a) / 2;
    let (p0, tail) = rest.split_at(a.min(n));
    let (p1, p2) = tail.split_at((b - a).min(tail.len()));
    let planes = [
        Plane::new(if a == 0 { rest } else { p0 }, strides[0], pixel_strides[0]),
        Plane::new(p1, strides[1], pixel_strides[1]),
        Plane::new(p2, strides[2], pixel_strides[2]),
    ];
    let pixels = match h[0] % 6 {
        0 => Pixels::Luma8(planes[0]),
        1 => Pixels::Nv21 { y: planes[0], vu: planes[1] },
        2 => Pixels::Nv12 { y: planes[0], uv: planes[1] },
        3 => Pixels::Yuv420 { y: planes[0], u: planes[1], v: planes[2] },
        4 => Pixels::Bgra8888(planes[0]),
        _ => Pixels::Rgba8888(planes[0]),
    };
    if let Ok(frame) = Frame::new(width, height, pixels, rotation, roi) {
        let opts = ScanOptions {
            budget: Duration::from_millis(20),
            ..ScanOptions::default()
        };
        let _ = scan_frame(&frame, &opts);
    }
});
