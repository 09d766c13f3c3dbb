//! The SQL every network view shares: flow-log records of the window resolved against the
//! inventory, NAT gateway legs, and hops between two resources of a VPC.
//!
//! Counting rules (each byte once per hop, see docs/network.md):
//! - A NAT gateway's interface logs both sides of a translated flow. Only its inside leg is
//!   counted: `ingress` records whose source is a resource of the VPC (the instance's bytes
//!   going out) and `egress` records whose destination is one (the responses coming back).
//!   The outside leg (NAT ↔ internet) and the instance's own records are not NAT bytes.
//! - Traffic between two resources of a VPC is counted on the sender's interface only
//!   (`egress` records whose destination resolves in the same VPC).
//! - A hop to or from a NAT gateway is its inside leg: instance → NAT for the requests,
//!   NAT → instance for the responses.

use chrono::NaiveDate;

use crate::records::literal;

/// What narrows every network query.
pub(crate) struct Scope<'a> {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub account: Option<&'a str>,
}

/// SQL true when `column` holds a private (RFC 1918) or carrier-grade NAT IPv4 address.
pub(crate) fn is_private(column: &str) -> String {
    format!(
        "({column} LIKE '10.%' OR {column} LIKE '192.168.%' \
         OR regexp_like({column}, '^172\\.(1[6-9]|2[0-9]|3[01])\\.') \
         OR regexp_like({column}, '^100\\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\\.'))"
    )
}

/// SQL true when a resource is an AWS-managed network device whose side of an inter-AZ
/// transfer the customer is not billed for.
fn managed(kind: &str) -> String {
    format!("{kind} IN ('nat_gateway', 'load_balancer')")
}

