use super::*;

fn res(width: u32, height: u32) -> Resolution {
    Resolution { width, height }
}

#[test]
fn a_picture_fits_inside_its_tile_with_its_shape_kept() {
    // A 16:9 camera in a tile a few pixels off 16:9: height limits.
    assert_eq!(fit_within(res(1280, 720), res(628, 352)), res(626, 352));
    // A wide tile: height limits; a tall one: width limits.
    assert_eq!(fit_within(res(1280, 720), res(1000, 360)), res(640, 360));
    assert_eq!(fit_within(res(1280, 720), res(320, 900)), res(320, 180));
    // A 4:3 camera in a 16:9 tile.
    assert_eq!(fit_within(res(640, 480), res(640, 360)), res(480, 360));
    // Exact fits stay exact.
    assert_eq!(fit_within(res(1920, 1080), res(960, 540)), res(960, 540));
}

#[test]
fn a_picture_is_never_enlarged_and_sizes_stay_even_and_positive() {
    assert_eq!(fit_within(res(640, 360), res(1920, 1080)), res(640, 360));
    assert_eq!(fit_within(res(641, 361), res(4000, 4000)), res(640, 360));
    assert_eq!(fit_within(res(1280, 720), res(1, 1)), res(2, 2));
    // An odd tile is never overflowed.
    assert_eq!(fit_within(res(1280, 720), res(627, 353)), res(626, 352));
    // An unknown (zero) picture takes the tile, evened down.
    assert_eq!(fit_within(res(0, 0), res(301, 169)), res(300, 168));
}

#[test]
fn without_a_box_the_picture_is_native_and_before_caps_the_box_is_used() {
    assert_eq!(target(None, Some(res(1280, 720))), None);
    assert_eq!(target(Some(res(320, 240)), None), Some(res(320, 240)));
    assert_eq!(
        target(Some(res(320, 240)), Some(res(1280, 720))),
        Some(res(320, 180))
    );
}

#[test]
fn tile_caps_fix_square_pixels_only_with_a_size() {
    crate::init().expect("gstreamer");
    let sized = tile_caps(Some(res(321, 181)));
    let s = sized.structure(0).expect("structure");
    assert_eq!(s.get::<i32>("width").ok(), Some(320));
    assert_eq!(s.get::<i32>("height").ok(), Some(180));
    assert_eq!(
        s.get::<gst::Fraction>("pixel-aspect-ratio").ok(),
        Some(gst::Fraction::new(1, 1))
    );
    let native = tile_caps(None);
    let s = native.structure(0).expect("structure");
    assert!(!s.has_field("width") && !s.has_field("pixel-aspect-ratio"));
}
