//! How the web view should draw, decided before it starts.
//!
//! WebKitGTK composites the page with OpenGL ("accelerated compositing").
//! On a Linux machine without a GPU render node that OpenGL is Mesa's
//! software rasteriser (llvmpipe): compositing then costs memory and CPU and
//! buys nothing. Measured with the app bench on such a machine (2 cores, no
//! GPU): the web process of a 720p call holds about 110 MiB less, and drawing
//! four 360p tiles takes the web process from 70 % to 47 % of a core. WebGL
//! still draws the tiles either way. With a GPU, compositing stays on: there
//! it saves CPU.
//!
//! The choice is made once, from what the machine has, unless the person (or
//! IT) set WebKit's own switch, which always wins.

use std::path::Path;

/// WebKitGTK's switch for accelerated compositing (`1` turns it off).
pub const COMPOSITING_SWITCH: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// What decides the rendering, read from the machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    /// DRM render nodes (`/dev/dri/renderD*`) there are: a GPU OpenGL can use.
    pub render_nodes: usize,
    /// Whether [`COMPOSITING_SWITCH`] is set already.
    pub switch_set: bool,
}

impl Machine {
    /// This machine, now (Linux; elsewhere no render nodes are looked for).
    pub fn current() -> Machine {
        Machine {
            render_nodes: render_nodes(Path::new("/dev/dri")),
            switch_set: std::env::var_os(COMPOSITING_SWITCH).is_some(),
        }
    }
}

fn render_nodes(dri: &Path) -> usize {
    std::fs::read_dir(dri).map_or(0, |entries| {
        entries
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("renderD"))
            .count()
    })
}

/// Whether the shell should turn accelerated compositing off (set
/// [`COMPOSITING_SWITCH`] to `1`) before the web view starts on `machine`.
pub fn turn_compositing_off(machine: &Machine) -> bool {
    // A switch someone set was set on purpose, whatever it says.
    !machine.switch_set && machine.render_nodes == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_gpu_compositing_is_turned_off() {
        let machine = Machine {
            render_nodes: 0,
            switch_set: false,
        };
        assert!(turn_compositing_off(&machine));
    }

    #[test]
    fn with_a_gpu_webkit_keeps_its_default() {
        let machine = Machine {
            render_nodes: 1,
            switch_set: false,
        };
        assert!(!turn_compositing_off(&machine));
    }

    #[test]
    fn a_switch_someone_set_is_left_alone() {
        for render_nodes in [0, 2] {
            let machine = Machine {
                render_nodes,
                switch_set: true,
            };
            assert!(
                !turn_compositing_off(&machine),
                "never set over someone's own choice"
            );
        }
    }

    #[test]
    fn render_nodes_are_counted_from_the_dri_directory() {
        let dir = tempfile::tempdir().expect("temp dir");
        for name in ["card0", "renderD128", "renderD129", "by-path"] {
            std::fs::write(dir.path().join(name), b"").expect("write");
        }
        assert_eq!(render_nodes(dir.path()), 2);
        assert_eq!(render_nodes(&dir.path().join("missing")), 0);
    }
}
