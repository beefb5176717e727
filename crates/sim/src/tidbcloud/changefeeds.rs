//! TiDB Cloud changefeeds (`…/clusters/{clusterId}/changefeeds`, the CDC document): list, create,
//! get, delete, edit (PATCH), `:start`, `:stop`, and the collection methods `:test` and
//! `:describeSchemaTable`. Only Kafka sinks are simulated (a MYSQL sink is a 400).
//!
//! Choices where the documents are silent, each the simulator's reading:
//! - `:test` answers an empty object (200) when [`crate::state::State::sink_link`] accepts the
//!   sink, else 400 with the rule's message naming the condition that failed. Without a filter
//!   it checks only the topics the sink names by itself (the default topic); a create checks
//!   every topic its filter selects, when CREATING ends.
//! - A start position (`FROM_TSO`, `FROM_TIME`) at or before the cluster's GC safe point is
//!   refused at once (400), as TiCDC refuses a start-ts its GC has passed; so is one in the
//!   future. `FROM_NOW` starts at the time of the create.
//! - A cluster has at most 10 changefeeds (TiDB Cloud's documented limit; any state counts);
//!   the 11th create is a 400.
//! - Edit (PATCH) is refused (400) unless the changefeed is PAUSED: stop it, edit, start it
//!   (that edits need a stopped changefeed is **unconfirmed** at the vendor).
//! - `:stop` pauses a RUNNING, WARNING or RUNNING_FAILED changefeed; `:start` resumes a PAUSED
//!   or RUNNING_FAILED one (RUNNING when its sink works, else WARNING); either on a changefeed
//!   already there is a no-op; CREATING and CREATE_FAILED refuse both.
//! - DELETE answers the changefeed in state DELETED; it is gone from then on.
//! - Responses echo the sink as given without `authentication.password`.

use axum::body::Body;
use axum::extract::State as AxState;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use serde_json::{Value, json};

use super::{TiError, TiResult, next_token, page_window};
use crate::clock::{millis_of_tso, parse_rfc3339, rfc3339_millis, tso_of_millis};
use crate::fields::Fields;
use crate::http::{App, Ids, json, query_one, query_pairs, read_json};
use crate::state::{
    CREATE_FAILED, CREATING, Changefeed, DELETED, DispatchType, Hidden, KafkaSink, MAX_CHANGEFEEDS, Meta, PAUSED,
    RUNNING, RUNNING_FAILED, State, TableSelection, WARNING,
};
use crate::table_filter::TableFilter;

const AUTH_TYPES: [&str; 4] = ["DISABLE", "SASL_PLAIN", "SASL_SCRAM_SHA_256", "SASL_SCRAM_SHA_512"];
const PROTOCOLS: [&str; 4] = ["CANAL_JSON", "OPEN_PROTOCOL", "AVRO", "DEBEZIUM"];
const KAFKA_VERSIONS: [&str; 2] = ["VERSION_2XX", "VERSION_3XX"];
const COMPRESSIONS: [&str; 5] = ["NONE", "GZIP", "SNAPPY", "LZ4", "ZSTD"];
const TABLE_MODES: [&str; 2] = ["IGNORE_NOT_SUPPORT_TABLE", "FORCE_SYNC"];
const START_MODES: [&str; 3] = ["FROM_NOW", "FROM_TSO", "FROM_TIME"];
/// At most this many tables in each list of `:describeSchemaTable`.
const DESCRIBE_LIMIT: usize = 1000;

fn one_of(pointer: &str, value: &str, allowed: &[&str]) -> Result<(), TiError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(TiError::bad_request(format!("{pointer} must be one of {}, not {value:?}", allowed.join(", "))))
    }
}

/// A topic name (or a part of one) Kafka accepts: ASCII letters, digits, `.`, `_` and `-`.
fn topic_part(pointer: &str, value: &str, whole: bool) -> Result<(), TiError> {
    let legal = value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    let sized =
        if whole { (1..=249).contains(&value.len()) && value != "." && value != ".." } else { value.len() <= 249 };
    if legal && sized {
        Ok(())
    } else {
        Err(TiError::bad_request(format!(
            "{pointer} {value:?} is not a valid Kafka topic name (1 to 249 of A-Z a-z 0-9 . _ -)"
        )))
    }
}

