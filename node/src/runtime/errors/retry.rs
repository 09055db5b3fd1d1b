//! The retry-with-tolerance operator (Kafka's `RetryWithToleranceOperator`): how long a
//! retriable failure is retried and how long to wait between attempts, and what happens
//! to a failure that retries did not fix.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use tokio::time::Instant;

use super::config::{RetryLimit, Tolerance};
use crate::runtime::error::Stage;

/// Kafka's `RetryWithToleranceOperator.RETRIES_DELAY_MIN_MS`: the first retry waits this
/// long, every later one twice as long as the one before.
pub const RETRIES_DELAY_MIN: Duration = Duration::from_millis(300);

/// The wait after failed attempt number `attempt` (1 for the first attempt), as Kafka's
/// `backoff`: 300 ms doubled per attempt; once that exceeds `max_delay`, a random
/// delay in `[0, max_delay)` (`jitter(max_ms)` picks it), so retrying tasks spread
/// out; never past `remaining` (the time left before the retry timeout).
pub fn backoff(
    attempt: u32,
    max_delay: Duration,
    remaining: Option<Duration>,
    jitter: impl FnOnce(u64) -> u64,
) -> Duration {
    let shift = attempt.saturating_sub(1).min(32);
    let base = RETRIES_DELAY_MIN.as_millis() as u64;
    let mut delay = base.checked_shl(shift).unwrap_or(u64::MAX);
    let max = max_delay.as_millis() as u64;
    if delay > max {
        delay = if max == 0 { 0 } else { jitter(max) % max };
    }
    let mut delay = Duration::from_millis(delay);
    if let Some(remaining) = remaining {
        delay = delay.min(remaining);
    }
    delay
}

/// A uniformly distributed number in `[0, bound)` (bound > 0), without a rand crate.
pub fn random_below(bound: u64) -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(bound);
    h.finish() % bound.max(1)
}

/// The retries of one operation: created before the first attempt, asked after each
/// retriable failure whether (and after how long) to try again.
#[derive(Debug, Clone)]
pub struct Retrying {
    limit: RetryLimit,
    max_delay: Duration,
    start: Instant,
    attempt: u32,
}

impl Retrying {
    pub fn new(limit: RetryLimit, max_delay: Duration) -> Self {
        Self::starting_at(limit, max_delay, Instant::now())
    }

    pub fn starting_at(limit: RetryLimit, max_delay: Duration, start: Instant) -> Self {
        Retrying {
            limit,
            max_delay,
            start,
            attempt: 0,
        }
    }

    /// Attempts made so far (failed ones, as this is asked after failures).
    pub fn attempts(&self) -> u32 {
        self.attempt
    }

    /// After a retriable failure: how long to wait before the next attempt, or None when
    /// the retry timeout has passed (Kafka's `checkRetry`: retry while less than the
    /// timeout has elapsed since the first attempt).
    pub fn next_delay(&mut self) -> Option<Duration> {
        self.next_delay_at(Instant::now(), random_below)
    }

    pub fn next_delay_at(
        &mut self,
        now: Instant,
        jitter: impl FnOnce(u64) -> u64,
    ) -> Option<Duration> {
        self.attempt += 1;
        let elapsed = now.saturating_duration_since(self.start);
        let remaining = match self.limit {
            RetryLimit::Forever => None,
            RetryLimit::Within(timeout) => {
                if elapsed >= timeout {
                    return None;
                }
                Some(timeout - elapsed)
            }
        };
        Some(backoff(self.attempt, self.max_delay, remaining, jitter))
    }
}

/// Failures of these stages may be skipped under `errors.tolerance=all`, whatever the
/// error (Kafka's `TOLERABLE_EXCEPTIONS`).
pub fn tolerable_stage(stage: Stage) -> bool {
    matches!(
        stage,
        Stage::KeyConverter
            | Stage::ValueConverter
            | Stage::HeaderConverter
            | Stage::Transformation
    )
}

/// What happens to a record whose processing failed for good (after any retries).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Report it and go on with the next record.
    Skip,
    /// Report it and fail the task.
    Fail,
}

