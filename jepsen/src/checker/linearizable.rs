//! Linearizability of a set of independent registers (key -> `Option<i64>`, initially
//! `None` = never written), checked with the Wing–Gong/Lowe (WGL) search.
//!
//! Registers are independent, so each key is checked on its own (P-compositionality): a
//! run with many keys costs the sum, not the product. Per key:
//! - invocations are paired with the next completion of the same process;
//! - `Fail` ops did not happen and are dropped;
//! - `Info` (and never-completed) writes may take effect at any time after invocation,
//!   or never: they get an infinite completion time and are optional;
//! - `Info` reads constrain nothing and are dropped;
//! - an `Info` write whose value no successful read returned is dropped too: leaving out an
//!   unobserved optional write never makes a linearizable history non-linearizable, and
//!   keeping it multiplies the search (every subset of such writes is a state).
//!
//! The search memoizes (set of linearized ops, register value), which keeps it polynomial
//! for the low concurrency a harness produces; a step budget turns a pathological history
//! into an "unknown" verdict instead of a hang. A register-specific prune (never overwrite
//! a value that reads still need and no remaining write can restore) keeps info writes
//! cheap. On failure, the counterexample is the last completion of the shortest
//! non-linearizable prefix (binary search), with the values the register could hold then.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::hash::{BuildHasherDefault, Hash, Hasher};

use serde::{Deserialize, Serialize};

use crate::history::{Func, Op, OpType};

/// Search limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckOptions {
    /// Search steps allowed per key before giving up with [`KeyStatus::Unknown`].
    pub max_steps: u64,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            max_steps: 20_000_000,
        }
    }
}

/// The verdict for one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyStatus {
    Ok,
    Invalid,
    /// The step budget ran out; counted as not valid (nothing was proven).
    Unknown,
}

/// The operation that could not be linearized, with the register values that were
/// possible just before its completion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Counterexample {
    pub process: u64,
    pub f: Func,
    /// For a read: the value it returned; for a write: the value written.
    pub value: Option<i64>,
    pub node: u64,
    pub invoke_index: u64,
    pub complete_index: Option<u64>,
    pub invoke_ms: f64,
    pub complete_ms: Option<f64>,
    /// Values the register could hold, in some linearization of everything before,
    /// when this operation had to have taken effect.
    pub possible_values: Vec<Option<i64>>,
    pub message: String,
}

/// Result for one key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyReport {
    pub key: String,
    pub ok: bool,
    pub status: KeyStatus,
    /// Operations the search had to place (ok reads, ok writes, kept info writes).
    pub ops: usize,
    pub ok_reads: usize,
    pub ok_writes: usize,
    /// Info writes kept (their value was read by someone).
    pub info_writes: usize,
    /// Info writes left out because no read returned their value.
    pub unobserved_info_writes: usize,
    pub failed: usize,
    pub info_reads: usize,
    pub steps: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counterexample: Option<Counterexample>,
}

/// Result for the whole history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearizabilityReport {
    /// True when every key is linearizable (unknown keys make it false).
    pub valid: bool,
    pub keys: Vec<KeyReport>,
    pub invalid_keys: Vec<String>,
    pub unknown_keys: Vec<String>,
    /// Malformed history: completions without an invocation, a second invocation while
    /// one is in flight, mismatched key or function. Such ops are skipped (or, for an
    /// abandoned invocation, treated as `Info`), and listed here (first 20).
    pub anomalies: Vec<String>,
    pub anomaly_count: usize,
}

/// Checks the history with default limits.
pub fn check(ops: &[Op]) -> LinearizabilityReport {
    check_with(ops, &CheckOptions::default())
}

/// Checks the history.
pub fn check_with(ops: &[Op], options: &CheckOptions) -> LinearizabilityReport {
    let prepared = prepare(ops);
    let mut keys = Vec::new();
    for (key, k) in prepared.keys {
        keys.push(check_key(key, k, options));
    }
    let invalid_keys: Vec<String> = keys
        .iter()
        .filter(|k| k.status == KeyStatus::Invalid)
        .map(|k| k.key.clone())
        .collect();
    let unknown_keys: Vec<String> = keys
        .iter()
        .filter(|k| k.status == KeyStatus::Unknown)
        .map(|k| k.key.clone())
        .collect();
    LinearizabilityReport {
        valid: invalid_keys.is_empty() && unknown_keys.is_empty(),
        keys,
        invalid_keys,
        unknown_keys,
        anomaly_count: prepared.anomaly_count,
        anomalies: prepared.anomalies,
    }
}

/// One operation to place: a paired invocation and completion.
#[derive(Debug, Clone)]
struct Entry {
    f: Func,
    value: Option<i64>,
    /// Position of the invocation in the ordered history.
    call: usize,
    /// Position of the completion; `None` = infinite (info write).
    ret: Option<usize>,
    invoke: Op,
    completion: Option<Op>,
}