/// The `WITH` clause defining `inv`, `f`, `enis`, `nat_legs`, `nat_flows` and `hops`.
pub(crate) fn ctes(scope: &Scope) -> String {
    let from = literal(&scope.from.to_string());
    let to = literal(&scope.to.to_string());
    let account = scope
        .account
        .map(|a| format!(" AND account_id = {}", literal(a)))
        .unwrap_or_default();
    let private = is_private("l.outside_ip");
    let peer_private = is_private("e.peer");
    let src_managed = managed("src_type");
    let dst_managed = managed("dst_type");
    format!(
        "WITH inv AS (
  SELECT CAST(date AS VARCHAR) AS day, ip_address, eni_id, resource_id, resource_type,
         account_id, availability_zone AS az, vpc_id, tags['user_team'] AS team
  FROM inventory
  WHERE date >= DATE {from} AND date < DATE {to}
),
f AS (
  SELECT date AS day, interface_id, account_id, flow_direction,
         COALESCE(pkt_srcaddr, srcaddr) AS src, COALESCE(pkt_dstaddr, dstaddr) AS dst,
         pkt_src_aws_service AS src_service, pkt_dst_aws_service AS dst_service,
         CAST(bytes AS DOUBLE) AS bytes
  FROM flow_logs
  WHERE date >= {from} AND date < {to} AND log_status = 'OK' AND action = 'ACCEPT'
    AND bytes > 0{account}
),
enis AS (
  SELECT f.day, f.flow_direction, f.src, f.dst, f.src_service, f.dst_service, f.bytes,
         COALESCE(e.resource_id, f.interface_id) AS resource_id,
         COALESCE(e.resource_type, 'unknown') AS resource_type,
         COALESCE(e.account_id, f.account_id) AS account_id,
         COALESCE(e.az, 'unknown') AS az, e.team, e.vpc_id,
         CASE WHEN f.flow_direction = 'egress' THEN f.dst ELSE f.src END AS peer,
         CASE WHEN f.flow_direction = 'egress' THEN f.dst_service ELSE f.src_service END
           AS peer_service
  FROM f LEFT JOIN inv e ON e.eni_id = f.interface_id AND e.day = f.day
),
peers AS (
  SELECT e.*, p.resource_id AS peer_resource, p.resource_type AS peer_type, p.az AS peer_az,
         p.team AS peer_team,
         CASE WHEN e.peer_service IS NOT NULL THEN 'aws-service:' || lower(e.peer_service)
              WHEN p.resource_id IS NOT NULL THEN 'same-vpc'
              WHEN {peer_private} THEN 'private'
              ELSE 'internet' END AS peer_class
  FROM enis e
  LEFT JOIN inv p ON p.ip_address = e.peer AND p.day = e.day AND p.vpc_id = e.vpc_id
),
nat_legs AS (
  SELECT day, account_id, resource_id AS nat_gateway_id, az AS nat_az, vpc_id, team AS nat_team,
         CASE WHEN flow_direction = 'ingress' THEN 'outbound' ELSE 'response' END AS leg,
         CASE WHEN flow_direction = 'ingress' THEN src ELSE dst END AS inside_ip,
         CASE WHEN flow_direction = 'ingress' THEN dst ELSE src END AS outside_ip,
         CASE WHEN flow_direction = 'ingress' THEN dst_service ELSE src_service END AS service,
         bytes
  FROM enis WHERE resource_type = 'nat_gateway'
),
nat_flows AS (
  SELECT l.day, l.account_id, l.nat_gateway_id, l.nat_az, l.vpc_id, l.nat_team, l.leg,
         l.bytes, s.resource_id AS source_resource, s.resource_type AS source_type,
         s.az AS source_az, s.team AS source_team,
         CASE WHEN l.service IS NOT NULL THEN 'aws-service:' || lower(l.service)
              WHEN o.resource_id IS NOT NULL THEN 'same-vpc'
              WHEN {private} THEN 'private'
              ELSE 'internet' END AS destination
  FROM nat_legs l
  JOIN inv s ON s.ip_address = l.inside_ip AND s.day = l.day AND s.vpc_id = l.vpc_id
    AND s.resource_type <> 'nat_gateway'
  LEFT JOIN inv o ON o.ip_address = l.outside_ip AND o.day = l.day AND o.vpc_id = l.vpc_id
),
hop_rows AS (
  SELECT day, account_id, resource_id AS src_resource, resource_type AS src_type, az AS src_az,
         team AS src_team, peer_resource AS dst_resource, peer_type AS dst_type,
         peer_az AS dst_az, peer_team AS dst_team, bytes
  FROM peers
  WHERE flow_direction = 'egress' AND peer_resource IS NOT NULL
    AND resource_type <> 'nat_gateway' AND peer_type <> 'nat_gateway'
  UNION ALL
  SELECT day, account_id, source_resource, source_type, source_az, source_team,
         nat_gateway_id, 'nat_gateway', nat_az, nat_team, bytes
  FROM nat_flows WHERE leg = 'outbound'
  UNION ALL
  SELECT day, account_id, nat_gateway_id, 'nat_gateway', nat_az, nat_team,
         source_resource, source_type, source_az, source_team, bytes
  FROM nat_flows WHERE leg = 'response'
),
hops AS (
  SELECT *,
    CASE WHEN src_az = dst_az OR src_az = 'unknown' OR dst_az = 'unknown'
           OR (src_type = 'load_balancer' AND src_resource LIKE '%loadbalancer/app/%')
           OR (dst_type = 'load_balancer' AND dst_resource LIKE '%loadbalancer/app/%')
         THEN 0
         ELSE (CASE WHEN {src_managed} THEN 0 ELSE 1 END)
            + (CASE WHEN {dst_managed} THEN 0 ELSE 1 END)
    END AS billed_sides
  FROM hop_rows
)
"
    )
}

/// SQL of the flow-log days of the window (any record, NODATA included), sorted.
pub(crate) fn days(scope: &Scope) -> String {
    let account = scope
        .account
        .map(|a| format!(" AND account_id = {}", literal(a)))
        .unwrap_or_default();
    format!(
        "SELECT DISTINCT date AS day FROM flow_logs WHERE date >= {} AND date < {}{account} \
         ORDER BY day",
        literal(&scope.from.to_string()),
        literal(&scope.to.to_string()),
    )
}

/// ` LIMIT n` or nothing.
pub(crate) fn limit(limit: Option<usize>) -> String {
    limit.map(|n| format!(" LIMIT {n}")).unwrap_or_default()
}
