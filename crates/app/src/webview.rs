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
//! Without compositing the app's own process has no use for OpenGL, yet it
//! was opened there three times: by GTK, choosing its windows' GL visuals
//! when it connects to the X server, and by WebKit, to look for the GPU's
//! render node and for its DMA-BUF renderer. That loads llvmpipe and LLVM
//! (56 MiB RSS, 28 MiB PSS in the app process). Turning GTK's OpenGL and
//! WebKit's DMA-BUF renderer off, and naming the render node (none:
//! `/dev/null`, which no DRM device matches, so the web process finds no GPU,
//! as it would have), keep OpenGL out of the app process. The web process
//! still loads it for WebGL.
//!
//! The choice is made once, from what the machine has. A switch the person
//! (or IT) set always wins, and setting the compositing switch at all means
//! they chose how WebKit draws: then the app sets none.

use std::path::Path;

/// WebKitGTK's switch for accelerated compositing (`1` turns it off).
pub const COMPOSITING_SWITCH: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";
/// WebKitGTK's switch for its DMA-BUF renderer (`1` turns it off).
pub const DMABUF_SWITCH: &str = "WEBKIT_DISABLE_DMABUF_RENDERER";
/// The DRM device WebKitGTK's web process draws with (it asks OpenGL when
/// this is not set).
pub const RENDER_DEVICE_SWITCH: &str = "WEBKIT_WEB_RENDER_DEVICE_FILE";

/// GTK 3's OpenGL switch (`disable` turns it off).
pub const GTK_GL_SWITCH: &str = "GDK_GL";

/// What the app sets when the machine has no GPU, in order.
const WITHOUT_GPU: [(&str, &str); 4] = [
    (COMPOSITING_SWITCH, "1"),
    (DMABUF_SWITCH, "1"),
    (RENDER_DEVICE_SWITCH, "/dev/null"),
    (GTK_GL_SWITCH, "disable"),
];

/// What decides the rendering, read from the machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    /// DRM render nodes (`/dev/dri/renderD*`) there are: a GPU OpenGL can use.
    pub render_nodes: usize,
    /// Which of the switches the app would set are set already.
    pub switches_set: Vec<&'static str>,
}

impl Machine {
    /// This machine, now (Linux; elsewhere no render nodes are looked for).
    pub fn current() -> Machine {
        Machine {
            render_nodes: render_nodes(Path::new("/dev/dri")),
            switches_set: WITHOUT_GPU
                .iter()
                .map(|(name, _)| *name)
                .filter(|name| std::env::var_os(name).is_some())
                .collect(),
        }
    }

    /// Whether [`COMPOSITING_SWITCH`] is set already.
    pub fn compositing_switch_set(&self) -> bool {
        self.switches_set.contains(&COMPOSITING_SWITCH)
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

/// The WebKit switches (name, value) the shell sets in its environment
/// before the web view starts on `machine`: none with a GPU, or when someone
/// set the compositing switch; otherwise each one not set already.
pub fn switches(machine: &Machine) -> Vec<(&'static str, &'static str)> {
    if !turn_compositing_off(machine) {
        return Vec::new();
    }
    WITHOUT_GPU
        .into_iter()
        .filter(|(name, _)| !machine.switches_set.contains(name))
        .collect()
}

/// Whether the shell turns accelerated compositing off on `machine` (see
/// [`switches`]).
pub fn turn_compositing_off(machine: &Machine) -> bool {
    // A switch someone set was set on purpose, whatever it says.
    !machine.compositing_switch_set() && machine.render_nodes == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn machine(render_nodes: usize, switches_set: &[&'static str]) -> Machine {
        Machine {
            render_nodes,
            switches_set: switches_set.to_vec(),
        }
    }

    #[test]
    fn without_a_gpu_compositing_and_opengl_in_the_app_process_are_turned_off() {
        let m = machine(0, &[]);
        assert!(turn_compositing_off(&m));
        assert_eq!(
            switches(&m),
            [
                (COMPOSITING_SWITCH, "1"),
                (DMABUF_SWITCH, "1"),
                (RENDER_DEVICE_SWITCH, "/dev/null"),
                (GTK_GL_SWITCH, "disable"),
            ]
        );
    }

    #[test]
    fn with_a_gpu_webkit_keeps_its_default() {
        let m = machine(1, &[]);
        assert!(!turn_compositing_off(&m));
        assert!(switches(&m).is_empty());
    }

    #[test]
    fn a_switch_someone_set_is_left_alone() {
        for render_nodes in [0, 2] {
            let m = machine(render_nodes, &[COMPOSITING_SWITCH]);
            assert!(
                !turn_compositing_off(&m),
                "never set over someone's own choice"
            );
            assert!(
                switches(&m).is_empty(),
                "whoever chose how WebKit composites chose how it draws"
            );
        }
        let device_chosen = machine(0, &[RENDER_DEVICE_SWITCH]);
        assert_eq!(
            switches(&device_chosen),
            [
                (COMPOSITING_SWITCH, "1"),
                (DMABUF_SWITCH, "1"),
                (GTK_GL_SWITCH, "disable")
            ],
            "a render device someone named is kept"
        );
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