#[derive(Default)]
struct KeyOps {
    entries: Vec<Entry>,
    ok_reads: usize,
    ok_writes: usize,
    failed: usize,
    info_reads: usize,
    /// Values of failed writes, to explain a read of a value that never took effect.
    failed_write_values: BTreeSet<Option<i64>>,
}

struct Prepared {
    keys: BTreeMap<String, KeyOps>,
    anomalies: Vec<String>,
    anomaly_count: usize,
}

const MAX_ANOMALIES: usize = 20;

fn prepare(ops: &[Op]) -> Prepared {
    let mut ordered: Vec<&Op> = ops.iter().collect();
    ordered.sort_by_key(|op| op.index);

    let mut keys: BTreeMap<String, KeyOps> = BTreeMap::new();
    let mut anomalies = Vec::new();
    let mut anomaly_count = 0;
    let mut note = |msg: String| {
        anomaly_count += 1;
        if anomalies.len() < MAX_ANOMALIES {
            anomalies.push(msg);
        }
    };
    // process -> position of its invocation in flight
    let mut pending: HashMap<u64, usize> = HashMap::new();

    // An invocation that never completed: an unknown outcome.
    fn abandon(keys: &mut BTreeMap<String, KeyOps>, invoke: &Op, pos: usize) {
        let k = keys.entry(invoke.key.clone()).or_default();
        match invoke.f {
            Func::Read => k.info_reads += 1,
            Func::Write => k.entries.push(Entry {
                f: Func::Write,
                value: invoke.value,
                call: pos,
                ret: None,
                invoke: invoke.clone(),
                completion: None,
            }),
        }
    }

    for (pos, op) in ordered.iter().enumerate() {
        if op.typ == OpType::Invoke {
            if let Some(prev) = pending.insert(op.process, pos) {
                note(format!(
                    "process {} invoked op {} while op {} was in flight; the earlier one is treated as info",
                    op.process, op.index, ordered[prev].index
                ));
                abandon(&mut keys, ordered[prev], prev);
            }
            continue;
        }
        let Some(call) = pending.remove(&op.process) else {
            note(format!(
                "op {} ({:?}) by process {} completes nothing in flight; skipped",
                op.index, op.typ, op.process
            ));
            continue;
        };
        let invoke = ordered[call];
        if invoke.key != op.key || invoke.f != op.f {
            note(format!(
                "op {} completes op {} with a different key or function; both skipped",
                op.index, invoke.index
            ));
            continue;
        }
        let k = keys.entry(op.key.clone()).or_default();
        match (op.typ, op.f) {
            (OpType::Fail, Func::Write) => {
                k.failed += 1;
                k.failed_write_values.insert(invoke.value);
            }
            (OpType::Fail, Func::Read) => k.failed += 1,
            (OpType::Info, Func::Read) => k.info_reads += 1,
            (OpType::Info, Func::Write) => k.entries.push(Entry {
                f: Func::Write,
                value: invoke.value,
                call,
                ret: None,
                invoke: invoke.clone(),
                completion: Some((*op).clone()),
            }),
            (OpType::Ok, f) => {
                let value = match f {
                    Func::Read => op.value,
                    Func::Write => invoke.value.or(op.value),
                };
                match f {
                    Func::Read => k.ok_reads += 1,
                    Func::Write => k.ok_writes += 1,
                }
                k.entries.push(Entry {
                    f,
                    value,
                    call,
                    ret: Some(pos),
                    invoke: invoke.clone(),
                    completion: Some((*op).clone()),
                });
            }
            (OpType::Invoke, _) => unreachable!(),
        }
    }
    let mut leftover: Vec<usize> = pending.into_values().collect();
    leftover.sort_unstable();
    for pos in leftover {
        abandon(&mut keys, ordered[pos], pos);
    }
    Prepared {
        keys,
        anomalies,
        anomaly_count,
    }
}

fn show(v: Option<i64>) -> String {
    match v {
        Some(v) => v.to_string(),
        None => "none".to_string(),
    }
}

fn show_set(values: &[Option<i64>]) -> String {
    let parts: Vec<String> = values.iter().map(|v| show(*v)).collect();
    format!("{{{}}}", parts.join(", "))
}

/// A node of the event list: the invocation or the completion of an entry.
#[derive(Clone, Copy)]
enum Event {
    Call {
        entry: usize,
        ret_node: Option<usize>,
    },
    Return,
    Sentinel,
}

