//! Camera-frame input: every pixel format, stride and rotation reads the same payload;
//! bad frames are typed errors; several codes are all returned.

use qrcode::EcLevel;
use qrcode::types::QrError;
use vaora_core::scan::{
    Frame, FrameError, OwnedFrame, OwnedPlane, PixelFormat, Pixels, Plane, PlaneName, Rect,
    Rotation, ScanOptions, scan_frame, scan_luma,
};
use vaora_tests::frames::{
    Canvas, Condition, Packing, Placement, Rng, draw_code, modules, pack, scene,
};

const FORMATS: [PixelFormat; 6] = [
    PixelFormat::Luma8,
    PixelFormat::Nv21,
    PixelFormat::Nv12,
    PixelFormat::Yuv420,
    PixelFormat::Bgra8888,
    PixelFormat::Rgba8888,
];
const ROTATIONS: [Rotation; 4] = [Rotation::R0, Rotation::R90, Rotation::R180, Rotation::R270];

fn opts() -> ScanOptions {
    // Generous budget: debug builds are slow and tests must not depend on speed.
    ScanOptions {
        budget: std::time::Duration::from_secs(60),
        ..ScanOptions::default()
    }
}

fn texts(frame: &OwnedFrame) -> Result<Vec<Vec<u8>>, FrameError> {
    Ok(scan_frame(&frame.frame()?, &opts())
        .codes
        .into_iter()
        .map(|c| c.bytes)
        .collect())
}

/// A code placed off-centre (left part), so a wrong rotation or stride would move it.
fn upright_scene() -> Result<(Vec<u8>, usize, usize, Vec<u8>), QrError> {
    let (w, h) = (241usize, 167usize); // odd sizes: chroma rounding and odd strides
    let payload = "VAORA1:Quán Phở Hà Nội – 12 Lý Thường Kiệt"
        .as_bytes()
        .to_vec();
    let m = modules(&payload, EcLevel::M)?;
    let mut c = Canvas::new(w, h, 180.0);
    draw_code(&mut c, &m, &Placement::square(100.0, 83.0, 150.0, 0.0, 0.0));
    Ok((c.to_luma(), w, h, payload))
}

#[test]
fn every_format_stride_and_rotation_reads_the_same_payload() {
    let (luma, w, h, payload) = upright_scene().unwrap();
    for format in FORMATS {
        for rotation in ROTATIONS {
            for (row_padding, luma_pixel_stride) in [(0, 1), (3, 1), (17, 2)] {
                let packing = Packing {
                    format,
                    row_padding,
                    luma_pixel_stride,
                    rotation,
                };
                let frame = pack(&luma, w, h, &packing);
                let found = texts(&frame).unwrap();
                assert_eq!(found, vec![payload.clone()], "{packing:?}");
            }
        }
    }
}

#[test]
fn rotation_maps_sensor_pixels_to_the_upright_image() {
    // A 3x2 upright image with distinct values, packed for each rotation, must read back
    // pixel for pixel through Frame::luma_at.
    let upright: Vec<u8> = (1..=6).map(|v| v * 10).collect();
    for rotation in ROTATIONS {
        let packing = Packing {
            format: PixelFormat::Luma8,
            row_padding: 1,
            luma_pixel_stride: 1,
            rotation,
        };
        let owned = pack(&upright, 3, 2, &packing);
        let f = owned.frame().unwrap();
        assert_eq!(f.upright_size(), (3, 2), "{rotation:?}");
        let back: Vec<u8> = (0..2)
            .flat_map(|y| (0..3).map(move |x| (x, y)))
            .map(|(x, y)| f.luma_at(x, y))
            .collect();
        assert_eq!(back, upright, "{rotation:?}");
    }
}

#[test]
fn decoded_text_is_the_exact_vietnamese_string() {
    let (luma, w, h, payload) = upright_scene().unwrap();
    let r = scan_luma(&luma, w as u32, h as u32, &opts()).unwrap();
    assert_eq!(r.codes.len(), 1);
    assert_eq!(
        r.codes[0].text.as_deref(),
        Some(std::str::from_utf8(&payload).unwrap())
    );
}

