//! Conformance of HTTP bodies to the vendors' own API documents.
//!
//! [`Specs::load`] reads the nine vendor documents from `../shared/vendor-specs/` (they are
//! reference data and are never copied into this repository): the six Confluent Cloud
//! OpenAPI 3.0 files (`org/v2`, `networking/v1`, `cmk/v2`, and for the changefeed's
//! credentials `iam/v2` service accounts, `apikeys/v2` and the `mds/v2` role bindings) and the
//! three TiDB Cloud Swagger 2.0 files (serverless clusters, private link connections,
//! changefeeds). [`Specs::operation`] finds the
//! operation for a concrete method and path; [`Operation::validate_request`] and
//! [`Operation::validate_response`] check a JSON body against that operation's schema and return
//! the [`Violation`]s, each with a JSON pointer into the body. The simulator's conformance check
//! (`cargo xtask conformance`) and the client tests use the same calls.
//!
//! # From OpenAPI / Swagger to JSON Schema
//!
//! Each body schema is converted to JSON Schema 2020-12 together with every named schema it
//! reaches by `$ref` (put under `$defs`), and compiled lazily, once, on first use: a document is
//! never compiled whole. The conversion follows the OpenAPI 3.0.0 and Swagger 2.0 texts:
//!
//! - **`$ref`** to `#/components/schemas/…` (OpenAPI) or `#/definitions/…` (Swagger) is
//!   followed; the `$ref` object's siblings are ignored, as both specifications say. Any other
//!   reference is a [`SpecError::Reference`] (none occur in the vendor documents).
//! - **`nullable: true`** (OpenAPI) and **`x-nullable: true`** (Swagger extension): `null` is
//!   accepted in addition to the schema (added to `type`, and to `enum` when there is one; a
//!   schema without a plain `type`, such as `allOf: [$ref]`, becomes `anyOf: [null, schema]`).
//!   *Relaxation*: OpenAPI 3.0.3 later restricted `nullable` to schemas with an explicit
//!   `type`; these documents declare 3.0.0, where `nullable` allows `null` for the schema.
//! - **`readOnly`** properties are not required in requests (OpenAPI 3.0: "required will take
//!   effect on the response only"), and **must not be sent** in a request: Swagger 2.0 says
//!   MUST NOT, OpenAPI 3.0 says SHOULD NOT; both are enforced, so a client that echoes `status`
//!   or an object reference's `related` back is caught. A property is read-only when its schema,
//!   the schema it references or one of its `allOf` members says so (`status: $ref NetworkStatus`,
//!   `metadata: allOf [ObjectMeta]`), and a `required` entry is dropped when the property is
//!   read-only in any schema combined with it by `allOf`. **`writeOnly`** is the mirror image
//!   for responses (no vendor document uses it today).
//! - **`discriminator`** with `oneOf`/`anyOf`: the `oneOf` stays, and in addition the
//!   discriminator property is required, its value must be a `mapping` key or the implicit
//!   schema name, and the alternative it names must validate (the errors then point into that
//!   alternative instead of only saying "not valid under any of the schemas").
//! - **`format`**: `date-time` and `uri` (the only JSON Schema formats the documents use) are
//!   enforced; `int32`/`int64` on integers become the signed 32/64-bit range, `uint64` (the
//!   changefeed document's TSOs) the unsigned one, on strings a decimal integer of that range.
//!   Formats the validator does not know are not enforced
//!   (OpenAPI: "tools that do not recognize a specific format MAY default back to the type").
//! - Boolean `exclusiveMinimum`/`exclusiveMaximum` (draft-04 style) become the 2020-12 numbers.
//! - `x-extensible-enum` is documentation (an open set), so any string is accepted, exactly as
//!   the vendor's SDKs do. Annotations (`description`, `example`, `x-*`, `xml`, …) are dropped.
//! - **Additional properties** are allowed unless a schema says otherwise: the documents never
//!   set `additionalProperties: false`, and Confluent states that unknown request properties are
//!   ignored, so a misspelled optional field is *not* a conformance error.
//!
//! # Operations and statuses
//!
//! - Paths are the document's path templates joined to the Swagger `basePath` or the path of
//!   the first OpenAPI `servers` URL (empty for `https://api.confluent.cloud`). A `{param}`
//!   matches one or more characters within one segment, and when several templates match, the
//!   one with the most literal characters wins, so `…/{plcId}:attachDomains` beats
//!   `…/{privateLinkConnectionId}`. The query string is ignored; paths are not percent-decoded.
//! - A response status is looked up as the exact code, then the `2XX`-style range, then
//!   `default`. A status the operation does not document is a
//!   [`ViolationKind::UndocumentedStatus`] violation.
//! - A response documented without `content`/`schema` (Confluent's 429, 204) describes no body:
//!   whatever body is sent is not checked. A request body sent to an operation that declares
//!   none is a [`ViolationKind::UnexpectedBody`] violation; a required one that is missing is
//!   [`ViolationKind::MissingBody`].
//! - Parameters (path, query, headers) are not validated; only bodies are.

