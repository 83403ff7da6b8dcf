//! `--frame-log FILE` (benchmarks): when each received video's frames came.
//! A thread reads the engine's frame count of every remote video every
//! [`POLL`] and writes a line each time it grew:
//! `UNIX_MS PEER FRAMES WIDTHxHEIGHT` (wall-clock milliseconds, the count
//! so far, the newest frame's size). Frames that came within one poll share
//! its line, so a gap between two frames is known to within [`POLL`]: the
//! engine reports its stats (and the stats JSON its counts) only once a
//! second, too coarse to see a half-second freeze. The count is read
//! through the engine's control thread; a read that took longer than
//! [`SLOW_POLL`] is logged as `# slow-poll UNIX_MS MS`, as frames it held
//! back show up late (a gap that may not have been on screen).

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use mulaqat_media::{MediaEngine, MediaKind, PeerId, TrackId};

/// How often the counts are read.
const POLL: Duration = Duration::from_millis(20);
/// A read of the count slower than this is logged.
const SLOW_POLL: Duration = Duration::from_millis(50);
/// How often the lines are flushed to the file (and on stop).
const FLUSH_EVERY: Duration = Duration::from_millis(500);

/// The running log; dropping it stops the thread and flushes the file.
#[derive(Debug)]
pub(crate) struct FrameLog {
    peers: Arc<Mutex<Vec<PeerId>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FrameLog {
    /// Starts logging into `path` (created or emptied); peers are added
    /// with [`FrameLog::watch`].
    pub(crate) fn start(engine: MediaEngine, path: &Path) -> Result<FrameLog> {
        let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
        let peers: Arc<Mutex<Vec<PeerId>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::Builder::new()
            .name("frame-log".into())
            .spawn({
                let (peers, stop) = (peers.clone(), stop.clone());
                move || run(&engine, BufWriter::new(file), &peers, &stop)
            })
            .context("starting the frame log")?;
        Ok(FrameLog {
            peers,
            stop,
            thread: Some(thread),
        })
    }

    /// Logs `peer`'s video from now on.
    pub(crate) fn watch(&self, peer: &PeerId) {
        let mut peers = self.peers.lock().unwrap_or_else(PoisonError::into_inner);
        if !peers.contains(peer) {
            peers.push(peer.clone());
        }
    }
}

impl Drop for FrameLog {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn unix_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

fn run(
    engine: &MediaEngine,
    mut out: BufWriter<File>,
    peers: &Mutex<Vec<PeerId>>,
    stop: &AtomicBool,
) {
    let mut seen: HashMap<PeerId, u64> = HashMap::new();
    let mut flushed = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        let watched = peers.lock().unwrap_or_else(PoisonError::into_inner).clone();
        for peer in watched {
            let track = TrackId::remote(&peer, MediaKind::Video);
            let asked = Instant::now();
            let frames = engine.frames_received(&track);
            let at = unix_ms();
            let took = asked.elapsed();
            if took > SLOW_POLL {
                let _ = writeln!(out, "# slow-poll {at} {}", took.as_millis());
            }
            if seen.get(&peer) == Some(&frames) {
                continue;
            }
            let size = engine
                .track_resolution(&track)
                .map_or_else(|| "?".to_owned(), |r| r.to_string());
            // Nowhere to report a write error to: the bench sees a short log.
            let _ = writeln!(out, "{at} {peer} {frames} {size}");
            seen.insert(peer, frames);
        }
        if flushed.elapsed() >= FLUSH_EVERY {
            let _ = out.flush();
            flushed = Instant::now();
        }
        std::thread::sleep(POLL);
    }
    let _ = out.flush();
}
