//! The Prometheus HTTP API, I/O-free: wire types shared with the simulator, response parsing and
//! classification, conversion of results into [`Reading`](crate::metrics::Reading)s, and PromQL
//! query templates.
//!
//! The poller (thin I/O) sends a request, then hands status, content type and body to
//! [`parse_response`] and the result to [`to_reading`]/[`to_readings`]/[`to_series`]. Nothing here
//! reads the clock: `now` is always a parameter.

pub mod api;
pub mod convert;
pub mod endpoints;
pub mod query;
pub mod response;
pub mod time;

pub use api::{
    ApiResponse, Data, ErrorType, InstantSample, QueryResult, RangeSeries, Sample, SampleValue,
    Status, StringSample,
};
pub use convert::{
    ChartPoint, ChartSeries, Expect, Observation, RangeParams, RangeResult, range_for,
    readings_by_label, to_reading, to_readings, to_series,
};
pub use endpoints::{
    ActiveTarget, Alert, AlertsData, BuildInfo, DroppedTarget, MetricMetadata, Rule, RuleGroup,
    RulesData, TargetsData,
};
pub use query::{QueryTemplates, TemplateError, escape_string, promql_duration, render};
pub use response::{
    DEFAULT_MAX_BODY_BYTES, Limits, QueryError, Retry, check_length, parse_response,
    parse_response_with,
};
pub use time::PromTime;