mod convert;
mod path;
pub mod recorder;
#[cfg(test)]
mod tests;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use jsonschema::Validator;
use jsonschema::error::ValidationErrorKind;
use serde_json::Value;

pub use convert::Direction;

use crate::convert::Converter;
use crate::path::PathTemplate;

/// The environment variable naming the vendor-specs directory.
pub const SPECS_ENV: &str = "LINKPLAN_VENDOR_SPECS";

/// Which vendor an API document (and an operation) belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Vendor {
    /// Confluent Cloud (`https://api.confluent.cloud`, OpenAPI 3.0).
    Confluent,
    /// TiDB Cloud serverless (`https://serverless.tidbapi.com`, Swagger 2.0).
    Tidbcloud,
}

impl fmt::Display for Vendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Vendor::Confluent => "confluent",
            Vendor::Tidbcloud => "tidbcloud",
        })
    }
}

/// The documents [`Specs::load`] reads, with their vendor.
pub const SPEC_FILES: &[(&str, Vendor)] = &[
    ("confluent-org-v2.yaml", Vendor::Confluent),
    ("confluent-networking-v1.yaml", Vendor::Confluent),
    ("confluent-cmk-v2.yaml", Vendor::Confluent),
    ("confluent-iam-v2.yaml", Vendor::Confluent),
    ("confluent-apikeys-v2.yaml", Vendor::Confluent),
    ("confluent-mds-v2.yaml", Vendor::Confluent),
    ("tidbcloud-serverless-cluster-v1beta1.swagger.json", Vendor::Tidbcloud),
    ("tidbcloud-serverless-privatelink-v1beta1.swagger.json", Vendor::Tidbcloud),
    ("tidbcloud-serverless-cdc-v1beta1.swagger.json", Vendor::Tidbcloud),
];

/// Everything that can go wrong loading a document or turning one of its schemas into a
/// validator.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpecError {
    /// The specs directory does not exist.
    #[error(
        "vendor specs not found at {}: set {SPECS_ENV} or check out ../shared beside the repository",
        dir.display()
    )]
    Missing {
        /// Where they were looked for.
        dir: PathBuf,
    },
    /// A document could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A document is not valid JSON / YAML.
    #[error("cannot parse {}: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// A document is neither OpenAPI 3.0 nor Swagger 2.0.
    #[error("{} is neither an OpenAPI 3.0 nor a Swagger 2.0 document", path.display())]
    NotAnApi {
        /// The file.
        path: PathBuf,
    },
    /// A `$ref` that does not resolve (or points outside the schema section).
    #[error("unresolvable reference {reference}")]
    Reference {
        /// The reference as written.
        reference: String,
    },
    /// Something that should be a schema object is not.
    #[error("not a schema object: {found}")]
    NotASchema {
        /// What was found (truncated JSON).
        found: String,
    },
    /// Schemas nested (or `allOf`-looped) deeper than any real document.
    #[error("schema nesting too deep")]
    TooDeep,
    /// The converted schema did not compile.
    #[error("converted schema does not compile: {message}")]
    Compile {
        /// The validator's message.
        message: String,
    },
}

/// Which specification a document follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    OpenApi3,
    Swagger2,
}

/// One loaded document.
struct SpecDoc {
    file: &'static str,
    dialect: Dialect,
    doc: Value,
}

impl fmt::Debug for SpecDoc {
    // Not the document itself: it is hundreds of kilobytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpecDoc").field("file", &self.file).field("dialect", &self.dialect).finish_non_exhaustive()
    }
}