/// The `sink` of a request: as given (without the password, for echoing) and typed.
fn parse_sink(root: &Fields<'_>) -> Result<(Value, KafkaSink), TiError> {
    let sink = root.obj_req("sink", "/sink")?;
    let kind = sink.str_req("type")?;
    match kind {
        "KAFKA" => {}
        "MYSQL" => return Err(TiError::bad_request("sink.type MYSQL is not simulated: only KAFKA sinks are")),
        other => return Err(TiError::bad_request(format!("sink.type must be KAFKA or MYSQL, not {other:?}"))),
    }
    let kafka = sink.obj_req("kafka", "/sink/kafka")?;
    let network = kafka.obj_req("network", "/sink/kafka/network")?;
    let network_type = network.str_req("networkType")?.to_owned();
    one_of("sink.kafka.network.networkType", &network_type, &["PUBLIC", "PRIVATE_LINK"])?;
    let private_link = network.obj_opt("privateLink", "/sink/kafka/network/privateLink")?;
    let (connection_id, port) = match private_link {
        Some(p) => (p.str_opt("privateLinkConnectionId")?.map(str::to_owned), p.int_opt("port")?),
        None => (None, None),
    };
    let auth = kafka.obj_opt("authentication", "/sink/kafka/authentication")?;
    let (auth_type, username, password, tls, server_name) = match auth {
        Some(a) => (
            a.str_opt("authType")?.unwrap_or("DISABLE").to_owned(),
            a.str_opt("username")?.map(str::to_owned),
            a.str_opt("password")?.unwrap_or_default().to_owned(),
            a.bool_opt("enableTls")?.unwrap_or(false),
            a.str_opt("serverName")?.map(str::to_owned),
        ),
        None => ("DISABLE".to_owned(), None, String::new(), false, None),
    };
    one_of("sink.kafka.authentication.authType", &auth_type, &AUTH_TYPES)?;
    if let Some(broker) = kafka.obj_opt("broker", "/sink/kafka/broker")? {
        if let Some(v) = broker.str_opt("kafkaVersion")? {
            one_of("sink.kafka.broker.kafkaVersion", v, &KAFKA_VERSIONS)?;
        }
        if let Some(c) = broker.str_opt("compression")? {
            one_of("sink.kafka.broker.compression", c, &COMPRESSIONS)?;
        }
    }
    let format = kafka.obj_req("dataFormat", "/sink/kafka/dataFormat")?;
    let protocol = format.str_req("protocol")?;
    one_of("sink.kafka.dataFormat.protocol", protocol, &PROTOCOLS)?;
    if protocol == "AVRO" {
        let registry = match format.obj_opt("avroConfig", "/sink/kafka/dataFormat/avroConfig")? {
            Some(avro) => avro.raw("confluentSchemaRegistry").is_some() || avro.raw("awsGlueSchemaRegistry").is_some(),
            None => false,
        };
        if !registry {
            return Err(TiError::bad_request(
                "sink.kafka.dataFormat.protocol AVRO needs a schema registry: set avroConfig.confluentSchemaRegistry \
                 or avroConfig.awsGlueSchemaRegistry",
            ));
        }
    }
    let topics = kafka.obj_req("topicPartitionConfig", "/sink/kafka/topicPartitionConfig")?;
    let dispatch = match topics.str_req("dispatchType")? {
        "ONE_TOPIC" => DispatchType::OneTopic,
        "BY_TABLE" => DispatchType::ByTable,
        "BY_DATABASE" => DispatchType::ByDatabase,
        other => {
            return Err(TiError::bad_request(format!(
                "sink.kafka.topicPartitionConfig.dispatchType must be ONE_TOPIC, BY_TABLE or BY_DATABASE, not {other:?}"
            )));
        }
    };
    let default_topic = topics.str_opt("defaultTopic")?.filter(|t| !t.is_empty()).map(str::to_owned);
    let part = |key: &str| topics.str_opt(key).map(|v| v.unwrap_or_default().to_owned());
    let (topic_prefix, separator, topic_suffix) = (part("topicPrefix")?, part("separator")?, part("topicSuffix")?);
    let replication_factor = topics.int_opt("replicationFactor")?;
    let partitions = topics.int_opt("partitionNum")?;
    match (&default_topic, dispatch) {
        (None, DispatchType::OneTopic) => {
            return Err(TiError::bad_request(
                "sink.kafka.topicPartitionConfig.defaultTopic is required for dispatchType ONE_TOPIC",
            ));
        }
        (Some(t), _) => topic_part("sink.kafka.topicPartitionConfig.defaultTopic", t, true)?,
        (None, _) => {}
    }
    topic_part("sink.kafka.topicPartitionConfig.topicPrefix", &topic_prefix, false)?;
    topic_part("sink.kafka.topicPartitionConfig.separator", &separator, false)?;
    topic_part("sink.kafka.topicPartitionConfig.topicSuffix", &topic_suffix, false)?;
    if partitions.is_some_and(|n| n < 1) || replication_factor.is_some_and(|n| n < 1) {
        return Err(TiError::bad_request(
            "sink.kafka.topicPartitionConfig.partitionNum and replicationFactor must be at least 1",
        ));
    }
    let mut echoed = root.raw("sink").cloned().unwrap_or(Value::Null);
    if let Some(a) = echoed.pointer_mut("/kafka/authentication").and_then(Value::as_object_mut) {
        a.remove("password");
    }
    let sink = KafkaSink {
        network_type,
        connection_id,
        port,
        auth_type,
        username,
        password: Hidden(password),
        tls,
        server_name,
        dispatch,
        default_topic,
        topic_prefix,
        separator,
        topic_suffix,
        replication_factor,
    };
    Ok((echoed, sink))
}

