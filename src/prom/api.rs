//! Wire types of the Prometheus HTTP API envelope and query results (`/api/v1/query`,
//! `/api/v1/query_range`).
//!
//! One set of structs serves both sides: the poller deserialises them, the simulator and the
//! test fakes serialise them, and a response re-encoded here has the JSON shape Prometheus sent
//! (field names, order, number forms). Sample values stay as the raw strings Prometheus wrote
//! (`"NaN"`, `"+Inf"`, `"1.0714285714285714e-01"`) next to the parsed `f64`, never coerced.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::endpoints::{AlertsData, BuildInfo, MetricMetadata, RulesData, TargetsData};
use super::time::PromTime;
use crate::metrics::Labels;

/// `status` of the envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The request succeeded; `data` holds the result.
    Success,
    /// The request failed; `errorType` and `error` say why.
    Error,
}

/// The envelope every `/api/v1` endpoint answers with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiResponse {
    /// Success or error.
    pub status: Status,
    /// The payload; its shape depends on the endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Data>,
    /// Set when `status` is `error`.
    #[serde(rename = "errorType", default, skip_serializing_if = "Option::is_none")]
    pub error_type: Option<ErrorType>,
    /// Set when `status` is `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Partial-data warnings (e.g. a remote-read backend failed); a result with warnings is
    /// never trusted as a Pass.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Info-level annotations (newer Prometheus); informational only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub infos: Vec<String>,
}

impl ApiResponse {
    /// A success envelope around `data` (for the simulator and fakes).
    pub fn success(data: Data) -> Self {
        Self {
            status: Status::Success,
            data: Some(data),
            error_type: None,
            error: None,
            warnings: Vec::new(),
            infos: Vec::new(),
        }
    }

    /// An error envelope (for the simulator and fakes).
    pub fn error(error_type: ErrorType, message: impl Into<String>) -> Self {
        Self {
            status: Status::Error,
            data: None,
            error_type: Some(error_type),
            error: Some(message.into()),
            warnings: Vec::new(),
            infos: Vec::new(),
        }
    }

    /// The query result, if this is a query response.
    pub fn query(&self) -> Option<&QueryResult> {
        match &self.data {
            Some(Data::Query(q)) => Some(q),
            _ => None,
        }
    }

    /// The active alerts, if this is an `/api/v1/alerts` response.
    pub fn alerts(&self) -> Option<&AlertsData> {
        match &self.data {
            Some(Data::Alerts(a)) => Some(a),
            _ => None,
        }
    }
}

/// `errorType` values of the Prometheus HTTP API (`web/api/v1/api.go`), with a catch-all so an
/// unknown future type is kept verbatim rather than refused.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum ErrorType {
    /// `bad_data` (HTTP 400): bad parameters or an unparsable query. A config error.
    BadData,
    /// `execution` (HTTP 422): the query could not be evaluated.
    Execution,
    /// `timeout` (HTTP 503): the query timed out.
    Timeout,
    /// `canceled` (HTTP 503): the query was cancelled.
    Canceled,
    /// `internal` (HTTP 500): a storage or server error.
    Internal,
    /// `unavailable` (HTTP 503): the TSDB is not ready yet.
    Unavailable,
    /// `not_found` (HTTP 404).
    NotFound,
    /// `not_acceptable` (HTTP 406): no codec for the requested `Accept`.
    NotAcceptable,
    /// Anything else, verbatim.
    Other(String),
}

impl ErrorType {
    /// The wire name.
    pub fn as_str(&self) -> &str {
        match self {
            Self::BadData => "bad_data",
            Self::Execution => "execution",
            Self::Timeout => "timeout",
            Self::Canceled => "canceled",
            Self::Internal => "internal",
            Self::Unavailable => "unavailable",
            Self::NotFound => "not_found",
            Self::NotAcceptable => "not_acceptable",
            Self::Other(s) => s,
        }
    }