/// A documented response status: `200`, `2XX` or `default`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResponseKey {
    /// One status code.
    Status(u16),
    /// A class: `2` for `2XX`.
    Range(u16),
    /// `default`.
    Default,
}

impl ResponseKey {
    fn parse(key: &str) -> Option<ResponseKey> {
        if key.eq_ignore_ascii_case("default") {
            return Some(ResponseKey::Default);
        }
        if let Ok(code) = key.parse::<u16>() {
            return Some(ResponseKey::Status(code));
        }
        let class = key.strip_suffix("XX").or_else(|| key.strip_suffix("xx"))?;
        class.parse::<u16>().ok().filter(|c| (1..=5).contains(c)).map(ResponseKey::Range)
    }
}

impl fmt::Display for ResponseKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResponseKey::Status(code) => write!(f, "{code}"),
            ResponseKey::Range(class) => write!(f, "{class}XX"),
            ResponseKey::Default => f.write_str("default"),
        }
    }
}

/// A body schema of an operation, compiled on first use.
struct Body {
    required: bool,
    schema: Value,
    compiled: OnceLock<Result<Validator, String>>,
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Body")
            .field("required", &self.required)
            .field("compiled", &self.compiled.get().map(Result::is_ok))
            .finish_non_exhaustive()
    }
}

impl Body {
    fn new(required: bool, schema: Value) -> Body {
        Body { required, schema, compiled: OnceLock::new() }
    }
}

/// One API operation of one document.
#[derive(Debug)]
pub struct Operation {
    vendor: Vendor,
    method: String,
    template: PathTemplate,
    id: String,
    doc: Arc<SpecDoc>,
    request: Option<Body>,
    responses: Vec<(ResponseKey, Option<Body>)>,
}

/// What is wrong with a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON pointer into the body (`""` for the whole body).
    pub pointer: String,
    /// What is wrong, in the validator's words.
    pub message: String,
    /// The class of problem.
    pub kind: ViolationKind,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.pointer.is_empty() { "(body)" } else { self.pointer.as_str() };
        write!(f, "{at}: {}", self.message)
    }
}

/// The class of a [`Violation`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ViolationKind {
    /// The body does not match the schema.
    Schema,
    /// The operation requires a body and none was given.
    MissingBody,
    /// A request body where the operation declares none.
    UnexpectedBody,
    /// The response status is not documented for the operation (no exact, range or default).
    UndocumentedStatus,
    /// The vendor schema could not be turned into a validator (a bug here, not in the body).
    Spec,
    /// No documented operation matches the method and path.
    UnknownOperation,
}

impl Operation {
    /// The vendor.
    pub fn vendor(&self) -> Vendor {
        self.vendor
    }

    /// Upper-case HTTP method.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The full path template, base path included (`/v1beta1/clusters/{clusterId}`).
    pub fn path(&self) -> &str {
        self.template.as_str()
    }

    /// The `operationId` (or `METHOD path` when the document gives none).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The document this operation comes from.
    pub fn file(&self) -> &str {
        self.doc.file
    }

    /// The path parameters when `path` matches this operation's template.
    pub fn path_params(&self, path: &str) -> Option<Vec<(String, String)>> {
        self.template.matches(strip_query(path))
    }

    /// Whether the operation declares a request body.
    pub fn has_request_body(&self) -> bool {
        self.request.is_some()
    }