fn check_key(key: String, mut k: KeyOps, options: &CheckOptions) -> KeyReport {
    let ok_ops = k.entries.len();
    // Drop info writes nobody observed (see the module doc).
    drop_unobserved(&mut k.entries);
    let unobserved_info_writes = ok_ops - k.entries.len();
    let info_writes = k.entries.iter().filter(|e| e.ret.is_none()).count();

    let mut report = KeyReport {
        key,
        ok: true,
        status: KeyStatus::Ok,
        ops: k.entries.len(),
        ok_reads: k.ok_reads,
        ok_writes: k.ok_writes,
        info_writes,
        unobserved_info_writes,
        failed: k.failed,
        info_reads: k.info_reads,
        steps: 0,
        counterexample: None,
    };

    let slots: Vec<Slot> = k.entries.iter().map(Entry::slot).collect();
    let mut steps = 0;
    let verdict = wgl(&slots, options.max_steps, &mut steps);
    match verdict {
        Verdict::Linearizable => {}
        Verdict::Unknown => {
            report.ok = false;
            report.status = KeyStatus::Unknown;
        }
        Verdict::Invalid => {
            report.ok = false;
            report.status = KeyStatus::Invalid;
            let (culprit, possible) = locate(&slots, options.max_steps, &mut steps);
            report.counterexample = Some(counterexample(&report.key, &k, culprit, possible));
        }
    }
    report.steps = steps;
    report
}

/// The part of an entry the search needs.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Slot {
    f: Func,
    value: Option<i64>,
    call: usize,
    ret: Option<usize>,
}

impl Entry {
    fn slot(&self) -> Slot {
        Slot {
            f: self.f,
            value: self.value,
            call: self.call,
            ret: self.ret,
        }
    }
}

/// Leaves out info writes whose value no read returned (see the module doc).
fn drop_unobserved<T: AsSlot>(entries: &mut Vec<T>) {
    let observed: HashSet<Option<i64>> = entries
        .iter()
        .map(AsSlot::as_slot)
        .filter(|e| e.f == Func::Read)
        .map(|e| e.value)
        .collect();
    entries.retain(|e| {
        let e = e.as_slot();
        e.ret.is_some() || observed.contains(&e.value)
    });
}

trait AsSlot {
    fn as_slot(&self) -> Slot;
}
impl AsSlot for Entry {
    fn as_slot(&self) -> Slot {
        self.slot()
    }
}
impl AsSlot for (usize, Slot) {
    fn as_slot(&self) -> Slot {
        self.1
    }
}

/// The history cut just after position `cut`, as (original index, slot): ops completed
/// by then are required, writes still in flight become optional (info), reads still in
/// flight are dropped, and later invocations do not exist yet.
fn prefix(slots: &[Slot], cut: usize) -> Vec<(usize, Slot)> {
    let mut out: Vec<(usize, Slot)> = slots
        .iter()
        .enumerate()
        .filter(|(_, s)| s.call <= cut)
        .filter_map(|(i, s)| match s.ret {
            Some(r) if r <= cut => Some((i, *s)),
            _ if s.f == Func::Write => Some((i, Slot { ret: None, ..*s })),
            _ => None,
        })
        .collect();
    drop_unobserved(&mut out);
    out
}

fn only_slots(v: &[(usize, Slot)]) -> Vec<Slot> {
    v.iter().map(|(_, s)| *s).collect()
}

