//! The check of every exchange against the vendor documents, and the report: the coverage
//! table (per operation, the statuses the engine got, those the clients' own calls got and
//! those sent by hand), the problems, and whether everything passed.

use std::collections::{BTreeMap, BTreeSet};

use super::{ALSO_SERVED, CLIENT_CALLS, ERROR_STATUSES, Exchange, KNOWN_UNDOCUMENTED, RUNBOOK, Run, Source, VARIANTS};
use linkplan_conformance::{ResponseKey, Specs, Vendor, ViolationKind};

/// Find each exchange's operation and check its bodies: every response; every request the
/// engine or a client sent; a request sent by hand only when the simulator accepted it (the
/// error cases send bad bodies on purpose).
pub(super) fn check(specs: &Specs, exchanges: &mut [Exchange]) {
    for x in exchanges {
        let Some(op) = specs.operation(x.vendor, &x.method, &x.target) else {
            x.problems.push(format!("no {} operation documents {} {}", x.vendor, x.method, x.target));
            continue;
        };
        x.op = Some(op.id().to_owned());
        if x.source != Source::Hand || x.status.is_some_and(|s| s < 300) {
            x.problems.extend(op.validate_request(x.request_body.as_ref()).into_iter().map(|v| format!("request {v}")));
        }
        let Some(status) = x.status else { continue };
        let mut violations = op.validate_response(status, x.response_body.as_ref());
        let known = KNOWN_UNDOCUMENTED.iter().find(|(id, code, _)| *id == op.id() && *code == status);
        if let Some((_, _, reason)) = known
            && violations.iter().any(|v| v.kind == ViolationKind::UndocumentedStatus)
        {
            x.notes.push(format!("status {status} is not documented for {}: {reason}", op.id()));
            // Check the body as the operation's documented error of the same class.
            let sibling = op.response_keys().find_map(|k| match k {
                ResponseKey::Status(code) if code / 100 == status / 100 && op.response_has_schema(code) => Some(code),
                _ => None,
            });
            violations = sibling.map(|code| op.validate_response(code, x.response_body.as_ref())).unwrap_or_default();
        }
        for v in violations {
            let what = if v.kind == ViolationKind::UndocumentedStatus { "status" } else { "response" };
            x.problems.push(format!("{what} {v}"));
        }
    }
}

/// The `validateOnly` variant of an attach request.
fn variant(x: &Exchange) -> Option<String> {
    let only = x.request_body.as_ref()?.get("validateOnly")?.as_bool()?;
    Some(format!("validateOnly={only}"))
}

/// What one operation saw.
#[derive(Default, Clone)]
struct Seen {
    engine: BTreeSet<u16>,
    hand: BTreeSet<u16>,
    client: BTreeSet<u16>,
    /// Request variants the engine sent that got a 2xx.
    variants: BTreeSet<String>,
    engine_calls: usize,
    hand_calls: usize,
    client_calls: usize,
    problems: usize,
    /// Statuses with a known deviation.
    deviations: BTreeSet<u16>,
}

impl Seen {
    fn engine_covered(&self) -> bool {
        self.engine.iter().any(|s| (200..300).contains(s))
    }

    fn client_covered(&self) -> bool {
        self.client.iter().any(|s| (200..300).contains(s))
    }

    fn covered(&self) -> bool {
        self.engine_covered() || self.client_covered() || self.hand.iter().any(|s| (200..300).contains(s))
    }
}

/// What is missing for an operation of [`CLIENT_CALLS`]: a 2xx from the clients' own calls, and
/// that the engine does not call it yet (then it belongs in [`RUNBOOK`]).
fn client_call_gap(id: &str, seen: &Seen) -> Option<String> {
    if seen.engine_calls > 0 {
        Some(format!("{id}: the engine calls it now: move it from CLIENT_CALLS to RUNBOOK"))
    } else if !seen.client_covered() {
        Some(format!("{id}: the clients made no successful call"))
    } else {
        None
    }
}

