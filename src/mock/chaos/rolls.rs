//! Where every chaos decision comes from: a pure function of the seed, the operation and its
//! request count.

/// The rolls for one request: independent draws from the seed, the operation and its count.
/// SplitMix64 written out rather than a crate's generator, whose stream may change between
/// versions: a seed written down in a failed CI run must replay after an upgrade.
pub(super) struct Rolls {
    base: u64,
}

impl Rolls {
    pub(super) fn new(seed: u64, operation: &str, request: u64) -> Self {
        // FNV-1a of the operation's name: stable across runs and platforms.
        let operation = operation.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        Self {
            base: mix(seed ^ mix(operation ^ mix(request))),
        }
    }

    pub(super) fn draw(&self, which: u64) -> u64 {
        mix(self.base ^ mix(which.wrapping_add(0x5851_f42d_4c95_7f2d)))
    }
}

fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A roll as a number in [0, 1).
pub(super) fn unit(roll: u64) -> f64 {
    (roll >> 11) as f64 / (1u64 << 53) as f64
}