/// The `filter` of a request: as given and as a table selection.
fn parse_filter(root: &Fields<'_>) -> Result<(Value, TableSelection), TiError> {
    let filter = root.obj_req("filter", "/filter")?;
    let rules = filter.strings_opt("filterRule")?.unwrap_or_default();
    let mode = filter.str_opt("mode")?.unwrap_or("IGNORE_NOT_SUPPORT_TABLE");
    one_of("filter.mode", mode, &TABLE_MODES)?;
    let case_sensitive = filter.bool_opt("caseSensitive")?.unwrap_or(false);
    let table_filter = TableFilter::parse(&rules, case_sensitive).map_err(|e| TiError::bad_request(e.to_string()))?;
    let echoed = root.raw("filter").cloned().unwrap_or(Value::Null);
    Ok((echoed, TableSelection { filter: table_filter, force_sync: mode == "FORCE_SYNC" }))
}

/// `startPosition`: its mode and Unix milliseconds (FROM_NOW: now).
fn parse_start(root: &Fields<'_>, now_ms: u64) -> Result<(String, u64), TiError> {
    let Some(start) = root.obj_opt("startPosition", "/startPosition")? else {
        return Ok(("FROM_NOW".to_owned(), now_ms));
    };
    let mode = start.str_opt("mode")?.unwrap_or("FROM_NOW").to_owned();
    one_of("startPosition.mode", &mode, &START_MODES)?;
    let ms = match mode.as_str() {
        "FROM_TSO" => {
            let tso = match start.raw("tso") {
                Some(Value::String(t)) => t.parse::<u64>().ok(),
                Some(Value::Number(n)) => n.as_u64(),
                _ => None,
            };
            millis_of_tso(tso.filter(|&t| t > 0).ok_or_else(|| {
                TiError::bad_request("startPosition.tso must be a TSO (a positive unsigned integer) for FROM_TSO")
            })?)
        }
        "FROM_TIME" => start
            .str_opt("time")?
            .and_then(parse_rfc3339)
            .ok_or_else(|| TiError::bad_request("startPosition.time must be an RFC 3339 timestamp for FROM_TIME"))?,
        _ => now_ms,
    };
    Ok((mode, ms))
}

fn checkpoint(ms: u64) -> Value {
    json!({ "tso": tso_of_millis(ms).to_string(), "time": rfc3339_millis(ms) })
}