    /// The type Prometheus pairs with an HTTP status (`respondError`), for error bodies that
    /// carry no `errorType` (a proxy's page, a bare 404).
    pub fn from_http_status(status: u16) -> Self {
        match status {
            400 => Self::BadData,
            404 => Self::NotFound,
            406 => Self::NotAcceptable,
            422 => Self::Execution,
            503 => Self::Unavailable,
            500 => Self::Internal,
            other => Self::Other(format!("http_{other}")),
        }
    }
}

impl From<String> for ErrorType {
    fn from(s: String) -> Self {
        match s.as_str() {
            "bad_data" => Self::BadData,
            "execution" => Self::Execution,
            "timeout" => Self::Timeout,
            "canceled" => Self::Canceled,
            "internal" => Self::Internal,
            "unavailable" => Self::Unavailable,
            "not_found" => Self::NotFound,
            "not_acceptable" => Self::NotAcceptable,
            _ => Self::Other(s),
        }
    }
}

impl From<ErrorType> for String {
    fn from(t: ErrorType) -> Self {
        t.as_str().to_owned()
    }
}

impl fmt::Display for ErrorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A sample value: the string Prometheus wrote and the number it stands for. Two values are
/// equal when their strings are (so `"NaN"` equals `"NaN"`, unlike the floats).
#[derive(Debug, Clone)]
pub struct SampleValue {
    raw: String,
    value: f64,
}

impl SampleValue {
    /// Parses a value string as Go's `strconv.ParseFloat` would (`"NaN"`, `"+Inf"`, `"-Inf"`,
    /// decimals, exponents). `None` if it is not a number at all.
    pub fn parse(raw: &str) -> Option<Self> {
        let value = raw.parse::<f64>().ok()?;
        Some(Self {
            raw: raw.to_owned(),
            value,
        })
    }

    /// Formats a number the way Prometheus does for sample values
    /// (`strconv.FormatFloat(v, 'f', -1, 64)`; `NaN`, `+Inf`, `-Inf`).
    pub fn from_f64(value: f64) -> Self {
        let raw = if value.is_nan() {
            "NaN".to_owned()
        } else if value == f64::INFINITY {
            "+Inf".to_owned()
        } else if value == f64::NEG_INFINITY {
            "-Inf".to_owned()
        } else {
            format!("{value}")
        };
        Self { raw, value }
    }

    /// The string as received.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The parsed number (may be NaN or ±Inf).
    pub fn value(&self) -> f64 {
        self.value
    }
}

impl PartialEq for SampleValue {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}

impl Serialize for SampleValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.raw)
    }
}

impl<'de> Deserialize<'de> for SampleValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).ok_or_else(|| {
            serde::de::Error::custom(format!("sample value {raw:?} is not a number"))
        })
    }
}

/// One `[timestamp, "value"]` pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "(PromTime, SampleValue)", into = "(PromTime, SampleValue)")]
pub struct Sample {
    /// When (evaluation time for computed results, scrape time for raw samples).
    pub at: PromTime,
    /// The value.
    pub value: SampleValue,
}

impl From<(PromTime, SampleValue)> for Sample {
    fn from((at, value): (PromTime, SampleValue)) -> Self {
        Self { at, value }
    }
}

impl From<Sample> for (PromTime, SampleValue) {
    fn from(s: Sample) -> Self {
        (s.at, s.value)
    }
}

/// One element of an instant vector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstantSample {
    /// The series' labels (including `__name__` where the query kept it).
    pub metric: Labels,
    /// The float sample; absent only for native-histogram samples.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Sample>,
    /// A native-histogram sample (not interpreted here, kept for round trips).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub histogram: Option<serde_json::Value>,
}

/// One series of a range vector (matrix).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RangeSeries {
    /// The series' labels.
    pub metric: Labels,
    /// Float samples, oldest first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<Sample>>,
    /// Native-histogram samples (not interpreted here, kept for round trips).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub histograms: Option<serde_json::Value>,
}

