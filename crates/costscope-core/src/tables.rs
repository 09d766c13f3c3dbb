//! The one table registry: every table the lake stores (name, folder and Arrow schema) and
//! every view the engine defines. The lake, the engine and access control all read it.

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
/// Imported AWS Compute Optimizer EC2 recommendations, one row per instance and export.
pub const OPTIMIZER_EC2: &str = "optimizer_ec2";
/// Imported Cost Optimization Hub recommendations, one row per recommendation and export.
pub const OPTIMIZER_RECOMMENDATIONS: &str = "optimizer_recommendations";
/// `cur` summed per day (see [`crate::rollup`]), written at ingest with each period.
pub const CUR_DAILY: &str = "cur_daily";
/// `cur` summed per month, without the resource (see [`crate::rollup`]).
pub const CUR_MONTHLY: &str = "cur_monthly";
/// The view adding amortized and net measures to `cur`.
pub const CUR_AMORTIZED: &str = "cur_amortized";
/// The view naming which resource held each IP address, and when.
pub const IP_OWNERS: &str = "ip_owners";

/// A table the lake stores as Parquet files in a folder of its name.
#[derive(Debug, Clone, Copy)]
pub struct LakeTable {
    /// The table's SQL name, also its folder in the lake.
    pub name: &'static str,
    /// The schema of its files, partition columns included.
    pub schema: fn() -> SchemaRef,
    /// The table it is computed from at ingest (the rollups of `cur`), if any: its rows
    /// are sums of that table's rows, so access to it follows access to the source.
    pub derives_from: Option<&'static str>,
}

/// Every table the lake stores, in the order they are listed.
pub const LAKE_TABLES: [LakeTable; 8] = [
    LakeTable {
        name: CUR,
        schema: crate::cur::lake_schema,
        derives_from: None,
    },
    LakeTable {
        name: FLOW_LOGS,
        schema: flow_logs_schema,
        derives_from: None,
    },
    LakeTable {
        name: INVENTORY,
        schema: inventory_schema,
        derives_from: None,
    },
    LakeTable {
        name: BUSINESS_METRICS,
        schema: business_metrics_schema,
        derives_from: None,
    },
    LakeTable {
        name: OPTIMIZER_EC2,
        schema: optimizer_ec2_schema,
        derives_from: None,
    },
    LakeTable {
        name: OPTIMIZER_RECOMMENDATIONS,
        schema: optimizer_recommendations_schema,
        derives_from: None,
    },
    LakeTable {
        name: CUR_DAILY,
        schema: crate::rollup::daily_schema,
        derives_from: Some(CUR),
    },
    LakeTable {
        name: CUR_MONTHLY,
        schema: crate::rollup::monthly_schema,
        derives_from: Some(CUR),
    },
];

/// The views the engine defines over the lake tables.
pub const VIEWS: [&str; 2] = [CUR_AMORTIZED, IP_OWNERS];

/// Every flow-log field AWS documents (versions 2 to 5, the ECS fields of version 7,
/// `reject-reason`, `resource-id` and `encryption-status`) with its Athena type, named as in
/// Athena's flow-log table (the hyphenated field name with `-` replaced by `_`). Fields a
/// file does not carry are NULL.
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
    ("ecs_cluster_arn", DataType::Utf8),
    ("ecs_cluster_name", DataType::Utf8),
    ("ecs_container_instance_arn", DataType::Utf8),
    ("ecs_container_instance_id", DataType::Utf8),
    ("ecs_container_id", DataType::Utf8),
    ("ecs_second_container_id", DataType::Utf8),
    ("ecs_service_name", DataType::Utf8),
    ("ecs_task_definition_arn", DataType::Utf8),
    ("ecs_task_arn", DataType::Utf8),
    ("ecs_task_id", DataType::Utf8),
    ("reject_reason", DataType::Utf8),
    ("resource_id", DataType::Utf8),
    ("encryption_status", DataType::Int32),
];

/// The flow-log partition columns, in folder order: `date=YYYY-MM-DD/aws_account_id=ID/`.
/// `aws_account_id` is the account whose flow log delivered the records (from the S3 key,
/// else the record's own `account_id`), so each (date, account) is replaced on its own.
pub const FLOW_LOG_PARTITION_COLUMNS: [&str; 2] = ["date", "aws_account_id"];

