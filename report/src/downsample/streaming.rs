//! Min/max downsampling of a series too long to hold, read in any order.
//!
//! [`min_max_indices`](super::min_max_indices) needs the whole series in time
//! order; a run's operations are millions of attempts read process by
//! process. [`TimeSampler`] keeps every sample while there are few
//! (`retain_all`, so a small run's chart is exactly the one the whole series
//! gives), then folds them into buckets of engine time: each bucket keeps
//! its smallest and largest value, and the earliest and latest samples of
//! the series are kept too. When there are more than `buckets` buckets,
//! their width doubles and neighbours merge. The widths are powers of two
//! milliseconds on a grid fixed at the epoch, so the buckets, and the
//! samples kept, do not depend on the order the samples arrive in.
//!
//! The page downsamples the kept samples once more to its own point budget,
//! which keeps the extremes of extremes.

use std::collections::BTreeMap;

use crate::digest::Time;

/// One sample of a series: its engine time, its read order (which breaks
/// ties of time, as a stable sort by time would), its value and what it is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sample<T> {
    pub time: Time,
    pub order: u64,
    pub value: f64,
    pub item: T,
}

impl<T> Sample<T> {
    fn at(&self) -> (Time, u64) {
        (self.time, self.order)
    }

    /// Whether `self` is a smaller minimum than `other`: a smaller value,
    /// or the same value earlier. NaN never wins.
    fn below(&self, other: &Sample<T>) -> bool {
        self.value < other.value || (self.value == other.value && self.at() < other.at())
    }

    /// Whether `self` is a larger maximum than `other`, ties to the earlier.
    fn above(&self, other: &Sample<T>) -> bool {
        self.value > other.value || (self.value == other.value && self.at() < other.at())
    }
}

/// The samples a bucket keeps: its minimum, its maximum, its earliest and
/// its latest, each once (one sample may be several of them).
#[derive(Debug)]
struct Bucket<T> {
    kept: Vec<Sample<T>>,
}

impl<T> Bucket<T> {
    fn new(sample: Sample<T>) -> Self {
        Bucket { kept: vec![sample] }
    }

    /// Adds `sample` and keeps only the four roles.
    fn add(&mut self, sample: Sample<T>) {
        self.kept.push(sample);
        self.prune();
    }

    fn merge(&mut self, other: Bucket<T>) {
        self.kept.extend(other.kept);
        self.prune();
    }

    fn prune(&mut self) {
        let pick = |better: &dyn Fn(&Sample<T>, &Sample<T>) -> bool| {
            (1..self.kept.len()).fold(0, |best, i| {
                if better(&self.kept[i], &self.kept[best]) {
                    i
                } else {
                    best
                }
            })
        };
        let roles = [
            pick(&|a, b| a.below(b)),
            pick(&|a, b| a.above(b)),
            pick(&|a, b| a.at() < b.at()),
            pick(&|a, b| a.at() > b.at()),
        ];
        let mut index = 0;
        self.kept.retain(|_| {
            let keep = roles.contains(&index);
            index += 1;
            keep
        });
    }

    fn min(&self) -> &Sample<T> {
        self.kept.iter().fold(
            &self.kept[0],
            |best, s| if s.below(best) { s } else { best },
        )
    }

    fn max(&self) -> &Sample<T> {
        self.kept.iter().fold(
            &self.kept[0],
            |best, s| if s.above(best) { s } else { best },
        )
    }

    fn earliest(&self) -> &Sample<T> {
        self.kept.iter().fold(
            &self.kept[0],
            |best, s| if s.at() < best.at() { s } else { best },
        )
    }

    fn latest(&self) -> &Sample<T> {
        self.kept.iter().fold(
            &self.kept[0],
            |best, s| if s.at() > best.at() { s } else { best },
        )
    }
}

/// Keeps the samples worth drawing of a series of any length, in bounded
/// memory (see the module docs).
#[derive(Debug)]
pub(crate) struct TimeSampler<T> {
    retain_all: usize,
    buckets_max: usize,
    /// Every sample, while there are at most `retain_all`.
    all: Vec<Sample<T>>,
    /// Width of a bucket in milliseconds (a power of two), once bucketed.
    width: i64,
    buckets: BTreeMap<i64, Bucket<T>>,
}

