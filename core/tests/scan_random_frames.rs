//! Randomised frame input (the in-suite companion of `fuzz/fuzz_targets/frame_input.rs`):
//! random formats, sizes, strides, pixel strides, buffer lengths, rotations and regions.
//! `Frame::new` must accept exactly the frames an independent, overflow-free (u128)
//! computation says fit, and every accepted frame must scan without panicking.

use std::time::Duration;

use proptest::prelude::*;
use vaora_core::scan::{
    Frame, MAX_SIDE, Pixels, Plane, Rect, Rotation, ScanOptions, frame::FrameError, scan_frame,
};

/// Does a plane of `w` x `h` pixels of `bpp` bytes fit? Computed in u128, no overflow.
fn fits(len: usize, rs: usize, ps: usize, w: u32, h: u32, bpp: u128) -> bool {
    let (len, rs, ps, w, h) = (len as u128, rs as u128, ps as u128, w as u128, h as u128);
    let row = (w - 1) * ps + bpp;
    ps >= bpp && rs >= row && len >= (h - 1) * rs + row && (h - 1) * rs + row <= usize::MAX as u128
}

#[derive(Debug, Clone)]
struct Case {
    format: u8,
    width: u32,
    height: u32,
    lens: [usize; 3],
    strides: [usize; 3],
    pixel_strides: [usize; 3],
    rotation: u32,
    roi: Option<(u32, u32, u32, u32)>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        0u8..6,
        prop_oneof![0u32..48, Just(MAX_SIDE + 1)],
        0u32..48,
        [0usize..12_000, 0usize..4_000, 0usize..4_000],
        (
            prop_oneof![0usize..260, Just(usize::MAX)],
            0usize..200,
            0usize..200,
        ),
        [0usize..6, 0usize..4, 0usize..4],
        prop_oneof![Just(0u32), Just(90), Just(180), Just(270), 0u32..400],
        proptest::option::of((0u32..60, 0u32..60, 0u32..60, 0u32..60)),
    )
        .prop_map(
            |(format, width, height, lens, (s0, s1, s2), pixel_strides, rotation, roi)| Case {
                format,
                width,
                height,
                lens,
                strides: [s0, s1, s2],
                pixel_strides,
                rotation,
                roi,
            },
        )
}

proptest! {
    // 400 cases in the suite; PROPTEST_CASES=N runs a longer randomised session.
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(400)
    ))]

    #[test]
    fn frames_are_accepted_exactly_when_they_fit(c in case()) {
        let bufs: Vec<Vec<u8>> = c.lens.iter().enumerate()
            .map(|(i, &n)| (0..n).map(|j| (j * 31 + i * 7) as u8).collect())
            .collect();
        let plane = |i: usize| Plane::new(&bufs[i], c.strides[i], c.pixel_strides[i]);
        let pixels = match c.format {
            0 => Pixels::Luma8(plane(0)),
            1 => Pixels::Nv21 { y: plane(0), vu: plane(1) },
            2 => Pixels::Nv12 { y: plane(0), uv: plane(1) },
            3 => Pixels::Yuv420 { y: plane(0), u: plane(1), v: plane(2) },
            4 => Pixels::Bgra8888(plane(0)),
            _ => Pixels::Rgba8888(plane(0)),
        };
        let rotation = match Rotation::from_degrees(c.rotation) {
            Ok(r) => r,
            Err(e) => {
                prop_assert!(c.rotation % 90 != 0 || c.rotation >= 360);
                prop_assert_eq!(e, FrameError::BadRotation { degrees: c.rotation });
                return Ok(());
            }
        };
        let roi = c.roi.map(|(x, y, width, height)| Rect { x, y, width, height });
        let result = Frame::new(c.width, c.height, pixels, rotation, roi);

        let (w, h) = (c.width, c.height);
        let size_ok = w > 0 && h > 0 && w <= MAX_SIDE && h <= MAX_SIDE;
        let planes_ok = size_ok && {
            let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
            let p = |i: usize, w: u32, h: u32, bpp: u128| {
                fits(c.lens[i], c.strides[i], c.pixel_strides[i], w, h, bpp)
            };
            match c.format {
                0 => p(0, w, h, 1),
                1 | 2 => p(0, w, h, 1) && p(1, cw, ch, 2),
                3 => p(0, w, h, 1) && p(1, cw, ch, 1) && p(2, cw, ch, 1),
                _ => p(0, w, h, 4),
            }
        };
        let roi_ok = c.roi.is_none_or(|(x, y, rw, rh)| {
            rw > 0 && rh > 0 && x + rw <= w && y + rh <= h
        });
        prop_assert_eq!(result.is_ok(), planes_ok && roi_ok, "{:?}", result.err());

        if let Ok(frame) = result {
            let (uw, uh) = frame.upright_size();
            for y in 0..uh {
                for x in 0..uw {
                    let _ = frame.luma_at(x, y);
                }
            }
            let opts = ScanOptions { budget: Duration::from_millis(200), ..ScanOptions::default() };
            let _ = scan_frame(&frame, &opts);
        }
    }
}
