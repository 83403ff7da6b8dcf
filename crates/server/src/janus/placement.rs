//! Which node gets a new room, and how long to wait before trying a down
//! node again. Pure functions, tested without Janus.

use std::time::Duration;

/// What placement needs to know of one node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeLoad {
    /// Whether the node answers.
    pub up: bool,
    /// Rooms placed on it (set up or being set up).
    pub rooms: usize,
}

/// The node with the fewest rooms among those up; ties go to the earlier
/// node in the configuration. `None` when no node is up.
pub fn pick_node(nodes: &[NodeLoad]) -> Option<usize> {
    nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.up)
        .min_by_key(|(i, n)| (n.rooms, *i))
        .map(|(i, _)| i)
}

/// Waits between attempts to reach a node: 250 ms, doubling, capped.
#[derive(Debug, Clone)]
pub struct Backoff {
    next: Duration,
    max: Duration,
}

/// The first wait.
pub const FIRST_RETRY: Duration = Duration::from_millis(250);

impl Backoff {
    /// A fresh backoff capped at `max`.
    pub fn new(max: Duration) -> Self {
        Self {
            next: FIRST_RETRY.min(max),
            max,
        }
    }

    /// The wait before the next attempt.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = (self.next * 2).min(self.max);
        delay
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn up(rooms: usize) -> NodeLoad {
        NodeLoad { up: true, rooms }
    }

    #[test]
    fn rooms_go_to_the_least_loaded_node_that_is_up() {
        assert_eq!(pick_node(&[up(3), up(1), up(2)]), Some(1));
        let down = NodeLoad {
            up: false,
            rooms: 0,
        };
        assert_eq!(pick_node(&[up(3), down, up(2)]), Some(2));
        assert_eq!(
            pick_node(&[up(2), up(2)]),
            Some(0),
            "ties: first configured"
        );
        assert_eq!(pick_node(&[down, down]), None);
        assert_eq!(pick_node(&[]), None);
    }

    #[test]
    fn retries_back_off_to_the_cap() {
        let mut b = Backoff::new(Duration::from_secs(2));
        let waits: Vec<u128> = (0..6).map(|_| b.next_delay().as_millis()).collect();
        assert_eq!(waits, [250, 500, 1000, 2000, 2000, 2000]);
    }
}