fn render(s: &State, cf: &Changefeed) -> Value {
    let mut v = json!({
        "changefeedId": cf.id,
        "clusterId": cf.cluster_id,
        "displayName": cf.display_name,
        "state": cf.state,
        "sink": cf.sink_json,
        "filter": cf.filter_json,
        "startPosition": {
            "mode": cf.start_mode,
            "tso": tso_of_millis(cf.start_ms).to_string(),
            "time": rfc3339_millis(cf.start_ms),
        },
        "checkpoint": checkpoint(cf.checkpoint_ms),
        "createTime": s.ts(cf.meta.created),
    });
    if let Some(obj) = v.as_object_mut() {
        if cf.meta.updated != cf.meta.created {
            obj.insert("updateTime".to_owned(), json!(s.ts(cf.meta.updated)));
        }
        if let Some(e) = &cf.error {
            obj.insert("error".to_owned(), json!(e));
        }
    }
    v
}

fn no_cluster(id: &str) -> TiError {
    TiError::not_found(format!("cluster {id} not found"))
}

fn no_changefeed(id: &str) -> TiError {
    TiError::not_found(format!("changefeed {id} not found"))
}

/// The cluster must exist (404) and be ACTIVE (400) to take a changefeed.
fn active_cluster(s: &State, cluster: &str) -> Result<(), TiError> {
    let c = s.tidb_clusters.iter().find(|c| c.id == cluster).ok_or_else(|| no_cluster(cluster))?;
    if c.state != "ACTIVE" {
        return Err(TiError::bad_request(format!("cluster {cluster} is {}, not ACTIVE", c.state)));
    }
    Ok(())
}

/// `GET …/changefeeds`: `pageSize` (default 10, at most 100), `pageToken`, `changefeedType`.
pub(crate) fn list(app: &App, cluster: &str, uri: &Uri) -> TiResult {
    let pairs = query_pairs(uri);
    let (offset, size) = page_window(&pairs, 10, 100)?;
    if let Some(kind) = query_one(&pairs, "changefeedType").filter(|k| !k.is_empty()) {
        one_of("changefeedType", kind, &["KAFKA", "MYSQL"])?;
        if kind == "MYSQL" {
            // No MYSQL changefeed can exist here.
            let s = app.world();
            if !s.tidb_clusters.iter().any(|c| c.id == cluster) {
                return Err(no_cluster(cluster));
            }
            return Ok(json(StatusCode::OK, &json!({ "changefeeds": [], "nextPageToken": "", "totalSize": 0 })));
        }
    }
    let s = app.world();
    if !s.tidb_clusters.iter().any(|c| c.id == cluster) {
        return Err(no_cluster(cluster));
    }
    let all: Vec<&Changefeed> = s.changefeeds.iter().filter(|c| c.cluster_id == cluster).collect();
    let total = all.len();
    let items: Vec<Value> = all.into_iter().skip(offset).take(size).map(|c| render(&s, c)).collect();
    Ok(json(
        StatusCode::OK,
        &json!({ "changefeeds": items, "nextPageToken": next_token(offset, size, total), "totalSize": total }),
    ))
}

/// `POST …/changefeeds`: create (see the module docs for what is refused at once).
pub(crate) async fn create(app: &App, cluster: &str, body: Body) -> TiResult {
    let body = read_json(body, app.body_limit).await?;
    let root = Fields::root(&body);
    let display_name = root.str_opt("displayName")?.map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned);
    if display_name.as_ref().is_some_and(|n| n.chars().count() > 64) {
        return Err(TiError::bad_request("displayName must be at most 64 characters"));
    }
    let (sink_json, sink) = parse_sink(&root)?;
    let (filter_json, tables) = parse_filter(&root)?;
    let mut s = app.world();
    active_cluster(&s, cluster)?;
    let now = s.now();
    let now_ms = s.clock.unix_millis(now);
    let (start_mode, start_ms) = parse_start(&root, now_ms)?;
    if s.changefeeds.iter().filter(|c| c.cluster_id == cluster).count() >= MAX_CHANGEFEEDS {
        return Err(TiError::bad_request(format!(
            "cluster {cluster} already has {MAX_CHANGEFEEDS} changefeeds, the most a cluster may have"
        )));
    }
    let gc = s.tidb_clusters.iter().find(|c| c.id == cluster).map_or(0, |c| s.gc_safe_point(c));
    if start_ms <= gc {
        return Err(TiError::bad_request(format!(
            "startPosition {} (TSO {}) is not after the GC safe point {} (TSO {}) of cluster {cluster}: the data \
             before it is gone",
            rfc3339_millis(start_ms),
            tso_of_millis(start_ms),
            rfc3339_millis(gc),
            tso_of_millis(gc)
        )));
    }
    if start_ms > now_ms {
        return Err(TiError::bad_request(format!("startPosition {} is in the future", rfc3339_millis(start_ms))));
    }
    let id = format!("cfd-{}", s.ids.alnum(20));
    let due = s.due_in(s.delays.changefeed);
    let cf = Changefeed {
        display_name: display_name.unwrap_or_else(|| id.clone()),
        id,
        cluster_id: cluster.to_owned(),
        sink_json,
        sink,
        filter_json,
        tables,
        start_mode,
        start_ms,
        state: CREATING,
        error: None,
        checkpoint_ms: start_ms,
        warned_at: None,
        meta: Meta { created: now, updated: now, deleted: None, due },
    };
    let out = render(&s, &cf);
    s.changefeeds.push(cf);
    s.tick();
    Ok(json(StatusCode::OK, &out))
}