#[test]
fn region_of_interest_limits_what_is_read() {
    // Code on the right half of the sensor image only.
    let (w, h) = (300usize, 150usize);
    let payload = b"VAORA1:ROI".to_vec();
    let m = modules(&payload, EcLevel::M).unwrap();
    let mut c = Canvas::new(w, h, 190.0);
    draw_code(&mut c, &m, &Placement::square(225.0, 75.0, 140.0, 0.0, 0.0));
    let luma = c.to_luma();
    let plane = Plane::new(&luma, w, 1);
    let left = Rect {
        x: 0,
        y: 0,
        width: 150,
        height: 150,
    };
    let right = Rect { x: 150, ..left };
    for (roi, expect) in [(left, false), (right, true)] {
        let f = Frame::new(300, 150, Pixels::Luma8(plane), Rotation::R0, Some(roi)).unwrap();
        let found = scan_frame(&f, &opts()).codes;
        assert_eq!(found.iter().any(|c| c.bytes == payload), expect, "{roi:?}");
    }
}

#[test]
fn several_codes_in_one_frame_are_all_returned() {
    let mut rng = Rng::new(3);
    let s = scene(Condition::SeveralCodes, 640, 320, &mut rng).unwrap();
    let luma = s.canvas.to_luma();
    let all = ScanOptions {
        exhaustive: true,
        ..opts()
    };
    let r = scan_luma(&luma, 640, 320, &all).unwrap();
    let mut got: Vec<_> = r.codes.into_iter().map(|c| c.bytes).collect();
    let mut want = s.payloads.clone();
    got.sort();
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn inverted_turned_and_unevenly_lit_codes_decode() {
    for cond in [
        Condition::Inverted,
        Condition::Turned90,
        Condition::UnevenLight,
    ] {
        let mut rng = Rng::new(11);
        let s = scene(cond, 400, 300, &mut rng).unwrap();
        let r = scan_luma(&s.canvas.to_luma(), 400, 300, &opts()).unwrap();
        let got: Vec<_> = r.codes.into_iter().map(|c| c.bytes).collect();
        assert!(got.contains(&s.payloads[0]), "{cond:?}");
    }
}

#[test]
fn a_frame_without_a_code_returns_nothing() {
    let mut rng = Rng::new(5);
    let mut c = Canvas::new(320, 240, 128.0);
    vaora_tests::frames::noise(&mut c, 30.0, &mut rng);
    let r = scan_luma(&c.to_luma(), 320, 240, &opts()).unwrap();
    assert!(r.codes.is_empty());
    // The camera path rejects it on the finder evidence alone, before any decoder.
    assert!(r.rejected, "{r:?}");
    assert_eq!(r.attempts, 0);
    // A still image is never rejected: the decoders run and find nothing.
    let still = ScanOptions {
        budget: std::time::Duration::from_secs(60),
        ..ScanOptions::still_image()
    };
    let r = scan_luma(&c.to_luma(), 320, 240, &still).unwrap();
    assert!(r.codes.is_empty() && !r.rejected && r.attempts > 0, "{r:?}");
    // And what it costs is bounded: with no finder evidence, rxing with try-harder on the
    // image and on its negative, then one rqrr attempt, turned only because it located
    // nothing (docs/scanning.md, the still path): 4 at most, 2 without rxing built in. No
    // rqrr retry per polarity or threshold: a photo with nothing readable is what sets
    // the still path's p95.
    assert!(r.attempts <= 4, "{} attempts: {r:?}", r.attempts);
}

#[test]
fn a_spent_budget_stops_before_the_next_attempt() {
    let (luma, w, h, _) = upright_scene().unwrap();
    let zero = ScanOptions {
        budget: std::time::Duration::ZERO,
        ..ScanOptions::default()
    };
    let r = scan_luma(&luma, w as u32, h as u32, &zero).unwrap();
    assert!(r.budget_exhausted);
    assert_eq!(r.attempts, 0);
}

fn luma(w: u32, h: u32, data: &[u8], stride: usize, ps: usize) -> Result<Frame<'_>, FrameError> {
    Frame::new(
        w,
        h,
        Pixels::Luma8(Plane::new(data, stride, ps)),
        Rotation::R0,
        None,
    )
}

