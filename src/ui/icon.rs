//! The app icon, drawn at start-up: a lens over a rounded tile.

use egui::IconData;

const SIZE: u32 = 128;

pub fn app_icon() -> IconData {
    let size = SIZE as f32;
    let mut rgba = Vec::with_capacity((SIZE * SIZE * 4) as usize);
    for y in 0..SIZE {
        for x in 0..SIZE {
            let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
            let tile = rounded_square_coverage(px, py, size, 26.0);
            // The lens: a ring centred up-left, and a handle towards bottom-right.
            let (cx, cy, r) = (size * 0.44, size * 0.44, size * 0.24);
            let d = ((px - cx).powi(2) + (py - cy).powi(2)).sqrt();
            let ring = coverage(size * 0.055 - (d - r).abs());
            let handle = coverage(
                size * 0.06
                    - segment_distance(
                        px,
                        py,
                        (size * 0.61, size * 0.61),
                        (size * 0.78, size * 0.78),
                    ),
            );
            let dot = coverage(size * 0.07 - d);
            let white = ring.max(handle).max(dot * 0.85);
            let (r0, g0, b0) = (0x2f as f32, 0x6f as f32, 0xeb as f32);
            let mix = |c: f32| (c + (255.0 - c) * white) as u8;
            rgba.extend_from_slice(&[mix(r0), mix(g0), mix(b0), (tile * 255.0) as u8]);
        }
    }
    IconData {
        rgba,
        width: SIZE,
        height: SIZE,
    }
}

fn coverage(signed_distance: f32) -> f32 {
    (signed_distance + 0.5).clamp(0.0, 1.0)
}

fn rounded_square_coverage(x: f32, y: f32, size: f32, radius: f32) -> f32 {
    let half = size / 2.0;
    let qx = (x - half).abs() - (half - radius);
    let qy = (y - half).abs() - (half - radius);
    let distance =
        (qx.max(0.0).powi(2) + qy.max(0.0).powi(2)).sqrt() + qx.max(qy).min(0.0) - radius;
    coverage(-distance)
}

fn segment_distance(px: f32, py: f32, a: (f32, f32), b: (f32, f32)) -> f32 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let t = (((px - a.0) * dx + (py - a.1) * dy) / (dx * dx + dy * dy)).clamp(0.0, 1.0);
    ((px - a.0 - t * dx).powi(2) + (py - a.1 - t * dy).powi(2)).sqrt()
}