impl<T> TimeSampler<T> {
    /// Keeps every sample up to `retain_all`, then at most `buckets` buckets.
    pub(crate) fn new(retain_all: usize, buckets: usize) -> Self {
        TimeSampler {
            retain_all,
            buckets_max: buckets.max(1),
            all: Vec::new(),
            width: 0,
            buckets: BTreeMap::new(),
        }
    }

    pub(crate) fn push(&mut self, sample: Sample<T>) {
        if self.width == 0 {
            self.all.push(sample);
            if self.all.len() > self.retain_all {
                self.width = 1;
                for sample in std::mem::take(&mut self.all) {
                    self.bucket(sample);
                }
            }
            return;
        }
        self.bucket(sample);
    }

    fn bucket(&mut self, sample: Sample<T>) {
        let key = sample.time.timestamp_millis().div_euclid(self.width);
        match self.buckets.get_mut(&key) {
            Some(bucket) => bucket.add(sample),
            None => {
                self.buckets.insert(key, Bucket::new(sample));
            }
        }
        while self.buckets.len() > self.buckets_max {
            self.width *= 2;
            let mut wider: BTreeMap<i64, Bucket<T>> = BTreeMap::new();
            for (key, bucket) in std::mem::take(&mut self.buckets) {
                match wider.entry(key.div_euclid(2)) {
                    std::collections::btree_map::Entry::Occupied(mut entry) => {
                        entry.get_mut().merge(bucket)
                    }
                    std::collections::btree_map::Entry::Vacant(entry) => {
                        entry.insert(bucket);
                    }
                }
            }
            self.buckets = wider;
        }
    }

    /// The kept samples in time order (ties in read order): all of them
    /// when there were at most `retain_all`, else each bucket's minimum and
    /// maximum and the series' first and last.
    pub(crate) fn into_samples(self) -> Vec<Sample<T>> {
        let mut kept: Vec<Sample<T>> = if self.width == 0 {
            self.all
        } else {
            let last_key = self.buckets.keys().next_back().copied();
            let mut kept = Vec::with_capacity(2 * self.buckets.len() + 2);
            for (index, (key, bucket)) in self.buckets.into_iter().enumerate() {
                let mut roles = vec![bucket.min().order, bucket.max().order];
                if index == 0 {
                    roles.push(bucket.earliest().order);
                }
                if Some(key) == last_key {
                    roles.push(bucket.latest().order);
                }
                kept.extend(
                    bucket
                        .kept
                        .into_iter()
                        .filter(|sample| roles.contains(&sample.order)),
                );
            }
            kept
        };
        kept.sort_by_key(|sample| (sample.time, sample.order));
        kept
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone, Utc};

    use super::*;

    fn sample(second: i64, order: u64, value: f64) -> Sample<u64> {
        Sample {
            time: Utc.timestamp_opt(1_700_000_000, 0).unwrap() + Duration::seconds(second),
            order,
            value,
            item: order,
        }
    }

    fn orders(samples: &[Sample<u64>]) -> Vec<u64> {
        samples.iter().map(|s| s.item).collect()
    }

    #[test]
    fn a_short_series_is_kept_whole_in_time_then_read_order() {
        let mut sampler = TimeSampler::new(10, 2);
        for (order, second) in [(0, 5), (1, 3), (2, 5), (3, 1)] {
            sampler.push(sample(second, order, 1.0));
        }
        assert_eq!(orders(&sampler.into_samples()), vec![3, 1, 0, 2]);
    }