/// Kafka's tolerance rules:
/// - `none`: every failure fails the task;
/// - `all`: converter and transformation failures are skipped; so is a record the
///   producer could not write (KIP-779, sources) and a `put` whose retriable failures
///   outlasted `errors.retry.timeout` (its records are skipped, as the operator skips
///   an operation whose RetriableException retries ran out). Any other failure
///   (a non-retriable `put` error, a `poll` that keeps failing: there is no record to
///   skip) still fails the task.
pub fn decide(tolerance: Tolerance, stage: Stage, retriable: bool) -> Decision {
    if tolerance == Tolerance::None {
        return Decision::Fail;
    }
    if tolerable_stage(stage) || stage == Stage::KafkaProduce {
        return Decision::Skip;
    }
    if stage == Stage::TaskPut && retriable {
        return Decision::Skip;
    }
    Decision::Fail
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: Duration = Duration::from_secs(60);

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn backoff_doubles_from_300ms() {
        let delays: Vec<Duration> = (1..=8)
            .map(|a| backoff(a, MAX, None, |_| unreachable!()))
            .collect();
        assert_eq!(
            delays,
            [300, 600, 1200, 2400, 4800, 9600, 19200, 38400].map(ms)
        );
    }

    #[test]
    fn backoff_past_the_cap_is_jittered_below_it() {
        // 300 << 8 = 76800 > 60000: a random delay in [0, 60000).
        assert_eq!(backoff(9, MAX, None, |max| max - 1), ms(59_999));
        assert_eq!(backoff(9, MAX, None, |_| 1234), ms(1234));
        assert_eq!(
            backoff(40, MAX, None, |max| max + 5),
            ms(5),
            "wraps into range"
        );
        for _ in 0..100 {
            assert!(backoff(20, ms(1000), None, random_below) < ms(1000));
        }
        // A zero cap means no wait at all.
        assert_eq!(backoff(3, Duration::ZERO, None, |_| unreachable!()), ms(0));
        // A cap below the first delay: jitter from the very first retry.
        assert_eq!(backoff(1, ms(100), None, |_| 42), ms(42));
    }

    #[test]
    fn backoff_never_sleeps_past_the_deadline() {
        assert_eq!(backoff(4, MAX, Some(ms(1000)), |_| 0), ms(1000));
        assert_eq!(backoff(1, MAX, Some(ms(10_000)), |_| 0), ms(300));
    }

    #[test]
    fn retries_stop_once_the_timeout_passed() {
        let t0 = Instant::now();
        let mut r = Retrying::starting_at(RetryLimit::Within(ms(2000)), MAX, t0);
        assert_eq!(r.next_delay_at(t0, |_| 0), Some(ms(300)));
        assert_eq!(r.next_delay_at(t0 + ms(300), |_| 0), Some(ms(600)));
        // 1200 ms would pass the deadline at 2000: only the 1100 ms left.
        assert_eq!(r.next_delay_at(t0 + ms(900), |_| 0), Some(ms(1100)));
        assert_eq!(r.next_delay_at(t0 + ms(2000), |_| 0), None);
        assert_eq!(r.attempts(), 4);
    }

    #[test]
    fn zero_timeout_never_retries_and_forever_always_does() {
        let t0 = Instant::now();
        let mut r = Retrying::starting_at(RetryLimit::Within(Duration::ZERO), MAX, t0);
        assert_eq!(r.next_delay_at(t0, |_| 0), None);
        let mut r = Retrying::starting_at(RetryLimit::Forever, ms(1000), t0);
        for i in 0..100u64 {
            let d = r.next_delay_at(t0 + Duration::from_secs(3600 * i), |_| 7);
            assert!(d.is_some_and(|d| d <= ms(1000)));
        }
    }

    #[test]
    fn tolerance_none_fails_every_stage() {
        for stage in [
            Stage::KeyConverter,
            Stage::ValueConverter,
            Stage::HeaderConverter,
            Stage::Transformation,
            Stage::TaskPut,
            Stage::TaskPoll,
            Stage::KafkaProduce,
            Stage::KafkaConsume,
        ] {
            assert_eq!(decide(Tolerance::None, stage, true), Decision::Fail);
            assert_eq!(decide(Tolerance::None, stage, false), Decision::Fail);
        }
    }

    #[test]
    fn tolerance_all_skips_data_failures_only() {
        for stage in [
            Stage::KeyConverter,
            Stage::ValueConverter,
            Stage::HeaderConverter,
            Stage::Transformation,
            Stage::KafkaProduce,
        ] {
            assert_eq!(
                decide(Tolerance::All, stage, false),
                Decision::Skip,
                "{stage:?}"
            );
        }
        assert_eq!(decide(Tolerance::All, Stage::TaskPut, true), Decision::Skip);
        assert_eq!(
            decide(Tolerance::All, Stage::TaskPut, false),
            Decision::Fail
        );
        assert_eq!(
            decide(Tolerance::All, Stage::TaskPoll, true),
            Decision::Fail
        );
        assert_eq!(
            decide(Tolerance::All, Stage::KafkaConsume, false),
            Decision::Fail
        );
        assert!(tolerable_stage(Stage::Transformation));
        assert!(!tolerable_stage(Stage::TaskPut));
    }
}