/// A `string` result: `[timestamp, "text"]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "(PromTime, String)", into = "(PromTime, String)")]
pub struct StringSample {
    /// Evaluation time.
    pub at: PromTime,
    /// The string.
    pub value: String,
}

impl From<(PromTime, String)> for StringSample {
    fn from((at, value): (PromTime, String)) -> Self {
        Self { at, value }
    }
}

impl From<StringSample> for (PromTime, String) {
    fn from(s: StringSample) -> Self {
        (s.at, s.value)
    }
}

/// `data` of a query: `{"resultType": …, "result": …}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "resultType", content = "result", rename_all = "lowercase")]
pub enum QueryResult {
    /// An instant vector.
    Vector(Vec<InstantSample>),
    /// A range vector (range queries, or a range selector in an instant query).
    Matrix(Vec<RangeSeries>),
    /// A single number.
    Scalar(Sample),
    /// A string literal.
    String(StringSample),
}

impl QueryResult {
    /// The wire name of the result type.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Vector(_) => "vector",
            Self::Matrix(_) => "matrix",
            Self::Scalar(_) => "scalar",
            Self::String(_) => "string",
        }
    }
}

/// The `data` member, by endpoint. Deserialisation looks at the shape (a `resultType` key means
/// a query, `alerts` the alerts endpoint, …) so one envelope type parses every endpoint.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Data {
    /// `/api/v1/query`, `/api/v1/query_range`.
    Query(QueryResult),
    /// `/api/v1/alerts`.
    Alerts(AlertsData),
    /// `/api/v1/rules`.
    Rules(RulesData),
    /// `/api/v1/targets`.
    Targets(TargetsData),
    /// `/api/v1/status/buildinfo`.
    BuildInfo(BuildInfo),
    /// `/api/v1/label/<name>/values`, `/api/v1/labels`.
    LabelValues(Vec<String>),
    /// `/api/v1/series`.
    Series(Vec<Labels>),
    /// `/api/v1/metadata`.
    Metadata(BTreeMap<String, Vec<MetricMetadata>>),
    /// Any other endpoint's payload, kept as JSON.
    Other(serde_json::Value),
}

impl<'de> Deserialize<'de> for Data {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let v = serde_json::Value::deserialize(d)?;
        // A shape that claims to be a known payload must parse as one: a malformed query
        // result is an error, never silently "Other".
        let typed = |r: Result<Data, serde_json::Error>, what: &str| {
            r.map_err(|e| D::Error::custom(format!("{what}: {e}")))
        };
        match &v {
            serde_json::Value::Object(m) if m.contains_key("resultType") => {
                typed(serde_json::from_value(v).map(Data::Query), "query result")
            }
            serde_json::Value::Object(m) if m.contains_key("alerts") => {
                typed(serde_json::from_value(v).map(Data::Alerts), "alerts")
            }
            serde_json::Value::Object(m) if m.contains_key("groups") => {
                typed(serde_json::from_value(v).map(Data::Rules), "rules")
            }
            serde_json::Value::Object(m)
                if m.contains_key("activeTargets") || m.contains_key("droppedTargets") =>
            {
                typed(serde_json::from_value(v).map(Data::Targets), "targets")
            }
            serde_json::Value::Object(m)
                if m.contains_key("version") && m.contains_key("goVersion") =>
            {
                typed(serde_json::from_value(v).map(Data::BuildInfo), "buildinfo")
            }
            serde_json::Value::Array(a) if a.iter().all(serde_json::Value::is_string) => typed(
                serde_json::from_value(v).map(Data::LabelValues),
                "label values",
            ),
            serde_json::Value::Array(a) if a.iter().all(serde_json::Value::is_object) => {
                typed(serde_json::from_value(v).map(Data::Series), "series")
            }
            serde_json::Value::Object(m)
                if !m.is_empty() && m.values().all(serde_json::Value::is_array) =>
            {
                typed(serde_json::from_value(v).map(Data::Metadata), "metadata")
            }
            _ => Ok(Data::Other(v)),
        }
    }
}