    /// The documented response statuses.
    pub fn response_keys(&self) -> impl Iterator<Item = ResponseKey> + '_ {
        self.responses.iter().map(|(k, _)| *k)
    }

    /// The documented response that covers `status`: exact, then range, then `default`.
    pub fn response_key(&self, status: u16) -> Option<ResponseKey> {
        self.response(status).map(|(k, _)| k)
    }

    /// Whether the response for `status` documents a body schema.
    pub fn response_has_schema(&self, status: u16) -> bool {
        self.response(status).is_some_and(|(_, b)| b.is_some())
    }

    fn response(&self, status: u16) -> Option<(ResponseKey, Option<&Body>)> {
        let wanted = [ResponseKey::Status(status), ResponseKey::Range(status / 100), ResponseKey::Default];
        wanted.iter().find_map(|w| self.responses.iter().find(|(k, _)| k == w).map(|(k, b)| (*k, b.as_ref())))
    }

    /// Check a request body (`None` = no body sent).
    pub fn validate_request(&self, body: Option<&Value>) -> Vec<Violation> {
        match (&self.request, body) {
            (None, None) => Vec::new(),
            (None, Some(_)) => vec![Violation {
                pointer: String::new(),
                message: format!("{} {} takes no request body", self.method, self.path()),
                kind: ViolationKind::UnexpectedBody,
            }],
            (Some(b), None) if b.required => vec![Violation {
                pointer: String::new(),
                message: format!("{} {} requires a request body", self.method, self.path()),
                kind: ViolationKind::MissingBody,
            }],
            (Some(_), None) => Vec::new(),
            (Some(b), Some(v)) => self.check(b, Direction::Request, v),
        }
    }

    /// Check a response body (`None` = empty body) for `status`.
    pub fn validate_response(&self, status: u16, body: Option<&Value>) -> Vec<Violation> {
        let Some((key, schema)) = self.response(status) else {
            let documented: Vec<String> = self.responses.iter().map(|(k, _)| k.to_string()).collect();
            return vec![Violation {
                pointer: String::new(),
                message: format!(
                    "status {status} is not documented for {} (documented: {})",
                    self.id,
                    documented.join(", ")
                ),
                kind: ViolationKind::UndocumentedStatus,
            }];
        };
        match (schema, body) {
            (None, _) => Vec::new(),
            (Some(_), None) => vec![Violation {
                pointer: String::new(),
                message: format!("response {key} of {} has a body schema but the body is empty", self.id),
                kind: ViolationKind::MissingBody,
            }],
            (Some(b), Some(v)) => self.check(b, Direction::Response, v),
        }
    }

    /// Compile every body validator now (normally done lazily); the first error is returned.
    pub fn compile_all(&self) -> Result<(), SpecError> {
        let bodies = self.request.iter().map(|b| (b, Direction::Request));
        let bodies =
            bodies.chain(self.responses.iter().filter_map(|(_, b)| b.as_ref()).map(|b| (b, Direction::Response)));
        for (body, direction) in bodies {
            self.validator(body, direction).map_err(|message| SpecError::Compile { message })?;
        }
        Ok(())
    }

    /// The JSON Schema a body is checked against (for debugging and documentation).
    pub fn json_schema(&self, direction: Direction, status: Option<u16>) -> Option<Result<Value, SpecError>> {
        let body = match direction {
            Direction::Request => self.request.as_ref(),
            Direction::Response => status.and_then(|s| self.response(s)).and_then(|(_, b)| b),
        }?;
        Some(Converter::new(&self.doc.doc, self.doc.dialect, direction).document(&body.schema))
    }

    fn validator<'s>(&self, body: &'s Body, direction: Direction) -> Result<&'s Validator, String> {
        body.compiled
            .get_or_init(|| {
                let schema = Converter::new(&self.doc.doc, self.doc.dialect, direction)
                    .document(&body.schema)
                    .map_err(|e| e.to_string())?;
                jsonschema::options()
                    .with_draft(jsonschema::Draft::Draft202012)
                    .should_validate_formats(true)
                    .with_format("int32", |s: &str| s.parse::<i32>().is_ok())
                    .with_format("int64", |s: &str| s.parse::<i64>().is_ok())
                    .with_format("uint64", |s: &str| s.parse::<u64>().is_ok())
                    .build(&schema)
                    .map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    fn check(&self, body: &Body, direction: Direction, value: &Value) -> Vec<Violation> {
        let validator = match self.validator(body, direction) {
            Ok(v) => v,
            Err(message) => {
                return vec![Violation {
                    pointer: String::new(),
                    message: format!("{}: {message}", self.id),
                    kind: ViolationKind::Spec,
                }];
            }
        };
        validator
            .iter_errors(value)
            .map(|e| {
                let message = match (e.kind(), direction) {
                    (ValidationErrorKind::FalseSchema, Direction::Request) => {
                        "a read-only property must not be sent in a request".to_owned()
                    }
                    (ValidationErrorKind::FalseSchema, Direction::Response) => {
                        "a write-only property must not be sent in a response".to_owned()
                    }
                    _ => e.to_string(),
                };
                Violation { pointer: e.instance_path().as_str().to_owned(), message, kind: ViolationKind::Schema }
            })
            .collect()
    }
}

/// The loaded vendor documents and their operations.
#[derive(Debug)]
pub struct Specs {
    dir: PathBuf,
    operations: Vec<Operation>,
}

impl Specs {
    /// The specs directory: `$LINKPLAN_VENDOR_SPECS`, else `../shared/vendor-specs` beside the
    /// workspace root.
    pub fn default_dir() -> PathBuf {
        match std::env::var_os(SPECS_ENV) {
            Some(dir) if !dir.is_empty() => PathBuf::from(dir),
            // `crates/conformance` → the workspace root → its parent, where `shared/` lives.
            _ => {
                let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
                manifest.ancestors().nth(3).unwrap_or(manifest).join("shared/vendor-specs")
            }
        }
    }

    /// [`Specs::load`] from [`Specs::default_dir`].
    pub fn load_default() -> Result<Specs, SpecError> {
        Specs::load(&Specs::default_dir())
    }

    /// Read and index the documents in [`SPEC_FILES`] from `dir`.
    pub fn load(dir: &Path) -> Result<Specs, SpecError> {
        if !dir.is_dir() {
            return Err(SpecError::Missing { dir: dir.to_path_buf() });
        }
        let mut operations = Vec::new();
        for &(file, vendor) in SPEC_FILES {
            let path = dir.join(file);
            let text =
                std::fs::read_to_string(&path).map_err(|source| SpecError::Read { path: path.clone(), source })?;
            let doc: Value = if file.ends_with(".json") {
                serde_json::from_str(&text)
                    .map_err(|e| SpecError::Parse { path: path.clone(), message: e.to_string() })?
            } else {
                serde_saphyr::from_str(&text)
                    .map_err(|e| SpecError::Parse { path: path.clone(), message: e.to_string() })?
            };
            let dialect = if doc.get("openapi").and_then(Value::as_str).is_some_and(|v| v.starts_with("3.0")) {
                Dialect::OpenApi3
            } else if doc.get("swagger").and_then(Value::as_str) == Some("2.0") {
                Dialect::Swagger2
            } else {
                return Err(SpecError::NotAnApi { path });
            };
            index(Arc::new(SpecDoc { file, dialect, doc }), vendor, &mut operations)?;
        }
        Ok(Specs { dir: dir.to_path_buf(), operations })
    }

    /// The documents from [`Specs::default_dir`], loaded once per process (for tests that
    /// check many exchanges).
    pub fn shared() -> Result<&'static Specs, &'static SpecError> {
        static SHARED: OnceLock<Result<Specs, SpecError>> = OnceLock::new();
        SHARED.get_or_init(Specs::load_default).as_ref()
    }

    /// Check a request body sent to `method path` (query string allowed); a request no
    /// documented operation matches is a [`ViolationKind::UnknownOperation`] violation.
    pub fn validate_request(&self, vendor: Vendor, method: &str, path: &str, body: Option<&Value>) -> Vec<Violation> {
        match self.operation(vendor, method, path) {
            Some(op) => op.validate_request(body),
            None => vec![unknown_operation(vendor, method, path)],
        }
    }

    /// Check a response to `method path` (see [`Specs::validate_request`]).
    pub fn validate_response(
        &self,
        vendor: Vendor,
        method: &str,
        path: &str,
        status: u16,
        body: Option<&Value>,
    ) -> Vec<Violation> {
        match self.operation(vendor, method, path) {
            Some(op) => op.validate_response(status, body),
            None => vec![unknown_operation(vendor, method, path)],
        }
    }

    /// Where the documents were read from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every operation of every document.
    pub fn operations(&self) -> &[Operation] {
        &self.operations
    }

    /// The operation with this `operationId`.
    pub fn operation_by_id(&self, id: &str) -> Option<&Operation> {
        self.operations.iter().find(|o| o.id == id)
    }

    /// The operation a concrete request goes to: `path` may carry a query string, `method` any
    /// case. The most literal matching template wins.
    pub fn operation(&self, vendor: Vendor, method: &str, path: &str) -> Option<&Operation> {
        let path = strip_query(path);
        self.operations
            .iter()
            .filter(|o| o.vendor == vendor && o.method.eq_ignore_ascii_case(method))
            .filter(|o| o.template.matches(path).is_some())
            .max_by_key(|o| o.template.literal_len())
    }
}

fn unknown_operation(vendor: Vendor, method: &str, path: &str) -> Violation {
    Violation {
        pointer: String::new(),
        message: format!("no {vendor} operation documents {} {}", method.to_ascii_uppercase(), strip_query(path)),
        kind: ViolationKind::UnknownOperation,
    }
}

fn strip_query(path: &str) -> &str {
    path.split(['?', '#']).next().unwrap_or(path)
}

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// Add the operations of one document.
fn index(doc: Arc<SpecDoc>, vendor: Vendor, out: &mut Vec<Operation>) -> Result<(), SpecError> {
    let base = match doc.dialect {
        Dialect::OpenApi3 => doc
            .doc
            .get("servers")
            .and_then(|s| s.get(0))
            .and_then(|s| s.get("url"))
            .and_then(Value::as_str)
            .map(path::url_path)
            .unwrap_or_default()
            .to_owned(),
        Dialect::Swagger2 => doc.doc.get("basePath").and_then(Value::as_str).unwrap_or_default().to_owned(),
    };
    let Some(paths) = doc.doc.get("paths").and_then(Value::as_object) else { return Ok(()) };
    for (raw_path, item) in paths {
        let item = resolve(&doc.doc, item)?;
        let shared_params = item.get("parameters").and_then(Value::as_array);
        for &method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let full_path = path::join(&base, raw_path);
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .map_or_else(|| format!("{} {full_path}", method.to_ascii_uppercase()), str::to_owned);
            let request = match doc.dialect {
                Dialect::OpenApi3 => match op.get("requestBody") {
                    Some(rb) => {
                        let rb = resolve(&doc.doc, rb)?;
                        let required = rb.get("required").and_then(Value::as_bool).unwrap_or(false);
                        json_schema_of(rb).map(|s| Body::new(required, s.clone()))
                    }
                    None => None,
                },
                Dialect::Swagger2 => {
                    let own = op.get("parameters").and_then(Value::as_array);
                    let mut body = None;
                    for p in own.into_iter().flatten().chain(shared_params.into_iter().flatten()) {
                        let p = resolve(&doc.doc, p)?;
                        if p.get("in").and_then(Value::as_str) == Some("body")
                            && let Some(schema) = p.get("schema")
                        {
                            let required = p.get("required").and_then(Value::as_bool).unwrap_or(false);
                            body = Some(Body::new(required, schema.clone()));
                            break;
                        }
                    }
                    body
                }
            };
            let mut responses = Vec::new();
            for (key, response) in op.get("responses").and_then(Value::as_object).into_iter().flatten() {
                let Some(key) = ResponseKey::parse(key) else { continue };
                let response = resolve(&doc.doc, response)?;
                let schema = match doc.dialect {
                    Dialect::OpenApi3 => json_schema_of(response).cloned(),
                    Dialect::Swagger2 => response.get("schema").cloned(),
                };
                responses.push((key, schema.map(|s| Body::new(true, s))));
            }
            out.push(Operation {
                vendor,
                method: method.to_ascii_uppercase(),
                template: PathTemplate::parse(&full_path),
                id,
                doc: Arc::clone(&doc),
                request,
                responses,
            });
        }
    }
    Ok(())
}

/// The JSON schema of an OpenAPI request body or response: `content["application/json"]`,
/// else the first `…/json` or `…+json` media type.
fn json_schema_of(holder: &Value) -> Option<&Value> {
    let content = holder.get("content")?.as_object()?;
    content
        .get("application/json")
        .or_else(|| content.iter().find(|(k, _)| k.ends_with("/json") || k.ends_with("+json")).map(|(_, v)| v))?
        .get("schema")
}

/// Follow a local `$ref` for a non-schema object (path item, parameter, response, request body).
fn resolve<'a>(doc: &'a Value, item: &'a Value) -> Result<&'a Value, SpecError> {
    let mut current = item;
    for _ in 0..16 {
        let Some(reference) = current.get("$ref").and_then(Value::as_str) else { return Ok(current) };
        let pointer =
            reference.strip_prefix('#').ok_or_else(|| SpecError::Reference { reference: reference.to_owned() })?;
        current = doc.pointer(pointer).ok_or_else(|| SpecError::Reference { reference: reference.to_owned() })?;
    }
    Err(SpecError::TooDeep)
}