/// `POST …/changefeeds:test`: whether TiDB can reach and use the sink now.
pub(crate) async fn test(app: &App, cluster: &str, body: Body) -> TiResult {
    let body = read_json(body, app.body_limit).await?;
    let root = Fields::root(&body);
    let (_, sink) = parse_sink(&root)?;
    let s = app.world();
    active_cluster(&s, cluster)?;
    let topics = s.topics(cluster, &sink, None);
    match s.sink_link(cluster, &sink, &topics) {
        Ok(_) => Ok(json(StatusCode::OK, &json!({}))),
        Err(problem) => Err(TiError::bad_request(problem.to_string())),
    }
}

/// `POST …/changefeeds:describeSchemaTable`: the tables `filterRules` select, with and without
/// a handle key (at most 1000 of each), and the GC safe point.
pub(crate) async fn describe_schema_table(app: &App, cluster: &str, body: Body) -> TiResult {
    let body = read_json(body, app.body_limit).await?;
    let root = Fields::root(&body);
    let rules = root.strings_opt("filterRules")?.unwrap_or_default();
    let filter = TableFilter::parse(&rules, false).map_err(|e| TiError::bad_request(e.to_string()))?;
    let s = app.world();
    let c = s.tidb_clusters.iter().find(|c| c.id == cluster).ok_or_else(|| no_cluster(cluster))?;
    let selected = c.tables.iter().filter(|t| filter.matches(&t.schema, &t.name));
    let (with, without): (Vec<_>, Vec<_>) = selected.partition(|t| t.handle_key);
    let names = |ts: Vec<&crate::state::Table>| -> Vec<String> {
        ts.into_iter().take(DESCRIBE_LIMIT).map(|t| format!("{}.{}", t.schema, t.name)).collect()
    };
    Ok(json(
        StatusCode::OK,
        &json!({
            "clusterId": cluster,
            "handleKeyTables": names(with),
            "nonHandleKeyTables": names(without),
            "gcSafePoint": rfc3339_millis(s.gc_safe_point(c)),
        }),
    ))
}

pub(crate) async fn get(AxState(app): AxState<App>, Ids((cluster, id)): Ids<(String, String)>) -> TiResult {
    let s = app.world();
    if !s.tidb_clusters.iter().any(|c| c.id == cluster) {
        return Err(no_cluster(&cluster));
    }
    let cf = s.changefeeds.iter().find(|c| c.id == id && c.cluster_id == cluster).ok_or_else(|| no_changefeed(&id))?;
    Ok(json(StatusCode::OK, &render(&s, cf)))
}

pub(crate) async fn delete(AxState(app): AxState<App>, Ids((cluster, id)): Ids<(String, String)>) -> TiResult {
    let mut s = app.world();
    if !s.tidb_clusters.iter().any(|c| c.id == cluster) {
        return Err(no_cluster(&cluster));
    }
    let at =
        s.changefeeds.iter().position(|c| c.id == id && c.cluster_id == cluster).ok_or_else(|| no_changefeed(&id))?;
    let mut cf = s.changefeeds.remove(at);
    cf.state = DELETED;
    cf.meta.updated = s.now();
    Ok(json(StatusCode::OK, &render(&s, &cf)))
}

