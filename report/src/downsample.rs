//! Min/max bucket downsampling: long series fit the page and keep their extremes.
//!
//! A year of minute ticks is 525,600 points; a chart is under a thousand
//! pixels wide. The series is cut into buckets of consecutive points and each
//! bucket keeps its smallest and largest value, in time order, plus the very
//! first and last point. Every spike survives, which LTTB does not promise,
//! the final value (the one the header states) is always drawn, and the
//! chosen points are real events, so the table under a chart lists rows that
//! exist in the event file.
//!
//! Kept here rather than taken from a crate: the Rust ports of LTTB and
//! M4 either are unmaintained or bring SIMD and array dependencies for what
//! is one loop, and the property the page relies on is tested below.
//! [`streaming`] does the same for series too long to hold.

mod streaming;

pub(crate) use streaming::{Sample, TimeSampler};

/// The indices of `values` to draw: all of them when there are at most
/// `2 * buckets + 2`, else each bucket's min and max plus the first and
/// last index. Sorted, without duplicates.
pub(crate) fn min_max_indices(values: &[f64], buckets: usize) -> Vec<usize> {
    let len = values.len();
    let buckets = buckets.max(1);
    if len <= 2 * buckets + 2 {
        return (0..len).collect();
    }
    let mut keep = Vec::with_capacity(2 * buckets + 2);
    keep.push(0);
    for bucket in 0..buckets {
        let start = bucket * len / buckets;
        let end = (bucket + 1) * len / buckets;
        if start == end {
            continue;
        }
        let (mut min, mut max) = (start, start);
        for index in start..end {
            // `<` and `>` keep the earliest of equal values; NaN never wins.
            if values[index] < values[min] {
                min = index;
            }
            if values[index] > values[max] {
                max = index;
            }
        }
        keep.push(min.min(max));
        keep.push(min.max(max));
    }
    keep.push(len - 1);
    keep.sort_unstable();
    keep.dedup();
    keep
}

/// The indices to keep of several series sampled at the same times: the
/// union of each series' [`min_max_indices`], so every series keeps its
/// extremes and each kept index is one whole row of the table.
pub(crate) fn union_min_max_indices<'a>(
    series: impl IntoIterator<Item = &'a [f64]>,
    buckets: usize,
) -> Vec<usize> {
    let mut keep: Vec<usize> = series
        .into_iter()
        .flat_map(|values| min_max_indices(values, buckets))
        .collect();
    keep.sort_unstable();
    keep.dedup();
    keep
}

/// At most `max` of `items`, evenly spread and keeping the first and the
/// last: for marks (breaches, failures) too many to draw one by one.
pub(crate) fn spread<T: Copy>(items: &[T], max: usize) -> Vec<T> {
    let len = items.len();
    if len <= max {
        return items.to_vec();
    }
    if max < 2 {
        return items.iter().take(max).copied().collect();
    }
    // Item `k * (len - 1) / (max - 1)` for k in 0..max: strictly increasing
    // because len > max, so nothing repeats.
    (0..max).map(|k| items[k * (len - 1) / (max - 1)]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extremes(values: &[f64]) -> (f64, f64) {
        values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(*v), hi.max(*v))
            })
    }

    #[test]
    fn short_series_are_kept_whole() {
        let values = [3.0, 1.0, 2.0];
        assert_eq!(min_max_indices(&values, 10), vec![0, 1, 2]);
        assert!(min_max_indices(&[], 10).is_empty());
    }

    #[test]
    fn long_series_keep_min_max_first_and_last() {
        // A slow wave with one spike up and one down, far from bucket edges.
        let mut values: Vec<f64> = (0..100_000)
            .map(|i| (i as f64 / 5_000.0).sin() * 100.0)
            .collect();
        values[31_337] = 1_000.0;
        values[77_777] = -1_000.0;
        let keep = min_max_indices(&values, 500);
        assert!(keep.len() <= 2 * 500 + 2, "{}", keep.len());
        assert!(
            keep.windows(2).all(|pair| pair[0] < pair[1]),
            "sorted, unique"
        );
        assert_eq!(keep.first(), Some(&0));
        assert_eq!(keep.last(), Some(&(values.len() - 1)));
        assert!(keep.contains(&31_337) && keep.contains(&77_777));
        let kept: Vec<f64> = keep.iter().map(|&i| values[i]).collect();
        assert_eq!(extremes(&kept), extremes(&values));
    }

    #[test]
    fn every_bucket_keeps_its_own_extremes() {
        let values: Vec<f64> = (0..1_000).map(|i| ((i * 7919) % 1_000) as f64).collect();
        let keep = min_max_indices(&values, 10);
        for bucket in 0..10 {
            let range = bucket * 100..(bucket + 1) * 100;
            let (lo, hi) = extremes(&values[range.clone()]);
            let kept: Vec<f64> = keep
                .iter()
                .filter(|i| range.contains(i))
                .map(|&i| values[i])
                .collect();
            assert_eq!(extremes(&kept), (lo, hi), "bucket {bucket}");
        }
    }

    #[test]
    fn spread_keeps_ends_and_bounds_the_count() {
        let items: Vec<usize> = (0..1_000).collect();
        let picked = spread(&items, 10);
        assert_eq!(picked.len(), 10);
        assert_eq!(picked.first(), Some(&0));
        assert_eq!(picked.last(), Some(&999));
        assert!(picked.windows(2).all(|pair| pair[0] < pair[1]));
        assert_eq!(spread(&items[..5], 10), vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn the_union_keeps_each_series_extremes() {
        let a: Vec<f64> = (0..10_000).map(|i| i as f64).collect();
        let mut b: Vec<f64> = vec![0.0; 10_000];
        b[5_001] = 9.0;
        let keep = union_min_max_indices([a.as_slice(), b.as_slice()], 50);
        assert!(keep.contains(&0) && keep.contains(&9_999) && keep.contains(&5_001));
        assert!(keep.windows(2).all(|pair| pair[0] < pair[1]));
    }
}
