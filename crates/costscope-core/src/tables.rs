//! Names and Arrow schemas of the lake's tables other than `cur` (see [`crate::cur`]).

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

/// CUR 2.0 rows, partitioned by billing period.
pub const CUR: &str = "cur";
/// VPC Flow Log records.
pub const FLOW_LOGS: &str = "flow_logs";
/// Resource inventory: which resource held an IP or ENI on a date.
pub const INVENTORY: &str = "inventory";
/// Daily business metrics (invocations, clicks, orders, revenue).
pub const BUSINESS_METRICS: &str = "business_metrics";
/// The view adding amortized and net measures to `cur`.
pub const CUR_AMORTIZED: &str = "cur_amortized";

/// Every flow-log field up to version 5 with its Athena type, named as in Athena's
/// flow-log table (the hyphenated field name with `-` replaced by `_`).
pub const FLOW_LOG_FIELDS: &[(&str, DataType)] = &[
    ("version", DataType::Int32),
    ("account_id", DataType::Utf8),
    ("interface_id", DataType::Utf8),
    ("srcaddr", DataType::Utf8),
    ("dstaddr", DataType::Utf8),
    ("srcport", DataType::Int32),
    ("dstport", DataType::Int32),
    ("protocol", DataType::Int64),
    ("packets", DataType::Int64),
    ("bytes", DataType::Int64),
    ("start", DataType::Int64),
    ("end", DataType::Int64),
    ("action", DataType::Utf8),
    ("log_status", DataType::Utf8),
    ("vpc_id", DataType::Utf8),
    ("subnet_id", DataType::Utf8),
    ("instance_id", DataType::Utf8),
    ("tcp_flags", DataType::Int32),
    ("type", DataType::Utf8),
    ("pkt_srcaddr", DataType::Utf8),
    ("pkt_dstaddr", DataType::Utf8),
    ("region", DataType::Utf8),
    ("az_id", DataType::Utf8),
    ("sublocation_type", DataType::Utf8),
    ("sublocation_id", DataType::Utf8),
    ("pkt_src_aws_service", DataType::Utf8),
    ("pkt_dst_aws_service", DataType::Utf8),
    ("flow_direction", DataType::Utf8),
    ("traffic_path", DataType::Int32),
];

/// Schema of the `flow_logs` table: every field plus the partition column `date`
/// (`YYYY-MM-DD` of the record's start).
pub fn flow_logs_schema() -> SchemaRef {
    let mut fields: Vec<Field> = FLOW_LOG_FIELDS
        .iter()
        .map(|(n, t)| Field::new(*n, t.clone(), true))
        .collect();
    fields.push(Field::new("date", DataType::Utf8, false));
    Arc::new(Schema::new(fields))
}

/// Schema of the `inventory` table. One row per (date, IP or ENI): an IP reused later
/// resolves to the resource that held it on that date.
pub fn inventory_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("date", DataType::Date32, false),
        Field::new("ip_address", DataType::Utf8, true),
        Field::new("eni_id", DataType::Utf8, true),
        Field::new("resource_id", DataType::Utf8, false),
        Field::new("resource_type", DataType::Utf8, false),
        Field::new("account_id", DataType::Utf8, true),
        Field::new("region", DataType::Utf8, true),
        Field::new("availability_zone", DataType::Utf8, true),
        Field::new("az_id", DataType::Utf8, true),
        Field::new("subnet_id", DataType::Utf8, true),
        Field::new("vpc_id", DataType::Utf8, true),
        Field::new("nat_gateway_id", DataType::Utf8, true),
        Field::new("tags", crate::cur::map_type(DataType::Utf8), true),
    ]))
}

/// Schema of the `business_metrics` table.
pub fn business_metrics_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("date", DataType::Date32, false),
        Field::new("metric", DataType::Utf8, false),
        Field::new("value", DataType::Float64, false),
        Field::new("app", DataType::Utf8, true),
        Field::new("team", DataType::Utf8, true),
    ]))
}