/// Print the coverage table, the problems and the summary; whether everything passed.
pub(super) fn print(specs: &Specs, run: &Run) -> bool {
    let mut by_op: BTreeMap<&str, Seen> = BTreeMap::new();
    for x in &run.exchanges {
        let (Some(op), Some(status)) = (&x.op, x.status) else { continue };
        let e = by_op.entry(op.as_str()).or_default();
        e.problems += x.problems.len();
        if !x.notes.is_empty() {
            e.deviations.insert(status);
        }
        match x.source {
            Source::Engine => {
                e.engine.insert(status);
                e.engine_calls += 1;
                if let Some(v) = variant(x).filter(|_| (200..300).contains(&status)) {
                    e.variants.insert(v);
                }
            }
            Source::Hand => {
                e.hand.insert(status);
                e.hand_calls += 1;
            }
            Source::Client => {
                e.client.insert(status);
                e.client_calls += 1;
            }
        }
    }

    let listed: Vec<&str> = RUNBOOK.iter().chain(CLIENT_CALLS).chain(ALSO_SERVED).copied().collect();
    let mut ids = listed.clone();
    ids.extend(by_op.keys().copied().filter(|k| !listed.contains(k)));
    let mut rows = Vec::new();
    let mut gaps = Vec::new();
    for id in ids {
        let Some(op) = specs.operation_by_id(id) else {
            gaps.push(format!("{id} is not in the vendor documents"));
            continue;
        };
        let seen = by_op.get(id).cloned().unwrap_or_default();
        if RUNBOOK.contains(&id) && !seen.engine_covered() {
            gaps.push(format!("{id}: the engine made no successful call"));
        } else if let Some(gap) = CLIENT_CALLS.contains(&id).then(|| client_call_gap(id, &seen)).flatten() {
            gaps.push(gap);
        } else if ALSO_SERVED.contains(&id) && !seen.covered() {
            gaps.push(format!("{id}: no successful call"));
        } else if !listed.contains(&id) && seen.engine_calls > 0 {
            gaps.push(format!("{id}: the engine calls it, but RUNBOOK does not list it"));
        }
        let shown = |statuses: &BTreeSet<u16>| -> Vec<String> {
            statuses.iter().map(|s| if seen.deviations.contains(s) { format!("{s}*") } else { s.to_string() }).collect()
        };
        let mut engine = shown(&seen.engine);
        engine.extend(seen.variants.iter().cloned());
        let result = if seen.problems > 0 {
            format!("FAIL ({})", seen.problems)
        } else if !seen.covered() {
            "UNCOVERED".to_owned()
        } else {
            "pass".to_owned()
        };
        rows.push([
            id.to_owned(),
            op.method().to_owned(),
            op.path().to_owned(),
            engine.join(" "),
            shown(&seen.client).join(" "),
            shown(&seen.hand).join(" "),
            format!("{}+{}+{}", seen.engine_calls, seen.client_calls, seen.hand_calls),
            result,
        ]);
    }
    for &(id, variant) in VARIANTS {
        if !by_op.get(id).is_some_and(|e| e.variants.contains(variant)) {
            gaps.push(format!("{id}: the engine sent no successful {variant}"));
        }
    }
    for vendor in [Vendor::Confluent, Vendor::Tidbcloud] {
        for status in ERROR_STATUSES {
            let seen = run.exchanges.iter().any(|x| x.vendor == vendor && x.status == Some(*status) && x.op.is_some());
            if !seen {
                gaps.push(format!("{vendor}: no {status} response exercised"));
            }
        }
    }

    println!(
        "conformance: the simulator, driven by the engine, the clients and by hand, vs the vendor documents in {}\n",
        specs.dir().display()
    );
    table(&["operation", "method", "path", "engine", "clients", "by hand", "calls", "result"], &rows);

    let failing: Vec<&Exchange> = run.exchanges.iter().filter(|x| !x.problems.is_empty()).collect();
    if !failing.is_empty() {
        println!("\nnon-conforming exchanges:");
        for x in &failing {
            let op = x.op.as_deref().unwrap_or("(no operation)");
            let status = x.status.map_or("no response".to_owned(), |s| s.to_string());
            let who = match x.source {
                Source::Engine => "engine",
                Source::Client => "clients",
                Source::Hand => "by hand",
            };
            println!("  {} {} → {status} [{op}, {who}]", x.method, x.target);
            for p in &x.problems {
                println!("      {p}");
            }
        }
    }
    let mut notes: Vec<&str> = run.exchanges.iter().flat_map(|x| x.notes.iter().map(String::as_str)).collect();
    notes.sort_unstable();
    notes.dedup();
    if !notes.is_empty() {
        println!("\n* known deviations from the vendor documents (tolerated, see KNOWN_UNDOCUMENTED):");
        for n in notes {
            println!("  {n}");
        }
    }
    if !run.failures.is_empty() {
        println!("\nscenario failures:");
        for f in &run.failures {
            println!("  {}", f.replace('\n', "\n    "));
        }
    }
    if !gaps.is_empty() {
        println!("\nmissing coverage:");
        for g in &gaps {
            println!("  {g}");
        }
    }
    let engine_covered = RUNBOOK.iter().filter(|id| by_op.get(*id).is_some_and(Seen::engine_covered)).count();
    let others_covered = ALSO_SERVED.iter().filter(|id| by_op.get(*id).is_some_and(Seen::covered)).count();
    let client_covered = CLIENT_CALLS.iter().filter(|id| by_op.get(*id).is_some_and(Seen::client_covered)).count();
    let from_engine = run.exchanges.iter().filter(|x| x.source == Source::Engine).count();
    let from_clients = run.exchanges.iter().filter(|x| x.source == Source::Client).count();
    let ok = failing.is_empty() && run.failures.is_empty() && gaps.is_empty();
    println!(
        "\nsummary: {} — {} exchanges ({from_engine} from the engine, {from_clients} from the clients, {} by hand), \
         {engine_covered}/{} runbook operations covered by the engine (+{client_covered}/{} by the clients' calls the \
         engine does not make yet, +{others_covered}/{} other served, by hand), {} operations exercised, {} \
         non-conforming exchanges, {} scenario failures, {} coverage gaps",
        if ok { "PASS" } else { "FAIL" },
        run.exchanges.len(),
        run.exchanges.len() - from_engine - from_clients,
        RUNBOOK.len(),
        CLIENT_CALLS.len(),
        ALSO_SERVED.len(),
        by_op.len(),
        failing.len(),
        run.failures.len(),
        gaps.len(),
    );
    ok
}

