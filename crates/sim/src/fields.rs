//! Typed, panic-free access to a JSON request body, with JSON-pointer errors.

use serde_json::{Map, Value};

/// A field that is missing or has the wrong type.
#[derive(Debug, Clone)]
pub(crate) struct FieldError {
    /// JSON pointer of the field, e.g. `/spec/zones`.
    pub(crate) pointer: String,
    pub(crate) message: String,
}

/// An object inside a request body, and where it sits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields<'a> {
    map: &'a Map<String, Value>,
    at: &'a str,
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

impl<'a> Fields<'a> {
    pub(crate) fn root(map: &'a Map<String, Value>) -> Fields<'a> {
        Fields { map, at: "" }
    }

    /// The JSON pointer of a key of this object.
    pub(crate) fn pointer(&self, key: &str) -> String {
        format!("{}/{key}", self.at)
    }

    fn missing(&self, key: &str) -> FieldError {
        FieldError { pointer: self.pointer(key), message: format!("{} is required", self.pointer(key)) }
    }

    fn wrong(&self, key: &str, want: &str, got: &Value) -> FieldError {
        FieldError {
            pointer: self.pointer(key),
            message: format!("{} must be {want}, not {}", self.pointer(key), kind(got)),
        }
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// The raw value of a key (null counts as absent).
    pub(crate) fn raw(&self, key: &str) -> Option<&'a Value> {
        self.get(key)
    }

    pub(crate) fn str_opt(&self, key: &str) -> Result<Option<&'a str>, FieldError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(v) => Err(self.wrong(key, "a string", v)),
        }
    }

    pub(crate) fn str_req(&self, key: &str) -> Result<&'a str, FieldError> {
        self.str_opt(key)?.ok_or_else(|| self.missing(key))
    }

    pub(crate) fn bool_opt(&self, key: &str) -> Result<Option<bool>, FieldError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(v) => Err(self.wrong(key, "a boolean", v)),
        }
    }

    pub(crate) fn int_opt(&self, key: &str) -> Result<Option<i64>, FieldError> {
        match self.get(key) {
            None => Ok(None),
            Some(v @ Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| self.wrong(key, "an integer", v)),
            Some(v) => Err(self.wrong(key, "an integer", v)),
        }
    }

    pub(crate) fn strings_opt(&self, key: &str) -> Result<Option<Vec<String>>, FieldError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(FieldError {
                        pointer: format!("{}/{i}", self.pointer(key)),
                        message: format!("{}/{i} must be a string, not {}", self.pointer(key), kind(other)),
                    }),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(v) => Err(self.wrong(key, "an array of strings", v)),
        }
    }

    /// A nested object; `at` must outlive the result, so callers pass the pointer they build.
    pub(crate) fn obj_opt(&self, key: &str, at: &'a str) -> Result<Option<Fields<'a>>, FieldError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Object(map)) => Ok(Some(Fields { map, at })),
            Some(v) => Err(self.wrong(key, "an object", v)),
        }
    }

    pub(crate) fn obj_req(&self, key: &str, at: &'a str) -> Result<Fields<'a>, FieldError> {
        self.obj_opt(key, at)?.ok_or_else(|| self.missing(key))
    }
}