/// `PATCH …/changefeeds/{id}`: a new `sink` and `filter` (both required) and maybe
/// `displayName`, only while PAUSED.
pub(crate) async fn edit(
    AxState(app): AxState<App>,
    Ids((cluster, id)): Ids<(String, String)>,
    body: Body,
) -> TiResult {
    let body = read_json(body, app.body_limit).await?;
    let root = Fields::root(&body);
    let display_name = root.str_opt("displayName")?.map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned);
    if display_name.as_ref().is_some_and(|n| n.chars().count() > 64) {
        return Err(TiError::bad_request("displayName must be at most 64 characters"));
    }
    let (sink_json, sink) = parse_sink(&root)?;
    let (filter_json, tables) = parse_filter(&root)?;
    let mut s = app.world();
    if !s.tidb_clusters.iter().any(|c| c.id == cluster) {
        return Err(no_cluster(&cluster));
    }
    let now = s.now();
    let cf =
        s.changefeeds.iter_mut().find(|c| c.id == id && c.cluster_id == cluster).ok_or_else(|| no_changefeed(&id))?;
    if cf.state != PAUSED {
        return Err(TiError::bad_request(format!(
            "changefeed {id} is {}: stop it (:stop) before editing it, then start it again",
            cf.state
        )));
    }
    if let Some(name) = display_name {
        cf.display_name = name;
    }
    cf.sink_json = sink_json;
    cf.sink = sink;
    cf.filter_json = filter_json;
    cf.tables = tables;
    cf.meta.updated = now;
    let cf = cf.clone();
    Ok(json(StatusCode::OK, &render(&s, &cf)))
}

/// `POST …/changefeeds/{id}:start` and `…:stop` (axum cannot route `id:verb`).
pub(crate) async fn custom_method(
    AxState(app): AxState<App>,
    Ids((cluster, segment)): Ids<(String, String)>,
    uri: Uri,
    body: Body,
) -> Result<Response, TiError> {
    let Some((id, verb)) = segment.rsplit_once(':') else {
        return Err(TiError::new(StatusCode::METHOD_NOT_ALLOWED, format!("POST is not allowed on {}", uri.path())));
    };
    let start = match verb {
        "start" => true,
        "stop" => false,
        other => return Err(TiError::not_found(format!("no such method: {other}"))),
    };
    read_json(body, app.body_limit).await?;
    let mut s = app.world();
    if !s.tidb_clusters.iter().any(|c| c.id == cluster) {
        return Err(no_cluster(&cluster));
    }
    let now = s.now();
    let Some(at) = s.changefeeds.iter().position(|c| c.id == id && c.cluster_id == cluster) else {
        return Err(no_changefeed(id));
    };
    let judged = s.changefeeds.get(at).map(|cf| s.judge(cf).map_err(|p| p.to_string()));
    let Some(cf) = s.changefeeds.get_mut(at) else {
        return Err(no_changefeed(id));
    };
    match (start, cf.state) {
        (true, RUNNING | WARNING) | (false, PAUSED) => {}
        (true, PAUSED | RUNNING_FAILED) => {
            match judged {
                Some(Ok(())) | None => {
                    cf.state = RUNNING;
                    cf.error = None;
                    cf.warned_at = None;
                }
                Some(Err(message)) => {
                    cf.state = WARNING;
                    cf.error = Some(message);
                    cf.warned_at = Some(now);
                }
            }
            cf.meta.updated = now;
        }
        (false, RUNNING | WARNING | RUNNING_FAILED) => {
            cf.state = PAUSED;
            cf.error = None;
            cf.warned_at = None;
            cf.meta.updated = now;
        }
        (_, state @ (CREATING | CREATE_FAILED)) => {
            return Err(TiError::bad_request(format!(
                "changefeed {id} is {state}: it cannot be {}",
                if start { "started" } else { "stopped" }
            )));
        }
        (_, state) => return Err(TiError::bad_request(format!("changefeed {id} is {state}"))),
    }
    s.tick();
    let cf = s.changefeeds.get(at).cloned().ok_or_else(|| no_changefeed(id))?;
    Ok(json(StatusCode::OK, &render(&s, &cf)))
}