/// Left-aligned columns two spaces apart.
fn table<const N: usize>(header: &[&str; N], rows: &[[String; N]]) {
    let mut widths = header.map(str::len);
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    let line = |cells: Vec<&str>| {
        let cells: Vec<String> = cells.iter().zip(widths).map(|(c, w)| format!("{c:<w$}")).collect();
        cells.join("  ").trim_end().to_owned()
    };
    println!("{}", line(header.to_vec()));
    for row in rows {
        println!("{}", line(row.iter().map(String::as_str).collect()));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn specs() -> &'static Specs {
        Specs::shared().unwrap_or_else(|e| panic!("{e}"))
    }

    fn exchange(source: Source, method: &str, target: &str, status: u16, response: Option<Value>) -> Exchange {
        Exchange {
            source,
            vendor: Vendor::Confluent,
            method: method.to_owned(),
            target: target.to_owned(),
            status: Some(status),
            request_body: None,
            response_body: response,
            problems: Vec::new(),
            notes: Vec::new(),
            op: None,
        }
    }

    fn checked(mut x: Exchange) -> Exchange {
        check(specs(), std::slice::from_mut(&mut x));
        x
    }

    #[test]
    fn a_non_conforming_body_is_a_problem() {
        let x = checked(exchange(Source::Engine, "GET", "/org/v2/environments/env-1", 200, Some(json!({ "id": 7 }))));
        assert_eq!(x.op.as_deref(), Some("getOrgV2Environment"));
        assert!(x.problems.iter().any(|p| p.starts_with("response ")), "{:?}", x.problems);
    }

    #[test]
    fn an_undocumented_request_or_status_is_a_problem() {
        let x = checked(exchange(Source::Engine, "GET", "/org/v2/nothing-here", 200, None));
        assert_eq!(x.op, None);
        assert!(x.problems.iter().any(|p| p.contains("no confluent operation documents")), "{:?}", x.problems);
        let x = checked(exchange(Source::Hand, "GET", "/org/v2/environments/env-1", 418, None));
        assert!(x.problems.iter().any(|p| p.starts_with("status ")), "{:?}", x.problems);
    }

    #[test]
    fn a_runbook_operation_only_called_by_hand_is_uncovered() {
        let env = json!({ "id": "env-1", "display_name": "x", "api_version": "org/v2", "kind": "Environment" });
        let hand = checked(exchange(Source::Hand, "GET", "/org/v2/environments/env-1", 200, Some(env)));
        assert!(hand.problems.is_empty(), "{:?}", hand.problems);
        let run = Run { exchanges: vec![hand], failures: Vec::new() };
        assert!(!print(specs(), &run), "getOrgV2Environment is covered by hand only");
    }

    #[test]
    fn a_client_call_needs_the_clients_and_not_the_engine() {
        let seen = |source: Source, status: u16| {
            let mut seen = Seen::default();
            match source {
                Source::Engine => {
                    seen.engine.insert(status);
                    seen.engine_calls += 1;
                }
                Source::Client => {
                    seen.client.insert(status);
                    seen.client_calls += 1;
                }
                Source::Hand => {
                    seen.hand.insert(status);
                    seen.hand_calls += 1;
                }
            }
            seen
        };
        assert_eq!(client_call_gap("createIamV2ApiKey", &seen(Source::Client, 202)), None);
        let gap = |source, status| client_call_gap("createIamV2ApiKey", &seen(source, status)).expect("a gap");
        assert!(gap(Source::Client, 422).contains("no successful call"));
        assert!(gap(Source::Hand, 202).contains("no successful call"), "by hand does not count");
        assert!(gap(Source::Engine, 202).contains("move it from CLIENT_CALLS to RUNBOOK"));
        // A client exchange's request is checked whatever its status.
        let mut x = exchange(Source::Client, "POST", "/iam/v2/role-bindings", 400, None);
        x.request_body = Some(json!({ "principal": "sa-1", "role_name": "DeveloperWrite", "crn_pattern": "crn://x" }));
        let x = checked(x);
        assert!(x.problems.iter().any(|p| p.starts_with("request /principal")), "{:?}", x.problems);
        for (id, _) in VARIANTS {
            assert!(!CLIENT_CALLS.contains(id) && RUNBOOK.contains(id));
        }
        for id in CLIENT_CALLS {
            assert!(!RUNBOOK.contains(id) && !ALSO_SERVED.contains(id), "{id} is listed twice");
            assert!(specs().operation_by_id(id).is_some(), "{id} is not in the vendor documents");
        }
    }

    #[test]
    fn only_the_engine_covers_a_variant() {
        let mut x =
            exchange(Source::Engine, "POST", "/v1beta1/clusters/1/privateLinkConnections/p:attachDomains", 200, None);
        x.request_body = Some(json!({ "validateOnly": true }));
        assert_eq!(variant(&x).as_deref(), Some("validateOnly=true"));
        x.request_body = None;
        assert_eq!(variant(&x), None);
    }
}
