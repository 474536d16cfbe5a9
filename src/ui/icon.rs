//! The window icon, from the PNGs rendered from icons/hookscope.svg.

use egui::IconData;

/// 128 px: sharp in task switchers, cheap to decode at start-up.
const WINDOW_ICON: &[u8] = include_bytes!("../../icons/hookscope-128.png");

/// The app icon; `None` (the platform's default icon) if it does not decode.
pub fn app_icon() -> Option<IconData> {
    match eframe::icon_data::from_png_bytes(WINDOW_ICON) {
        Ok(icon) => Some(icon),
        Err(e) => {
            eprintln!("hookscope: the window icon does not decode: {e}");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_window_icon_decodes() {
        let icon = app_icon().expect("the embedded PNG decodes");
        assert_eq!((icon.width, icon.height), (128, 128));
        assert_eq!(icon.rgba.len(), 128 * 128 * 4);
        // The tile's corner is transparent, its centre opaque.
        assert_eq!(icon.rgba[3], 0);
        let centre = (64 * 128 + 64) * 4;
        assert_eq!(icon.rgba[centre + 3], 255);
    }
}