/// Finds the op to blame in a non-linearizable history: the last completion of the
/// shortest non-linearizable prefix (the Knossos-style "op that could not be
/// linearized"), and the values the register could hold when it completed. Prefixes are
/// monotone (a prefix of a linearizable history is linearizable), so a binary search over
/// completion positions finds it with O(log n) searches.
fn locate(slots: &[Slot], max_steps: u64, steps: &mut u64) -> (usize, Vec<Option<i64>>) {
    let mut rets: Vec<usize> = slots.iter().filter_map(|s| s.ret).collect();
    rets.sort_unstable();
    // Invariant: prefix(rets[hi]) is not linearizable (the whole history is not);
    // prefixes before rets[lo] are.
    let (mut lo, mut hi) = (0, rets.len() - 1);
    while lo < hi {
        let mid = (lo + hi) / 2;
        let p = only_slots(&prefix(slots, rets[mid]));
        // An exhausted budget counts as "not linearizable": the culprit is then at worst
        // earlier than the true one, never later.
        if wgl(&p, max_steps, steps) == Verdict::Linearizable {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    let cut = rets[hi];
    let culprit = slots
        .iter()
        .position(|s| s.ret == Some(cut))
        .expect("cut is a completion");

    // Possible values at the culprit's completion: for each candidate final value v, is
    // the prefix without the culprit, followed by a read of v, linearizable? Candidates:
    // the initial value and writes not necessarily followed by another completed write.
    // The culprit is in flight at cut - 1: a read is left out, a write is optional.
    let before = only_slots(&prefix(slots, cut - 1));
    // Writes in flight then, including unobserved ones `prefix` left out: each may have
    // taken effect.
    let in_flight: Vec<Slot> = slots
        .iter()
        .filter(|s| s.f == Func::Write && s.call < cut && s.ret.is_none_or(|r| r >= cut))
        .map(|s| Slot { ret: None, ..*s })
        .collect();
    let last_required_write_call = before
        .iter()
        .filter(|s| s.f == Func::Write && s.ret.is_some())
        .map(|s| s.call)
        .max();
    // When a write has taken effect at the latest: its completion, or for an info write
    // whose value was written only once, the first completed read of that value.
    let mut writes_of: HashMap<Option<i64>, usize> = HashMap::new();
    let mut first_read_of: HashMap<Option<i64>, usize> = HashMap::new();
    for s in &before {
        match (s.f, s.ret) {
            (Func::Write, _) => *writes_of.entry(s.value).or_default() += 1,
            (Func::Read, Some(r)) => {
                let e = first_read_of.entry(s.value).or_insert(r);
                *e = (*e).min(r);
            }
            (Func::Read, None) => {}
        }
    }
    let mut candidates: BTreeSet<Option<i64>> = BTreeSet::from([None]);
    for w in before
        .iter()
        .chain(&in_flight)
        .filter(|s| s.f == Func::Write)
    {
        let effective_by = w.ret.or_else(|| {
            (writes_of.get(&w.value) == Some(&1))
                .then(|| first_read_of.get(&w.value).copied())
                .flatten()
        });
        // Followed by a write that had to take effect later: not the last value.
        let superseded = match (effective_by, last_required_write_call) {
            (Some(r), Some(c)) => r < c,
            _ => false,
        };
        if !superseded {
            candidates.insert(w.value);
        }
    }
    let mut possible = Vec::new();
    for v in candidates.into_iter().take(64) {
        let mut h = before.clone();
        for w in in_flight.iter().filter(|w| w.value == v) {
            if !h.iter().any(|x| x.call == w.call) {
                h.push(*w);
            }
        }
        h.push(Slot {
            f: Func::Read,
            value: v,
            call: cut,
            ret: Some(cut + 1),
        });
        if wgl(&h, max_steps, steps) == Verdict::Linearizable {
            possible.push(v);
        }
    }
    (culprit, possible)
}

fn counterexample(
    key: &str,
    k: &KeyOps,
    entry: usize,
    possible_values: Vec<Option<i64>>,
) -> Counterexample {
    let e = &k.entries[entry];
    let verb = match e.f {
        Func::Read => "read",
        Func::Write => "write",
    };
    let completion = e.completion.as_ref();
    let mut message = format!(
        "key {key}: {verb} of {} by process {} on node {} (ops {}..{}, {:.1}..{} ms) cannot be linearized: \
         when it completed the register could only hold {}",
        show(e.value),
        e.invoke.process,
        e.invoke.node,
        e.invoke.index,
        completion.map_or("?".to_string(), |c| c.index.to_string()),
        e.invoke.time_ms,
        completion.map_or("?".to_string(), |c| format!("{:.1}", c.time_ms)),
        show_set(&possible_values),
    );
    if e.f == Func::Read && e.value.is_some() {
        let written = k
            .entries
            .iter()
            .any(|w| w.f == Func::Write && w.value == e.value);
        if !written {
            if k.failed_write_values.contains(&e.value) {
                let _ = write!(
                    message,
                    "; the only writes of {} failed (definitely did not take effect)",
                    show(e.value)
                );
            } else {
                let _ = write!(message, "; {} was never written", show(e.value));
            }
        }
    }
    Counterexample {
        process: e.invoke.process,
        f: e.f,
        value: e.value,
        node: e.invoke.node,
        invoke_index: e.invoke.index,
        complete_index: completion.map(|c| c.index),
        invoke_ms: e.invoke.time_ms,
        complete_ms: completion.map(|c| c.time_ms),
        possible_values,
        message,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Linearizable,
    Invalid,
    /// The step budget ran out.
    Unknown,
}

/// Memo key: the set of linearized ops and the register value. Hashed by an
/// incrementally maintained Zobrist hash (no rehashing of the bitset per step), compared
/// exactly (a hash collision can never make the search skip a configuration).
struct Config {
    hash: u64,
    bits: Box<[u64]>,
    state: usize,
}

impl PartialEq for Config {
    fn eq(&self, other: &Self) -> bool {
        self.state == other.state && self.bits == other.bits
    }
}
impl Eq for Config {}
impl Hash for Config {
    fn hash<H: Hasher>(&self, h: &mut H) {
        h.write_u64(self.hash);
    }
}

/// Hasher for [`Config`]: its hash is already uniformly distributed.
#[derive(Default)]
struct PassThrough(u64);
impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// WGL: walk a list of call/return events in real-time order; at a call, try to
/// linearize the op now (lifting its call and return out of the list); at a return of an
/// op not yet linearized, the current choice is wrong: backtrack. Memoized on
/// (linearized set, value).
///
/// Register-specific pruning: a write may not replace value `s` while reads of `s` remain
/// to be linearized and no write of `s` remains that could bring it back: those reads
/// could never be satisfied. Without this, an info write placed too early is only found
/// out when the read of its value completes, possibly thousands of ops later.
fn wgl(entries: &[Slot], max_steps: u64, total_steps: &mut u64) -> Verdict {
    let n = entries.len();
    let required = entries.iter().filter(|e| e.ret.is_some()).count();
    if required == 0 {
        return Verdict::Linearizable;
    }

    // Dense ids for values; id 0 is the initial value (None).
    let mut values: Vec<Option<i64>> = vec![None];
    let mut value_ids: HashMap<Option<i64>, usize> = HashMap::from([(None, 0)]);
    let vid: Vec<usize> = entries
        .iter()
        .map(|e| {
            *value_ids.entry(e.value).or_insert_with(|| {
                values.push(e.value);
                values.len() - 1
            })
        })
        .collect();
    let mut pending_reads = vec![0usize; values.len()];
    let mut pending_writes = vec![0usize; values.len()];
    for (e, &v) in entries.iter().zip(&vid) {
        match e.f {
            Func::Read => pending_reads[v] += 1,
            Func::Write => pending_writes[v] += 1,
        }
    }
    let zobrist: Vec<u64> = (0..n as u64).map(|i| splitmix(i ^ 0x5EED)).collect();
    let state_hash = |s: usize| splitmix(!(s as u64));

    // Events in history order; info writes have no return event.
    let mut evs: Vec<(usize, bool, usize)> = Vec::with_capacity(2 * n); // (pos, is_return, entry)
    for (i, e) in entries.iter().enumerate() {
        evs.push((e.call, false, i));
        if let Some(r) = e.ret {
            evs.push((r, true, i));
        }
    }
    evs.sort_unstable();

    // Node 0 = head, node len+1 = tail.
    let len = evs.len();
    let head = 0;
    let tail = len + 1;
    let mut nodes = vec![Event::Sentinel; len + 2];
    let mut ret_node_of = vec![None; n];
    for (i, &(_, is_ret, entry)) in evs.iter().enumerate() {
        if is_ret {
            ret_node_of[entry] = Some(i + 1);
        }
    }
    for (i, &(_, is_ret, entry)) in evs.iter().enumerate() {
        nodes[i + 1] = if is_ret {
            Event::Return
        } else {
            Event::Call {
                entry,
                ret_node: ret_node_of[entry],
            }
        };
    }
    let mut next: Vec<usize> = (1..=len + 2).collect();
    let mut prev: Vec<usize> = (0..len + 2).map(|i| i.wrapping_sub(1)).collect();
    next[tail] = tail;

    fn remove(next: &mut [usize], prev: &mut [usize], x: usize) {
        let (p, nx) = (prev[x], next[x]);
        next[p] = nx;
        prev[nx] = p;
    }
    fn reinsert(next: &mut [usize], prev: &mut [usize], x: usize) {
        let (p, nx) = (prev[x], next[x]);
        next[p] = x;
        prev[nx] = x;
    }

    let words = n.div_ceil(64);
    let mut linearized = vec![0u64; words];
    let mut set_hash = 0u64;
    let mut linearized_required = 0usize;
    let mut state = 0usize; // value id
    let mut seen: HashSet<Config, BuildHasherDefault<PassThrough>> = HashSet::default();
    // (call node, state before it)
    let mut stack: Vec<(usize, usize)> = Vec::new();
    let mut steps = 0u64;
    let mut node = next[head];
    loop {
        if linearized_required == required {
            *total_steps += steps;
            return Verdict::Linearizable;
        }
        steps += 1;
        if steps > max_steps {
            *total_steps += steps;
            return Verdict::Unknown;
        }
        match nodes[node] {
            Event::Call { entry, ret_node } => {
                let v = vid[entry];
                let new_state = match entries[entry].f {
                    Func::Read => (v == state).then_some(state),
                    Func::Write => {
                        let strands_reads =
                            v != state && pending_reads[state] > 0 && pending_writes[state] == 0;
                        (!strands_reads).then_some(v)
                    }
                };
                if let Some(new_state) = new_state {
                    linearized[entry / 64] |= 1 << (entry % 64);
                    let config = Config {
                        hash: set_hash ^ zobrist[entry] ^ state_hash(new_state),
                        bits: linearized.clone().into_boxed_slice(),
                        state: new_state,
                    };
                    if seen.insert(config) {
                        set_hash ^= zobrist[entry];
                        match entries[entry].f {
                            Func::Read => pending_reads[v] -= 1,
                            Func::Write => pending_writes[v] -= 1,
                        }
                        stack.push((node, state));
                        state = new_state;
                        if ret_node.is_some() {
                            linearized_required += 1;
                        }
                        remove(&mut next, &mut prev, node);
                        if let Some(r) = ret_node {
                            remove(&mut next, &mut prev, r);
                        }
                        node = next[head];
                        continue;
                    }
                    linearized[entry / 64] &= !(1 << (entry % 64));
                }
                node = next[node];
            }
            Event::Return => {
                let Some((call_node, old_state)) = stack.pop() else {
                    *total_steps += steps;
                    return Verdict::Invalid;
                };
                let Event::Call { entry, ret_node } = nodes[call_node] else {
                    unreachable!("only calls are pushed");
                };
                if let Some(r) = ret_node {
                    reinsert(&mut next, &mut prev, r);
                    linearized_required -= 1;
                }
                reinsert(&mut next, &mut prev, call_node);
                linearized[entry / 64] &= !(1 << (entry % 64));
                set_hash ^= zobrist[entry];
                match entries[entry].f {
                    Func::Read => pending_reads[vid[entry]] += 1,
                    Func::Write => pending_writes[vid[entry]] += 1,
                }
                state = old_state;
                node = next[call_node];
            }
            Event::Sentinel => {
                // Only the tail: every required op is placed, handled above.
                unreachable!("walked past the last event with required ops unplaced");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::History;
    use std::time::Instant;

    /// Builds histories by hand: `inv`/`ok`/... append in real-time order.
    struct H {
        h: History,
    }

    impl H {
        fn new() -> H {
            H {
                h: History::in_memory(),
            }
        }
        fn inv_w(&self, p: u64, k: &str, v: i64) {
            self.h.invoke(p, Func::Write, k, Some(v), 0);
        }
        fn inv_r(&self, p: u64, k: &str) {
            self.h.invoke(p, Func::Read, k, None, 0);
        }
        fn end(&self, p: u64, typ: OpType, f: Func, k: &str, v: Option<i64>) {
            self.h.complete(p, typ, f, k, v, 0, None);
        }
        fn ok_w(&self, p: u64, k: &str, v: i64) {
            self.end(p, OpType::Ok, Func::Write, k, Some(v));
        }
        fn ok_r(&self, p: u64, k: &str, v: Option<i64>) {
            self.end(p, OpType::Ok, Func::Read, k, v);
        }
        fn write(&self, p: u64, k: &str, v: i64) {
            self.inv_w(p, k, v);
            self.ok_w(p, k, v);
        }
        fn read(&self, p: u64, k: &str, v: Option<i64>) {
            self.inv_r(p, k);
            self.ok_r(p, k, v);
        }
        fn check(&self) -> LinearizabilityReport {
            check(&self.h.ops())
        }
    }

    #[test]
    fn sequential_history_is_ok() {
        let h = H::new();
        h.read(1, "a", None);
        h.write(1, "a", 1);
        h.read(2, "a", Some(1));
        h.write(2, "a", 2);
        h.read(1, "a", Some(2));
        let r = h.check();
        assert!(r.valid, "{r:#?}");
        assert_eq!(r.keys.len(), 1);
        assert_eq!(r.keys[0].ops, 5);
        assert!(r.anomalies.is_empty());
    }

    #[test]
    fn concurrent_history_is_ok() {
        // p1 writes 1 while p2 reads 1 and p3 reads none: both orders fit the overlap.
        let h = H::new();
        h.inv_w(1, "a", 1);
        h.inv_r(2, "a");
        h.inv_r(3, "a");
        h.ok_r(3, "a", None);
        h.ok_r(2, "a", Some(1));
        h.ok_w(1, "a", 1);
        // Two overlapping writes, then reads agree on the later-linearized one.
        h.inv_w(1, "a", 2);
        h.inv_w(2, "a", 3);
        h.ok_w(2, "a", 3);
        h.ok_w(1, "a", 2);
        h.read(3, "a", Some(2));
        h.read(3, "a", Some(2));
        let r = h.check();
        assert!(r.valid, "{r:#?}");
    }

    #[test]
    fn stale_read_after_completed_write_is_invalid() {
        let h = H::new();
        h.write(1, "a", 1);
        h.write(1, "a", 2);
        h.read(2, "a", Some(1));
        let r = h.check();
        assert!(!r.valid);
        assert_eq!(r.invalid_keys, vec!["a".to_string()]);
        let ce = r.keys[0].counterexample.as_ref().unwrap();
        assert_eq!(ce.f, Func::Read);
        assert_eq!(ce.value, Some(1));
        assert_eq!(ce.possible_values, vec![Some(2)]);
        assert!(ce.message.contains("could only hold {2}"), "{}", ce.message);
    }

    #[test]
    fn reads_must_not_go_back_in_time() {
        // Concurrent with a write, a read may see the new value, but a later read that
        // starts after it completed may not see the old one.
        let h = H::new();
        h.write(1, "a", 1);
        h.inv_w(1, "a", 2);
        h.read(2, "a", Some(2));
        h.read(3, "a", Some(1));
        h.ok_w(1, "a", 2);
        let r = h.check();
        assert!(!r.valid, "{r:#?}");
        let ce = r.keys[0].counterexample.as_ref().unwrap();
        assert_eq!(ce.process, 3);
    }

    #[test]
    fn info_write_that_later_shows_up_is_ok() {
        let h = H::new();
        h.write(1, "a", 1);
        h.inv_w(2, "a", 2);
        h.end(2, OpType::Info, Func::Write, "a", Some(2));
        h.read(3, "a", Some(1));
        h.read(3, "a", Some(1));
        h.read(3, "a", Some(2)); // the timed-out write landed late
        h.read(3, "a", Some(2));
        let r = h.check();
        assert!(r.valid, "{r:#?}");
        assert_eq!(r.keys[0].info_writes, 1);
    }

    #[test]
    fn info_write_never_visible_is_ok() {
        let h = H::new();
        h.write(1, "a", 1);
        h.inv_w(2, "a", 2);
        h.end(2, OpType::Info, Func::Write, "a", Some(2));
        // An invocation that never completes at all is an info too.
        h.inv_w(4, "a", 4);
        h.read(3, "a", Some(1));
        h.write(1, "a", 3);
        h.read(3, "a", Some(3));
        let r = h.check();
        assert!(r.valid, "{r:#?}");
        assert_eq!(r.keys[0].unobserved_info_writes, 2);
    }

    #[test]
    fn info_write_cannot_be_seen_and_then_unseen() {
        let h = H::new();
        h.write(1, "a", 1);
        h.inv_w(2, "a", 2);
        h.end(2, OpType::Info, Func::Write, "a", Some(2));
        h.read(3, "a", Some(2));
        h.read(3, "a", Some(1));
        let r = h.check();
        assert!(!r.valid, "{r:#?}");
    }

    #[test]
    fn info_write_cannot_take_effect_before_its_invocation() {
        let h = H::new();
        h.read(3, "a", Some(2));
        h.inv_w(2, "a", 2);
        h.end(2, OpType::Info, Func::Write, "a", Some(2));
        let r = h.check();
        assert!(!r.valid, "{r:#?}");
    }

    #[test]
    fn read_of_a_value_never_written_is_invalid() {
        let h = H::new();
        h.write(1, "a", 1);
        h.read(2, "a", Some(7));
        let r = h.check();
        assert!(!r.valid);
        let ce = r.keys[0].counterexample.as_ref().unwrap();
        assert_eq!(ce.value, Some(7));
        assert!(ce.message.contains("7 was never written"), "{}", ce.message);
    }

    #[test]
    fn failed_write_observed_is_invalid() {
        let h = H::new();
        h.write(1, "a", 1);
        h.inv_w(2, "a", 2);
        h.end(2, OpType::Fail, Func::Write, "a", None);
        h.read(3, "a", Some(2));
        let r = h.check();
        assert!(!r.valid);
        assert_eq!(r.keys[0].failed, 1);
        let ce = r.keys[0].counterexample.as_ref().unwrap();
        assert!(ce.message.contains("failed"), "{}", ce.message);
    }

    #[test]
    fn reading_none_after_a_write_is_invalid_but_before_is_ok() {
        let h = H::new();
        h.read(1, "a", None);
        h.write(1, "a", 1);
        h.read(2, "a", None);
        let r = h.check();
        assert!(!r.valid);
        assert_eq!(
            r.keys[0].counterexample.as_ref().unwrap().possible_values,
            vec![Some(1)]
        );
    }

    #[test]
    fn info_and_failed_reads_are_dropped() {
        let h = H::new();
        h.write(1, "a", 1);
        h.inv_r(2, "a");
        h.end(2, OpType::Info, Func::Read, "a", Some(99));
        h.inv_r(3, "a");
        h.end(3, OpType::Fail, Func::Read, "a", Some(98));
        h.read(4, "a", Some(1));
        let r = h.check();
        assert!(r.valid, "{r:#?}");
        assert_eq!(r.keys[0].info_reads, 1);
        assert_eq!(r.keys[0].failed, 1);
        assert_eq!(r.keys[0].ops, 2);
    }

    #[test]
    fn keys_are_independent() {
        let h = H::new();
        h.write(1, "a", 1);
        h.write(1, "b", 1);
        h.read(2, "a", Some(1));
        h.read(2, "b", None); // stale
        let r = h.check();
        assert!(!r.valid);
        assert_eq!(r.invalid_keys, vec!["b".to_string()]);
        assert!(r.keys.iter().find(|k| k.key == "a").unwrap().ok);
    }

    #[test]
    fn malformed_histories_are_reported_not_fatal() {
        let h = H::new();
        h.ok_w(9, "a", 5); // completion without invocation
        h.inv_w(1, "a", 1);
        h.inv_w(1, "a", 2); // second invocation while one is in flight
        h.ok_w(1, "a", 2);
        h.read(2, "a", Some(2));
        let r = h.check();
        assert!(r.valid, "{r:#?}");
        assert_eq!(r.anomaly_count, 2);
    }

    #[test]
    fn step_budget_gives_unknown() {
        let h = H::new();
        for p in 0..6 {
            h.inv_w(p, "a", p as i64);
        }
        for p in 0..6 {
            h.ok_w(p, "a", p as i64);
        }
        h.read(9, "a", Some(42));
        let r = check_with(&h.h.ops(), &CheckOptions { max_steps: 5 });
        assert!(!r.valid);
        assert_eq!(r.unknown_keys, vec!["a".to_string()]);
        assert_eq!(r.keys[0].status, KeyStatus::Unknown);
    }

    /// A deterministic pseudo-random generator (xorshift), so the test needs no crate.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    /// Simulates `clients` clients against a true atomic register: each op takes effect
    /// at a random moment between its invocation and completion, so the history is
    /// linearizable by construction. About one write in ten times out (info): it may
    /// take effect before the timeout, after it (the client has moved on), or never; the
    /// client then continues under a fresh process id, as the harness does.
    fn simulated(ops: usize, clients: usize, seed: u64) -> Vec<Op> {
        #[derive(Clone)]
        struct InFlight {
            f: Func,
            wv: i64,
            applied: bool,
            read: Option<i64>,
            info: bool,
        }
        let h = History::in_memory();
        let mut rng = Rng(seed);
        let mut value: Option<i64> = None;
        let mut next_value = 0i64;
        let mut process: Vec<u64> = (0..clients as u64).collect();
        let mut next_process = clients as u64;
        let mut flight: Vec<Option<InFlight>> = vec![None; clients];
        // Timed-out writes that may still land later.
        let mut limbo: Vec<i64> = Vec::new();
        let mut recorded = 0;
        while recorded < ops {
            if !limbo.is_empty() && rng.next().is_multiple_of(20) {
                let i = (rng.next() % limbo.len() as u64) as usize;
                let v = limbo.swap_remove(i);
                if rng.next().is_multiple_of(2) {
                    value = Some(v);
                }
            }
            let c = (rng.next() % clients as u64) as usize;
            match flight[c].take() {
                None => {
                    let f = if rng.next().is_multiple_of(2) {
                        Func::Read
                    } else {
                        Func::Write
                    };
                    next_value += 1;
                    let wv = (f == Func::Write).then_some(next_value);
                    h.invoke(process[c], f, "k", wv, 0);
                    flight[c] = Some(InFlight {
                        f,
                        wv: next_value,
                        applied: false,
                        read: None,
                        info: f == Func::Write && rng.next().is_multiple_of(10),
                    });
                    recorded += 1;
                }
                Some(mut op) if !op.applied && rng.next().is_multiple_of(2) && !op.info => {
                    match op.f {
                        Func::Read => op.read = value,
                        Func::Write => value = Some(op.wv),
                    }
                    op.applied = true;
                    flight[c] = Some(op);
                }
                Some(op) if op.info => {
                    if rng.next().is_multiple_of(3) {
                        value = Some(op.wv);
                    } else {
                        limbo.push(op.wv);
                    }
                    h.complete(process[c], OpType::Info, op.f, "k", Some(op.wv), 0, None);
                    process[c] = next_process;
                    next_process += 1;
                    recorded += 1;
                }
                Some(op) if op.applied => {
                    let v = match op.f {
                        Func::Read => op.read,
                        Func::Write => Some(op.wv),
                    };
                    h.complete(process[c], OpType::Ok, op.f, "k", v, 0, None);
                    recorded += 1;
                }
                Some(op) => flight[c] = Some(op),
            }
        }
        h.ops()
    }

    #[test]
    fn two_thousand_concurrent_ops_check_fast() {
        // 4,000 lines = 2,000 operations, 5 and 10 concurrent clients.
        for (seed, clients) in [(1u64, 5), (7, 5), (42, 10), (1234, 10)] {
            let ops = simulated(4000, clients, seed);
            let started = Instant::now();
            let r = check(&ops);
            let took = started.elapsed();
            assert!(r.valid, "seed {seed}: {r:#?}");
            assert!(r.anomalies.is_empty(), "{:?}", r.anomalies);
            let k = &r.keys[0];
            assert!(k.info_writes > 0 && k.unobserved_info_writes > 0, "{k:#?}");
            assert!(
                took.as_millis() < 500,
                "seed {seed}: {took:?}, {} steps",
                r.keys[0].steps
            );
        }
    }

    #[test]
    fn corrupted_simulation_is_caught() {
        let mut ops = simulated(4000, 10, 99);
        // Make one late successful read return the initial value: stale.
        let idx = ops
            .iter()
            .rposition(|o| o.typ == OpType::Ok && o.f == Func::Read && o.value.is_some())
            .unwrap();
        ops[idx].value = None;
        let started = Instant::now();
        let r = check(&ops);
        assert!(!r.valid);
        assert!(started.elapsed().as_millis() < 1000);
        let ce = r.keys[0].counterexample.as_ref().unwrap();
        assert_eq!(ce.complete_index, Some(ops[idx].index), "{}", ce.message);
        assert!(!ce.possible_values.is_empty() && !ce.possible_values.contains(&None));
    }
}
