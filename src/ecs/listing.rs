//! Walking an account's instances in a region for Describe*: newest first, settling
//! and filtering as it goes, and stopping as soon as a page is full.
//!
//! No request scans and sorts the whole scope: the per-(account, region) index is
//! ordered by insertion sequence, so a page (or a `NextToken` resume point) is a range
//! walk. Only `TotalCount` under filters in PageNumber mode needs one pass, without
//! sorting or copying.

use crate::ecs::filters::Filters;
use crate::ecs::sym::Sym;
use crate::ecs::world::World;
use crate::ecs::Ctx;

/// One page of matching ids and the sequence number where the next page starts.
pub(crate) struct Page {
    pub(crate) ids: Vec<Sym>,
    pub(crate) next: Option<u64>,
}

/// Walk the caller's instances in the region newest first (from sequence `from`),
/// skip `skip` matches, take `take`.
pub(crate) fn collect(
    w: &mut World,
    ctx: &Ctx<'_>,
    region: &str,
    f: &Filters,
    skip: u64,
    take: u64,
    from: Option<u64>,
) -> Page {
    let mut page = Page {
        ids: Vec::with_capacity(take.min(64) as usize),
        next: None,
    };
    if f.ids.as_ref().is_some_and(Vec::is_empty) {
        return page;
    }
    let candidates: Vec<(u64, Sym)> = match &f.ids {
        // A short id list: look each up instead of walking the index.
        Some(ids) => {
            let mut found: Vec<(u64, Sym)> = ids
                .iter()
                .filter_map(|id| {
                    w.owned(ctx.caller, Some(region), id, ctx.now)
                        .ok()
                        .map(|i| (i.seq, i.instance_id.clone()))
                })
                .collect();
            found.sort_by_key(|f| std::cmp::Reverse(f.0));
            found.dedup();
            found
        }
        None => Vec::new(),
    };
    let account = ctx.caller.account_id.as_str();
    let mut cursor = from.unwrap_or(u64::MAX);
    let mut fast_skipped = 0;
    // Without filters every instance matches: not asked per instance.
    let everything = f.is_empty();
    if everything && skip > 0 {
        // Without filters every indexed instance matches (due releases were swept), so
        // a deep page starts by walking the index keys alone, without settling each.
        match w
            .listing(account, region)
            .and_then(|idx| idx.range(..=cursor).rev().nth(skip as usize))
        {
            Some((seq, _)) => {
                cursor = *seq;
                fast_skipped = skip;
            }
            None => return page,
        }
    }
    let mut skipped = fast_skipped;
    // The first batch is what a page needs when every instance matches; later ones, as
    // filters skip instances, are larger.
    let mut batch_size = take
        .saturating_add(1)
        .saturating_add(skip - fast_skipped)
        .clamp(1, 64) as usize;
    let mut visit = |w: &mut World, seq: u64, id: &Sym| -> bool {
        // One lookup for an instance with nothing due (most of them).
        let matches = match w.instance(id) {
            None => false,
            Some(inst) if !inst.due(ctx.now) => everything || f.matches(w, inst),
            Some(_) => {
                w.settle(id, ctx.now);
                let w: &World = w;
                w.instance(id)
                    .is_some_and(|inst| everything || f.matches(w, inst))
            }
        };
        if !matches {
            return true;
        }
        if skipped < skip {
            skipped += 1;
            return true;
        }
        if page.ids.len() as u64 == take {
            page.next = Some(seq);
            return false;
        }
        page.ids.push(id.clone());
        true
    };
    if f.ids.is_some() {
        for (seq, id) in candidates {
            if from.is_some_and(|s| seq > s) {
                continue;
            }
            if !visit(w, seq, &id) {
                break;
            }
        }
        return page;
    }
    // Walk the index in small batches so the borrow of the index ends before settling.
    loop {
        let mut batch: Vec<(u64, Sym)> = Vec::with_capacity(batch_size);
        match w.listing(account, region) {
            Some(idx) => batch.extend(
                idx.range(..=cursor)
                    .rev()
                    .take(batch_size)
                    .map(|(s, id)| (*s, id.clone())),
            ),
            None => return page,
        }
        if batch.is_empty() {
            return page;
        }
        for (seq, id) in &batch {
            if !visit(w, *seq, id) {
                return page;
            }
        }
        batch_size = 64;
        match batch.last().map(|(s, _)| *s) {
            Some(0) | None => return page,
            Some(last) => cursor = last - 1,
        }
    }
}

/// Count every match in the scope (used for `TotalCount` under filters).
pub(crate) fn count(w: &mut World, ctx: &Ctx<'_>, region: &str, f: &Filters) -> u64 {
    if let Some(ids) = &f.ids {
        let mut n = 0;
        let mut seen = Vec::new();
        for id in ids {
            if seen.contains(id) {
                continue;
            }
            seen.push(id.clone());
            if w.owned(ctx.caller, Some(region), id, ctx.now).is_ok() {
                let w: &World = w;
                if w.instance(id).is_some_and(|inst| f.matches(w, inst)) {
                    n += 1;
                }
            }
        }
        return n;
    }
    let ids: Vec<Sym> = match w.listing(&ctx.caller.account_id, region) {
        Some(idx) => idx.values().cloned().collect(),
        None => return 0,
    };
    let mut n = 0;
    for id in ids {
        if w.settle(&id, ctx.now) {
            let w: &World = w;
            if w.instance(&id).is_some_and(|inst| f.matches(w, inst)) {
                n += 1;
            }
        }
    }
    n
}