/// Schema of the `flow_logs` table: every field plus the partition columns `date`
/// (`YYYY-MM-DD` of the record's start, UTC) and `aws_account_id` (the delivering account).
pub fn flow_logs_schema() -> SchemaRef {
    let mut fields: Vec<Field> = FLOW_LOG_FIELDS
        .iter()
        .map(|(n, t)| Field::new(*n, t.clone(), true))
        .collect();
    // Nullable: files written before the account key existed lack the column.
    fields.push(Field::new("date", DataType::Utf8, false));
    fields.push(Field::new("aws_account_id", DataType::Utf8, true));
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

fn export_timestamp_type() -> DataType {
    DataType::Timestamp(arrow::datatypes::TimeUnit::Millisecond, None)
}

/// Schema of the `optimizer_ec2` table: the rank-1 option of a Compute Optimizer EC2
/// export (`ExportEC2InstanceRecommendations`). `instance_id` is the last part of the ARN
/// (what CUR names the instance), `export_date` the latest UTC day of
/// `lastRefreshTimestamp_UTC` among the rows of the export file (the partition). Utilisation and savings are as the export states them.
pub fn optimizer_ec2_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("export_date", DataType::Date32, false),
        Field::new("account_id", DataType::Utf8, false),
        Field::new("instance_arn", DataType::Utf8, false),
        Field::new("instance_id", DataType::Utf8, false),
        Field::new("instance_name", DataType::Utf8, true),
        Field::new("region", DataType::Utf8, true),
        Field::new("current_instance_type", DataType::Utf8, false),
        Field::new("finding", DataType::Utf8, false),
        Field::new("finding_reason_codes", DataType::Utf8, true),
        Field::new("instance_state", DataType::Utf8, true),
        Field::new("lookback_period_days", DataType::Float64, true),
        Field::new("cpu_max_percent", DataType::Float64, true),
        Field::new("memory_max_percent", DataType::Float64, true),
        Field::new("current_on_demand_price", DataType::Float64, true),
        Field::new("recommended_instance_type", DataType::Utf8, true),
        Field::new("recommended_on_demand_price", DataType::Float64, true),
        Field::new("projected_cpu_max_percent", DataType::Float64, true),
        Field::new("performance_risk", DataType::Float64, true),
        Field::new("migration_effort", DataType::Utf8, true),
        Field::new("estimated_monthly_savings", DataType::Float64, true),
        Field::new("savings_currency", DataType::Utf8, true),
        Field::new("savings_opportunity_percent", DataType::Float64, true),
        Field::new("last_refresh_timestamp", export_timestamp_type(), false),
    ]))
}

/// Schema of the `optimizer_recommendations` table: a Cost Optimization Hub export (Data
/// Exports table `COST_OPTIMIZATION_RECOMMENDATIONS`). `resource_id` is what CUR names the
/// resource (the id after `instance/`, `volume/` … for EC2 ARNs, else the ARN);
/// `estimated_monthly_savings` is the after-discount figure (before-discount when the
/// export has no after-discount column); `export_date` is the latest UTC day of
/// `last_refresh_timestamp` among the rows of the export file (the partition).
pub fn optimizer_recommendations_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("export_date", DataType::Date32, false),
        Field::new("recommendation_id", DataType::Utf8, false),
        Field::new("account_id", DataType::Utf8, false),
        Field::new("account_name", DataType::Utf8, true),
        Field::new("region", DataType::Utf8, true),
        Field::new("resource_arn", DataType::Utf8, false),
        Field::new("resource_id", DataType::Utf8, false),
        Field::new("action_type", DataType::Utf8, false),
        Field::new("current_resource_type", DataType::Utf8, false),
        Field::new("recommended_resource_type", DataType::Utf8, true),
        Field::new("current_resource_summary", DataType::Utf8, true),
        Field::new("recommended_resource_summary", DataType::Utf8, true),
        Field::new("estimated_monthly_savings", DataType::Float64, false),
        Field::new(
            "estimated_monthly_savings_before_discount",
            DataType::Float64,
            true,
        ),
        Field::new("estimated_monthly_cost", DataType::Float64, true),
        Field::new("estimated_savings_percentage", DataType::Float64, true),
        Field::new("currency_code", DataType::Utf8, true),
        Field::new("implementation_effort", DataType::Utf8, true),
        Field::new("recommendation_source", DataType::Utf8, true),
        Field::new("restart_needed", DataType::Boolean, true),
        Field::new("rollback_possible", DataType::Boolean, true),
        Field::new("lookback_period_days", DataType::Float64, true),
        Field::new("last_refresh_timestamp", export_timestamp_type(), false),
    ]))
}