    #[test]
    fn a_long_series_keeps_its_extremes_its_ends_and_a_bounded_count() {
        let mut sampler = TimeSampler::new(100, 50);
        let n = 100_000u64;
        for order in 0..n {
            let mut value = (order as f64 / 3_000.0).sin();
            if order == 31_337 {
                value = 10.0;
            }
            if order == 77_777 {
                value = -10.0;
            }
            sampler.push(sample(order as i64, order, value));
        }
        let kept = sampler.into_samples();
        assert!(kept.len() <= 2 * 50 + 2, "{}", kept.len());
        let kept = orders(&kept);
        assert_eq!(kept.first(), Some(&0));
        assert_eq!(kept.last(), Some(&(n - 1)));
        assert!(kept.contains(&31_337) && kept.contains(&77_777));
        assert!(kept.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn the_samples_kept_do_not_depend_on_the_read_order() {
        // Two processes' files read one after the other, or interleaved:
        // the same samples (by their identity) are kept.
        let series: Vec<(i64, f64)> = (0..5_000)
            .map(|i| (i / 3, ((i * 7_919) % 1_000) as f64))
            .collect();
        let in_order = {
            let mut sampler = TimeSampler::new(10, 40);
            for (order, &(second, value)) in series.iter().enumerate() {
                sampler.push(sample(second, order as u64, value));
            }
            orders(&sampler.into_samples())
        };
        let odd_then_even = {
            let mut sampler = TimeSampler::new(10, 40);
            let indices = (0..series.len())
                .filter(|i| i % 2 == 1)
                .chain((0..series.len()).filter(|i| i % 2 == 0));
            for i in indices {
                let (second, value) = series[i];
                sampler.push(sample(second, i as u64, value));
            }
            orders(&sampler.into_samples())
        };
        assert_eq!(in_order, odd_then_even);
    }

    fn bucket_of(samples: impl IntoIterator<Item = Sample<u64>>) -> Bucket<u64> {
        let mut samples = samples.into_iter();
        let mut bucket = Bucket::new(samples.next().expect("one sample"));
        for sample in samples {
            bucket.add(sample);
        }
        bucket
    }

    fn kept_orders(bucket: &Bucket<u64>) -> Vec<u64> {
        let mut kept: Vec<u64> = bucket.kept.iter().map(|s| s.order).collect();
        kept.sort_unstable();
        kept
    }

    /// The orders 0..10, forwards or backwards.
    fn arrivals(reversed: bool) -> Vec<u64> {
        let mut orders: Vec<u64> = (0..10).collect();
        if reversed {
            orders.reverse();
        }
        orders
    }

    #[test]
    fn a_bucket_keeps_only_its_four_roles_in_any_arrival_order() {
        // Order 4 holds the minimum, 6 the maximum; 0 is the earliest, 9
        // the latest.
        let values = [5.0, 3.0, 7.0, 2.0, -1.0, 4.0, 9.0, 1.0, 6.0, 8.0];
        for reversed in [false, true] {
            let bucket = bucket_of(
                arrivals(reversed)
                    .into_iter()
                    .map(|o| sample(o as i64, o, values[o as usize])),
            );
            let roles = (
                bucket.min().order,
                bucket.max().order,
                bucket.earliest().order,
                bucket.latest().order,
            );
            assert_eq!(roles, (4, 6, 0, 9), "reversed: {reversed}");
            assert_eq!(kept_orders(&bucket), [0, 4, 6, 9], "reversed: {reversed}");
        }
    }

    #[test]
    fn equal_values_elect_the_earliest_by_time_then_order_in_any_arrival_order() {
        for reversed in [false, true] {
            // One time: the read order decides.
            let same_time = bucket_of(arrivals(reversed).into_iter().map(|o| sample(5, o, 1.0)));
            assert_eq!((same_time.min().order, same_time.max().order), (0, 0));
            assert_eq!(kept_orders(&same_time), [0, 9]);
            // Times against the read order: the time decides.
            let backwards = bucket_of(
                arrivals(reversed)
                    .into_iter()
                    .map(|o| sample(10 - o as i64, o, 1.0)),
            );
            assert_eq!((backwards.min().order, backwards.max().order), (9, 9));
            assert_eq!(
                (backwards.earliest().order, backwards.latest().order),
                (9, 0)
            );
            assert_eq!(kept_orders(&backwards), [0, 9]);
        }
    }

    #[test]
    fn exactly_retain_all_samples_are_all_kept_and_one_more_is_bucketed() {
        // Order 2 is neither an extreme nor an end: a bucket drops it.
        let values = [1.0, 0.0, 0.5, 2.0, 1.5];
        let sampled = |retain_all| {
            let mut sampler = TimeSampler::new(retain_all, 1);
            for (order, value) in values.iter().enumerate() {
                sampler.push(sample(order as i64, order as u64, *value));
            }
            orders(&sampler.into_samples())
        };
        assert_eq!(sampled(5), vec![0, 1, 2, 3, 4]);
        assert_eq!(sampled(4), vec![0, 1, 3, 4]);
    }

    #[test]
    fn equal_values_keep_the_earliest() {
        let mut sampler = TimeSampler::new(0, 1);
        for order in 0..10 {
            sampler.push(sample(order as i64, order, 1.0));
        }
        // The minimum and maximum are both the earliest, 0; the last is 9.
        assert_eq!(orders(&sampler.into_samples()), vec![0, 9]);
    }
}