#[test]
fn invalid_frames_give_typed_errors() {
    let buf = vec![0u8; 100];
    assert_eq!(
        luma(0, 10, &buf, 10, 1).unwrap_err(),
        FrameError::ZeroSize {
            width: 0,
            height: 10
        }
    );
    assert_eq!(
        luma(20_000, 10, &buf, 20_000, 1).unwrap_err(),
        FrameError::TooLarge {
            width: 20_000,
            height: 10
        }
    );
    assert_eq!(
        luma(10, 10, &buf, 9, 1).unwrap_err(),
        FrameError::RowStrideTooSmall {
            plane: PlaneName::Y,
            row_stride: 9,
            min: 10
        }
    );
    assert_eq!(
        luma(10, 10, &buf, 10, 0).unwrap_err(),
        FrameError::PixelStrideTooSmall {
            plane: PlaneName::Y,
            pixel_stride: 0,
            min: 1
        }
    );
    // 10 rows of stride 11: the last row needs only 10 bytes -> 9*11+10 = 109.
    assert_eq!(
        luma(10, 10, &buf, 11, 1).unwrap_err(),
        FrameError::BufferTooShort {
            plane: PlaneName::Y,
            len: 100,
            needed: 109
        }
    );
    // A short last row is accepted (Android does this).
    let exact = vec![0u8; 109];
    assert!(luma(10, 10, &exact, 11, 1).is_ok());
    assert_eq!(
        luma(10, 10, &buf, usize::MAX, 1).unwrap_err(),
        FrameError::Overflow {
            plane: PlaneName::Y
        }
    );
    assert_eq!(
        luma(10, 10, &buf, 10, usize::MAX / 2).unwrap_err(),
        FrameError::Overflow {
            plane: PlaneName::Y
        }
    );
    // Chroma plane of NV21 too short: 5 rows of 10 bytes needed.
    let y = vec![0u8; 100];
    let vu = vec![0u8; 10];
    let e = Frame::new(
        10,
        10,
        Pixels::Nv21 {
            y: Plane::new(&y, 10, 1),
            vu: Plane::new(&vu, 10, 2),
        },
        Rotation::R0,
        None,
    )
    .unwrap_err();
    assert_eq!(
        e,
        FrameError::BufferTooShort {
            plane: PlaneName::Chroma,
            len: 10,
            needed: 50
        }
    );
    // BGRA with a pixel stride below 4.
    let bgra = vec![0u8; 400];
    let e = Frame::new(
        10,
        10,
        Pixels::Bgra8888(Plane::new(&bgra, 40, 3)),
        Rotation::R0,
        None,
    )
    .unwrap_err();
    assert!(matches!(e, FrameError::PixelStrideTooSmall { min: 4, .. }));
    // Region outside the frame, an overflowing region, an empty region.
    for roi in [
        Rect {
            x: 5,
            y: 0,
            width: 6,
            height: 10,
        },
        Rect {
            x: u32::MAX,
            y: 0,
            width: 2,
            height: 1,
        },
        Rect {
            x: 0,
            y: 0,
            width: 0,
            height: 1,
        },
    ] {
        let e = Frame::new(
            10,
            10,
            Pixels::Luma8(Plane::new(&buf, 10, 1)),
            Rotation::R0,
            Some(roi),
        )
        .unwrap_err();
        assert!(matches!(e, FrameError::BadRegion { .. }), "{roi:?}");
    }
    assert_eq!(
        Rotation::from_degrees(45).unwrap_err(),
        FrameError::BadRotation { degrees: 45 }
    );
    // Owned frames: plane count and unknown format names.
    let owned = OwnedFrame {
        width: 10,
        height: 10,
        format: PixelFormat::Yuv420,
        planes: vec![OwnedPlane {
            data: buf.clone(),
            row_stride: 10,
            pixel_stride: 1,
        }],
        rotation_degrees: 0,
        roi: None,
    };
    assert!(matches!(
        owned.frame().unwrap_err(),
        FrameError::PlaneCount {
            needed: 3,
            got: 1,
            ..
        }
    ));
    assert!(matches!(
        "yuyv".parse::<PixelFormat>().unwrap_err(),
        FrameError::UnknownFormat(_)
    ));
}
